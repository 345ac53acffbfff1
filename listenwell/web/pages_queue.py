"""The reply queue: pending suggestions by priority; approve, edit inline, dismiss, send, assign, restore.
Every action needs the editor role and is recorded under the logged-in user's name."""
from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from engagement.queue import QueueError, ReplyTooLong, approve, assign, dismiss, edit, get_suggestion, list_queue, \
    restore, send
from listenwell.web.app import back, render
from listenwell.web.security import safe_next, verified_form
from listenwell.web.users import actor, current_user, require

# what each tab holds, said on the page
VIEW_HELP = {
    "open": "everything still to do: suggestions nobody has decided on yet, and approved replies not sent yet",
    "pending": "suggested replies nobody has decided on yet: approve, edit or dismiss each",
    "approved": "approved by someone and ready to send; not sent yet",
    "unknown": "interrupted while sending: check the platform (`listenwell queue reconcile ID`) before sending again",
    "sent": "replies listenwell has posted",
    "dismissed": "set aside; restore one if that was a mistake",
    "all": "every suggestion, whatever its state",
}
VIEWS = {"open": ("pending", "approved"), "pending": ("pending",), "approved": ("approved",),
         "unknown": ("sending", "unknown"), "sent": ("sent",), "dismissed": ("dismissed",), "all": None}


def load_queue(store, view: str, platform: str, intent: str, person: str, mine: str | None = None) -> dict:
    with store.open() as db:
        rows = list_queue(db, "all", limit=5000)
        users = [r[0] for r in db.con.execute(
            "SELECT name FROM users WHERE disabled_at IS NULL AND role <> 'viewer' ORDER BY name").fetchall()]
    statuses = VIEWS[view]
    in_view = [r for r in rows if statuses is None or r["status"] in statuses]
    items = [r for r in in_view if (not platform or r["platform"] == platform) and
             (not intent or r["intent"] == intent) and (not person or r["person"] == person) and
             (mine is None or r["assigned_to"] == mine)]
    counts = {name: sum(1 for r in rows if s is None or r["status"] in s) for name, s in VIEWS.items()}
    return {
        "items": items, "counts": counts, "users": users,
        "platforms": sorted({r["platform"] for r in in_view}),
        "intents": sorted({r["intent"] for r in in_view}),
        "people": sorted({r["person"] for r in in_view}),
        "mine_count": sum(1 for r in in_view if mine is not None and r["assigned_to"] == mine),
    }


async def queue_page(request: Request, refused: ReplyTooLong | None = None, refused_id: str | None = None,
                     query: dict | None = None):
    q = query if query is not None else request.query_params
    view = q.get("status", "open")
    if view not in VIEWS:
        view = "open"
    filters = {"platform": q.get("platform", ""), "intent": q.get("intent", ""), "person": q.get("person", "")}
    mine = q.get("mine") == "1"
    me = actor(request)
    data = await run_in_threadpool(load_queue, request.app.state.store, view, **filters, mine=me if mine else None)
    params = {"status": view, **filters, **({"mine": "1"} if mine else {})}
    here = "/queue" + ("?" + urlencode(params) if (query or request.url.query) else "")
    user = current_user(request)
    # a refused edit comes back with what was typed, still in its box, and by how much it is too long
    return render(request, "queue.html", status=422 if refused else 200, title="Queue", view=view,
                  views=list(VIEWS), view_help=VIEW_HELP, filters=filters, here=here, refused=refused, refused_id=refused_id, mine=mine,
                  current=me, can_act=bool(user and user["role"] in ("editor", "admin")), **data)


def _act(request: Request, action: str, suggestion_id: str, text: str | None, to: str | None) -> tuple[str, str]:
    config = request.app.state.config
    now = config.now()
    by = actor(request)
    with request.app.state.store.open(write=True) as db:
        if action == "approve":
            approve(db, suggestion_id, by=by, now=now)
            return "ok", f"Approved {suggestion_id}."
        if action == "dismiss":
            dismiss(db, suggestion_id, by=by, now=now)
            return "ok", f"Dismissed {suggestion_id}. Restore it from the dismissed tab if that was a mistake."
        if action == "restore":
            item = restore(db, suggestion_id, by=by, now=now)
            return "ok", f"Restored {suggestion_id} (now {item['status']})."
        if action == "assign":
            if to:
                known = db.scalar("SELECT count(*) FROM users WHERE name = ? AND disabled_at IS NULL", [to])
                if not known:
                    return "error", f"No user {to!r}."
            assign(db, suggestion_id, to or None, by=by, now=now)
            return "ok", f"Assigned {suggestion_id} to {to}." if to else f"{suggestion_id} is assigned to nobody now."
        if action == "edit":
            item = edit(db, suggestion_id, text or "", by=by, now=now)
            return "ok", f"Saved your edit of {suggestion_id} (still {item['status']})."
        if action == "edit-approve":
            edit(db, suggestion_id, text or "", by=by, now=now, approve_too=True)
            return "ok", f"Saved and approved {suggestion_id}."
        # send
        sender = None
        if config.sending.enabled:
            from delivery.senders import sender_for

            sender = sender_for(config, get_suggestion(db, suggestion_id)["platform"])
        result = send(db, suggestion_id, sender=sender, enabled=config.sending.enabled, by=by, now=now)
    if result.get("dry_run"):
        return "info", (f"Dry run (sending.enabled is false in config): would reply on {result['platform']} "
                        f"to {result['url'] or result['post_uid']}: “{result['text']}”")
    return "ok", f"Sent {suggestion_id} as {result['sent_post_uid']}."


ACTIONS = ("approve", "dismiss", "edit", "send", "restore", "assign")


async def queue_action(request: Request):
    form = await verified_form(request)
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise HTTPException(404, "no such queue action")
    require(request, "editor")
    suggestion_id = request.path_params["suggestion_id"]
    if action == "edit" and form.get("approve"):
        action = "edit-approve"
    text = form.get("text")
    to_user = str(form.get("to") or "").strip().lower()[:32]
    if action == "assign" and to_user == "me":
        to_user = actor(request)
    to = safe_next(form.get("next"), "/queue")
    try:
        kind, message = await run_in_threadpool(_act, request, action, suggestion_id,
                                                text if isinstance(text, str) else None, to_user)
    except ReplyTooLong as exc:
        from urllib.parse import parse_qsl, urlsplit

        return await queue_page(request, refused=exc, refused_id=suggestion_id,
                                query=dict(parse_qsl(urlsplit(to).query)))
    except QueueError as exc:
        kind, message = "error", str(exc)
    return back(request, to, kind, message)


def routes() -> list[Route]:
    return [
        Route("/queue", queue_page, methods=["GET"]),
        Route("/queue/{suggestion_id}/{action}", queue_action, methods=["POST"]),
    ]
