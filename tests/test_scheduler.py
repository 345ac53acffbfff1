"""The scheduler: jobs per source, DST-safe daily digest, one scheduler per database, isolation, shutdown."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from click.testing import CliRunner

import delivery.digest
import jobs.scheduled_jobs as scheduled_jobs_module
import jobs.stages as stages_module
from collectors.base import Checkpoint, Identity, Post, SourceError
from jobs.scheduler import (
    BudgetedCollector,
    DailyTrigger,
    SchedulerJobs,
    SchedulerLock,
    SchedulerLocked,
    build_scheduler,
    job_plan,
    lock_path_for,
    read_status,
)
from listenwell.cli_common import State
from listenwell.cli_jobs import jobs as jobs_command
from listenwell.cli_jobs import scheduler as scheduler_command
from listenwell.config import load_config
from storage.db import Database
from tests.conftest import REPO, minimal_config, write_config

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc
NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)
DATA = REPO / "tests" / "data" / "files"


def cli():
    """The real `listenwell` group once the commands are registered; until then, an equivalent one."""
    from listenwell.cli import main

    if "scheduler" in main.commands and "jobs" in main.commands:
        return main

    @click.group()
    @click.option("--config", "config_path")
    @click.pass_context
    def group(ctx, config_path):
        ctx.obj = State(config_path)

    group.add_command(scheduler_command)
    group.add_command(jobs_command)
    return group


def make_config(tmp_path: Path, **extra):
    sources = extra.pop("sources", [
        {"name": "x-page", "type": "files", "paths": [str(DATA / "x_page.jsonl")], "every_minutes": 15},
        {"name": "reddit-page", "type": "files", "paths": [str(DATA / "reddit.jsonl")], "every_minutes": 60},
        {"name": "off", "type": "files", "paths": [str(DATA / "posts.csv")], "enabled": False},
    ])
    return load_config(write_config(tmp_path, minimal_config(sources=sources, **extra)))


def job_runs(config) -> list[dict]:
    with Database.open(config.db_path, read_only=True) as db:
        rows = db.rows("SELECT * FROM job_runs ORDER BY started_at, job")
    for row in rows:
        row["counts"] = json.loads(row["counts"]) if row["counts"] else {}
    return rows


def post(n: int, source: str = "slow") -> Post:
    return Post(platform="x", native_id=f"{source}-{n}", text=f"hello @fernhillhq {n}",
                created_at=NOW - timedelta(minutes=n), author=Identity("x", f"user{n}"), source=source,
                retrieved_at=NOW)


class Scripted:
    def __init__(self, name, steps):
        self.name = name
        self.steps = steps

    def fetch(self, state):
        for step in self.steps:
            if isinstance(step, Exception):
                raise step
            if callable(step):
                step()
                continue
            yield step


def patch_collectors(monkeypatch, fakes: dict):
    real = scheduled_jobs_module.build_collector

    def build(config, source):
        if source.name in fakes:
            return fakes[source.name]()
        return real(config, source)

    monkeypatch.setattr(scheduled_jobs_module, "build_collector", build)


# --- the plan ------------------------------------------------------------------------------------


def test_one_interval_job_per_enabled_source_and_a_daily_digest(tmp_path):
    config = make_config(tmp_path)
    scheduler = build_scheduler(config, scheduler_cls=BackgroundScheduler, clock=lambda: NOW)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"collect:x-page", "collect:reddit-page", "digest"}  # 'off' is disabled
    assert jobs["collect:x-page"].trigger.interval == timedelta(minutes=15)
    assert jobs["collect:reddit-page"].trigger.interval == timedelta(minutes=60)
    assert isinstance(jobs["digest"].trigger, DailyTrigger)
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce is True
    assert jobs["collect:x-page"].misfire_grace_time == 7 * 60 + 30  # half the interval
    assert jobs["collect:reddit-page"].misfire_grace_time == 30 * 60
    assert jobs["digest"].misfire_grace_time == 6 * 3600
    # every source is collected at start, then on its interval
    assert jobs["collect:x-page"].next_run_time == NOW
    plan = {p["id"]: p for p in job_plan(scheduler, NOW)}
    assert plan["collect:x-page"]["trigger"] == "every 15 min"
    assert plan["digest"]["trigger"] == "daily at 07:30 UTC"
    assert plan["digest"]["next_run_time"] == datetime(2026, 11, 21, 7, 30, tzinfo=UTC)


def test_interval_triggers_keep_their_spacing_across_a_dst_change(tmp_path):
    config = make_config(tmp_path, schedule={"timezone": "Europe/London", "digest_time": "07:30"})
    job = build_scheduler(config, scheduler_cls=BackgroundScheduler).get_job("collect:x-page")
    assert isinstance(job.trigger, IntervalTrigger)
    now = datetime(2026, 3, 29, 0, 10, tzinfo=UTC)  # clocks go forward at 01:00 UTC
    fires = []
    prev = None
    for _ in range(12):
        prev = job.trigger.get_next_fire_time(prev, now)
        fires.append(prev)
        now = prev + timedelta(seconds=1)
    gaps = {b - a for a, b in zip(fires, fires[1:])}
    assert gaps == {timedelta(minutes=15)}


# --- the digest: once per local day, DST included ----------------------------------------------------


def fire_days(trigger: DailyTrigger, start: datetime, days: int, step: timedelta) -> list[datetime]:
    """Drive the trigger the way the scheduler does: the next fire after the last one, seen a bit later."""
    fires, prev, now = [], None, start
    end = start + timedelta(days=days)
    while True:
        fire = trigger.get_next_fire_time(prev, now)
        if fire >= end:
            return fires
        fires.append(fire)
        prev, now = fire, fire + step


@pytest.mark.parametrize("step", [timedelta(0), timedelta(microseconds=1), timedelta(seconds=1),
                                  timedelta(minutes=61), timedelta(hours=3)])
@pytest.mark.parametrize("digest_time", ["07:30", "01:30", "01:00", "00:30", "02:00", "23:59", "00:00"])
@pytest.mark.parametrize("window_start", [datetime(2026, 3, 26, tzinfo=UTC), datetime(2026, 10, 22, tzinfo=UTC)])
def test_digest_fires_exactly_once_per_local_day_across_dst(tmp_path, digest_time, window_start, step):
    config = make_config(tmp_path, schedule={"timezone": "Europe/London", "digest_time": digest_time})
    trigger = build_scheduler(config, scheduler_cls=BackgroundScheduler).get_job("digest").trigger
    fires = fire_days(trigger, window_start, 7, step)
    local_days = [f.astimezone(LONDON).date() for f in fires]
    first = window_start.astimezone(LONDON).date()
    if fires[0].astimezone(LONDON).date() != first:  # 00:00 on the first day is exactly the start
        first += timedelta(days=1)
    assert local_days == [first + timedelta(days=i) for i in range(len(fires))]
    assert len(fires) >= 6
    assert all(a < b for a, b in zip(fires, fires[1:]))


def test_digest_at_0730_follows_the_clock_change():
    trigger = DailyTrigger(dtime(7, 30), LONDON)
    spring = fire_days(trigger, datetime(2026, 3, 28, tzinfo=UTC), 3, timedelta(seconds=1))
    assert [f.astimezone(UTC) for f in spring] == [
        datetime(2026, 3, 28, 7, 30, tzinfo=UTC),   # GMT
        datetime(2026, 3, 29, 6, 30, tzinfo=UTC),   # BST from spring-forward day
        datetime(2026, 3, 30, 6, 30, tzinfo=UTC),
    ]
    autumn = fire_days(trigger, datetime(2026, 10, 24, tzinfo=UTC), 3, timedelta(seconds=1))
    assert [f.astimezone(UTC) for f in autumn] == [
        datetime(2026, 10, 24, 6, 30, tzinfo=UTC),  # BST
        datetime(2026, 10, 25, 7, 30, tzinfo=UTC),  # GMT from fall-back day
        datetime(2026, 10, 26, 7, 30, tzinfo=UTC),
    ]
    assert all(f.astimezone(LONDON).time() == dtime(7, 30) for f in spring + autumn)


def test_digest_time_in_the_skipped_hour_fires_once_right_after_the_gap():
    trigger = DailyTrigger(dtime(1, 30), LONDON)
    fires = fire_days(trigger, datetime(2026, 3, 28, tzinfo=UTC), 3, timedelta(seconds=1))
    assert [f.astimezone(UTC) for f in fires] == [
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),   # 01:30 GMT
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),   # 01:30 does not exist that day: 02:30 BST
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),   # 01:30 BST
    ]
    assert fires[1].astimezone(LONDON).time() == dtime(2, 30)


def test_digest_time_in_the_repeated_hour_fires_only_at_its_first_occurrence():
    trigger = DailyTrigger(dtime(1, 30), LONDON)
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST
    assert trigger.get_next_fire_time(None, datetime(2026, 10, 25, 0, 0, tzinfo=UTC)) == first
    # an hour later the wall clock shows 01:30 again (GMT): no second digest that day
    again = datetime(2026, 10, 25, 1, 30, 1, tzinfo=UTC)
    assert trigger.get_next_fire_time(first, again) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)
    assert trigger.get_next_fire_time(first, first) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_digest_after_a_missed_day_fires_for_the_next_one_only():
    trigger = DailyTrigger(dtime(7, 30), LONDON)
    prev = datetime(2026, 11, 18, 7, 30, tzinfo=UTC)
    # the machine slept two days; the scheduler asks at 09:00 on the 20th: the run times it coalesces
    nxt = trigger.get_next_fire_time(prev, datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    assert nxt == datetime(2026, 11, 21, 7, 30, tzinfo=UTC)
    assert trigger.get_next_fire_time(prev, prev) == datetime(2026, 11, 19, 7, 30, tzinfo=UTC)


# --- one scheduler per database ------------------------------------------------------------------


def test_a_second_lock_on_the_same_database_is_refused_with_the_pid_and_path(tmp_path):
    path = lock_path_for(tmp_path / "lw.duckdb")
    first = SchedulerLock(path).acquire()
    try:
        assert path.read_text().strip() == str(os.getpid())
        with pytest.raises(SchedulerLocked) as info:
            SchedulerLock(path).acquire()  # a separate open file description: flock conflicts
        message = str(info.value)
        assert f"PID {os.getpid()}" in message and str(path) in message
        assert info.value.pid == os.getpid() and info.value.lock_path == path
    finally:
        first.release()
    with SchedulerLock(path):  # released: free again
        pass


def test_a_stale_lock_file_from_a_dead_process_does_not_block(tmp_path):
    path = lock_path_for(tmp_path / "lw.duckdb")
    path.write_text("999999\n")  # left behind by a crash: the file stays, the flock died with its process
    with SchedulerLock(path) as lock:
        assert lock.held and path.read_text().strip() == str(os.getpid())


def test_the_cli_refuses_a_second_scheduler_with_exit_code_2(tmp_path):
    config = make_config(tmp_path)
    path = lock_path_for(config.db_path)
    with SchedulerLock(path):
        result = CliRunner().invoke(cli(), ["--config", str(tmp_path / "config.yaml"), "scheduler"])
    assert result.exit_code == 2, result.output
    assert "another scheduler" in result.output and f"PID {os.getpid()}" in result.output
    assert str(path) in result.output


def test_a_second_scheduler_process_is_refused(tmp_path):
    config = make_config(tmp_path)
    path = lock_path_for(config.db_path)
    with SchedulerLock(path):
        proc = subprocess.run(
            [sys.executable, "-m", "listenwell.cli_jobs", "--config", str(tmp_path / "config.yaml"), "scheduler"],
            cwd=REPO, capture_output=True, text=True, timeout=60,
        )
    assert proc.returncode == 2, proc.stderr
    assert f"another scheduler (PID {os.getpid()})" in proc.stderr and str(path) in proc.stderr


# --- jobs: isolation and recording -----------------------------------------------------------------


def test_each_collect_job_collects_its_source_then_tags_engages_and_records(tmp_path):
    config = make_config(tmp_path)
    jobs = SchedulerJobs(config, echo=lambda m: None)
    outcome = jobs.collect("x-page")
    assert outcome.status == "ok", outcome
    runs = job_runs(config)
    assert [r["job"] for r in runs] == ["collect:x-page"]
    run = runs[0]
    assert run["status"] == "ok" and run["error"] is None
    assert run["counts"]["new_posts"] > 0 and run["counts"]["tagged"] == run["counts"]["new_posts"]
    assert run["finished_at"] >= run["started_at"]
    with Database.open(config.db_path, read_only=True) as db:  # the job closed the database
        assert db.scalar("SELECT count(DISTINCT source) FROM posts") == 1


def test_a_failing_job_is_recorded_and_the_others_still_run(tmp_path, monkeypatch):
    config = make_config(tmp_path, sources=[
        {"name": "broken", "type": "files", "paths": [str(DATA / "posts.csv")]},
        {"name": "crashing", "type": "files", "paths": [str(DATA / "posts.csv")]},
        {"name": "x-page", "type": "files", "paths": [str(DATA / "x_page.jsonl")]},
    ])
    patch_collectors(monkeypatch, {
        "broken": lambda: Scripted("broken", [SourceError("HTTP 503 from the feed")]),
        "crashing": lambda: (_ for _ in ()).throw(RuntimeError("boom in the constructor")),
    })
    scheduler = build_scheduler(config, scheduler_cls=BackgroundScheduler, echo=lambda m: None)
    done = threading.Semaphore(0)
    scheduler.add_listener(lambda event: done.release(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()  # all three collect jobs are due at start
    try:
        for _ in range(3):
            assert done.acquire(timeout=30)
    finally:
        scheduler.shutdown(wait=True)
    runs = {r["job"]: r for r in job_runs(config)}
    assert runs["collect:broken"]["status"] == "failed"
    assert "HTTP 503 from the feed" in runs["collect:broken"]["error"]
    assert runs["collect:crashing"]["status"] == "failed"
    assert "boom in the constructor" in runs["collect:crashing"]["error"]
    assert runs["collect:x-page"]["status"] == "ok" and runs["collect:x-page"]["counts"]["new_posts"] > 0
    with Database.open(config.db_path, read_only=True) as db:
        errors = dict(db.con.execute("SELECT source, last_error FROM source_state").fetchall())
    assert "HTTP 503" in errors["broken"] and errors["x-page"] is None


def test_a_failing_stage_makes_the_run_partial_and_the_next_job_runs(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    jobs = SchedulerJobs(config, echo=lambda m: None)

    def broken_engage(config, db):
        raise RuntimeError("engage exploded")

    monkeypatch.setattr(stages_module, "engage_new_posts", broken_engage)
    outcome = jobs.collect("x-page")
    assert outcome.status == "partial" and "engage: RuntimeError: engage exploded" in outcome.error
    monkeypatch.undo()
    assert jobs.collect("reddit-page").status == "ok"
    runs = {r["job"]: r for r in job_runs(config)}
    assert runs["collect:x-page"]["status"] == "partial"
    assert runs["collect:x-page"]["counts"]["tagged"] > 0  # the stages before it did their work
    assert runs["collect:reddit-page"]["status"] == "ok"


def test_an_unexpected_error_in_a_job_is_recorded_as_failed(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    jobs = SchedulerJobs(config, echo=lambda m: None)

    def broken(*a, **k):
        raise ValueError("template missing")

    monkeypatch.setattr(delivery.digest, "write_digest", broken)
    assert jobs.digest().status == "failed"
    (run,) = job_runs(config)
    assert run["job"] == "digest" and run["status"] == "failed"
    assert run["error"] == "unexpected ValueError: template missing" and run["finished_at"] is not None


def test_a_run_left_running_by_a_crash_is_marked_failed_by_the_next_scheduler(tmp_path):
    config = make_config(tmp_path)
    from jobs.pipeline import record_job

    with Database.open(config.db_path) as db:
        record_job(db, "collect:x-page", NOW, "running", {}, None, NOW)
    SchedulerJobs(config, echo=lambda m: None).collect("reddit-page")
    runs = {r["job"]: r for r in job_runs(config)}
    assert runs["collect:x-page"]["status"] == "failed" and "interrupted" in runs["collect:x-page"]["error"]


def test_no_job_starts_once_the_scheduler_is_stopping(tmp_path):
    config = make_config(tmp_path)
    jobs = SchedulerJobs(config, echo=lambda m: None)
    jobs.stopping.set()
    assert jobs.collect("x-page").status == "skipped"
    assert not config.db_path.exists()  # never even opened


def test_a_locked_database_skips_the_job_without_crashing(tmp_path):
    config = make_config(tmp_path)
    from storage.db import DatabaseLocked

    def locked(path):
        raise DatabaseLocked("database is locked by PID 42")

    jobs = SchedulerJobs(config, echo=lambda m: None, open_db=locked)
    outcome = jobs.collect("x-page")
    assert outcome.status == "skipped" and "PID 42" in outcome.error


# --- a hung source ---------------------------------------------------------------------------------


def test_a_hung_source_times_out_holds_no_database_and_is_not_restarted_while_stuck(tmp_path, monkeypatch):
    config = make_config(tmp_path, sources=[
        {"name": "slow", "type": "files", "paths": [str(DATA / "posts.csv")]},
        {"name": "x-page", "type": "files", "paths": [str(DATA / "x_page.jsonl")]},
    ])
    release = threading.Event()
    calls = []

    def hang():
        calls.append(time.monotonic())
        release.wait(30)

    patch_collectors(monkeypatch, {"slow": lambda: Scripted("slow", [
        post(1), Checkpoint({"page": 1}), hang, post(2), Checkpoint({"page": 2}),
    ])})
    jobs = SchedulerJobs(config, echo=lambda m: None, budget=lambda source: 0.5)
    t = time.monotonic()
    outcome = jobs.collect("slow")
    # the budget is 0.5 s and the hang 30 s: 15 s tells them apart even on a machine loaded many times over
    assert time.monotonic() - t < 15
    assert outcome.status == "partial" and "timed out" in outcome.error
    assert outcome.counts["timed_out"] is True and outcome.counts["new_posts"] == 1
    # the other sources go on, and the database is free between jobs
    assert jobs.collect("x-page").status == "ok"
    # while the abandoned fetch is still stuck, the source is not started again
    again = jobs.collect("slow")
    assert again.status == "failed" and "has still not returned" in again.error
    assert len(calls) == 1
    release.set()
    thread = jobs.abandoned["slow"][0]
    thread.join(5)
    assert not thread.is_alive()  # it saw the cancellation at its next hand-over
    with Database.open(config.db_path, read_only=True) as db:
        # nothing the abandoned thread read after its last checkpoint was stored
        assert db.scalar("SELECT count(*) FROM posts WHERE source = 'slow'") == 1
        assert json.loads(db.scalar("SELECT state FROM source_state WHERE source = 'slow'")) == {"page": 1}
        assert "timed out" in db.scalar("SELECT last_error FROM source_state WHERE source = 'slow'")
    # once it has returned, the next run resumes from the committed cursor
    assert jobs.collect("slow").status == "ok"
    runs = [r for r in job_runs(config) if r["job"] == "collect:slow"]
    assert [r["status"] for r in runs] == ["partial", "failed", "ok"]


def test_errors_raised_in_the_fetch_thread_reach_the_runner():
    collector = BudgetedCollector("s", lambda: Scripted("s", [post(1), SourceError("HTTP 500")]), budget=5)
    items = []
    with pytest.raises(SourceError, match="HTTP 500"):
        for item in collector.fetch({}):
            items.append(item)
    assert len(items) == 1 and not collector.timed_out and collector.abandoned is None


def test_a_stopping_scheduler_ends_the_fetch_at_the_next_checkpoint():
    stopping = threading.Event()
    stopping.set()
    steps = [post(1), Checkpoint({"page": 1}), post(2), Checkpoint({"page": 2})]
    collector = BudgetedCollector("s", lambda: Scripted("s", steps), budget=5, stopping=stopping)
    items = list(collector.fetch({}))
    assert items == steps[:2] and collector.stopped_early


# --- the digest job --------------------------------------------------------------------------------


SMTP = {"host": "smtp.example.com", "sender": "listening@fernhill.example"}


def test_the_digest_job_writes_the_last_complete_local_day(tmp_path):
    config = make_config(tmp_path, schedule={"timezone": "Europe/London", "digest_time": "07:30"})
    outcome = SchedulerJobs(config, echo=lambda m: None).digest()
    assert outcome.status == "ok" and outcome.counts["emailed"] is False
    assert outcome.counts["day"] == "2026-11-19"  # reference_time is 2026-11-20 18:00
    assert Path(outcome.counts["html"]).exists() and Path(outcome.counts["text"]).exists()


def test_the_digest_job_sends_it_when_email_is_configured(tmp_path, monkeypatch):
    config = make_config(tmp_path, digest={"recipients": ["am@fernhill.example"], "smtp": SMTP})
    sent = []
    monkeypatch.setattr(delivery.digest, "send_digest", lambda c, db, day: sent.append(day))
    outcome = SchedulerJobs(config, echo=lambda m: None).digest()
    assert outcome.status == "ok" and outcome.counts["emailed"] is True
    assert sent == [date(2026, 11, 19)]


def test_a_failed_digest_email_leaves_the_files_and_a_partial_run(tmp_path, monkeypatch):
    config = make_config(tmp_path, digest={"recipients": ["am@fernhill.example"], "smtp": SMTP})

    def refuse(config, db, day):
        raise ConnectionRefusedError("smtp.example.com:587 refused")

    monkeypatch.setattr(delivery.digest, "send_digest", refuse)
    outcome = SchedulerJobs(config, echo=lambda m: None).digest()
    assert outcome.status == "partial" and "refused" in outcome.error
    assert Path(outcome.counts["html"]).exists() and "not e-mailed" in outcome.error


# --- the CLI ---------------------------------------------------------------------------------------


def test_dry_run_prints_the_plan_and_runs_nothing(bundled_config):
    result = CliRunner().invoke(cli(), ["--config", str(bundled_config), "scheduler", "--dry-run"])
    assert result.exit_code == 0, result.output
    for name in ("x-samples", "reddit-samples", "fernhill-blog", "tidewater-blog", "dq-weekly"):
        assert f"collect:{name}" in result.output
    assert "daily at 07:30 Europe/London" in result.output and "dry run" in result.output
    assert not (bundled_config.parent / "data").exists()
    result = CliRunner().invoke(cli(), ["--config", str(bundled_config), "scheduler", "--dry-run", "--json"])
    plan = json.loads(result.output)
    assert {j["id"] for j in plan["jobs"]} >= {"collect:x-samples", "digest"}
    assert plan["running_scheduler_pid"] is None


def test_jobs_lists_recent_runs_as_text_and_json(tmp_path, monkeypatch):
    config = make_config(tmp_path, sources=[
        {"name": "broken", "type": "files", "paths": [str(DATA / "posts.csv")]},
        {"name": "x-page", "type": "files", "paths": [str(DATA / "x_page.jsonl")]},
    ])
    patch_collectors(monkeypatch, {"broken": lambda: Scripted("broken", [SourceError("HTTP 503")])})
    jobs = SchedulerJobs(config, echo=lambda m: None)
    jobs.collect("x-page")
    jobs.collect("broken")
    args = ["--config", str(tmp_path / "config.yaml"), "jobs"]
    result = CliRunner().invoke(cli(), args + ["--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["scheduler"] is None
    runs = data["runs"]
    assert [r["job"] for r in runs] == ["collect:broken", "collect:x-page"]  # most recent first
    assert runs[0]["status"] == "failed" and "HTTP 503" in runs[0]["error"]
    assert runs[1]["status"] == "ok" and runs[1]["counts"]["new_posts"] > 0
    assert runs[1]["duration_seconds"] >= 0
    result = CliRunner().invoke(cli(), args + ["--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "collect:broken" in result.output and "collect:x-page" not in result.output
    assert "error: broken: HTTP 503" in result.output


@pytest.mark.parametrize("name", ["scheduler", "jobs"])
def test_every_command_help_ends_with_an_example(name):
    result = CliRunner().invoke(cli(), [name, "--help"])
    assert result.exit_code == 0
    last_block = result.output.rstrip().split("\n\n")[-1].splitlines()  # the example is the end of the help
    assert last_block[0] == "  Example:"
    examples = last_block[1:]
    assert examples and all(line.strip().startswith("listenwell ") for line in examples)


# --- a real process, a real SIGTERM ------------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_finishes_the_current_job_and_exits_cleanly(bundled_config):
    from listenwell.cli import main

    cmd = [sys.executable, "-m", "listenwell.cli" if "scheduler" in main.commands else "listenwell.cli_jobs"]
    config = load_config(bundled_config)
    proc = subprocess.Popen(cmd + ["--config", str(bundled_config), "scheduler"], cwd=bundled_config.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    started = threading.Event()

    def read():
        for line in proc.stderr:
            lines.append(line)
            if ": started" in line:
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(30), "".join(lines)
        status = read_status(config.db_path)
        assert status and status["pid"] == proc.pid and {j["id"] for j in status["jobs"]} >= {"digest"}
        proc.send_signal(signal.SIGTERM)
        # it finishes the job in hand (a collect of the bundled samples), not the queue behind it: that the
        # queue did not run is checked below; the wait only has to outlast one job on a loaded machine
        assert proc.wait(timeout=60) == 0, "".join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(5)
    log = "".join(lines)
    assert "SIGTERM received" in log and "scheduler stopped" in log
    runs = job_runs(config)
    assert runs and all(r["status"] in ("ok", "partial") for r in runs), runs  # finished, not 'running'
    assert runs[0]["job"].startswith("collect:") and runs[0]["finished_at"] is not None
    assert len(runs) < 5  # the jobs queued behind the current one did not start
    with SchedulerLock(lock_path_for(config.db_path)):  # the lock was released
        pass
    assert read_status(config.db_path) is None
