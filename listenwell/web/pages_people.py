"""Reach out (personal touches, with a log-touch form and snooze), People (search) and one person."""
from __future__ import annotations

from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from engagement.people import TOUCH_KINDS, PersonError, delete_touch, edit_touch, list_people, list_touches, \
    log_touch, person_detail, resolve_person
from engagement.reach_out import REASONS, reach_out, snooze, snoozed, unsnooze
from listenwell.web.app import back, render
from listenwell.web.charts import MIN_POINTS, trend_chart
from listenwell.web.security import safe_next, verified_form
from listenwell.web.users import actor, current_user, require

SINEWS = ("time", "trust", "intensity", "reciprocity")
SNOOZE_DAYS = (3, 7, 14, 30)


def load_reach_out(store, config) -> tuple[list[dict], list[dict], list[dict]]:
    with store.open() as db:
        found = reach_out(config, db, limit=50)
        return [i.to_dict() for i in found.items], snoozed(db, config.now()), found.cleared


def _can_act(request: Request) -> bool:
    user = current_user(request)
    return bool(user and user["role"] in ("editor", "admin"))


async def reach_out_page(request: Request):
    state = request.app.state
    items, held, cleared = await run_in_threadpool(load_reach_out, state.store, state.config)
    return render(request, "reach_out.html", title="Reach out", items=items, kinds=TOUCH_KINDS,
                  snooze_days=SNOOZE_DAYS, snoozed=held, cleared=cleared, can_act=_can_act(request))


def _touch(store, config, person: str, kind: str, note: str | None, by: str) -> dict:
    with store.open(write=True) as db:
        logged = log_touch(db, person, kind, note, config.now(), by)
        logged["person"] = db.scalar("SELECT name FROM people WHERE person_id = ?", [logged["person_id"]])
        return logged


async def touch(request: Request):
    form = await verified_form(request)
    require(request, "editor")
    state = request.app.state
    to = safe_next(form.get("next"), "/reach-out")
    person, kind = str(form.get("person") or ""), str(form.get("kind") or "")
    note = str(form.get("note") or "").strip()[:2000] or None
    try:
        result = await run_in_threadpool(_touch, state.store, state.config, person, kind, note, actor(request))
    except PersonError as exc:
        return back(request, to, "error", str(exc))
    return back(request, to, "ok", f"Logged a {kind} with {result.get('person') or result['person_id']}. "
                                   f"It counts toward their health, and clears what it answered.")


def _snooze(store, config, person: str, reason: str, days: int, by: str) -> str:
    now = config.now()
    with store.open(write=True) as db:
        person_id = resolve_person(db, person)
        snooze(db, person_id, reason, now + timedelta(days=days), now, by)
        return db.scalar("SELECT name FROM people WHERE person_id = ?", [person_id]) or person_id


async def snooze_action(request: Request):
    form = await verified_form(request)
    require(request, "editor")
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
        name = await run_in_threadpool(_snooze, state.store, state.config, str(form.get("person") or ""),
                                       reason, days, actor(request))
    except PersonError as exc:
        return back(request, to, "error", str(exc))
    return back(request, to, "ok", f"Snoozed {name} ({reason.replace('_', ' ')}) for {days} days.")


def _unsnooze(store, config, person_id: str, reason: str | None, by: str) -> list[dict]:
    with store.open(write=True) as db:
        return unsnooze(db, resolve_person(db, person_id), reason, config.now(), by)


async def unsnooze_action(request: Request):
    form = await verified_form(request)
    require(request, "editor")
    state = request.app.state
    to = safe_next(form.get("next"), "/reach-out")
    reason = str(form.get("reason") or "") or None
    if reason is not None and reason not in REASONS + ("any",):
        return back(request, to, "error", "Unknown snooze reason.")
    try:
        lifted = await run_in_threadpool(_unsnooze, state.store, state.config, str(form.get("person") or ""),
                                         reason, actor(request))
    except PersonError as exc:
        return back(request, to, "error", str(exc))
    if not lifted:
        return back(request, to, "info", "Nothing was snoozed.")
    return back(request, to, "ok", f"Lifted the snooze ({', '.join(r['reason'] for r in lifted)}).")


def _touch_change(store, config, touch_id: str, action: str, fields: dict, by: str) -> dict:
    with store.open(write=True) as db:
        if action == "delete":
            return delete_touch(db, touch_id, config.now(), by)
        return edit_touch(db, touch_id, config.now(), by, **fields)


async def touch_change(request: Request):
    form = await verified_form(request)
    require(request, "editor")
    state = request.app.state
    action = request.path_params["action"]
    if action not in ("edit", "delete"):
        raise HTTPException(404, "no such touch action")
    touch_id = str(form.get("touch") or "")
    to = safe_next(form.get("next"), "/reach-out")
    fields: dict = {}
    if action == "edit":
        kind = str(form.get("kind") or "") or None
        if kind is not None and kind not in TOUCH_KINDS:
            return back(request, to, "error", "Unknown touch kind.")
        note = form.get("note")
        fields = {"kind": kind, "note": str(note).strip()[:2000] if isinstance(note, str) else None}
    try:
        result = await run_in_threadpool(_touch_change, state.store, state.config, touch_id, action, fields,
                                         actor(request))
    except PersonError as exc:
        return back(request, to, "error", str(exc))
    if action == "delete":
        return back(request, to, "ok", f"Deleted the {result['kind']} of {result['at']:%Y-%m-%d}. It is kept in the log.")
    return back(request, to, "ok", f"Saved the {result['kind']} of {result['at']:%Y-%m-%d}.")


TREND_ORDER = {"cooling": 0, "steady": 1, "warming": 2}
_NEVER = 0.0  # no contact at all sorts as the longest ago


def _last_contact(p: dict) -> float:
    last = p["health"].get("last_interaction")
    return last.timestamp() if last else _NEVER


# how People can be sorted: (label, key); every key ends with the name so the order is stable
SORTS = {
    "tier": ("tier, then health", lambda p: (p["tier"] or 9, -p["health"]["overall"], p["name"])),
    "health": ("health, lowest first", lambda p: (p["health"]["overall"], p["name"])),
    "health-desc": ("health, highest first", lambda p: (-p["health"]["overall"], p["name"])),
    "trend": ("trend, cooling first", lambda p: (TREND_ORDER.get(p["health"]["trend"], 1), p["health"]["overall"],
                                                  p["name"])),
    "last-contact": ("last contact, longest ago first", lambda p: (_last_contact(p), p["name"])),
    "last-contact-desc": ("last contact, most recent first", lambda p: (-_last_contact(p), p["name"])),
    "name": ("name", lambda p: (p["name"].lower(), p["person_id"])),
}
PEOPLE_SHOWN = 200


def load_people(store, config, query: str, cooling: bool, sort: str = "tier") -> tuple[list[dict], int]:
    """People matching ``query`` (name, handle, company or notes), sorted; the first PEOPLE_SHOWN, and how
    many matched."""
    with store.open() as db:
        rows = list_people(db, config.now(), cooling_only=cooling, limit=100_000)
    if query:
        q = query.lower().lstrip("@")
        rows = [r for r in rows if q in r["name"].lower() or q in r["person_id"].lower()
                or any(q in (i or "").lower() for i in r["identities"] or [])
                or q in (r["notes"] or "").lower() or q in (r.get("company") or "").lower()]
    rows.sort(key=SORTS.get(sort, SORTS["tier"])[1])
    return rows[:PEOPLE_SHOWN], len(rows)


def load_suggestions(store) -> list[dict]:
    from engagement.identity_suggestions import pending_suggestions

    with store.open() as db:
        return pending_suggestions(db)


async def people_page(request: Request):
    state = request.app.state
    query = request.query_params.get("q", "").strip()[:100]
    cooling = request.query_params.get("cooling") == "1"
    sort = request.query_params.get("sort", "tier")
    sort = sort if sort in SORTS else "tier"  # an unknown order falls back, never echoed
    rows, matched = await run_in_threadpool(load_people, state.store, state.config, query, cooling, sort)
    suggestions = await run_in_threadpool(load_suggestions, state.store)
    return render(request, "people.html", title="People", people=rows, matched=matched, q=query, cooling=cooling,
                  sort=sort, sorts={k: v[0] for k, v in SORTS.items()}, sinews=SINEWS,
                  suggestions=suggestions, can_act=_can_act(request))


def _refresh_suggestions(store, config) -> int:
    from engagement.identity_suggestions import refresh_suggestions

    with store.open(write=True) as db:
        return len(refresh_suggestions(db, config.now()))


def _decide(store, config, suggestion_id: str, decision: str, by: str) -> dict:
    from engagement.identity_suggestions import accept, reject
    from storage.writes import key_client_person_id

    with store.open(write=True) as db:
        if decision == "accept":
            return accept(db, suggestion_id, config.now(), by, {key_client_person_id(c.name) for c in config.key_clients})
        return reject(db, suggestion_id, config.now(), by)


async def suggestions_action(request: Request):
    from engagement.identity_suggestions import SuggestionError

    form = await verified_form(request)
    require(request, "editor")
    state = request.app.state
    to = safe_next(form.get("next"), "/people")
    action = request.path_params["action"]
    if action == "refresh":
        n = await run_in_threadpool(_refresh_suggestions, state.store, state.config)
        return back(request, to, "ok", f"{n} people may be the same human as someone else; nothing was merged.")
    if action not in ("accept", "reject"):
        raise HTTPException(404, "no such suggestion action")
    suggestion_id = request.path_params.get("suggestion_id", "")
    try:
        result = await run_in_threadpool(_decide, state.store, state.config, suggestion_id, action, actor(request))
    except SuggestionError as exc:
        return back(request, to, "error", str(exc))
    if action == "accept":
        return back(request, to, "ok", f"Merged {result['merged_name']} into {result['person_id']} "
                                       f"({result['merge_id']}; `listenwell people split {result['merge_id']}` undoes it).")
    return back(request, to, "ok", "Rejected: they stay two people, and this is never suggested again.")


def load_person(store, config, person_id: str) -> dict:
    from storage.audit import history

    with store.open() as db:
        detail = person_detail(db, person_id, config.now(), timeline=60)
        detail["history"] = db.rows(
            """SELECT day, time, trust, intensity, reciprocity, overall FROM health_snapshots
               WHERE person_id = ? ORDER BY day""", [detail["person_id"]])
        detail["touches"] = list_touches(db, detail["person_id"], limit=50)
        detail["log"] = history(db, about=detail["person_id"], limit=30)
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
    return render(request, "person.html", title=p["name"], p=p, sinews=SINEWS, charts=charts, min_points=MIN_POINTS,
                  kinds=TOUCH_KINDS,
                  can_act=_can_act(request))


def routes() -> list[Route]:
    return [
        Route("/reach-out", reach_out_page, methods=["GET"]),
        Route("/reach-out/touch", touch, methods=["POST"]),
        Route("/reach-out/snooze", snooze_action, methods=["POST"]),
        Route("/reach-out/unsnooze", unsnooze_action, methods=["POST"]),
        Route("/touches/{action}", touch_change, methods=["POST"]),
        Route("/people", people_page, methods=["GET"]),
        Route("/people/suggestions/{action}", suggestions_action, methods=["POST"]),
        Route("/people/suggestions/{suggestion_id}/{action}", suggestions_action, methods=["POST"]),
        Route("/people/{person_id:path}", person_page, methods=["GET"]),
    ]
