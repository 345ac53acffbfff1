"""API usage: posts read and written per source, stream and UTC day, and what a month of it costs.

Collectors count their reads and hand them over with each ``Checkpoint`` (``usage``); the runner records
them in the same transaction as the posts. A sent reply records one write. A platform whose settings price
usage (``x.price_per_read`` …) gets its month's spend and budget from these rows."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Mapping

from collectors import platforms
from storage.db import Database


def record_usage(con, *, source: str, platform: str, day: date, reads: Mapping[str, int] | None = None,
                 writes: Mapping[str, int] | None = None) -> None:
    """Add reads and writes per stream to ``day``'s rows (inside the caller's transaction)."""
    rows = [(source, platform, stream, day, int(n), 0) for stream, n in (reads or {}).items() if n]
    rows += [(source, platform, stream, day, 0, int(n)) for stream, n in (writes or {}).items() if n]
    for row in rows:
        con.execute(
            """INSERT INTO api_usage (source, platform, stream, day, reads, writes) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (source, stream, day) DO UPDATE SET reads = api_usage.reads + excluded.reads,
                                                               writes = api_usage.writes + excluded.writes""",
            list(row))


def month_start(now: datetime) -> date:
    return now.astimezone(timezone.utc).date().replace(day=1)


def month_totals(db_or_con, platform: str, now: datetime) -> tuple[int, int]:
    """(reads, writes) of every source of ``platform`` this calendar month (UTC): a budget is per account."""
    con = getattr(db_or_con, "con", db_or_con)
    row = con.execute("SELECT coalesce(sum(reads), 0), coalesce(sum(writes), 0) FROM api_usage "
                      "WHERE platform = ? AND day >= ?", [platform, month_start(now)]).fetchone()
    return int(row[0]), int(row[1])


def usage_report(db: Database, now: datetime) -> dict[str, dict[str, Any]]:
    """Per source: reads and writes today and this month, per stream this month, and the estimated spend
    where its platform prices usage."""
    today = now.astimezone(timezone.utc).date()
    rows = db.rows(
        """SELECT source, platform, stream,
                  sum(reads) FILTER (WHERE day = $today) AS reads_today,
                  sum(writes) FILTER (WHERE day = $today) AS writes_today,
                  sum(reads) AS reads_month, sum(writes) AS writes_month
           FROM api_usage WHERE day >= $month GROUP BY ALL ORDER BY source, stream""",
        {"today": today, "month": month_start(now)})
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(r["source"], {"platform": r["platform"], "reads_today": 0, "writes_today": 0,
                                             "reads_month": 0, "writes_month": 0, "streams": {}})
        for key in ("reads_today", "writes_today", "reads_month", "writes_month"):
            entry[key] += int(r[key] or 0)
        entry["streams"][r["stream"]] = {"reads_month": int(r["reads_month"] or 0),
                                         "writes_month": int(r["writes_month"] or 0)}
    return out


def priced(config: Any, report: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``report`` with ``spend_month`` (and the platform's budget) where the platform's settings price usage."""
    out = {}
    for source, entry in report.items():
        entry = dict(entry)
        settings = settings_for(config, entry["platform"])
        if settings is not None:
            entry["spend_today"] = round(settings.cost(entry["reads_today"], entry["writes_today"]), 4)
            entry["spend_month"] = round(settings.cost(entry["reads_month"], entry["writes_month"]), 4)
            entry["monthly_budget"] = settings.monthly_budget
        out[source] = entry
    return out


def settings_for(config: Any, platform: str) -> Any:
    """The platform's priced settings section (``config.x``), or None when its usage is free."""
    found = platforms.find(platform)
    if found is None or found.settings is None or not hasattr(found.settings, "cost"):
        return None
    return getattr(config, platform, None)


def budget_notices(config: Any, db_or_con, now: datetime) -> list[str]:
    """One line per platform whose monthly budget stops (or has stopped) its streams: for sources and the digest."""
    notices = []
    for platform in platforms.all_platforms():
        settings = settings_for(config, platform.name)
        if settings is None or settings.monthly_budget is None:
            continue
        note = settings.budget_note(*month_totals(db_or_con, platform.name, now), now=now)
        if note:
            notices.append(note)
    return notices
