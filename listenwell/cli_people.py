"""`listenwell people`, `person`, `touch` and `reach-out`: relationships, beyond the feed."""
from __future__ import annotations

from datetime import datetime, timedelta

import click

from engagement.people import PersonError, list_people, log_touch, merge_people, person_detail, resolve_person, \
    split_identity, TOUCH_KINDS
from engagement.reach_out import REASONS, reach_out_list, snooze
from listenwell.terminal import terminal_safe
from listenwell.cli_common import ListenwellError, State, echo, pass_state, print_json


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
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def people_merge(state: State, keep: str, other: str, as_json: bool) -> None:
    """Fold OTHER into KEEP: one human, several handles. Re-collection never undoes it.

    \b
    Example:
      listenwell people merge "Ana Souza" reddit:ana_s
    """
    with state.db() as db:
        try:
            result = merge_people(db, keep, other, state.config.now())
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    echo(f"merged {result['merged']} into {result['person_id']} "
               f"({len(result['identities_moved'])} identities moved)")


@people.command("split")
@click.argument("identity")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def people_split(state: State, identity: str, as_json: bool) -> None:
    """Give one identity (such as x:anasouza) a person of its own again.

    \b
    Example:
      listenwell people split reddit:ana_s
    """
    with state.db() as db:
        try:
            result = split_identity(db, identity, state.config.now())
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    echo(f"{result['identity']} is now {result['person_id']} (was part of {result['from']})")


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
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def touch(state: State, name: str, kind: str, note: str | None, day: datetime | None, as_json: bool) -> None:
    """Log a touch beyond social media (a call, a meal, a note, an email). It counts toward health.

    \b
    Example:
      listenwell touch "Priya Raman" --kind call --note "congratulated her on Acme; intro to their CTO next week"
    """
    config = state.config
    when = day.replace(tzinfo=config.tz) if day else config.now()
    with state.db() as db:
        try:
            result = log_touch(db, name, kind, note, when)
        except PersonError as exc:
            raise ListenwellError(str(exc)) from None
    if as_json:
        print_json(result)
        return
    echo(f"logged a {kind} with {result['person_id']} on {when:%Y-%m-%d}")


@click.group("reach-out", invoke_without_command=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def reach_out(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Who deserves a personal touch beyond social media, why, and what to do.

    \b
    Example:
      listenwell reach-out
      listenwell reach-out snooze "Grace Whitfield" --reason quiet --days 14
    """
    if ctx.invoked_subcommand:
        return
    state: State = ctx.obj
    with state.db() as db:
        items = [i.to_dict() for i in reach_out_list(state.config, db, limit)]
    if as_json:
        print_json(items)
        return
    if not items:
        echo("nobody needs a personal touch today")
    for n, item in enumerate(items, 1):
        echo(f"{n:>2}. [{item['action']}] {terminal_safe(item['sentence'], one_line=True)}")
        if item["evidence_url"]:
            echo(f"      {item['evidence_url']}")


@reach_out.command("snooze")
@click.argument("name")
@click.option("--reason", default="any", show_default=True, type=click.Choice(REASONS + ("any",)))
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 365))
@pass_state
def reach_out_snooze(state: State, name: str, reason: str, days: int) -> None:
    """Hide a person's flag for a while (e.g. you already called).

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
        snooze(db, person_id, reason, now + timedelta(days=days), now)
    echo(f"snoozed {reason} for {person_id} until {(now + timedelta(days=days)):%Y-%m-%d}")
