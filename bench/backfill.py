"""The backfill under both engines on this machine, as ratios measured in one run (issue 23).

    .venv/bin/python bench/backfill.py --posts 100000 --rounds 1 --processes 2

Data: bench/generate.py's posts (X pages, Reddit Listings, blog CSV), cached under ``--cache``. Each round runs
``listenwell backfill`` once with ``--engine local`` and once with ``--engine ray`` (a local Ray with the same
number of CPUs), alternating, each in a fresh process on a fresh database, and samples the memory of the whole
process tree (the CLI, its worker processes, Ray's raylet, GCS and workers) every 0.2 s. Memory is the sum of
PSS (proportional set size): pages shared between processes, such as Ray's object store, count once.

Then the load phase alone, against a raw Arrow ``INSERT … SELECT`` of the same posts into an empty posts table
(the reference bench/run.py uses for ingest), ``--load-repeats`` times alternating on fresh databases; the
median of each is kept.

Prints a Markdown block for docs/benchmarks.md, with the load average, and the hours a 100M-post archive would
take on 1, 8 and 64 cores, from the measured per-core tagging rate and the measured load rate.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _tree_pss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
            ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def run_backfill(config: Path, data: Path, engine: str, processes: int) -> dict:
    cmd = [sys.executable, "-m", "listenwell.cli", "--config", str(config), "backfill", str(data / "x.jsonl"),
           str(data / "reddit.jsonl"), str(data / "blog.csv"), "--engine", engine, "--processes", str(processes),
           "--json", "--keep-work"]
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env["PYTHONPATH"] = str(ROOT)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_pss_kb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{engine} backfill failed ({proc.returncode}): {out[-2000:]}")
    counts = json.loads(out[out.index("{"):])
    return {"engine": engine, "seconds": seconds, "posts": counts["posts_read"], "phases": counts["seconds"],
            "work": counts["work_dir"], "peak_mb": peak[0] / 1024}


def load_vs_raw(config_path: Path, inputs: list[Path], work: Path, scratch: Path, repeats: int) -> tuple[list[float], list[float], int]:
    """The backfill's load phase (posts, authors, tags, thread flags, terms) and a raw Arrow insert of the same
    posts, alternating on fresh databases."""
    import pyarrow.parquet as pq

    from collectors.base import POSTS_SCHEMA
    from jobs.backfill import run_backfill as backfill
    from listenwell.config import load_config
    from storage.db import Database

    config = load_config(config_path)
    partitions = sorted((work / "posts").glob("p*.parquet"))
    posts = sum(pq.ParquetFile(p).metadata.num_rows for p in partitions)
    load_s, raw_s = [], []
    for i in range(repeats):
        copy = scratch / f"load-{i}"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(work, copy)
        shutil.rmtree(copy / "loaded")
        db_path = config.db_path
        if db_path.exists():
            db_path.unlink()
        # the same archives and a copy of the work folder, read and tagged: only the load runs
        report = backfill(config, inputs, engine="local", work_dir=copy, keep_work=True, echo=lambda _m: None,
                          processes=1)
        load_s.append(report.seconds["load"])
        ref = scratch / f"raw-{i}.duckdb"
        if ref.exists():
            ref.unlink()
        with Database.open(ref) as db:
            t = time.perf_counter()
            for part in partitions:
                table = pq.read_table(part).select(POSTS_SCHEMA.names)
                db.con.register("incoming", table)
                db.con.execute(
                    "INSERT OR IGNORE INTO posts SELECT post_uid, nextval('post_seq'), platform, native_id, kind, url,"
                    " title, text, created_at, author_uid, parent_uid, conversation_uid, parent_url, lang, mentions,"
                    " raw, source, retrieved_at FROM incoming")
                db.con.unregister("incoming")
            raw_s.append(time.perf_counter() - t)
        shutil.rmtree(copy, ignore_errors=True)
    return load_s, raw_s, posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1, help="local/ray pairs, alternating")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--load-repeats", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/listenwell-bench"))
    args = parser.parse_args()

    from bench.generate import generate
    from bench.run import config_for

    data = args.cache / f"data-{args.posts}"
    if not (data / "x.jsonl").exists():
        generate(args.posts, data)
    scratch = args.cache / "backfill-bench"
    shutil.rmtree(scratch, ignore_errors=True)
    load_before = os.getloadavg()
    runs: list[dict] = []
    for r in range(args.rounds):
        for engine in ("local", "ray"):
            work = scratch / f"{engine}-{r}"
            work.mkdir(parents=True)
            runs.append(run_backfill(config_for(data, work), data, engine, args.processes))
            print(f"  {engine}: {runs[-1]['posts'] / runs[-1]['seconds']:,.0f} posts/s, "
                  f"peak {runs[-1]['peak_mb']:,.0f} MB, phases {runs[-1]['phases']}", file=sys.stderr)
    local = [x for x in runs if x["engine"] == "local"]
    ray = [x for x in runs if x["engine"] == "ray"]
    med = lambda xs, key: statistics.median(x[key] for x in xs)  # noqa: E731
    local_rate = statistics.median(x["posts"] / x["seconds"] for x in local)
    ray_rate = statistics.median(x["posts"] / x["seconds"] for x in ray)
    local_tag_rate = statistics.median(x["posts"] / x["phases"]["tag"] for x in local)
    ray_tag_rate = statistics.median(x["posts"] / x["phases"]["tag"] for x in ray)

    inputs = [data / "x.jsonl", data / "reddit.jsonl", data / "blog.csv"]
    load_s, raw_s, n = load_vs_raw(scratch / "local-0" / "config.yaml", inputs, Path(local[0]["work"]), scratch,
                                   args.load_repeats)
    load_rate, raw_rate = n / statistics.median(load_s), n / statistics.median(raw_s)
    load_after = os.getloadavg()

    per_core = local_tag_rate / args.processes
    print(f"\n{args.posts:,} generated posts, {args.rounds} round(s) of local and Ray alternating, "
          f"{args.processes} processes / CPUs each; load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after\n")
    print("| engine | posts/s (whole backfill) | tag phase posts/s | read s | tag s | load s | peak PSS MB (process tree) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for x in runs:
        p = x["phases"]
        print(f"| {x['engine']} | {x['posts'] / x['seconds']:,.0f} | {x['posts'] / p['tag']:,.0f} | {p['read']:.1f} | "
              f"{p['tag']:.1f} | {p['load']:.1f} | {x['peak_mb']:,.0f} |")
    print(f"\n- Ray's overhead on one machine (time, whole backfill): **{local_rate / ray_rate:.2f}×** local "
          f"(tag phase alone {local_tag_rate / ray_tag_rate:.2f}×); memory **{med(ray, 'peak_mb') / med(local, 'peak_mb'):.2f}×**"
          f" local (goal ≤ 1.5×).")
    print(f"- Load phase vs raw Arrow insert of the same posts, median of {args.load_repeats}: "
          f"{load_rate:,.0f} vs {raw_rate:,.0f} posts/s, ratio **{load_rate / raw_rate:.2f}** "
          f"(runs: load {', '.join(f'{s:.2f}' for s in load_s)} s; raw {', '.join(f'{s:.2f}' for s in raw_s)} s).")
    print(f"- On paper, 100M posts: tagging at {per_core:,.0f} posts/s per core (measured, local), Ray's measured "
          f"overhead applied beyond one machine, and the load on the one machine holding the DuckDB file at "
          f"{load_rate:,.0f} posts/s:\n")
    print("| cores | read hours (one process) | tag hours | load hours (one machine) | total hours |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    overhead = max(local_tag_rate / ray_tag_rate, 1.0)
    read_h = 100e6 / statistics.median(x["posts"] / x["phases"]["read"] for x in local) / 3600
    load_h = 100e6 / load_rate / 3600
    for cores in (1, 8, 64):
        rate = per_core * cores / (overhead if cores > args.processes else 1.0)
        tag_h = 100e6 / rate / 3600
        print(f"| {cores} | {read_h:.1f} | {tag_h:.1f} | {load_h:.1f} | {read_h + tag_h + load_h:.1f} |")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
