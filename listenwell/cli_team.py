"""`listenwell users`, `listenwell tokens` and `listenwell log`: a team, API access, and who did what."""
from __future__ import annotations

import sys

import click

from listenwell.cli_common import ListenwellError, State, echo, line, pass_state, print_json, who
from listenwell.team import ROLES


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


@click.group("users")
def users() -> None:
    """Named users of the web app, each with their own password and a role: viewer (reads), editor (also
    acts on the queue, touches, snoozes and merges) or admin (also manages users and API tokens).

    \b
    Example:
      listenwell users add ana --role editor
      listenwell users list
    """


@users.command("add")
@click.argument("name")
@click.option("--role", default="editor", show_default=True, type=click.Choice(ROLES))
@click.option("--display-name", help="How the name is shown (default: NAME).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def users_add(state: State, name: str, role: str, display_name: str | None, password_stdin: bool,
              as_json: bool) -> None:
    """Add a user; asks for their password (at least 10 characters), kept only as an argon2id hash.

    \b
    Example:
      listenwell users add ana --role admin
      printf '%s\\n' "$PASSWORD" | listenwell users add ben --role viewer --password-stdin
    """
    from listenwell.team import TeamError, add_user

    password = _password(password_stdin)
    with state.db(create=True) as db:
        try:
            user = add_user(db, name, role, password, state.config.now(), who(), display_name)
        except TeamError as exc:
            raise ListenwellError(str(exc)) from None
    if as_json:
        print_json(user)
        return
    echo(f"added {user['name']} ({user['role']}); they log in to `listenwell serve` with that name")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def users_list(state: State, as_json: bool) -> None:
    """Users, their roles and their last recorded action.

    \b
    Example:
      listenwell users list --json
    """
    from listenwell.team import list_users

    with state.db(read_only=True) as db:
        rows = list_users(db)
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("no users yet: the web app uses the shared password; add one with `listenwell users add NAME`")
    for u in rows:
        last = f"last action {u['last_action_at']:%Y-%m-%d %H:%M}" if u["last_action_at"] else "no action yet"
        gone = f", disabled {u['disabled_at']:%Y-%m-%d}" if u["disabled_at"] else ""
        echo(f"{u['name']:<16} {u['role']:<7} {last}{gone}")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@pass_state
def users_role(state: State, name: str, role: str) -> None:
    """Change a user's role.

    \b
    Example:
      listenwell users role ben editor
    """
    from listenwell.team import TeamError, set_role

    with state.db() as db:
        try:
            user = set_role(db, name, role, state.config.now(), who())
        except TeamError as exc:
            raise ListenwellError(str(exc)) from None
    echo(f"{user['name']} is now {user['role']}")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_state
def users_passwd(state: State, name: str, password_stdin: bool) -> None:
    """Set a user's password.

    \b
    Example:
      listenwell users passwd ana
    """
    from listenwell.team import TeamError, set_password

    password = _password(password_stdin)
    with state.db() as db:
        try:
            set_password(db, name, password, state.config.now(), who())
        except TeamError as exc:
            raise ListenwellError(str(exc)) from None
    echo(f"password changed for {name.strip().lower()}")


@users.command("remove")
@click.argument("name")
@pass_state
def users_remove(state: State, name: str) -> None:
    """Disable a user: they cannot log in any more; what they did stays recorded under their name.

    \b
    Example:
      listenwell users remove ben
    """
    from listenwell.team import TeamError, remove_user

    with state.db() as db:
        try:
            remove_user(db, name, state.config.now(), who())
        except TeamError as exc:
            raise ListenwellError(str(exc)) from None
    echo(f"{name.strip().lower()} can no longer log in")


@click.group("tokens")
def tokens() -> None:
    """API tokens for the read-only JSON API (/api/v1/) and the calendar feed (/calendar.ics?token=…).

    \b
    Example:
      listenwell tokens create zapier
      listenwell tokens list
      listenwell tokens revoke zapier
    """


@tokens.command("create")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def tokens_create(state: State, name: str, as_json: bool) -> None:
    """Make a token named after what will use it. It is shown once; only its hash is kept.

    \b
    Example:
      listenwell tokens create "n8n reach-out sync"
      curl -H "Authorization: Bearer lwt_…" http://127.0.0.1:8321/api/v1/reach-out
    """
    from listenwell.team import TeamError, create_token

    with state.db(create=True) as db:
        try:
            token = create_token(db, name, state.config.now(), who())
        except TeamError as exc:
            raise ListenwellError(str(exc)) from None
    if as_json:
        print_json(token)
        return
    echo(f"token {token['name']!r} ({token['token_id']}), shown only this once:\n\n    {token['token']}\n\n"
         f"Send it as 'Authorization: Bearer <token>' to /api/v1/…, or subscribe a calendar to "
         f"/calendar.ics?token=<token>.")


@tokens.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def tokens_list(state: State, as_json: bool) -> None:
    """Tokens with who made them, when they were last used, and whether they are revoked.

    \b
    Example:
      listenwell tokens list --json
    """
    from listenwell.team import list_tokens

    with state.db(read_only=True) as db:
        rows = list_tokens(db)
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("no tokens yet; `listenwell tokens create NAME` makes one")
    for t in rows:
        used = f"last used {t['last_used_at']:%Y-%m-%d %H:%M}" if t["last_used_at"] else "never used"
        state_ = f"revoked {t['revoked_at']:%Y-%m-%d}" if t["revoked_at"] else "live"
        echo(f"{t['token_id']}  {line(t['name']):<24} {state_:<18} {used}  (by {line(t['created_by'])} "
             f"{t['created_at']:%Y-%m-%d})")


@tokens.command("revoke")
@click.argument("token")
@pass_state
def tokens_revoke(state: State, token: str) -> None:
    """Revoke a token by its name or id: every use after this gets 401.

    \b
    Example:
      listenwell tokens revoke zapier
    """
    from listenwell.team import TeamError, revoke_token

    with state.db() as db:
        try:
            result = revoke_token(db, token, state.config.now(), who())
        except TeamError as exc:
            raise ListenwellError(str(exc)) from None
    echo(f"revoked {line(result['name'])!r} ({result['token_id']})")


@click.command("log")
@click.option("--target", help="One thing's history: a queue item (rs-…), a person id, a touch, a merge …")
@click.option("--actor", help="What one user did.")
@click.option("--action", help="Actions starting with this, such as queue. or people.merge.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def log(state: State, target: str | None, actor: str | None, action: str | None, limit: int, as_json: bool) -> None:
    """Who did what, newest first: queue decisions, touches, merges, undos, imports, users and tokens.

    \b
    Example:
      listenwell log --action queue. --limit 20
      listenwell log --target rs-3f9a1c2b7d --json
    """
    from storage.audit import history

    with state.db(read_only=True) as db:
        rows = history(db, target=target, actor=actor.strip().lower() if actor else None, action=action, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("nothing recorded yet")
    for r in rows:
        details = ", ".join(f"{k}={line(v)}" for k, v in r["details"].items() if k not in ("text", "previous_text"))
        echo(f"{r['at']:%Y-%m-%d %H:%M}  {line(r['actor']):<12} {r['action']:<26} {line(r['target'])}"
             f"{'  ' + details if details else ''}")


COMMANDS = (users, tokens, log)
