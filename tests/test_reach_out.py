"""Reach-out under a fixed clock: touches clear what they answered, only possible actions are suggested,
a loss or an illness stands alone, and a key client's contact moving on raises an item for the account."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engagement.contacts import import_contacts
from engagement.people import log_touch
from engagement.reach_out import company_in_notes, reach_out, reach_out_list
from test_relationships import DAY0, History, config_at, config_data


@pytest.fixture
def history(tmp_path: Path):
    h = History(tmp_path / "lw.duckdb")
    yield h
    h.db.close()


def entries(config, db) -> dict[str, dict]:
    return {r.person: r.to_dict() for r in reach_out_list(config, db, limit=50)}


def _cli_reach_out(history: History, now) -> str:
    """`listenwell reach-out` on the history's database, with the history's config written as a file."""
    import yaml
    from click.testing import CliRunner

    from listenwell.cli import main

    folder = Path(history.db.path).parent
    data = config_data(now, storage={"path": "lw.duckdb"})
    config = folder / "reach-out-config.yaml"
    config.write_text(yaml.safe_dump(data))
    history.db.con.execute("CHECKPOINT")
    result = CliRunner().invoke(main, ["--config", str(config), "reach-out", "--limit", "50"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_touch_after_the_evidence_clears_the_item_and_says_so(history: History):
    complained = DAY0 + timedelta(days=1)
    history.post("anasouza", "@fernhillhq the sync is broken again and nobody answers. Terrible.", complained)
    history.post("bochen", "@fernhillhq the export failed again, this is awful", complained)
    now = complained + timedelta(days=1)
    history.process(config_at(now))
    before = entries(config_at(now), history.db)
    assert before["Ana Souza"]["reason"] == "negative" and before["Bo Chen"]["reason"] == "negative"

    # a call before the complaint clears nothing; a call after it does
    log_touch(history.db, "Bo Chen", "call", "quarterly check-in", DAY0)
    log_touch(history.db, "Ana Souza", "call", "talked it through", now - timedelta(hours=2))
    result = reach_out(config_at(now), history.db, limit=50)
    after = {r.person: r for r in result.items}
    assert "Ana Souza" not in after
    assert after["Bo Chen"].reason == "negative"
    [said] = [c for c in result.cleared if c["person"] == "Ana Souza"]
    assert said["kind"] == "call"
    assert said["sentence"].startswith(f"You called Ana on {now.day} {now:%b}; cleared: the problem they raised")
    assert "sync is broken" in said["sentence"]
    # the CLI says it too, as the digest does: Ana is off the list and her call is reported done
    printed = _cli_reach_out(history, now)
    assert f"Done: You called Ana on {now.day} {now:%b}; cleared" in printed and "Call Bo" in printed

    # news posted after the call is new: it is on the list again, and the entry says what the call cleared
    history.post("anasouza", "Thrilled to share that I've joined Acme as VP Operations!", now - timedelta(hours=1))
    history.process(config_at(now))
    ana = {r.person: r for r in reach_out_list(config_at(now), history.db, limit=50)}["Ana Souza"]
    assert ana.reason == "moment" and "negative" not in (ana.also or [])
    assert "You called Ana" in ana.sentence and "cleared: the problem they raised" in ana.sentence


def test_only_possible_actions_are_suggested(history: History, tmp_path: Path):
    asked = DAY0 + timedelta(days=1)
    history.post("devp", "u/fernhill_team can the notes be exported with the PDF?", asked, platform="reddit",
                 mentions=("fernhill_team",))
    history.post("carol", "@fernhillhq does the API support webhooks?", asked)
    history.post("bochen", "@fernhillhq how do I export a dashboard to PDF?", asked)
    now = asked + timedelta(days=2)
    history.process(config_at(now))
    found = entries(config_at(now), history.db)
    anonymous = found["Devp"]  # its display name is its handle
    assert anonymous["action"] == "reply" and anonymous["sentence"].startswith("Answer u/devp in public on Reddit")
    assert "email" not in anonymous["sentence"].lower()
    assert found["Carol"]["action"] == "reply" and "Email" not in found["Carol"]["sentence"]
    # a key client with no address on file: a call, not an email
    assert found["Bo Chen"]["action"] == "call" and not found["Bo Chen"]["sentence"].startswith("Email")

    # once Carol is an imported contact with an address, an email is possible
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("Name,Email,X\nCarol Diaz,carol@diaz.example,carol\n", encoding="utf-8")
    import_contacts(history.db, config_at(now), contacts, now=now, by="test")
    history.process(config_at(now))
    carol = next(r for r in reach_out_list(config_at(now), history.db, limit=50) if r.person_id.startswith("ct:"))
    assert carol.action == "email" and carol.sentence.startswith("Email Carol an answer")


def test_after_a_loss_the_note_stands_alone(history: History):
    history.post("bochen", "@fernhillhq thanks for the onboarding call", DAY0)
    history.post("bochen", "@fernhillhq the export failed again, this is awful", DAY0 + timedelta(days=40))
    history.post("bochen", "My father passed away last week. Taking some time off.", DAY0 + timedelta(days=41))
    now = DAY0 + timedelta(days=42)
    history.process(config_at(now))
    loss = entries(config_at(now), history.db)["Bo Chen"]
    assert loss["reason"] == "moment" and loss["action"] == "note" and "condolence" in loss["sentence"]
    assert loss["also"] is None
    for business in ("Also", "problem", "no conversation", "export"):
        assert business not in loss["sentence"], business


def test_a_key_clients_contact_moving_on_raises_an_item_for_the_account(history: History):
    clients = [{"name": "Ana Souza", "tier": 1, "handles": {"x": ["anasouza"]},
                "notes": "COO at Brightpath Logistics (our champion there); prefers calls"},
               {"name": "Bo Chen", "tier": 2, "handles": {"x": ["bochen"]}, "notes": "Head of Data, Northwind Grocers"}]
    at = DAY0 + timedelta(days=40)
    history.post("anasouza", "Thrilled to share that I've joined Acme Freight as VP Operations!", at)
    history.post("bochen", "Excited to start my new role as VP Data at Northwind Grocers!", at)
    now = at + timedelta(days=2)
    config = config_at(now, key_clients=clients)
    history.process(config)
    found = entries(config, history.db)
    account = found["Brightpath Logistics"]
    assert account["reason"] == "champion_left" and account["person_id"] == "kc:ana-souza"
    assert account["sentence"].startswith("Brightpath Logistics lost its champion: who is the new contact?")
    assert "Acme Freight" in account["sentence"] and account["evidence_url"]
    assert found["Ana Souza"]["reason"] == "moment"  # her own congratulations stay hers
    # a new role at the same company is not a loss for the account
    assert "Northwind Grocers" not in found


def test_the_company_is_read_from_the_first_clause_of_the_notes():
    assert company_in_notes("COO at Brightpath Logistics (our champion there); prefers calls") == \
        "Brightpath Logistics"
    assert company_in_notes("Founder & CEO, Tidewater Labs; early design partner") == "Tidewater Labs"
    assert company_in_notes("Ops analyst, Shirokane Trading (Tokyo); writes in English") == "Shirokane Trading"
    assert company_in_notes("prefers calls; two kids") is None
    assert company_in_notes(None) is None
