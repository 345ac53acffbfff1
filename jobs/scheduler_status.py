"""What `listenwell jobs` shows of a running scheduler: each job's trigger and next run, in
``<db>.scheduler.json`` beside the database (written by the scheduler, read by anyone)."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger

from jobs.scheduler_lock import lock_path_for, read_lock_pid, status_path_for


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def job_plan(scheduler, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each job's id, trigger and next run time. Before ``start()``, computed from the trigger."""
    now = now or utc_now()
    plan = []
    for job in scheduler.get_jobs():
        next_run = getattr(job, "next_run_time", None)
        if next_run is None:
            next_run = job.trigger.get_next_fire_time(None, now)
        plan.append({
            "id": job.id, "trigger": describe_trigger(job.trigger), "next_run_time": next_run,
            "misfire_grace_seconds": job.misfire_grace_time, "max_instances": job.max_instances,
            "coalesce": job.coalesce,
        })
    return plan


def describe_trigger(trigger) -> str:
    if isinstance(trigger, IntervalTrigger):
        minutes = trigger.interval.total_seconds() / 60
        return f"every {minutes:g} min"
    return str(trigger)


def write_status(path: Path, plan: list[dict[str, Any]], started_at: datetime) -> None:
    """``<db>.scheduler.json``: who runs and each job's next run, for `listenwell jobs`."""
    data = {"pid": os.getpid(), "started_at": started_at.isoformat(), "updated_at": utc_now().isoformat(),
            "jobs": [{"id": p["id"], "trigger": p["trigger"],
                      "next_run_time": p["next_run_time"].isoformat() if p["next_run_time"] else None}
                     for p in plan]}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def read_status(db_path: str | Path) -> dict[str, Any] | None:
    """The running scheduler's status for this database, or None when none is running."""
    path = status_path_for(db_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = data.get("pid")
    if not isinstance(pid, int) or read_lock_pid(lock_path_for(db_path)) != pid:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return data
