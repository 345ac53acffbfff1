"""`listenwell backfill`: archives into the database in bulk, tagged on this machine or on Ray."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from listenwell.cli_common import ListenwellError, State, echo, pass_state, print_json

# the backfill went on past bad lines or files; the counts say how many. (An unreachable cluster or a locked
# database is a ListenwellError: exit 2.)
EXIT_BAD_INPUT = 1


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Where tagging runs: this machine's processes, or Ray Data (a local Ray, or RAY_ADDRESS).")
@click.option("--retag", is_flag=True, help="Re-tag every stored post (after a model or config change); "
                                            "reads no archive.")
@click.option("--processes", type=click.IntRange(1, 256), default=None,
              help="Local processes, or a local Ray's CPUs (default: this machine's cores).")
@click.option("--partition-rows", type=click.IntRange(100, 10_000_000), default=50_000, show_default=True,
              help="Posts per partition: the unit that is tagged, loaded and resumed.")
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where partitions are kept until loaded (default: beside the database, in backfill/).")
@click.option("--x-author", metavar="HANDLE", help="The owner of an X archive's tweets.js when no account.js "
                                                   "is beside it.")
@click.option("--keep-work", is_flag=True, help="Keep the partitions after a clean backfill.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_state
def backfill(state: State, paths: tuple[Path, ...], engine: str, retag: bool, processes: int | None,
             partition_rows: int, work_dir: Path | None, x_author: str | None, keep_work: bool,
             as_json: bool) -> None:
    """Read archives (NDJSON, zstd NDJSON as Reddit dumps come, an X archive's tweets.js, JSON, Parquet, CSV)
    into posts, tag them, and load them into the database in bulk. Rerun after an interruption: it goes on
    from the last finished partition, and adds nothing that is stored already.

    Bad lines and files are named, counted and skipped; the backfill goes on and then exits 1.
    The database is written only in the last phase, once everything is tagged, a partition per
    transaction; while a run or the scheduler writes, the backfill waits (--wait) and says so.

    \b
    Example:
      listenwell backfill RC_2024-01.zst twitter-archive/data/tweets.js
      RAY_ADDRESS=head:6379 listenwell backfill --engine ray dumps/
      listenwell backfill --retag
    """
    from jobs.backfill import BackfillError, run_backfill
    from storage.db import StorageError

    if retag and paths:
        raise click.UsageError("--retag re-tags the stored posts: give no PATH with it")
    if not retag and not paths:
        raise click.UsageError("give at least one archive PATH (or --retag)")
    config = state.config
    try:
        report = run_backfill(config, list(paths), engine=engine, retag=retag, processes=processes,
                              partition_rows=partition_rows, work_dir=work_dir, wait_seconds=state.wait_seconds,
                              x_author=x_author, keep_work=keep_work, echo=lambda m: _progress(m))
    except (BackfillError, StorageError) as exc:
        raise ListenwellError(str(exc)) from None
    if as_json:
        print_json(report.counts())
    else:
        echo(f"{report.posts_read:,} posts read from {report.files} file(s), {report.tagged:,} tagged "
             f"({report.engine}), {report.posts_new:,} new posts and {report.tags_written:,} tags stored"
             + (f"; {report.partitions_done_before} of {report.partitions} partitions were done before"
                if report.partitions_done_before else ""))
        if not report.clean:
            echo(f"skipped: {report.bad_records:,} bad line(s) or row(s), {report.bad_files} bad file(s):", err=True)
            for problem in report.problems:
                echo(f"  {problem}", err=True)
            more = report.bad_records + report.bad_files - len(report.problems)
            if more > 0:
                echo(f"  … and {more:,} more", err=True)
            echo(f"(partitions kept in {report.work_dir})", err=True)
    if not report.clean:
        sys.exit(EXIT_BAD_INPUT)


def _progress(message: str) -> None:
    """Progress on standard error; a line ending in '\\r' is rewritten in place (a terminal only)."""
    if message.endswith("\r"):
        click.echo(message, err=True, nl=False)
    else:
        echo(message, err=True)

