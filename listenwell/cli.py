"""The `listenwell` command: a thin layer over the library. Errors become messages here, and only here."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Iterator

import click

from listenwell.config import CONFIG_ENV, Config, ConfigError, load_config
from storage.db import Database, StorageError

EXIT_USAGE = 2


class ListenwellError(click.ClickException):
    exit_code = EXIT_USAGE


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))


class State:
    def __init__(self, config_path: str | None):
        self.config_path = config_path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as exc:
                raise ListenwellError(str(exc)) from None
        return self._config

    @contextmanager
    def db(self, read_only: bool = False) -> Iterator[Database]:
        config = self.config  # validate before touching the database
        try:
            db = Database.open(config.db_path, read_only=read_only)
        except StorageError as exc:
            raise ListenwellError(str(exc)) from None
        try:
            yield db
        finally:
            db.close()


pass_state = click.make_pass_decorator(State)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", metavar="PATH", envvar=CONFIG_ENV, show_envvar=True,
              help="config.yaml to use (default: ./config.yaml).")
@click.version_option(package_name="listenwell")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """listenwell: listen where clients speak, remember what they said, and nudge you to act.

    \b
    Example:
      listenwell run --once && listenwell queue list
    """
    ctx.obj = State(config_path)


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
    progress = (lambda m: click.echo(m, err=True)) if not as_json else (lambda m: None)
    with state.db() as db:
        summary = run_once(config, db, only=list(only) or None, digest=not no_digest, n_process=processes,
                           progress=progress, echo=(lambda m: click.echo(m, err=True)))
    if as_json:
        data = summary.counts()
        data["digest"] = str(summary.digest) if summary.digest else None
        data["sources"] = [{"source": s.source, "new_posts": s.new_posts, "error": s.error, "skipped": s.skipped,
                            "notes": s.notes} for s in summary.sources]
        print_json(data)
        return
    click.echo(
        f"\n{summary.new_posts} new posts, {summary.tagged} tagged, {summary.suggestions} reply suggestions, "
        f"{summary.alerts} alerts in {summary.seconds.get('total', 0):.1f}s"
    )
    for failed in summary.failed_sources:
        click.echo(f"source {failed.source} failed: {failed.error}", err=True)
    if summary.digest:
        click.echo(f"digest: {summary.digest}")


@main.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Day to summarise (default: today).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--json", "as_json", is_flag=True, help="Print the written paths as JSON.")
@pass_state
def digest(state: State, day: datetime | None, out_dir: str | None, as_json: bool) -> None:
    """Write the daily listening digest (HTML and plain text) for a day.

    \b
    Example:
      listenwell digest --date 2026-11-20 --out /tmp/digests
    """
    from pathlib import Path

    from delivery.digest import write_digest

    with state.db() as db:
        files = write_digest(state.config, db, day.date() if day else None, Path(out_dir) if out_dir else None)
    if as_json:
        print_json({"day": files.day, "html": str(files.html), "text": str(files.text)})
        return
    click.echo(f"digest for {files.day}: {files.html}\nplain text: {files.text}")


@main.group()
def queue() -> None:
    """The reply queue: suggested replies waiting for a human.

    \b
    Example:
      listenwell queue list --status pending
    """


@queue.command("list")
@click.option("--status", default="pending", show_default=True,
              type=click.Choice(["pending", "approved", "sent", "dismissed", "answered", "all"]))
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def queue_list(state: State, status: str, limit: int, as_json: bool) -> None:
    """List suggested replies, most important first.

    \b
    Example:
      listenwell queue list --limit 5 --json
    """
    from engagement.queue import list_queue

    with state.db(read_only=True) as db:
        items = list_queue(db, status, limit)
    if as_json:
        print_json(items)
        return
    if not items:
        click.echo(f"no {status} suggestions")
    for item in items:
        key = " ★" if item["key_client"] else ""
        click.echo(f"[{item['priority']:>5.1f}] {item['id']}  {item['person']}{key} · {item['platform']} · {item['intent']}")
        click.echo(f"        why: {item['reason']}")
        click.echo(f"        reply: {item['reply']}")
        if item["url"]:
            click.echo(f"        {item['url']}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def sources(state: State, as_json: bool) -> None:
    """Health of every configured source: last success, last error, cursor.

    \b
    Example:
      listenwell sources --json
    """
    config = state.config
    with state.db(read_only=True) as db:
        rows = {r["source"]: r for r in db.rows("SELECT * FROM source_state")}
    out = []
    for source in config.sources:
        row = rows.get(source.name, {})
        out.append({
            "source": source.name, "type": source.type, "enabled": source.enabled,
            "last_success": row.get("last_success"), "last_error": row.get("last_error"),
            "last_error_at": row.get("last_error_at"), "next_allowed_at": row.get("next_allowed_at"),
            "note": row.get("last_note"), "posts_stored": row.get("posts_stored", 0),
            "cursor": json.loads(row["state"]) if row.get("state") else {},
        })
    if as_json:
        print_json(out)
        return
    for s in out:
        ok = s["last_success"].strftime("%Y-%m-%d %H:%M") if s["last_success"] else "never"
        click.echo(f"{s['source']} ({s['type']}{'' if s['enabled'] else ', disabled'}): "
                   f"{s['posts_stored']} posts stored, last success {ok}")
        if s["last_error"]:
            click.echo(f"    last error ({s['last_error_at']:%Y-%m-%d %H:%M}): {s['last_error']}")
        if s["next_allowed_at"]:
            click.echo(f"    next allowed at {s['next_allowed_at']:%Y-%m-%d %H:%M}")
        if s["note"]:
            click.echo(f"    note: {s['note']}")
        click.echo(f"    cursor: {_cursor_summary(s['cursor'])}")


def _cursor_summary(cursor: dict) -> str:
    if not cursor:
        return "(none yet)"
    text = json.dumps({k: v for k, v in cursor.items() if k != "seen"}, default=str)
    seen = f", {len(cursor['seen'])} seen ids" if "seen" in cursor else ""
    return (text if len(text) < 160 else text[:157] + "…") + seen


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def stats(state: State, as_json: bool) -> None:
    """Counts of what is stored.

    \b
    Example:
      listenwell stats --json
    """
    with state.db(read_only=True) as db:
        data = {
            "posts": db.scalar("SELECT count(*) FROM posts"),
            "people": db.scalar("SELECT count(*) FROM people WHERE person_id <> 'me'"),
            "identities": db.scalar("SELECT count(*) FROM identities WHERE NOT is_ours"),
            "tagged": db.scalar("SELECT count(*) FROM tags"),
            "interactions": db.scalar("SELECT count(*) FROM interactions"),
            "queue_pending": db.scalar("SELECT count(*) FROM reply_suggestions WHERE status = 'pending'"),
            "alerts": db.scalar("SELECT count(*) FROM alerts"),
        }
        by_platform = dict(db.con.execute("SELECT platform, count(*) FROM posts GROUP BY 1 ORDER BY 1").fetchall())
    if as_json:
        print_json(data | {"posts_by_platform": by_platform})
        return
    for key, value in data.items():
        click.echo(f"{key:>14}: {value}")
    click.echo(f"{'by platform':>14}: " + ", ".join(f"{k} {v}" for k, v in by_platform.items()))


def _register_optional() -> None:
    try:
        from listenwell.cli_nlp import nlp_group
    except ImportError:
        return
    main.add_command(nlp_group)


_register_optional()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
