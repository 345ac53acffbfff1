"""Read commands while another process writes: DuckDB lets no reader in beside a writer (not even a
read-only connection), so commands wait for the writer, bounded (30 s by default, --wait), and say so."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from listenwell.cli import main

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_writer(db: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_stats_waits_for_a_writer_then_reads(bundled_run: Path):
    db = bundled_run.parent / "data" / "listenwell.duckdb"
    writer = hold_writer(db, 2.0)
    try:
        started = time.monotonic()
        result = CliRunner().invoke(main, ["--config", str(bundled_run), "stats", "--json"])
        waited = time.monotonic() - started
    finally:
        writer.wait(10)
    assert result.exit_code == 0, result.output
    assert "is being written by another listenwell process; waiting up to 30 s" in result.output
    assert json.loads(result.output[result.output.index("{"):])["posts"] > 0
    assert waited >= 1.0


def test_the_wait_is_bounded(bundled_run: Path):
    db = bundled_run.parent / "data" / "listenwell.duckdb"
    writer = hold_writer(db, 3.5)
    try:
        started = time.monotonic()
        result = CliRunner().invoke(main, ["--config", str(bundled_run), "--wait", "1", "queue", "list"])
        waited = time.monotonic() - started
    finally:
        writer.wait(15)
    assert result.exit_code == 2 and "is locked" in result.output and "waited 1 s" in result.output
    assert waited < 4
