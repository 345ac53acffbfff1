"""`listenwell queue …`: the reply queue, where a human approves, edits, dismisses and sends."""
from __future__ import annotations

import click

from engagement import platforms
from engagement.queue import QueueError, approve, assign, dismiss, edit, get_suggestion, list_queue, restore, send
from listenwell.terminal import terminal_safe
from listenwell.cli_common import ListenwellError, State, echo, pass_state, plural, print_json, who

def line(value) -> str:
    """One line of untrusted text for the terminal (no controls, no escape sequences, no line breaks)."""
    return terminal_safe(value, one_line=True)


STATUS_CHOICES = ["pending", "approved", "sending", "unknown", "sent", "dismissed", "answered", "all"]


@click.group()
def queue() -> None:
    """The reply queue: suggested replies waiting for a human.

    \b
    Example:
      listenwell queue list --status pending
    """


def _show(item: dict, as_json: bool) -> None:
    if as_json:
        print_json(item)
        return
    echo(f"{item['suggestion_id']}  [{item['status']}]  priority {item['priority']:.0f}  "
         f"{line(item['person'])} · {item['platform']} · {item['intent']}")
    echo(f"  why:   {line(item['reason'])}")
    echo(f"  post:  {line(item['post_text'])}")
    echo(f"  reply: {line(item['text'])}")
    if "length" in item:
        echo(f"         {item['length']}/{item['limit']} characters"
             + (f" ({platforms.describe(item['platform'])})"
                if platforms.describe(item["platform"]) != "characters" else ""))
    if item.get("sources"):
        echo(f"  from:  {line(', '.join(item['sources']))}")
    others = [c for c in item.get("candidates") or [] if c.get("text") != item["text"]]
    for i, c in enumerate(others, 2):
        echo(f"  {i}.    {line(c['text'])}")
        echo(f"         ({c['style']}: {line(c['reason'])})")
    if item.get("url"):
        echo(f"  {line(item['url'])}")
    if item.get("assigned_to"):
        echo(f"  assigned to {line(item['assigned_to'])}")
    if item.get("decided_by"):
        echo(f"  decided by {line(item['decided_by'])} at {item['decided_at']:%Y-%m-%d %H:%M}")
    for h in item.get("history") or []:
        echo(f"  {h['at']:%Y-%m-%d %H:%M}  {line(h['actor'])}: {h['action'].removeprefix('queue.')}")
    if item.get("last_error"):
        echo(f"  last error: {item['last_error']}")


@queue.command("list")
@click.option("--status", default="pending", show_default=True, type=click.Choice(STATUS_CHOICES))
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--mine", is_flag=True, help="Only items assigned to me ($LISTENWELL_USER, else the OS user).")
@click.option("--assigned", metavar="USER", help="Only items assigned to USER.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def queue_list(state: State, status: str, limit: int, mine: bool, assigned: str | None, as_json: bool) -> None:
    """List suggested replies, most important first.

    \b
    Example:
      listenwell queue list --limit 5 --json
      LISTENWELL_USER=ana listenwell queue list --mine
    """
    owner = who() if mine else (assigned.strip().lower() if assigned else None)
    with state.db(read_only=True) as db:
        items = list_queue(db, status, limit, assigned_to=owner)
    if as_json:
        print_json(items)
        return
    if not items:
        echo(f"no {status} suggestions")
    for item in items:
        key = " ★" if item["key_client"] else ""
        owner = f" → {line(item['assigned_to'])}" if item.get("assigned_to") else ""
        echo(f"[{item['priority']:>5.1f}] {item['id']}  {line(item['person'])}{key} · {item['platform']} · "
             f"{item['intent']}{owner}")
        echo(f"        why: {line(item['reason'])}")
        echo(f"        reply: {line(item['reply'])}")
        extra = len(item.get("candidates") or []) - 1
        if extra > 0:
            echo(f"        ({extra} more candidate{'s' if extra > 1 else ''}: "
                 f"listenwell queue show {item['id']})")
        if item["url"]:
            echo(f"        {line(item['url'])}")


@queue.command("show")
@click.argument("suggestion_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def queue_show(state: State, suggestion_id: str, as_json: bool) -> None:
    """Show one suggestion with its post, reason and history.

    \b
    Example:
      listenwell queue show rs-3f9a1c2b7d
    """
    from storage.audit import history

    with state.db(read_only=True) as db:
        try:
            item = get_suggestion(db, suggestion_id)
        except QueueError as exc:
            raise ListenwellError(str(exc)) from None
        item["history"] = list(reversed(history(db, target=suggestion_id)))
    _show(item, as_json)


def _act(state: State, action, suggestion_id: str, as_json: bool, **kwargs) -> None:
    with state.db() as db:
        try:
            item = action(db, suggestion_id, by=kwargs.pop("by", None) or who(), now=state.config.now(), **kwargs)
        except QueueError as exc:
            raise ListenwellError(str(exc)) from None
    _show(item, as_json)


@queue.command("approve")
@click.argument("suggestion_id")
@click.option("--by", help="Who approves (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def queue_approve(state: State, suggestion_id: str, by: str | None, as_json: bool) -> None:
    """Approve a pending suggestion as it is.

    \b
    Example:
      listenwell queue approve rs-3f9a1c2b7d
    """
    _act(state, approve, suggestion_id, as_json, by=by)


@queue.command("edit")
@click.argument("suggestion_id")
@click.option("--text", required=True, help="The reply as it should be sent.")
@click.option("--approve", "approve_too", is_flag=True, help="Approve it in the same step.")
@click.option("--by", help="Who edits (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def queue_edit(state: State, suggestion_id: str, text: str, approve_too: bool, by: str | None, as_json: bool) -> None:
    """Rewrite a suggestion (too long for the platform: refused, nothing saved, and by how much). Replies the team
    edited and sent become knowledge for later replies.

    \b
    Example:
      listenwell queue edit rs-3f9a1c2b7d --text "Ana, so sorry: fixing it now." --approve
    """
    _act(state, edit, suggestion_id, as_json, text=text, approve_too=approve_too, by=by)


@queue.command("dismiss")
@click.argument("suggestion_id")
@click.option("--by", help="Who dismisses (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def queue_dismiss(state: State, suggestion_id: str, by: str | None, as_json: bool) -> None:
    """Dismiss a suggestion: no reply will be sent.

    \b
    Example:
      listenwell queue dismiss rs-3f9a1c2b7d
    """
    _act(state, dismiss, suggestion_id, as_json, by=by)


@queue.command("send")
@click.argument("suggestion_ids", metavar="ID...", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list when several ids are given).")
@pass_state
def queue_send(state: State, suggestion_ids: tuple[str, ...], as_json: bool) -> None:
    """Post approved replies, each once, in the order given. A dry run unless `sending.enabled: true` in
    config. One that cannot be sent (not approved, unknown) is said at the end; the others still go.

    \b
    Example:
      listenwell queue send rs-3f9a1c2b7d
      listenwell queue send rs-3f9a1c2b7d rs-8e41d07c55
    """
    from delivery.senders import sender_for

    config = state.config
    results: list[dict] = []
    problems: list[str] = []
    with state.db() as db:
        for suggestion_id in dict.fromkeys(suggestion_ids):  # an id given twice is sent once
            try:
                item = get_suggestion(db, suggestion_id)
                sender = sender_for(config, item["platform"]) if config.sending.enabled else None
                results.append(send(db, suggestion_id, sender=sender, enabled=config.sending.enabled, by=who(),
                                    now=config.now()))
            except QueueError as exc:
                problems.append(f"{suggestion_id}: {exc}")
    if as_json:
        if results:
            print_json(results[0] if len(suggestion_ids) == 1 else results)
    else:
        for result in results:
            if result.get("dry_run"):
                echo(f"dry run (sending.enabled is false in config): would reply on {result['platform']} to "
                     f"{result['url']}:\n  {result['text']}")
            else:
                _show(result, False)
    if problems:
        if len(suggestion_ids) == 1:
            raise ListenwellError(problems[0].split(": ", 1)[1])
        asked = plural(len(set(suggestion_ids)), "reply", "replies")
        raise ListenwellError(f"{len(problems)} of {asked} not sent:\n  " + "\n  ".join(problems))


@queue.command("reconcile")
@click.argument("suggestion_id")
@click.option("--mark", type=click.Choice(["sent", "ready"]),
              help="Skip the lookup: you checked the platform yourself (sent needs --sent-id).")
@click.option("--sent-id", metavar="ID", help="With --mark sent: the id of the reply on the platform.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def queue_reconcile(state: State, suggestion_id: str, mark: str | None, sent_id: str | None, as_json: bool) -> None:
    """Settle a reply interrupted while it was being sent (status unknown): look it up on the platform and
    mark it sent, or ready to send again. Nothing is posted here.

    \b
    Example:
      listenwell queue reconcile rs-3f9a1c2b7d
      listenwell queue reconcile rs-3f9a1c2b7d --mark sent --sent-id 1861234567890123456
    """
    from collectors.base import SourceError
    from delivery.senders import sender_for
    from engagement.reconcile import reconcile

    config = state.config
    with state.db() as db:
        try:
            item = get_suggestion(db, suggestion_id)
            finder = None
            if mark is None:
                try:
                    finder = sender_for(config, item["platform"])
                except (QueueError, SourceError):
                    finder = None
            result = reconcile(db, suggestion_id, finder=finder, by=who(), now=config.now(), mark=mark,
                               sent_id=sent_id)
        except QueueError as exc:
            raise ListenwellError(str(exc)) from None
    if not as_json:
        echo("found on the platform: marked sent" if result["status"] == "sent"
             else "not on the platform: ready to send again (`listenwell queue send` posts it)")
    _show(result, as_json)


@queue.command("restore")
@click.argument("suggestion_id")
@click.option("--by", help="Who restores it (default: $LISTENWELL_USER or the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def queue_restore(state: State, suggestion_id: str, by: str | None, as_json: bool) -> None:
    """Undo a dismissal: the suggestion is back as it was before (pending or approved).

    \b
    Example:
      listenwell queue restore rs-3f9a1c2b7d
    """
    _act(state, restore, suggestion_id, as_json, by=by)


@queue.command("assign")
@click.argument("suggestion_id")
@click.argument("user", required=False)
@click.option("--none", "unassign", is_flag=True, help="Take it back: assigned to nobody.")
@click.option("--by", help="Who assigns (default: $LISTENWELL_USER or the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def queue_assign(state: State, suggestion_id: str, user: str | None, unassign: bool, by: str | None,
                 as_json: bool) -> None:
    """Assign a suggestion to a user (a listenwell user name), so `queue list --mine` shows it to them.

    \b
    Example:
      listenwell queue assign rs-3f9a1c2b7d ana
      listenwell queue assign rs-3f9a1c2b7d --none
    """
    if bool(user) == unassign:
        raise ListenwellError("give a USER, or --none to unassign")
    target = None if unassign else user.strip().lower()
    if target:
        with state.db(read_only=True) as db:
            known = db.scalar("SELECT count(*) FROM users WHERE name = ? AND disabled_at IS NULL", [target])
        if not known:
            raise ListenwellError(f"no user {target!r}; add one with `listenwell users add {target}`")
    _act(state, assign, suggestion_id, as_json, to=target, by=by)
