"""`listenwell export`: data out, for a spreadsheet, a warehouse or another tool."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from delivery.export import FORMATS, KINDS
from listenwell.cli_common import ListenwellError, State, data_out, echo, pass_state


@click.command("export")
@click.argument("what", type=click.Choice(KINDS))
@click.option("--format", "fmt", default="csv", show_default=True, type=click.Choice(FORMATS))
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
              help="Only rows from this day on (posts by date, people by last interaction, queue by post date, "
                   "reach-out by evidence, touches by date), in schedule.timezone.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (default: standard output; Parquet needs a file).")
@pass_state
def export(state: State, what: str, fmt: str, since: datetime | None, out_path: Path | None) -> None:
    """Export posts, people, the queue, the reach-out list or touches as CSV, Parquet or NDJSON, with the
    columns of the JSON outputs. Posts stream in batches, so large databases export in bounded memory.

    \b
    Example:
      listenwell export people --format csv --out people.csv
      listenwell export posts --format parquet --since 2026-11-01 --out posts.parquet
      listenwell export reach-out --format ndjson | jq .sentence
    """
    from delivery.export import ExportError, write_export

    config = state.config
    if fmt == "parquet" and out_path is None and sys.stdout.isatty():
        raise ListenwellError("Parquet is binary: give --out FILE (or redirect standard output)")
    since_at = since.replace(tzinfo=config.tz).astimezone(timezone.utc) if since else None
    with state.db(read_only=True) as db:
        try:
            if out_path is None:
                stream = data_out()  # a terminal gets no control characters from post text
                rows = write_export(what, fmt, stream, config, db, since_at)
                stream.flush()
            else:
                tmp = out_path.with_name(out_path.name + ".part")
                try:
                    with tmp.open("wb") as fh:
                        rows = write_export(what, fmt, fh, config, db, since_at)
                    tmp.replace(out_path)
                finally:
                    if tmp.exists():
                        tmp.unlink()
        except ExportError as exc:
            raise ListenwellError(str(exc)) from None
        except OSError as exc:
            raise ListenwellError(f"cannot write {out_path}: {exc.strerror}") from None
    if out_path is not None:
        echo(f"wrote {rows} {what} rows to {out_path}", err=True)
