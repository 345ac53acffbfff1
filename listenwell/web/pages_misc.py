"""Digest files (by date only) and source health."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from collectors.cursors import where_it_stands
from listenwell.web.app import back, render
from listenwell.words import plural
from storage.usage import priced, usage_report
from listenwell.web.security import DIGEST_CSP, verified_form

DIGEST_NAME = re.compile(r"^digest-(\d{4}-\d{2}-\d{2})\.html$")


def digest_dir(config) -> Path:
    return config.resolve(config.digest.out_dir)


def digest_days(config) -> list[date]:
    folder = digest_dir(config)
    days = []
    if folder.is_dir():
        for entry in folder.iterdir():
            match = DIGEST_NAME.match(entry.name)
            if match and entry.is_file():
                try:
                    days.append(date.fromisoformat(match[1]))
                except ValueError:
                    continue
    return sorted(days, reverse=True)


def parse_day(text: str) -> date:
    """Only a real YYYY-MM-DD date; the file name is built from it, never taken from the request."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise HTTPException(404, "a digest is addressed by its date, YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HTTPException(404, "a digest is addressed by its date, YYYY-MM-DD") from None


def digest_file(config, day: date) -> Path:
    return digest_dir(config) / f"digest-{day.isoformat()}.html"


_INLINE_STYLE = re.compile(r'\sstyle="[^"<>]*"')


def load_digest(store, config, day: date) -> dict:
    """The digest's content for the page, gathered as the file's was; its charts (numbers only, drawn by us)
    without their inline styles, which the page's CSP refuses: the stylesheet sizes them."""
    from delivery.digest import gather

    with store.open() as db:
        context = gather(config, db, day)
    context["chart_svg"] = _INLINE_STYLE.sub("", context["chart_svg"])
    context["share_chart_svg"] = _INLINE_STYLE.sub("", context.get("share_chart_svg") or "")
    return context


async def digest_page(request: Request):
    config = request.app.state.config
    days = digest_days(config)
    today = config.now().astimezone(config.tz).date()
    wanted = request.path_params.get("day")
    day = parse_day(wanted) if wanted else (days[0] if days else None)
    if wanted and day not in days:
        raise HTTPException(404, f"no digest for {day.isoformat()}; write one with `listenwell digest --date "
                                 f"{day.isoformat()}`")
    d = await run_in_threadpool(load_digest, request.app.state.store, config, day) if day else None
    return render(request, "digest.html", title="Digest", days=days, day=day, today=today,
                  has_today=today in days, d=d)


async def digest_raw(request: Request):
    config = request.app.state.config
    day = parse_day(request.path_params["day"])
    path = digest_file(config, day)
    if not path.is_file():
        raise HTTPException(404, f"no digest for {day.isoformat()}")
    content = await run_in_threadpool(path.read_bytes)
    return Response(content, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": DIGEST_CSP, "X-Frame-Options": "SAMEORIGIN"})


def _write_today(store, config) -> date:
    from delivery.digest import write_digest

    with store.open(write=True) as db:
        return write_digest(config, db).day


async def digest_write(request: Request):
    from listenwell.web.users import require

    await verified_form(request)
    require(request, "editor")
    state = request.app.state
    day = await run_in_threadpool(_write_today, state.store, state.config)
    return back(request, f"/digest/{day.isoformat()}", "ok", f"Wrote the digest for {day.isoformat()}.")


def what_it_costs(source, usage: dict | None) -> str:
    """What a source costs to run, as its source type declares it (collectors/platforms/), with this month's
    reads, writes and estimated spend where the platform prices them (X); local files cost nothing."""
    from collectors import platforms

    found = platforms.source_types().get(source.type)
    if found is None:
        return "Reads files on this machine: costs nothing."
    if source.type == "feed" and not str(getattr(source, "url", "") or "").startswith(("http://", "https://")):
        return "Reads a feed file on this machine: costs nothing."
    words = found[1].cost or f"On {found[0].label}."
    if usage and "spend_month" in usage:
        budget = usage.get("monthly_budget")
        words += (f" This month: {plural(usage['reads_month'], 'post')} read, "
                  f"{plural(usage['writes_month'], 'reply')} sent, about ${usage['spend_month']:.2f}"
                  + (f" of the ${budget:.2f} budget." if budget is not None else " (no monthly budget set)."))
    elif usage:
        words += f" This month: {plural(usage['reads_month'], 'post')} read."
    return words


def _next_run(source, row: dict, now):
    """When the scheduler runs it next: its interval after the last run, or later if a rate limit says so."""
    from datetime import timedelta

    last = row.get("last_run_at")
    due = last + timedelta(minutes=source.every_minutes) if last else now
    rest = row.get("next_allowed_at")
    return max(due, rest) if rest else due


def load_sources(store, config) -> list[dict]:
    now = config.now()
    with store.open() as db:
        rows = {r["source"]: r for r in db.rows("SELECT * FROM source_state")}
        usage = priced(config, usage_report(db, now))
    out = []
    for source in config.sources:
        row = rows.get(source.name, {})
        try:
            cursor = json.loads(row["state"]) if row.get("state") else {}
        except ValueError:
            cursor = {}
        out.append({
            "source": source.name, "type": source.type, "enabled": source.enabled,
            "every_minutes": source.every_minutes,
            "last_run_at": row.get("last_run_at"), "last_success": row.get("last_success"),
            "last_error": row.get("last_error"), "last_error_at": row.get("last_error_at"),
            "next_allowed_at": row.get("next_allowed_at"), "note": row.get("last_note"),
            "next_run": _next_run(source, row, now) if source.enabled else None,
            "posts_stored": row.get("posts_stored", 0), "last_new": row.get("last_new", 0),
            "stands": where_it_stands(cursor),
            "cost": what_it_costs(source, usage.get(source.name)),
            "healthy": bool(row.get("last_success")) and not (
                row.get("last_error_at") and (not row.get("last_success") or row["last_error_at"] > row["last_success"])),
        })
    return out


async def sources_page(request: Request):
    state = request.app.state
    sources = await run_in_threadpool(load_sources, state.store, state.config)
    return render(request, "sources.html", title="Sources", sources=sources)


WEB_EXPORTS = ("people", "queue", "reach-out", "touches")
EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson",
                "parquet": "application/vnd.apache.parquet"}


def _export(store, config, kind: str, fmt: str) -> bytes:
    import io

    from delivery.export import write_export

    buffer = io.BytesIO()
    with store.open() as db:
        write_export(kind, fmt, buffer, config, db)
    return buffer.getvalue()


async def export_download(request: Request):
    """The small exports as a download for a spreadsheet (posts, which can be millions, are for the CLI)."""
    kind, fmt = request.path_params["kind"], request.path_params["fmt"]
    if kind not in WEB_EXPORTS or fmt not in EXPORT_TYPES:
        raise HTTPException(404, f"exports here: {', '.join(WEB_EXPORTS)} as csv, parquet or ndjson; "
                                 f"posts with `listenwell export posts`")
    state = request.app.state
    body = await run_in_threadpool(_export, state.store, state.config, kind, fmt)
    day = state.config.now().astimezone(state.config.tz).date().isoformat()
    return Response(body, media_type=EXPORT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="listenwell-{kind}-{day}.{fmt}"'})


def routes() -> list[Route]:
    return [
        Route("/export/{kind}.{fmt}", export_download, methods=["GET"]),
        Route("/digest", digest_page, methods=["GET"]),
        Route("/digest/write", digest_write, methods=["POST"]),
        Route("/digest/{day}", digest_page, methods=["GET"]),
        Route("/digest/{day}/file", digest_raw, methods=["GET"]),
        Route("/sources", sources_page, methods=["GET"]),
    ]
