"""`listenwell people import`, `people suggest-merges`, `people accept|reject`, `people merges`: contacts in,
and one human with many handles."""
from __future__ import annotations

from pathlib import Path

import click

from engagement.contact_files import FIELDS, FORMATS, MAX_BYTES
from listenwell.cli_common import ListenwellError, State, echo, line, pass_state, person_name, print_json, who
from storage.writes import key_client_person_id


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise click.BadParameter(f"expected FIELD=COLUMN such as x=Twitter (got {pair!r})", param_hint="--map")
        if field.strip() not in FIELDS:
            raise click.BadParameter(f"unknown field {field.strip()!r}; fields: {', '.join(FIELDS)}",
                                     param_hint="--map")
        mapping[field.strip()] = column.strip()
    return mapping


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change; write nothing.")
@click.option("--format", "fmt", default="auto", show_default=True, type=click.Choice(FORMATS),
              help="auto: .vcf is vCard, .json a Monica export, anything else CSV (HubSpot and Salesforce "
                   "exports are recognised by their columns).")
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN",
              help=f"Read a field from a CSV column (repeatable). Fields: {', '.join(FIELDS)}.")
@click.option("--encoding", default="utf-8", show_default=True, help="The file's encoding (cp1252, latin-1, …).")
@click.option("--skip-bad", is_flag=True, help="Import the good lines and list the bad ones (default: a bad line "
                                               "stops the whole file, exit 2).")
@click.option("--max-mb", default=MAX_BYTES // 1024 // 1024, show_default=True, type=click.IntRange(1, 2048),
              help="Refuse files larger than this.")
@click.option("--by", help="Who imports (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_state
def people_import(state: State, file: Path, dry_run: bool, fmt: str, maps: tuple[str, ...], encoding: str,
                  skip_bad: bool, max_mb: int, by: str | None, as_json: bool) -> None:
    """Import contacts (names, tiers, handles, e-mails, company, notes) from a CRM export, a vCard file
    or a Monica export. Idempotent: a rerun changes nothing. A contact with a tier (1-5) is a key client.

    CSV columns are recognised by their usual names (Name or First/Last Name, Email, Company, Tier,
    Twitter, Reddit, Blog, Website, Notes, Record ID); HubSpot and Salesforce exports work as they are.

    \b
    Example:
      listenwell people import hubspot-contacts.csv --dry-run
      listenwell people import clients.csv --map x="Twitter handle" --map tier=Priority
      listenwell people import contacts.vcf
      listenwell people import monica.json --skip-bad --json
    """
    from engagement.contacts import ContactImportError, import_contacts

    mapping = _mapping(maps)
    config = state.config
    if not file.exists():
        raise ListenwellError(f"{file}: no such file")
    with state.db(create=True) as db:
        try:
            report = import_contacts(db, config, file, now=config.now(), by=by or who(), fmt=fmt, mapping=mapping,
                                     encoding=encoding, skip_bad=skip_bad, dry_run=dry_run,
                                     max_bytes=max_mb * 1024 * 1024)
        except ContactImportError as exc:
            lines = [str(exc)] + [f"  {p}" for p in exc.problems[:50]]
            if len(exc.problems) > 50:
                lines.append(f"  … and {len(exc.problems) - 50} more")
            raise ListenwellError("\n".join(lines)) from None
    data = report.to_dict()
    if as_json:
        print_json(data)
        return
    counts = data["counts"]
    head = "dry run, nothing written: " if dry_run else ""
    echo(f"{head}{file.name} ({report.origin}): {counts['created']} created, {counts['updated']} updated, "
         f"{counts['unchanged']} unchanged, {counts['skipped']} skipped")
    for entry in report.created:
        echo(f"  + line {entry['line']}: {line(entry['name'])} ({entry['person_id']})")
    for entry in report.updated:
        echo(f"  ~ line {entry['line']}: {line(entry['name'])} ({', '.join(entry['changed'])})")
    for skip in report.skipped:
        where = f"line {skip['line']}" + (f", column {skip['column']}" if skip["column"] else "")
        echo(f"  - {where}: {line(skip['reason'])}")


def _show_suggestion(s: dict) -> None:
    echo(f"{s['suggestion_id']}  {s['score']:.2f}  {line(s['a']['name'])} ({s['a']['person_id']})  ⟷  "
         f"{line(s['b']['name'])} ({s['b']['person_id']})")
    for e in s["evidence"]:
        echo(f"      {e['kind'].replace('_', ' ')}: {line(e['detail'])}")


@click.command("suggest-merges")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def people_suggest_merges(state: State, as_json: bool) -> None:
    """People that are probably the same human, with the evidence. Nothing is merged until you accept.

    \b
    Example:
      listenwell people suggest-merges
      listenwell people accept ms-3f9a1c2b7d
      listenwell people reject ms-77d0e41a02
    """
    from engagement.identity_suggestions import refresh_suggestions

    with state.db() as db:
        items = refresh_suggestions(db, state.config.now())
    if as_json:
        print_json(items)
        return
    if not items:
        echo("no suggestions: nobody looks like someone else")
    for s in items:
        _show_suggestion(s)
    if items:
        echo("\naccept with `listenwell people accept ID`, reject with `listenwell people reject ID`")


def _config_key_clients(state: State) -> set[str]:
    return {key_client_person_id(c.name) for c in state.config.key_clients}


@click.command("accept")
@click.argument("suggestion_id")
@click.option("--by", help="Who decides (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def people_accept(state: State, suggestion_id: str, by: str | None, as_json: bool) -> None:
    """Accept a merge suggestion: the two people become one (undo with `people split MERGE_ID`).

    \b
    Example:
      listenwell people accept ms-3f9a1c2b7d
    """
    from engagement.identity_suggestions import SuggestionError, accept

    with state.db() as db:
        try:
            result = accept(db, suggestion_id, state.config.now(), by or who(), _config_key_clients(state))
        except SuggestionError as exc:
            raise ListenwellError(str(exc)) from None
        kept = person_name(db, result["person_id"])
    if as_json:
        print_json(result)
        return
    echo(f"merged {line(result['merged_name'] or result['merged'])} into {kept} as "
         f"{result['merge_id']}; undo with `listenwell people split {result['merge_id']}`")


@click.command("reject")
@click.argument("suggestion_id")
@click.option("--by", help="Who decides (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def people_reject(state: State, suggestion_id: str, by: str | None, as_json: bool) -> None:
    """Reject a merge suggestion: these two are different people, and it is never proposed again.

    \b
    Example:
      listenwell people reject ms-77d0e41a02
    """
    from engagement.identity_suggestions import SuggestionError, reject

    with state.db() as db:
        try:
            result = reject(db, suggestion_id, state.config.now(), by or who())
        except SuggestionError as exc:
            raise ListenwellError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    first, second = result["names"]
    echo(f"{line(first)} and {line(second)} stay two people; they will not be proposed again")


@click.command("merges")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def people_merges(state: State, limit: int, as_json: bool) -> None:
    """Merges so far, newest first, with who made them; `people split MERGE_ID` undoes one.

    \b
    Example:
      listenwell people merges --json
    """
    from engagement.people import list_merges

    with state.db(read_only=True) as db:
        rows = list_merges(db, limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("no merges yet")
    for m in rows:
        undone = f"  (undone {m['undone_at']:%Y-%m-%d} by {line(m['undone_by'])})" if m["undone_at"] else ""
        echo(f"{m['merge_id']}  {m['merged_at']:%Y-%m-%d %H:%M}  {line(m['merged_by'])}: {line(m['merged_name'])} "
             f"({m['merged']}) into {m['kept']}{undone}")


COMMANDS = (people_import, people_suggest_merges, people_accept, people_reject, people_merges)
