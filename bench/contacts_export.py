"""Contacts in and data out, timed: `people import` of a generated HubSpot-style export (first import, and
a rerun that changes nothing) against one raw Arrow insert of the same rows, and `export posts` over a
database of generated posts with the exporting process's peak memory.

    .venv/bin/python bench/contacts_export.py --contacts 20000 --posts 200000

Each measurement runs in a fresh process (the CLI, as a user runs it); the machine may be shared, so
compare the ratios of one run, not absolute seconds across runs.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LISTENWELL = [sys.executable, "-c", "import sys; from listenwell.cli import main; sys.exit(main())"]
FIRST = ["Ana", "Bo", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena", "Mo", "Nia",
         "Oren", "Pia", "Quinn", "Rui", "Sol", "Tova", "Uma", "Vik", "Wen", "Xia", "Yara", "Zed", "Zoë", "José"]
LAST = ["Souza", "Chen", "Okafor", "Lund", "Ahmed", "Berg", "Novak", "Kim", "Costa", "Núñez", "Hartmann", "Price",
        "Reyes", "Tanaka", "Murphy", "Fischer", "Moreau", "Horvat", "Adeyemi", "Shah", "Wright", "Lindqvist"]


def write_contacts(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Record ID", "First Name", "Last Name", "Email", "Company Name", "Twitter Username",
                    "Website URL", "Lifecycle Stage", "Contact owner", "Client Tier"])
        for i in range(n):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            handle = f"{first.lower()[:4]}{last.lower()[:5]}{i}".encode("ascii", "ignore").decode()[:15]
            w.writerow([900000 + i, first, last, f"c{i}@example.com", f"Company {i % 997}",
                        handle if rng.random() < 0.6 else "", f"https://c{i}.example" if rng.random() < 0.2 else "",
                        "customer", "Alex", rng.choice(["", "", "", "1", "2", "3"])])


def timed(args: list[str], cwd: Path) -> tuple[float, int, str]:
    """Seconds, peak RSS (MB) and stdout of one CLI command in its own process."""
    start = time.perf_counter()
    proc = subprocess.run(LISTENWELL + args, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{args}: {proc.stderr[-2000:]}")
    return seconds, 0, proc.stdout


def peak_rss(args: list[str], cwd: Path) -> tuple[float, float]:
    code = ("import resource, sys, time; from listenwell.cli import main; t = time.perf_counter()\n"
            "try:\n    main(standalone_mode=False)\nfinally:\n"
            "    print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "
            "file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    seconds, rss = proc.stderr.strip().splitlines()[-1].split()
    return float(seconds), float(rss)


def raw_arrow_insert(db_path: Path, csv_path: Path) -> float:
    """The reference: the same rows into a table of the same shape with one Arrow INSERT … SELECT."""
    import duckdb
    import pyarrow.csv as pacsv

    start = time.perf_counter()
    table = pacsv.read_csv(csv_path)
    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE ref_contacts (id BIGINT, first VARCHAR, last VARCHAR, email VARCHAR, company VARCHAR, "
                "handle VARCHAR, website VARCHAR, tier INTEGER)")
    con.register("t", table)
    con.execute('INSERT INTO ref_contacts SELECT "Record ID", "First Name", "Last Name", "Email", "Company Name", '
                '"Twitter Username", "Website URL", "Client Tier" FROM t')
    con.close()
    return time.perf_counter() - start


def make_posts(db_path: Path, n: int) -> None:
    """n posts by n/20 authors, written the way storage does (one Arrow insert), without tags."""
    import pyarrow as pa

    from collectors.base import Identity, Post
    from storage.db import Database
    from storage.writes import store_batch

    rng = random.Random(3)
    start = datetime(2026, 9, 21, tzinfo=timezone.utc)
    with Database.open(db_path) as db:
        for chunk in range(0, n, 50_000):
            posts = []
            for i in range(chunk, min(n, chunk + 50_000)):
                author = Identity("x", f"user{i % max(n // 20, 1)}", display_name=f"User {i % max(n // 20, 1)}")
                posts.append(Post(platform="x", native_id=str(10**12 + i), text=f"post {i} about dashboards " * 3,
                                  created_at=start + timedelta(seconds=i * 13), author=author, source="bench",
                                  retrieved_at=start, url=f"https://x.com/u/status/{i}",
                                  raw={"id": str(i), "n": rng.random()}))
            store_batch(db, source="bench", source_type="files", posts=posts, state={"n": chunk}, note=None,
                        our_handles={}, now=start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--posts", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = {"me": {"name": "Bench"}, "storage": {"path": "data/lw.duckdb"},
                  "reference_time": "2026-11-20T18:00:00Z"}
        (root / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        contacts = root / "contacts.csv"
        write_contacts(contacts, args.contacts)
        first, _, out = timed(["people", "import", str(contacts), "--json"], root)
        counts = json.loads(out)["counts"]
        rerun, _, out = timed(["people", "import", str(contacts), "--json"], root)
        rerun_counts = json.loads(out)["counts"]
        baseline_start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import duckdb, pyarrow"], check=True)  # interpreter + imports
        startup = time.perf_counter() - baseline_start
        reference = raw_arrow_insert(root / "ref.duckdb", contacts)
        print(f"## people import, {args.contacts:,} contacts (HubSpot-style CSV, {contacts.stat().st_size / 1e6:.1f} MB)")
        print(f"first import: {first:.2f} s ({counts}); rerun: {rerun:.2f} s ({rerun_counts})")
        print(f"reference: one Arrow INSERT of the same rows {reference:.2f} s (+{startup:.2f} s interpreter start)")
        print(f"import rate: {args.contacts / first:,.0f} contacts/s")

        make_posts(root / "data" / "lw.duckdb", args.posts)
        for fmt in ("csv", "parquet", "ndjson"):
            out_file = root / f"posts.{fmt}"
            seconds, rss = peak_rss(["--config", str(root / "config.yaml"), "export", "posts", "--format", fmt,
                                     "--out", str(out_file)], root)
            print(f"export posts {fmt}: {args.posts:,} rows in {seconds:.2f} s ({args.posts / seconds:,.0f} rows/s), "
                  f"file {out_file.stat().st_size / 1e6:.1f} MB, peak RSS {rss:.0f} MB")
        seconds, rss = peak_rss(["--config", str(root / "config.yaml"), "stats", "--json"], root)
        print(f"reference: `stats --json` in the same database, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
