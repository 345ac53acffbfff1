"""`listenwell people import` with real files: a HubSpot export, a Salesforce report in Windows-1252, a
vCard file with folded lines and non-ASCII names, a Monica JSON export; bad input refused whole."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from listenwell.cli import main

DATA = Path(__file__).parent / "data" / "contacts"


@pytest.fixture
def site(bundled_run: Path, tmp_path: Path) -> Path:
    """A scratch copy of the bundled run (posts, people, key clients from config.yaml)."""
    root = tmp_path / "site"
    shutil.copytree(bundled_run.parent, root, ignore=shutil.ignore_patterns("listenwell-web.json", "serve-*.log"))
    return root / "config.yaml"


def run(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args])


def query(config: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(config.parent / "data" / "listenwell.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def snapshot(config: Path) -> dict[str, list]:
    """Everything an import may touch, to prove a rerun or a refused file changed nothing."""
    return {table: query(config, f"SELECT * FROM {table} ORDER BY ALL") for table in
            ("people", "identities", "contacts", "contact_handles", "interactions", "identity_claims")}


def test_hubspot_export_imports_without_a_mapping_and_rerun_changes_nothing(site: Path):
    assert query(site, "SELECT person_id FROM identities WHERE identity_uid = 'x:lenahartmann'") == \
        [("p:x:lenahartmann",)]
    result = run(site, "people", "import", str(DATA / "hubspot-contacts.csv"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["origin"] == "hubspot"
    assert report["counts"] == {"created": 5, "updated": 0, "unchanged": 0, "skipped": 1}
    assert report["skipped"] == [{"line": 6, "column": None, "reason": "no name (skipped)"}]
    # Lena's X identity now belongs to the imported contact; her old automatic person is gone, not left empty
    assert query(site, "SELECT person_id FROM identities WHERE identity_uid = 'x:lenahartmann'") == \
        [("ct:lena-hartmann",)]
    assert query(site, "SELECT count(*) FROM people WHERE person_id = 'p:x:lenahartmann'") == [(0,)]
    assert query(site, "SELECT name, tier, is_key_client FROM people WHERE person_id = 'ct:lena-hartmann'") == \
        [("Lena Hartmann", 2, True)]
    # her interactions followed her identity: the imported person has a health from real history
    assert query(site, "SELECT count(*) > 0 FROM interactions WHERE person_id = 'ct:lena-hartmann'") == [(True,)]
    # a contact named like a config key client feeds that key client (config keeps their tier and notes)
    assert query(site, "SELECT person_id, company, emails FROM contacts WHERE name = 'Priya Raman'") == \
        [("kc:priya-raman", "Acme Freight", ["priya.raman@acmefreight.example"])]
    assert query(site, "SELECT tier, notes LIKE 'COO at Brightpath%' FROM people WHERE person_id = 'kc:priya-raman'") \
        == [(1, True)]
    # handles written as @name, names with accents, a company with a comma
    assert query(site, "SELECT handle FROM contact_handles WHERE contact_id = 'ct:jamal-wright'") == [("jamalwright",)]
    assert query(site, "SELECT name, company FROM contacts WHERE contact_id IN ('ct:jose-nunez', 'ct:olivia-brandt') "
                       "ORDER BY 1") == [("José Núñez", "Brickline"), ("Olivia Brandt", "Northlight Ventures, LLC")]

    before = snapshot(site)
    again = run(site, "people", "import", str(DATA / "hubspot-contacts.csv"), "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["counts"] == {"created": 0, "updated": 0, "unchanged": 5, "skipped": 1}
    assert snapshot(site) == before
    # and a full pipeline run keeps the imported claims
    assert run(site, "run", "--once", "--no-digest").exit_code == 0
    assert query(site, "SELECT person_id FROM identities WHERE identity_uid = 'x:lenahartmann'") == \
        [("ct:lena-hartmann",)]

    # the account manager sees their imported clients' health, company and e-mail
    person = json.loads(run(site, "person", "ct:lena-hartmann", "--json").output)
    assert person["company"] == "Data Quality Weekly" and person["emails"] == ["lena@dqweekly.example"]
    assert person["health"]["overall"] > 0 and any(i["identity_uid"] == "x:lenahartmann" for i in person["identities"])
    listed = {p["person_id"]: p for p in json.loads(run(site, "people", "--json", "--limit", "500").output)}
    assert listed["ct:olivia-brandt"]["is_contact"] and listed["ct:jose-nunez"]["tier"] == 3


def test_an_edited_export_updates_only_what_changed(site: Path, tmp_path: Path):
    assert run(site, "people", "import", str(DATA / "hubspot-contacts.csv")).exit_code == 0
    edited = tmp_path / "hubspot-contacts.csv"
    text = (DATA / "hubspot-contacts.csv").read_text(encoding="utf-8")
    edited.write_text(text.replace("Partner,,,lead", "Partner,oliviabrandt,,lead"), encoding="utf-8")
    result = run(site, "people", "import", str(edited), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"]["updated"] == 1 and report["updated"][0]["name"] == "Olivia Brandt"
    assert report["updated"][0]["changed"] == ["handles"]
    assert query(site, "SELECT person_id FROM identities WHERE identity_uid = 'x:oliviabrandt'") == \
        [("ct:olivia-brandt",)]


def test_dry_run_reports_and_writes_nothing(site: Path):
    before = snapshot(site)
    result = run(site, "people", "import", str(DATA / "hubspot-contacts.csv"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, nothing written" in result.output and "5 created" in result.output
    assert snapshot(site) == before


def test_salesforce_report_in_windows_1252(site: Path):
    before = snapshot(site)
    refused = run(site, "people", "import", str(DATA / "salesforce-contacts-cp1252.csv"))
    assert refused.exit_code == 2
    assert "line 2, column First Name" in refused.output and "--encoding" in refused.output
    assert "Traceback" not in refused.output
    assert snapshot(site) == before
    result = run(site, "people", "import", str(DATA / "salesforce-contacts-cp1252.csv"), "--encoding", "cp1252",
                 "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["origin"] == "salesforce" and report["counts"]["created"] == 2
    assert query(site, "SELECT name, company, source_key, notes FROM contacts ORDER BY name") == [
        ("Mats Sjöberg", "Nordfrakt AB", "salesforce:003Hs00001AbCdEG", None),
        ("Renée Fontaine", "Lumière Logistique", "salesforce:003Hs00001AbCdEF", "Met at the Lyon meetup; prefers email"),
    ]


def test_vcard_with_folded_lines_and_non_ascii_names(site: Path):
    result = run(site, "people", "import", str(DATA / "clients.vcf"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["origin"] == "vcard"
    assert [(c["line"], c["name"]) for c in report["created"]] == [
        (1, "Zoë Ångström"), (15, "渡辺 健二"), (25, "Siobhán Ó Briain")]
    rows = {r[0]: r[1:] for r in query(site, "SELECT name, tier, company, emails, notes, website FROM contacts")}
    zoe = rows["Zoë Ångström"]
    assert zoe[0] == 2 and zoe[1] == "Nordlys Analytics"
    assert sorted(zoe[2]) == ["zoe.angstrom@mail.example", "zoe@nordlys.example"]
    # the folded NOTE is one line again, its escaped comma a comma
    assert zoe[3] == ("Met at the Oslo data meetup in 2025. Runs a weekly metrics review for the whole company "
                      "and asked about scheduled exports, row-level permissions and our roadmap for the Nordic market.")
    assert rows["渡辺 健二"][3] == "東京のオペレーション分析担当。英語と日本語で投稿。"
    assert rows["Siobhán Ó Briain"][0] == 3 and rows["Siobhán Ó Briain"][4] == "https://cairn.example/team/siobhan"
    handles = set(query(site, "SELECT platform, handle, contact_id FROM contact_handles"))
    assert handles == {("x", "zoeangstrom", "ct:zoe-angstrom"), ("x", "watanabe_k2", "ct:渡辺-健二"),
                       ("x", "siobhan_ob", "ct:siobhan-o-briain")}
    again = json.loads(run(site, "people", "import", str(DATA / "clients.vcf"), "--json").output)
    assert again["counts"]["unchanged"] == 3


def test_monica_export(site: Path):
    result = run(site, "people", "import", str(DATA / "monica-export.json"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["origin"] == "monica"
    assert report["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1}
    assert report["skipped"][0]["line"] > 1  # the nameless contact, located in the file
    rows = {r[0]: r[1:] for r in query(site, "SELECT name, person_id, tier, company, emails, notes FROM contacts")}
    # Grace is a config key client: her Monica record adds e-mail and company to that person
    assert rows["Grace Whitfield"][:4] == ("kc:grace-whitfield", 2, "Lumen & Oak", ["grace@lumenoak.example"])
    assert "Quarterly check-in due" in rows["Grace Whitfield"][4]
    assert rows["Ingrid Berg"][0] == "ct:ingrid-berg" and rows["Ingrid Berg"][3] == ["ingrid.berg@mail.example"]
    assert query(site, "SELECT person_id FROM identities WHERE identity_uid = 'x:ingridberg'") == [("ct:ingrid-berg",)]


def test_a_csv_with_its_own_column_names_needs_a_mapping(site: Path, tmp_path: Path):
    path = tmp_path / "clients.csv"
    path.write_text("Client;Handle on X;Priority;Mail\nAda Quinn;@adaquinn;Tier 1;ada@quinn.example\n",
                    encoding="utf-8")
    missing = run(site, "people", "import", str(path))
    assert missing.exit_code == 2
    assert "line 1: no name column" in missing.output and "--map name=COLUMN" in missing.output
    result = run(site, "people", "import", str(path), "--map", "name=Client", "--map", "x=Handle on X",
                 "--map", "tier=Priority", "--map", "email=Mail", "--json")
    assert result.exit_code == 0, result.output
    assert query(site, "SELECT name, tier, emails FROM contacts") == [("Ada Quinn", 1, ["ada@quinn.example"])]
    assert query(site, "SELECT handle FROM contact_handles") == [("adaquinn",)]
    wrong = run(site, "people", "import", str(path), "--map", "name=Nope")
    assert wrong.exit_code == 2 and "no column 'Nope'" in wrong.output


def test_bad_lines_refuse_the_whole_file_unless_skip_bad(site: Path, tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "Name,Email,Twitter,Tier\n"
        "Ada Quinn,ada@quinn.example,adaquinn,1\n"
        "Bea Quinn,bea@quinn.example,adaquinn,2\n"          # the same handle claimed by a second person
        "Cy Quinn,not-an-address,cyquinn,\n"                # a bad e-mail
        "Di Quinn,di@quinn.example,diquinn,gold\n"          # a tier that is not 1-5
        "Ed Quinn,ed@quinn.example,priyaraman_ops,\n"       # a config key client's handle
        "Flo Quinn,flo@quinn.example,floquinn,3\n",
        encoding="utf-8")
    before = snapshot(site)
    refused = run(site, "people", "import", str(path))
    assert refused.exit_code == 2
    out = refused.output
    assert "4 bad lines; nothing was imported" in out
    assert "line 3, column Twitter: x handle 'adaquinn' is also claimed on line 2 (Ada Quinn)" in out
    assert "line 4, column Email: 'not-an-address' is not an e-mail address" in out
    assert "line 5, column Tier: expected a tier from 1" in out
    assert "line 6, column Twitter: x handle 'priyaraman_ops' is claimed by config key client Priya Raman" in out
    assert snapshot(site) == before  # one transaction: nothing half-imported

    result = run(site, "people", "import", str(path), "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output and "4 skipped" in result.output
    for line in (3, 4, 5, 6):
        assert f"  - line {line}, column" in result.output
    assert sorted(r[0] for r in query(site, "SELECT name FROM contacts")) == ["Ada Quinn", "Flo Quinn"]


def test_a_handle_owned_by_a_contact_from_another_file_is_refused(site: Path, tmp_path: Path):
    assert run(site, "people", "import", str(DATA / "hubspot-contacts.csv")).exit_code == 0
    other = tmp_path / "other.csv"
    other.write_text("Name,Twitter\nSomeone Else,lenahartmann\n", encoding="utf-8")
    refused = run(site, "people", "import", str(other))
    assert refused.exit_code == 2
    assert "line 2, column Twitter: x handle 'lenahartmann' already belongs to the imported contact Lena Hartmann" \
        in refused.output


def test_oversized_empty_and_unreadable_files(site: Path, tmp_path: Path):
    big = tmp_path / "huge.csv"
    with big.open("wb") as fh:  # 100 MB, sparse: nothing is read before the size check
        fh.write(b"Name,Email\n")
        fh.truncate(100 * 1024 * 1024)
    before = snapshot(site)
    refused = run(site, "people", "import", str(big))
    assert refused.exit_code == 2
    assert "the file is 100 MB; contact files over 50 MB are refused" in refused.output
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "line 1: the file is empty" in run(site, "people", "import", str(empty)).output
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": "1.0-preview.1", "account": {', encoding="utf-8")
    result = run(site, "people", "import", str(broken))
    assert result.exit_code == 2 and "not valid JSON" in result.output and "line 1" in result.output
    card = tmp_path / "cut.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Half a card\n", encoding="utf-8")
    result = run(site, "people", "import", str(card))
    assert result.exit_code == 2 and "line 1, column END: the card has no END:VCARD" in result.output
    assert snapshot(site) == before
    assert run(site, "people", "import", str(tmp_path / "nope.csv")).exit_code == 2


def test_config_key_clients_still_work_beside_imported_ones(site: Path):
    assert run(site, "people", "import", str(DATA / "hubspot-contacts.csv")).exit_code == 0
    # a full run re-syncs config: config's clients stay key clients, imported tiers stay too
    assert run(site, "run", "--once", "--no-digest").exit_code == 0
    tiers = dict(query(site, "SELECT person_id, tier FROM people WHERE is_key_client"))
    assert tiers["kc:sofia-lindqvist"] == 1 and tiers["ct:lena-hartmann"] == 2 and tiers["ct:jose-nunez"] == 3
    assert "ct:olivia-brandt" not in tiers  # no tier: a contact, not a key client
