"""The reply queue: pending suggestions by priority; approve, edit inline, dismiss, send."""
from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from engagement.queue import QueueError, ReplyTooLong, approve, dismiss, edit, get_suggestion, list_queue, send
from listenwell.web.app import back, render
from listenwell.web.security import safe_next, verified_form

WEB_USER = "web"
VIEWS = {"open": ("pending", "approved"), "pending": ("pending",), "approved": ("approved",),
         "unknown": ("sending", "unknown"), "sent": ("sent",), "dismissed": ("dismissed",), "all": None}


def load_queue(store, view: str, platform: str, intent: str, person: str) -> dict:
    with store.open() as db:
        rows = list_queue(db, "all", limit=5000)
    statuses = VIEWS[view]
    in_view = [r for r in rows if statuses is None or r["status"] in statuses]
    items = [r for r in in_view if (not platform or r["platform"] == platform) and
             (not intent or r["intent"] == intent) and (not person or r["person"] == person)]
    counts = {name: sum(1 for r in rows if s is None or r["status"] in s) for name, s in VIEWS.items()}
    return {
        "items": items, "counts": counts,
        "platforms": sorted({r["platform"] for r in in_view}),
        "intents": sorted({r["intent"] for r in in_view}),
        "people": sorted({r["person"] for r in in_view}),
    }


async def queue_page(request: Request, refused: ReplyTooLong | None = None, refused_id: str | None = None,
                     query: dict | None = None):
    q = query if query is not None else request.query_params
    view = q.get("status", "open")
    if view not in VIEWS:
        view = "open"
    filters = {"platform": q.get("platform", ""), "intent": q.get("intent", ""), "person": q.get("person", "")}
    data = await run_in_threadpool(load_queue, request.app.state.store, view, **filters)
    here = "/queue" + ("?" + urlencode({"status": view, **filters}) if (query or request.url.query) else "")
    # a refused edit comes back with what was typed, still in its box, and by how much it is too long
    return render(request, "queue.html", status=422 if refused else 200, title="Queue", view=view,
                  views=list(VIEWS), filters=filters, here=here, refused=refused, refused_id=refused_id, **data)


def _act(request: Request, action: str, suggestion_id: str, text: str | None) -> tuple[str, str]:
    config = request.app.state.config
    now = config.now()
    with request.app.state.store.open(write=True) as db:
        if action == "approve":
            approve(db, suggestion_id, by=WEB_USER, now=now)
            return "ok", f"Approved {suggestion_id}."
        if action == "dismiss":
            dismiss(db, suggestion_id, by=WEB_USER, now=now)
            return "ok", f"Dismissed {suggestion_id}."
        if action == "edit":
            item = edit(db, suggestion_id, text or "", by=WEB_USER, now=now)
            return "ok", f"Saved your edit of {suggestion_id} (still {item['status']})."
        if action == "edit-approve":
            edit(db, suggestion_id, text or "", by=WEB_USER, now=now, approve_too=True)
            return "ok", f"Saved and approved {suggestion_id}."
        # send
        sender = None
        if config.sending.enabled:
            from delivery.senders import sender_for

            sender = sender_for(config, get_suggestion(db, suggestion_id)["platform"])
        result = send(db, suggestion_id, sender=sender, enabled=config.sending.enabled, by=WEB_USER, now=now)
    if result.get("dry_run"):
        return "info", (f"Dry run (sending.enabled is false in config): would reply on {result['platform']} "
                        f"to {result['url'] or result['post_uid']}: “{result['text']}”")
    return "ok", f"Sent {suggestion_id} as {result['sent_post_uid']}."


ACTIONS = ("approve", "dismiss", "edit", "send")


async def queue_action(request: Request):
    form = await verified_form(request)
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise HTTPException(404, "no such queue action")
    suggestion_id = request.path_params["suggestion_id"]
    if action == "edit" and form.get("approve"):
        action = "edit-approve"
    text = form.get("text")
    to = safe_next(form.get("next"), "/queue")
    try:
        kind, message = await run_in_threadpool(_act, request, action, suggestion_id,
                                                text if isinstance(text, str) else None)
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
