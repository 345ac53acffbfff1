"""The Team page: who uses listenwell and with which role, and (for admins) the API tokens, made and
revoked here or with `listenwell tokens`. Users themselves are added on the command line."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from listenwell.team import TeamError, create_token, list_tokens, list_users, revoke_token
from listenwell.web.app import back, render
from listenwell.web.security import verified_form
from listenwell.web.users import actor, current_user, require


def _load(store, admin: bool) -> dict:
    from storage.audit import history

    with store.open() as db:
        return {"users": list_users(db), "tokens": list_tokens(db) if admin else [],
                "log": history(db, limit=40)}


async def team_page(request: Request):
    user = current_user(request)
    admin = bool(user and user["role"] == "admin")
    data = await run_in_threadpool(_load, request.app.state.store, admin)
    return render(request, "team.html", title="Team", admin=admin, **data)


def _token(store, config, action: str, value: str, by: str) -> dict:
    with store.open(write=True) as db:
        if action == "create":
            return create_token(db, value, config.now(), by)
        return revoke_token(db, value, config.now(), by)


async def token_action(request: Request):
    form = await verified_form(request)
    require(request, "admin")
    action = request.path_params["action"]
    if action not in ("create", "revoke"):
        return back(request, "/team", "error", "No such token action.")
    value = str(form.get("name") or form.get("token") or "").strip()[:80]
    try:
        result = await run_in_threadpool(_token, request.app.state.store, request.app.state.config, action, value,
                                         actor(request))
    except TeamError as exc:
        return back(request, "/team", "error", str(exc))
    if action == "create":
        # shown in this response only: a flash would keep the secret in the server-side session store
        # (sessions.py) until it is read, and only the token's hash may be kept anywhere
        user = current_user(request)
        data = await run_in_threadpool(_load, request.app.state.store, True)
        response = render(request, "team.html", title="Team", admin=bool(user and user["role"] == "admin"),
                          new_token=result, **data)
        return response
    return back(request, "/team", "ok", f"Revoked {result['name']!r}.")


def routes() -> list[Route]:
    return [
        Route("/team", team_page, methods=["GET"]),
        Route("/team/tokens/{action}", token_action, methods=["POST"]),
    ]
