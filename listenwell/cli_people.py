"""`listenwell people`, `person`, `touch` and `reach-out`: relationships, beyond the feed."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import click

from engagement.people import PersonError, delete_touch, edit_touch, list_people, list_touches, log_touch, \
    merge_people, person_detail, resolve_person, split_identity, TOUCH_KINDS
from engagement.reach_out import REASONS, snooze, snoozed, unsnooze
from engagement.reach_out import reach_out as reach_out_and_cleared
from listenwell.terminal import terminal_safe
from listenwell.cli_common import (
    ListenwellError, State, data_out, echo, line, pass_state, person_name, plural, print_json, who,
)
from storage.writes import key_client_person_id


def _bar(value: float) -> str:
    filled = int(round(value / 10))
    return "█" * filled + "·" * (10 - filled)


@click.group(invoke_without_command=True)
@click.option("--cooling", is_flag=True, help="Only relationships whose health is falling.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def people(ctx: click.Context, cooling: bool, limit: int, as_json: bool) -> None:
    """People we have a relationship with, key clients first, with their health and trend.

    \b
    Example:
      listenwell people --cooling
      listenwell people merge "Ana Souza" reddit:ana_s
    """
    if ctx.invoked_subcommand:
        return
    state: State = ctx.obj
    with state.db() as db:
        rows = list_people(db, state.config.now(), cooling_only=cooling, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("nobody cooling" if cooling else "no people yet; run `listenwell run --once`")
    for p in rows:
        h = p["health"]
        tier = f"tier {p['tier']}" if p["tier"] else "      "
        echo(f"{h['overall']:5.1f} {h['trend']:<8} {tier}  {terminal_safe(p['name'], one_line=True):<24} "
                   f"time {h['time']:3.0f} trust {h['trust']:3.0f} intensity {h['intensity']:3.0f} "
                   f"reciprocity {h['reciprocity']:3.0f}  ({p['person_id']})")


@people.command("merge")
@click.argument("keep")
@click.argument("other")
@click.option("--by", help="Who merges (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def people_merge(state: State, keep: str, other: str, by: str | None, as_json: bool) -> None:
    """Fold OTHER into KEEP: one human, several handles. Re-collection never undoes it; OTHER's person is
    gone afterwards (no empty namesake), and `people split MERGE_ID` gives it back.

    \b
    Example:
      listenwell people merge "Ana Souza" reddit:ana_s
    """
    with state.db() as db:
        try:
            result = merge_people(db, keep, other, state.config.now(), by or who(),
                                  {key_client_person_id(c.name) for c in state.config.key_clients})
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
        kept = person_name(db, result["person_id"])
    if as_json:
        print_json(result)
        return
    echo(f"merged {line(result['merged_name'] or result['merged'])} into {kept} "
         f"({plural(len(result['identities_moved']), 'identity')} moved) as {result['merge_id']}; "
         f"undo with `listenwell people split {result['merge_id']}`")


@people.command("split")
@click.argument("identity")
@click.option("--by", help="Who splits (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def people_split(state: State, identity: str, by: str | None, as_json: bool) -> None:
    """Give one identity (such as x:anasouza) a person of its own again, or undo a whole merge by its id
    (mg-…, from `people merge`, `people accept` or `people merges`).

    \b
    Example:
      listenwell people split reddit:ana_s
      listenwell people split mg-3f9a1c2b7d
    """
    with state.db() as db:
        try:
            result = split_identity(db, identity, state.config.now(), by or who())
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
        was_part_of = person_name(db, result["from"])
        now_is = person_name(db, result["person_id"])
    if as_json:
        print_json(result)
        return
    if "merge_id" in result:
        echo(f"undid {result['merge_id']}: {line(result['name'] or now_is)} is a person of their own again "
             f"({plural(len(result['identities']), 'identity')} back from {was_part_of})")
        return
    echo(f"{line(result['identity'])} is now {now_is}, a person of their own (it was part of {was_part_of})")


@click.command()
@click.argument("name")
@click.option("--timeline", default=20, show_default=True, type=click.IntRange(1, 1000), help="Events to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def person(state: State, name: str, timeline: int, as_json: bool) -> None:
    """One person: identities, the four sinews, notes and the timeline of what passed between you.

    \b
    Example:
      listenwell person "Priya Raman"
      listenwell person @sofialindqvist --json
    """
    with state.db() as db:
        try:
            p = person_detail(db, name, state.config.now(), timeline)
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
    if as_json:
        print_json(p)
        return
    h = p["health"]
    tier = f", tier {p['tier']} key client" if p["is_key_client"] else ""
    echo(f"{terminal_safe(p['name'], one_line=True)} ({p['person_id']}{tier})")
    if p["notes"]:
        echo(f"  notes: {terminal_safe(p['notes'], one_line=True)}")
    for i in p["identities"]:
        follower = " · follows us" if i["is_follower"] else ""
        echo(f"  {i['identity_uid']}{follower}")
    echo(f"  health {h['overall']:.0f}/100, {h['trend']}")
    for sinew in ("time", "trust", "intensity", "reciprocity"):
        echo(f"    {sinew:<12}{_bar(h[sinew])} {h[sinew]:5.1f}")
    echo("  timeline:")
    for e in p["timeline"]:
        what = terminal_safe(e["note"] or (e["text"] or ""), one_line=True)[:100]
        echo(f"    {e['occurred_at']:%Y-%m-%d} {e['direction']:<8} {e['kind']:<12} {what}")


@click.command()
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(TOUCH_KINDS), help="What kind of touch.")
@click.option("--note", help="What you talked about: listenwell remembers it.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]), help="When (default: now).")
@click.option("--by", help="Who logs it (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def touch(state: State, name: str, kind: str, note: str | None, day: datetime | None, by: str | None,
          as_json: bool) -> None:
    """Log a touch beyond social media (a call, a meal, a note, an email). It counts toward health.

    \b
    Example:
      listenwell touch "Priya Raman" --kind call --note "congratulated her on Acme; intro to their CTO next week"
    """
    config = state.config
    when = day.replace(tzinfo=config.tz) if day else config.now()
    with state.db() as db:
        try:
            result = log_touch(db, name, kind, note, when, by or who())
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
        with_whom = person_name(db, result["person_id"])
    if as_json:
        print_json(result)
        return
    echo(f"logged {'an' if kind[0] in 'aeiou' else 'a'} {kind} with {with_whom} on {when:%Y-%m-%d} ({result['touch_id']}; "
         f"`listenwell touches edit|delete {result['touch_id']}` corrects it)")


@click.group("reach-out", invoke_without_command=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--ics", "ics_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the list as an iCalendar file: one all-day event per person ('-' for stdout).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def reach_out(ctx: click.Context, limit: int, ics_path: Path | None, as_json: bool) -> None:
    """Who deserves a personal touch beyond social media, why, and what to do.

    \b
    Example:
      listenwell reach-out
      listenwell reach-out --ics ~/reach-out.ics
      listenwell reach-out snooze "Grace Whitfield" --reason quiet --days 14
    """
    if ctx.invoked_subcommand:
        return
    state: State = ctx.obj
    with state.db() as db:
        found = reach_out_and_cleared(state.config, db, limit)
        items = [i.to_dict() for i in found.items]
    if ics_path is not None:
        from delivery.calendar import reach_out_calendar

        data = reach_out_calendar(items, state.config)
        if str(ics_path) == "-":
            stream = data_out()  # exact bytes (CRLF lines) when piped; no control characters on a terminal
            stream.write(data)
            stream.flush()
            return
        ics_path.write_bytes(data)
        if not as_json:
            echo(f"wrote {plural(len(items), 'reach-out event')} to {ics_path}", err=True)
    if as_json:
        print_json(items)
        return
    if not items:
        echo("nobody needs a personal touch today")
    for n, item in enumerate(items, 1):
        echo(f"{n:>2}. [{item['action']}] {terminal_safe(item['sentence'], one_line=True)}")
        if item["evidence_url"]:
            echo(f"      {item['evidence_url']}")
    listed = {item["person_id"] for item in items}
    for done in found.cleared:  # a touch cleared all they had: said once, as the digest says it
        if done["person_id"] not in listed:
            echo(f"Done: {terminal_safe(done['sentence'], one_line=True)}")


@reach_out.command("snooze")
@click.argument("name")
@click.option("--reason", default="any", show_default=True, type=click.Choice(REASONS + ("any",)))
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 365))
@click.option("--by", help="Who snoozes (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def reach_out_snooze(state: State, name: str, reason: str, days: int, by: str | None, as_json: bool) -> None:
    """Hide a person's flag for a while (e.g. you already called). `reach-out unsnooze` lifts it.

    \b
    Example:
      listenwell reach-out snooze "Grace Whitfield" --reason quiet --days 14
    """
    now = state.config.now()
    with state.db() as db:
        try:
            person_id = resolve_person(db, name)
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
        result = snooze(db, person_id, reason, now + timedelta(days=days), now, by or who())
        whom = person_name(db, person_id)
    if as_json:
        print_json(result)
        return
    echo(f"snoozed {reason} for {whom} until {(now + timedelta(days=days)):%Y-%m-%d}")


@reach_out.command("unsnooze")
@click.argument("name", required=False)
@click.option("--reason", type=click.Choice(REASONS + ("any",)), help="Only this snooze (default: all of theirs).")
@click.option("--by", help="Who lifts it (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def reach_out_unsnooze(state: State, name: str | None, reason: str | None, by: str | None, as_json: bool) -> None:
    """Lift a snooze early, so the person's flags show again. Without NAME, list the snoozes in force.

    \b
    Example:
      listenwell reach-out unsnooze "Grace Whitfield"
      listenwell reach-out unsnooze --json
    """
    now = state.config.now()
    with state.db() as db:
        if name is None:
            rows = snoozed(db, now)
            if as_json:
                print_json(rows)
                return
            if not rows:
                echo("nothing is snoozed")
            for r in rows:
                echo(f"{line(r['person'])} ({r['person_id']}): {r['reason']} until {r['until']:%Y-%m-%d}"
                     f"{' by ' + line(r['snoozed_by']) if r['snoozed_by'] else ''}")
            return
        try:
            person_id = resolve_person(db, name)
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
        lifted = unsnooze(db, person_id, reason, now, by or who())
        whom = person_name(db, person_id)
    if as_json:
        print_json({"person_id": person_id, "lifted": lifted})
        return
    if not lifted:
        raise ListenwellError(f"{whom} has no snooze in force{' for ' + reason if reason else ''}")
    echo(f"lifted {plural(len(lifted), 'snooze')} for {whom}: "
         + ", ".join(r["reason"] for r in lifted))


@click.group("touches", invoke_without_command=True)
@click.option("--person", "name", metavar="NAME", help="Only this person's touches.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def touches(ctx: click.Context, name: str | None, limit: int, as_json: bool) -> None:
    """Logged touches (calls, meals, notes, e-mails), newest first, with their ids and who logged them.

    \b
    Example:
      listenwell touches --person "Priya Raman"
      listenwell touches edit touch:3f9a1c2b7d4e5f60 --note "talked about the renewal"
      listenwell touches delete touch:3f9a1c2b7d4e5f60
    """
    if ctx.invoked_subcommand:
        return
    state: State = ctx.obj
    with state.db(read_only=True) as db:
        try:
            rows = list_touches(db, name, limit)
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("no touches logged yet; `listenwell touch NAME --kind call` logs one")
    for t in rows:
        echo(f"{t['touch_id']}  {t['at']:%Y-%m-%d}  {t['kind']:<5} {line(t['person'])}"
             f"{': ' + line(t['note']) if t['note'] else ''}{'  (by ' + line(t['logged_by']) + ')' if t['logged_by'] else ''}")


@touches.command("edit")
@click.argument("touch_id")
@click.option("--kind", type=click.Choice(TOUCH_KINDS), help="The right kind.")
@click.option("--note", help="The right note.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]), help="The right date.")
@click.option("--by", help="Who corrects it (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def touches_edit(state: State, touch_id: str, kind: str | None, note: str | None, day: datetime | None,
                 by: str | None, as_json: bool) -> None:
    """Correct a logged touch; the audit log keeps what it said before.

    \b
    Example:
      listenwell touches edit touch:3f9a1c2b7d4e5f60 --kind meal --date 2026-11-18
    """
    config = state.config
    with state.db() as db:
        try:
            result = edit_touch(db, touch_id, config.now(), by or who(), kind=kind, note=note,
                                when=day.replace(tzinfo=config.tz) if day else None)
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    echo(f"{touch_id}: a {result['kind']} with {line(result['person'])} on {result['at']:%Y-%m-%d}"
         f"{': ' + line(result['note']) if result['note'] else ''}")


@touches.command("delete")
@click.argument("touch_id")
@click.option("--by", help="Who deletes it (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def touches_delete(state: State, touch_id: str, by: str | None, as_json: bool) -> None:
    """Delete a touch logged by mistake; the audit log keeps what it was.

    \b
    Example:
      listenwell touches delete touch:3f9a1c2b7d4e5f60
    """
    with state.db() as db:
        try:
            result = delete_touch(db, touch_id, state.config.now(), by or who())
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    echo(f"deleted {touch_id} (a {result['kind']} with {line(result['person'])} on {result['at']:%Y-%m-%d})")
