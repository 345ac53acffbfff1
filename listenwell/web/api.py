"""The read-only JSON API under /api/v1/ and the calendar feed /calendar.ics, for Zapier, n8n, a CRM or
a calendar app. Authenticated by API tokens (`listenwell tokens create NAME`): ``Authorization: Bearer
<token>``, or ``?token=`` for the calendar feed (calendar apps cannot send headers). Every list is paged
(``limit`` up to 500, ``offset``), every date is ISO 8601, and GET is the only method."""
from __future__ import annotations

import json
import logging
import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from listenwell.team import check_token, needs_touch, touch_token

API = "/api/v1"
MAX_LIMIT = 500
_TOKEN_IN_URL = re.compile(r"(?i)(token=)[^&\s\"]*")


class _RedactTokens(logging.Filter):
    """The calendar feed carries its token in the URL: access logs show `token=…` instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_IN_URL.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = _TOKEN_IN_URL.sub(r"\1…", record.msg)
        return True


logging.getLogger("uvicorn.access").addFilter(_RedactTokens())


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def json_response(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(data, default=_default, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def api_error(status: int, message: str, headers: dict | None = None) -> Response:
    return json_response({"error": message, "status": status}, status, headers)


def stats_data(db) -> dict[str, Any]:
    """The counts `listenwell stats --json` prints."""
    data = {
        "posts": db.scalar("SELECT count(*) FROM posts"),
        "people": db.scalar("SELECT count(*) FROM people WHERE person_id <> 'me'"),
        "identities": db.scalar("SELECT count(*) FROM identities WHERE NOT is_ours"),
        "tagged": db.scalar("SELECT count(*) FROM tags"),
        "interactions": db.scalar("SELECT count(*) FROM interactions"),
        "queue_pending": db.scalar("SELECT count(*) FROM reply_suggestions WHERE status = 'pending'"),
        "alerts": db.scalar("SELECT count(*) FROM alerts"),
    }
    by_platform = dict(db.con.execute("SELECT platform, count(*) FROM posts GROUP BY 1 ORDER BY 1").fetchall())
    return data | {"posts_by_platform": by_platform}


def sources_data(config, db) -> list[dict[str, Any]]:
    """Each configured source's health, as `listenwell sources --json` prints it."""
    rows = {r["source"]: r for r in db.rows("SELECT * FROM source_state")}
    out = []
    for source in config.sources:
        row = rows.get(source.name, {})
        out.append({
            "source": source.name, "type": source.type, "enabled": source.enabled,
            "last_success": row.get("last_success"), "last_error": row.get("last_error"),
            "last_error_at": row.get("last_error_at"), "next_allowed_at": row.get("next_allowed_at"),
            "note": row.get("last_note"), "posts_stored": row.get("posts_stored", 0),
            "cursor": json.loads(row["state"]) if row.get("state") else {},
        })
    return out


# --- authentication ------------------------------------------------------------------------------

def _presented(request: Request, allow_query: bool) -> str | None:
    header = request.headers.get("authorization") or ""
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    if allow_query:
        return request.query_params.get("token")
    return None


def _authenticate(request: Request, token: str | None) -> dict | None:
    store, config = request.app.state.store, request.app.state.config
    with store.open() as db:
        row = check_token(db, token)
    if row is not None and needs_touch(row, config.now()):
        store.try_write(lambda db: touch_token(db, row["token_id"], config.now()))
    return row


async def authenticated(request: Request, allow_query: bool = False) -> dict:
    token = _presented(request, allow_query)
    if not token:
        raise HTTPException(401, "an API token is needed: send 'Authorization: Bearer <token>' "
                                 "(make one with `listenwell tokens create NAME`)",
                            headers={"WWW-Authenticate": 'Bearer realm="listenwell"'})
    row = await run_in_threadpool(_authenticate, request, token)
    if row is None:
        raise HTTPException(401, "this API token is not valid (unknown or revoked)",
                            headers={"WWW-Authenticate": 'Bearer realm="listenwell", error="invalid_token"'})
    return row


def _paging(request: Request) -> tuple[int, int]:
    def number(name: str, default: int, low: int, high: int) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        if not re.fullmatch(r"\d{1,9}", raw) or not low <= int(raw) <= high:
            raise HTTPException(400, f"{name} must be a whole number from {low} to {high}")
        return int(raw)
    return number("limit", 50, 1, MAX_LIMIT), number("offset", 0, 0, 10_000_000)


def page(request: Request, items: list, total: int, limit: int, offset: int, **extra: Any) -> Response:
    following = None
    if offset + limit < total:
        params = dict(request.query_params)
        params.pop("token", None)
        params.update({"limit": str(limit), "offset": str(offset + limit)})
        following = f"{request.url.path}?{urlencode(params)}"
    return json_response({**extra, "items": items, "total": total, "limit": limit, "offset": offset,
                          "next": following})


# --- endpoints -----------------------------------------------------------------------------------

QUEUE_STATUSES = ("pending", "approved", "sending", "sent", "dismissed", "answered", "all")


async def queue(request: Request):
    await authenticated(request)
    limit, offset = _paging(request)
    status = request.query_params.get("status", "pending")
    if status not in QUEUE_STATUSES:
        raise HTTPException(400, f"status must be one of {', '.join(QUEUE_STATUSES)}")
    assigned = (request.query_params.get("assigned") or "").strip().lower() or None

    def load():
        from engagement.queue import count_queue, list_queue

        with request.app.state.store.open() as db:
            return list_queue(db, status, limit, assigned_to=assigned, offset=offset), count_queue(db, status, assigned)
    items, total = await run_in_threadpool(load)
    return page(request, items, total, limit, offset)


async def reach_out(request: Request):
    await authenticated(request)
    limit, offset = _paging(request)

    def load():
        from engagement.reach_out import reach_out_list

        with request.app.state.store.open() as db:  # the whole list (at most 1000 people), then the page
            return [i.to_dict() for i in reach_out_list(request.app.state.config, db, limit=1000)]
    items = await run_in_threadpool(load)
    return page(request, items[offset:offset + limit], len(items), limit, offset)


async def people(request: Request):
    await authenticated(request)
    limit, offset = _paging(request)
    cooling = request.query_params.get("cooling") in ("1", "true")

    def load():
        from engagement.people import list_people

        with request.app.state.store.open() as db:
            return list_people(db, request.app.state.config.now(), cooling_only=cooling, limit=10_000_000)
    rows = await run_in_threadpool(load)
    return page(request, rows[offset:offset + limit], len(rows), limit, offset)


async def person(request: Request):
    await authenticated(request)
    person_id = request.path_params["person_id"]

    def load():
        from engagement.people import PersonError, person_detail

        with request.app.state.store.open() as db:
            if not db.scalar("SELECT count(*) FROM people WHERE person_id = ? AND person_id <> 'me'", [person_id]):
                return None
            try:
                return person_detail(db, person_id, request.app.state.config.now(), timeline=100)
            except PersonError:
                return None
    found = await run_in_threadpool(load)
    if found is None:
        raise HTTPException(404, f"no person {person_id!r}; /api/v1/people lists them")
    return json_response(found)


async def digest(request: Request):
    await authenticated(request)
    limit, offset = _paging(request)
    config = request.app.state.config
    raw = request.query_params.get("date")
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise HTTPException(400, "date must be YYYY-MM-DD") from None

    def load():
        from delivery.digest import default_day, gather

        with request.app.state.store.open() as db:
            return gather(config, db, day or default_day(config))
    data = await run_in_threadpool(load)
    data.pop("chart_svg", None)
    actions = data.pop("actions")
    return page(request, actions[offset:offset + limit], len(actions), limit, offset, digest=data)


async def sources(request: Request):
    await authenticated(request)
    limit, offset = _paging(request)

    def load():
        with request.app.state.store.open() as db:
            return sources_data(request.app.state.config, db)
    rows = await run_in_threadpool(load)
    return page(request, rows[offset:offset + limit], len(rows), limit, offset)


async def stats(request: Request):
    await authenticated(request)

    def load():
        with request.app.state.store.open() as db:
            return stats_data(db)
    return json_response(await run_in_threadpool(load))


async def openapi(request: Request):
    from listenwell.web.openapi import spec

    return json_response(spec())


async def calendar(request: Request):
    await authenticated(request, allow_query=True)
    config = request.app.state.config
    limit, _ = _paging(request)

    def load():
        from delivery.calendar import reach_out_calendar
        from engagement.reach_out import reach_out_list

        with request.app.state.store.open() as db:
            items = [i.to_dict() for i in reach_out_list(config, db, limit=limit)]
        base = f"{request.url.scheme}://{request.url.netloc}"
        return reach_out_calendar(items, config, base_url=base)
    body = await run_in_threadpool(load)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="reach-out.ics"', "Cache-Control": "no-store"})


def routes() -> list[Route]:
    return [
        Route(f"{API}/openapi.json", openapi, methods=["GET"]),
        Route(f"{API}/queue", queue, methods=["GET"]),
        Route(f"{API}/reach-out", reach_out, methods=["GET"]),
        Route(f"{API}/people", people, methods=["GET"]),
        Route(f"{API}/people/{{person_id:path}}", person, methods=["GET"]),
        Route(f"{API}/digest", digest, methods=["GET"]),
        Route(f"{API}/sources", sources, methods=["GET"]),
        Route(f"{API}/stats", stats, methods=["GET"]),
        Route("/calendar.ics", calendar, methods=["GET"]),
    ]
