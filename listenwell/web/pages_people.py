"""Reach out (personal touches, with a log-touch form and snooze), People (search) and one person."""
from __future__ import annotations

from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from engagement.people import TOUCH_KINDS, PersonError, list_people, log_touch, person_detail, resolve_person
from engagement.reach_out import REASONS, reach_out_list, snooze
from listenwell.web.app import back, render
from listenwell.web.charts import trend_chart
from listenwell.web.security import safe_next, verified_form

SINEWS = ("time", "trust", "intensity", "reciprocity")
SNOOZE_DAYS = (3, 7, 14, 30)


def load_reach_out(store, config) -> list[dict]:
    with store.open() as db:
        return [i.to_dict() for i in reach_out_list(config, db, limit=50)]


async def reach_out_page(request: Request):
    state = request.app.state
    items = await run_in_threadpool(load_reach_out, state.store, state.config)
    return render(request, "reach_out.html", title="Reach out", items=items, kinds=TOUCH_KINDS,
                  snooze_days=SNOOZE_DAYS)


def _touch(store, config, person: str, kind: str, note: str | None) -> dict:
    with store.open(write=True) as db:
        return log_touch(db, person, kind, note, config.now())


async def touch(request: Request):
    form = await verified_form(request)
    state = request.app.state
    to = safe_next(form.get("next"), "/reach-out")
    person, kind = str(form.get("person") or ""), str(form.get("kind") or "")
    note = str(form.get("note") or "").strip()[:2000] or None
    try:
        result = await run_in_threadpool(_touch, state.store, state.config, person, kind, note)
    except PersonError as exc:
        return back(request, to, "error", str(exc))
    return back(request, to, "ok", f"Logged a {kind} with {result['person_id']}. It counts toward their health.")


def _snooze(store, config, person: str, reason: str, days: int) -> str:
    now = config.now()
    with store.open(write=True) as db:
        person_id = resolve_person(db, person)
        snooze(db, person_id, reason, now + timedelta(days=days), now)
    return person_id


async def snooze_action(request: Request):
    form = await verified_form(request)
    state = request.app.state
    to = safe_next(form.get("next"), "/reach-out")
    reason = str(form.get("reason") or "any")
    try:
        days = int(str(form.get("days") or "7"))
    except ValueError:
        days = 0
    if reason not in REASONS + ("any",) or not 1 <= days <= 365:
        return back(request, to, "error", "Snooze needs a known reason and 1 to 365 days.")
    try:
        person_id = await run_in_threadpool(_snooze, state.store, state.config, str(form.get("person") or ""),
                                            reason, days)
    except PersonError as exc:
        return back(request, to, "error", str(exc))
    return back(request, to, "ok", f"Snoozed {person_id} ({reason}) for {days} days.")


def load_people(store, config, query: str, cooling: bool) -> list[dict]:
    with store.open() as db:
        rows = list_people(db, config.now(), cooling_only=cooling, limit=100_000)
    if query:
        q = query.lower().lstrip("@")
        rows = [r for r in rows if q in r["name"].lower() or q in r["person_id"].lower()
                or any(q in (i or "").lower() for i in r["identities"] or [])
                or q in (r["notes"] or "").lower()]
    return rows[:200]


async def people_page(request: Request):
    state = request.app.state
    query = request.query_params.get("q", "").strip()[:100]
    cooling = request.query_params.get("cooling") == "1"
    rows = await run_in_threadpool(load_people, state.store, state.config, query, cooling)
    return render(request, "people.html", title="People", people=rows, q=query, cooling=cooling, sinews=SINEWS)


def load_person(store, config, person_id: str) -> dict:
    with store.open() as db:
        detail = person_detail(db, person_id, config.now(), timeline=60)
        detail["history"] = db.rows(
            """SELECT day, time, trust, intensity, reciprocity, overall FROM health_snapshots
               WHERE person_id = ? ORDER BY day""", [detail["person_id"]])
    return detail


async def person_page(request: Request):
    state = request.app.state
    person_id = request.path_params["person_id"]
    try:
        p = await run_in_threadpool(load_person, state.store, state.config, person_id)
    except PersonError:
        raise HTTPException(404, "nobody by that id; see the People page") from None
    if p["person_id"] != person_id:
        raise HTTPException(404, "nobody by that id; see the People page")
    today = state.config.now().date()  # the day health_for_all keys snapshots by
    history = list(p["history"])
    if not history or history[-1]["day"] != today:  # read-only opens do not store today's snapshot
        history.append({"day": today, **{k: p["health"][k] for k in SINEWS + ("overall",)}})
    p["history"] = history
    charts = {s: trend_chart([(h["day"], h[s]) for h in p["history"]], label=s) for s in SINEWS + ("overall",)}
    return render(request, "person.html", title=p["name"], p=p, sinews=SINEWS, charts=charts, kinds=TOUCH_KINDS)


def routes() -> list[Route]:
    return [
        Route("/reach-out", reach_out_page, methods=["GET"]),
        Route("/reach-out/touch", touch, methods=["POST"]),
        Route("/reach-out/snooze", snooze_action, methods=["POST"]),
        Route("/people", people_page, methods=["GET"]),
        Route("/people/{person_id:path}", person_page, methods=["GET"]),
    ]
