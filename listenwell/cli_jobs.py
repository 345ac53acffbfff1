"""`listenwell scheduler` and `listenwell jobs`: run continuously, and see what ran."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime

import click

from listenwell.cli_common import ListenwellError, State, echo, pass_state, print_json, say_clock


class _SafeFormatter(logging.Formatter):
    """Log lines carry source errors and post excerpts: no secret and no escape sequence gets through."""

    def format(self, record: logging.LogRecord) -> str:
        from collectors.redact import redact
        from listenwell.terminal import terminal_safe

        return terminal_safe(redact(super().format(record)))


def _configure_logging() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setFormatter(_SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@click.command("scheduler")
@click.option("--dry-run", is_flag=True, help="Print the job plan (ids, triggers, next run times) and exit.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run, print the plan as JSON.")
@pass_state
def scheduler(state: State, dry_run: bool, as_json: bool) -> None:
    """Run continuously: collect every source on its own interval, then tag, engage and alert;
    write (and, with digest.smtp and recipients, e-mail) the daily digest at schedule.digest_time.

    Every source is collected at start, then every `every_minutes`. Jobs run one at a time and hold the
    database only while they run; each is recorded (see `listenwell jobs`). One scheduler per database.
    Ctrl-C or SIGTERM finishes the current job and stops.

    \b
    Example:
      listenwell scheduler --dry-run
      listenwell --config /etc/listenwell/config.yaml scheduler
    """
    from jobs.scheduler import SchedulerError, build_scheduler, job_plan, lock_path_for, read_status, run_scheduler

    config = state.config
    if dry_run:
        sched = build_scheduler(config)
        plan = job_plan(sched)
        running = read_status(config.db_path)
        if as_json:
            print_json({"jobs": plan, "timezone": str(config.tz),
                        "running_scheduler_pid": running["pid"] if running else None})
            return
        for item in plan:
            when = item["next_run_time"].astimezone(config.tz).strftime("%Y-%m-%d %H:%M %Z") \
                if item["next_run_time"] else "never"
            echo(f"{item['id']:<28} {item['trigger']:<32} next {when}")
        if running:
            echo(f"(a scheduler is running now: PID {running['pid']}, lock {lock_path_for(config.db_path)})")
        echo("dry run: nothing was run")
        return
    _configure_logging()
    try:
        run_scheduler(config)
    except SchedulerError as exc:
        raise ListenwellError(str(exc)) from None


def _duration(row: dict) -> float | None:
    """The recorded duration (real, even when the clock is pinned), else end minus start."""
    seconds = row["counts"].get("seconds") if isinstance(row.get("counts"), dict) else None
    if isinstance(seconds, dict):  # run --once: per stage, and the total
        seconds = seconds.get("total")
    if isinstance(seconds, (int, float)):
        return float(seconds)
    if row["started_at"] and row["finished_at"]:
        return round((row["finished_at"] - row["started_at"]).total_seconds(), 3)
    return None


@click.command("jobs")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000),
              help="How many recent runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def jobs(state: State, limit: int, as_json: bool) -> None:
    """Recent job runs (scheduler and `run --once`): start, end, duration, status, counts, error;
    and, while a scheduler runs, each job's next run.

    \b
    Example:
      listenwell jobs --limit 5
      listenwell jobs --json
    """
    from jobs.scheduler import read_status

    config = state.config
    with state.db(read_only=True) as db:
        rows = db.rows(
            """SELECT run_id, job, started_at, finished_at, status, counts, error FROM job_runs
               ORDER BY started_at DESC, rowid DESC LIMIT ?""",  # rowid: the later of two runs on a pinned clock
            [limit],
        )
    for row in rows:
        try:
            row["counts"] = json.loads(row["counts"]) if row["counts"] else {}
        except ValueError:
            pass
        row["duration_seconds"] = _duration(row)
    status = read_status(config.db_path)
    if as_json:
        print_json({"runs": rows, "scheduler": status})
        return
    tz = config.tz
    say_clock(config)
    if not rows:
        echo("no job runs yet")
    for row in rows:
        start = row["started_at"].astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        end = row["finished_at"].astimezone(tz).strftime("%H:%M:%S") if row["finished_at"] else "…"
        took = f"{row['duration_seconds']:.1f}s" if row["duration_seconds"] is not None else "-"
        echo(f"{start} → {end} {took:>8}  {row['status']:<8} {row['job']}")
        counts = row["counts"]
        if isinstance(counts, dict):
            shown = {k: v for k, v in counts.items() if k not in ("seconds", "source") and v not in (None, [], {}, False)}
            if shown:
                echo("    " + ", ".join(f"{k} {v}" for k, v in shown.items()))
        if row["error"]:
            echo(f"    error: {row['error']}")
    if status:
        echo(f"\nscheduler running (PID {status['pid']}), next runs:")
        for job in status.get("jobs", []):
            when = datetime.fromisoformat(job["next_run_time"]).astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") \
                if job.get("next_run_time") else "never"
            echo(f"  {job['id']:<28} {when}  ({job['trigger']})")


COMMANDS = (scheduler, jobs)


def _main() -> None:  # `python -m listenwell.cli_jobs …`: the main group with these commands, registered or not
    from listenwell.cli import main

    for command in COMMANDS:
        main.commands.setdefault(command.name, command)
    main()


if __name__ == "__main__":  # pragma: no cover
    _main()
