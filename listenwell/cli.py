"""The `listenwell` command: a thin layer over the library. Errors become messages here, and only here."""
from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from collectors.cursors import summary_for
from listenwell.cli_common import (
    EXIT_SOURCE_FAILED, ListenwellError, ListenwellGroup, State, echo, examples_last, pass_state, plural, print_json,
    say_clock,
)
from listenwell.config import CONFIG_ENV
from listenwell.terminal import terminal_safe

@click.group(cls=ListenwellGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", metavar="PATH", envvar=CONFIG_ENV, show_envvar=True,
              help="config.yaml to use (default: ./config.yaml).")
@click.option("--wait", "wait_seconds", default=30.0, show_default=True, type=click.FloatRange(0, 24 * 3600),
              metavar="SECONDS", envvar="LISTENWELL_WAIT", show_envvar=True,
              help="While another process (a run, the scheduler) writes the database, wait this long for it.")
@click.version_option(package_name="listenwell")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, wait_seconds: float) -> None:
    """listenwell: listen where clients speak, remember what they said, and nudge you to act.

    \b
    Example:
      listenwell run --once && listenwell queue list
    """
    ctx.obj = State(config_path, wait_seconds)


@main.command()
@click.option("--once", is_flag=True, help="Run every stage once and exit.")
@click.option("--source", "only", multiple=True, metavar="NAME", help="Collect only this source (repeatable).")
@click.option("--no-digest", is_flag=True, help="Skip writing today's digest file.")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 8),
              help="Processes for the NLP stage.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@pass_state
def run(state: State, once: bool, only: tuple[str, ...], no_digest: bool, processes: int, as_json: bool) -> None:
    """Collect from every source, tag, fill the reply queue, raise alerts and write the digest.

    Exits 0 when every source was collected, 3 when any source failed (the others are still
    collected, tagged and delivered; the failures are listed at the end), 2 on bad input.

    \b
    Example:
      listenwell run --once
      listenwell --config my.yaml run --once --source our-blog --json
    """
    if not once:
        raise click.UsageError("use `listenwell run --once` (continuous running is `listenwell scheduler`)")
    from jobs.pipeline import run_once

    config = state.config
    unknown = sorted(set(only) - {s.name for s in config.sources})
    if unknown:
        raise ListenwellError(f"--source: no source named {', '.join(unknown)} in the config")
    from engagement.knowledge import KnowledgeError
    from jobs.pipeline import check_knowledge

    try:
        check_knowledge(config)
    except KnowledgeError as exc:
        raise ListenwellError(f"{config_label(exc)}{exc}") from None
    from jobs.progress import NO_PROGRESS, progress_for

    with state.db(create=True) as db, (NO_PROGRESS if as_json else progress_for(sys.stderr, lambda m: echo(m, err=True))) \
            as progress:
        summary = run_once(config, db, only=list(only) or None, digest=not no_digest, n_process=processes,
                           progress=progress, echo=(lambda m: echo(m, err=True)))
    if as_json:
        data = summary.counts()
        data["digest"] = str(summary.digest) if summary.digest else None
        data["sources"] = [{"source": s.source, "new_posts": s.new_posts, "error": s.error, "skipped": s.skipped,
                            "notes": s.notes} for s in summary.sources]
        print_json(data)
    else:
        echo(
            f"\n{plural(summary.new_posts, 'new post')}, {summary.tagged} tagged, "
            f"{plural(summary.suggestions, 'reply suggestion')}, {plural(summary.alerts, 'alert')} "
            f"in {summary.seconds.get('total', 0):.1f}s"
        )
        if summary.digest:
            echo(f"digest: {summary.digest}")
        failed = summary.failed_sources
        if failed:  # in full (redacted when recorded): the last thing on the screen, and the exit code says so
            echo(f"\n{len(failed)} of {plural(len(summary.sources), 'source')} failed "
                 "(the others were collected; `listenwell sources` keeps each error):", err=True)
            for run in failed:
                echo(f"  {run.source}: {run.error}", err=True)
    if summary.failed_sources:
        raise SystemExit(EXIT_SOURCE_FAILED)


@main.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Day to summarise (default: today).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--send", is_flag=True, help="Also email it to digest.recipients through digest.smtp.")
@click.option("--json", "as_json", is_flag=True, help="Print the written paths as JSON.")
@pass_state
def digest(state: State, day: datetime | None, out_dir: str | None, send: bool, as_json: bool) -> None:
    """Write the daily listening digest (HTML and plain text) for a day, and optionally email it.

    \b
    Example:
      listenwell digest --date 2026-11-20 --out /tmp/digests
      listenwell digest --send
    """
    from pathlib import Path

    from delivery.digest import send_digest, write_digest

    from listenwell.config import check_day, check_output_dir

    config = state.config
    if send and (config.digest.smtp is None or not config.digest.recipients):
        raise ListenwellError("--send needs digest.smtp and digest.recipients in the config")
    problem = (check_day(day.date()) and f"--date: {check_day(day.date())}" if day else None) or (
        out_dir is not None and check_output_dir(Path(out_dir)) and f"--out: {check_output_dir(Path(out_dir))}")
    if problem:
        raise ListenwellError(problem)
    with state.db() as db:
        try:
            files = write_digest(config, db, day.date() if day else None, Path(out_dir) if out_dir else None)
        except OSError as exc:
            raise ListenwellError(f"cannot write the digest: {exc.strerror or exc} ({exc.filename or ''})") from None
        sent = None
        if send:
            from delivery import DeliveryError

            try:
                sent = send_digest(config, db, files.day)
            except DeliveryError as exc:
                raise ListenwellError(f"the digest was written to {files.html} but not sent: {exc}") from None
    if as_json:
        print_json({"day": files.day, "html": str(files.html), "text": str(files.text), "sent": sent})
        return
    if sent:
        echo(f"sent to {', '.join(sent['recipients'])}")
    echo(f"digest for {files.day}: {files.html}\nplain text: {files.text}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def sources(state: State, as_json: bool) -> None:
    """Health of every configured source: last success, last error, cursor.

    \b
    Example:
      listenwell sources --json
    """
    from storage.usage import budget_notices, priced, usage_report

    config = state.config
    with state.db(read_only=True) as db:
        rows = {r["source"]: r for r in db.rows("SELECT * FROM source_state")}
        usage = priced(config, usage_report(db, config.now()))
        notices = budget_notices(config, db, config.now())
    out = []
    for source in config.sources:
        row = rows.get(source.name, {})
        out.append({
            "source": source.name, "type": source.type, "enabled": source.enabled,
            "last_success": row.get("last_success"), "last_error": row.get("last_error"),
            "last_error_at": row.get("last_error_at"), "next_allowed_at": row.get("next_allowed_at"),
            "note": row.get("last_note"), "posts_stored": row.get("posts_stored", 0),
            "cursor": json.loads(row["state"]) if row.get("state") else {},
            "usage": usage.get(source.name),
        })
    if as_json:
        print_json(out)
        return
    say_clock(config)
    for notice in notices:
        echo(f"! {terminal_safe(notice, one_line=True)}")
    for s in out:
        ok = s["last_success"].strftime("%Y-%m-%d %H:%M") if s["last_success"] else "never"
        echo(f"{s['source']} ({s['type']}{'' if s['enabled'] else ', disabled'}): "
                   f"{s['posts_stored']} posts stored, last success {ok}")
        if s["last_error"]:
            when = f"{s['last_error_at']:%Y-%m-%d %H:%M}" if s["last_error_at"] else "time unknown"
            echo(f"    last error ({when}): {terminal_safe(s['last_error'], one_line=True)}")
        if s["next_allowed_at"]:
            echo(f"    next allowed at {s['next_allowed_at']:%Y-%m-%d %H:%M}")
        if s["note"]:
            echo(f"    note: {terminal_safe(s['note'], one_line=True)}")
        if s["usage"]:
            u = s["usage"]
            spend = (f"; estimated spend ${u['spend_month']:.2f}"
                     + (f" of ${u['monthly_budget']:.2f}" if u.get("monthly_budget") is not None else "")
                     if "spend_month" in u else "")
            echo(f"    usage: {u['reads_today']} read and {u['writes_today']} written today, "
                 f"{u['reads_month']} read and {u['writes_month']} written this month{spend}")
        lines = [terminal_safe(line, one_line=True) for line in summary_for(s["type"], s["cursor"])]
        echo(f"    cursor: {lines[0]}" if len(lines) == 1 else "    cursor:" + "".join(f"\n      {line}" for line in lines))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def stats(state: State, as_json: bool) -> None:
    """Counts of what is stored.

    \b
    Example:
      listenwell stats --json
    """
    from listenwell.web.api import stats_data

    from storage.usage import priced, usage_report

    with state.db(read_only=True) as db:
        data = stats_data(db)
        voice = _share_of_voice(state.config, db)
        llm = _llm_draft_stats(db)
        usage = priced(state.config, usage_report(db, state.config.now()))
    by_platform = data.pop("posts_by_platform")
    if as_json:
        print_json(data | {"posts_by_platform": by_platform, "llm_drafts": llm, "share_of_voice": voice,
                           "api_usage": usage})
        return
    for key, value in data.items():
        echo(f"{key:>14}: {value}")
    echo(f"{'by platform':>14}: " + ", ".join(f"{k} {v}" for k, v in by_platform.items()))
    if voice["total"]:
        echo(f"{'share of voice':>14}: " + ", ".join(
            f"{e['name']} {e['share']:.0%}" for e in voice["entities"]) + f" (last {voice['days']} days)")
    for source, u in usage.items():
        spend = f", ${u['spend_month']:.2f} this month" if "spend_month" in u else ""
        echo(f"{'api usage':>14}: {source} {u['reads_month']} read, {u['writes_month']} written{spend}")
    if llm["drafts"]:
        fell_back = ", ".join(f"{k} {v}" for k, v in llm["fell_back"].items()) or "none"
        echo(f"{'llm drafts':>14}: {llm['drafts']} ({llm['used']} used; fell back: {fell_back}); "
                   f"tokens {llm['prompt_tokens']} in + {llm['completion_tokens']} out; "
                   f"{llm['mean_ms']} ms per draft on average")


def config_label(exc: Exception) -> str:
    return "" if str(exc).startswith("replies.") else "replies.knowledge: "


def _llm_draft_stats(db) -> dict:
    """What the LLM backend cost and how its drafts ended (issue 19: tokens and time per draft)."""
    rows = db.con.execute(
        """SELECT outcome, count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
                  coalesce(sum(ms), 0)
           FROM reply_drafts GROUP BY outcome ORDER BY outcome""").fetchall()
    drafts = sum(r[1] for r in rows)
    return {
        "drafts": drafts,
        "used": sum(r[1] for r in rows if r[0] == "ok"),
        "fell_back": {r[0]: r[1] for r in rows if r[0] != "ok"},
        "prompt_tokens": sum(r[2] for r in rows),
        "completion_tokens": sum(r[3] for r in rows),
        "mean_ms": round(sum(r[4] for r in rows) / drafts) if drafts else 0,
    }


def _share_of_voice(config, db) -> dict:
    """Us against each competitor over the last 14 local days, today included (engagement/share_of_voice.py)."""
    from delivery.digest import day_bounds, default_day
    from engagement.share_of_voice import share_of_voice

    return share_of_voice(config, db, day_bounds(default_day(config), config.tz)[1], days=14)


def _register_commands() -> None:
    from listenwell.cli_brand import eval_brand, opportunities
    from listenwell.cli_nlp import nlp_group
    from listenwell.cli_contacts import COMMANDS as PEOPLE_COMMANDS
    from listenwell.cli_export import export
    from listenwell.cli_team import COMMANDS as TEAM_COMMANDS
    from listenwell.cli_people import people, person, reach_out, touch, touches
    from listenwell.cli_jobs import jobs, scheduler
    from listenwell.cli_queue import queue
    from listenwell.cli_replies import knowledge, replies
    from listenwell.cli_web import serve

    for command in (nlp_group, queue, people, person, reach_out, touch, touches, export, scheduler, jobs, serve,
                    replies, knowledge, opportunities):
        main.add_command(command)
    for command in PEOPLE_COMMANDS:
        people.add_command(command)
    for command in TEAM_COMMANDS:
        main.add_command(command)
    nlp_group.add_command(eval_brand)
    main.add_command(__import__("listenwell.cli_backfill", fromlist=["backfill"]).backfill)  # issue 23


_register_commands()
examples_last(main)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
