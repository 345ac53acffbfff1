"""`listenwell opportunities`: people buying, or leaving a competitor. Read and act by hand; never queued."""
from __future__ import annotations

import click

from listenwell.cli_common import State, pass_state, print_json


@click.command("opportunities")
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 365), help="Posts this recent.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def opportunities(state: State, days: int, limit: int, as_json: bool) -> None:
    """Competitor mentions with purchase intent, or someone leaving a competitor ("moving off Looker,
    recommendations?"): key clients first, then the newest. Never an automatic reply; answer by hand.

    \b
    Example:
      listenwell opportunities
      listenwell opportunities --days 7 --json
    """
    from engagement.opportunities import list_opportunities

    config = state.config
    if not config.competitors:
        raise click.UsageError("no competitors configured: add `competitors:` to the config (see config.yaml)")
    with state.db(read_only=True) as db:
        rows = list_opportunities(config, db, days=days, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo(f"no opportunities in the last {days} days")
    for row in rows:
        who = f"{row['person']} ★ tier {row['tier']}" if row["key_client"] else f"{row['person']} (@{row['handle']})"
        answered = " · answered" if row["answered"] else ""
        click.echo(f"{row['posted_at']:%Y-%m-%d %H:%M}  {who} · {row['platform']} · {row['why']}{answered}")
        click.echo(f"        “{_printable(row['excerpt'])}”")
        if row["url"]:
            click.echo(f"        {_printable(row['url'])}")


def _printable(text: str) -> str:
    """Post text reaches a terminal: control characters (escape sequences) are dropped."""
    return "".join(ch for ch in text if ch.isprintable() or ch == " ")
