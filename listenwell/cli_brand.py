"""`listenwell opportunities`: people buying, or leaving a competitor. Read and act by hand; never queued."""
from __future__ import annotations

import click

from listenwell.cli_common import State, echo, pass_state, print_json


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
        echo(f"no opportunities in the last {days} days")
    for row in rows:
        who = f"{row['person']} ★ tier {row['tier']}" if row["key_client"] else f"{row['person']} (@{row['handle']})"
        answered = " · answered" if row["answered"] else ""
        echo(f"{row['posted_at']:%Y-%m-%d %H:%M}  {who} · {row['platform']} · {row['why']}{answered}")
        echo(f"        “{_printable(row['excerpt'])}”")
        if row["url"]:
            echo(f"        {_printable(row['url'])}")


def _printable(text: str) -> str:
    """Post text reaches a terminal: control characters (escape sequences) are dropped."""
    return "".join(ch for ch in text if ch.isprintable() or ch == " ")


@click.command("eval-brand")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@click.option("--errors", "show_errors", is_flag=True, help="Also list the posts the matcher got wrong.")
@pass_state
def eval_brand(state: State, file: str | None, as_json: bool, show_errors: bool) -> None:
    """Score to_us / about_us / competitors on a labelled FILE, with the brand and competitors of --config.

    FILE is tab-separated with a header: text, and the labels to_us, about_us (0/1) and competitors
    (comma-separated, or -); optional platform, author, subreddit and addressed (1 = a reply to our post
    or a comment on our blog) or reply_to_handle. Without a header, the evaluation sets' six columns
    (tests/data/eval/README.md). Default: the dev set the rules were tuned on, with its own config.

    \b
    Example:
      listenwell --config tests/data/brand/dev_config.yaml nlp eval-brand tests/data/brand/dev.tsv
      listenwell --config tests/data/eval/brand_eval_config.yaml nlp eval-brand tests/data/eval/brand_blind.tsv --json
    """
    from pathlib import Path

    from listenwell.config import load_config
    from listenwell.cli_common import ListenwellError
    from nlp.brand_eval import evaluate, format_table
    from nlp.brands import BrandMatcher

    if file is None:
        dev = Path(__file__).resolve().parents[1] / "tests" / "data" / "brand"
        if not (dev / "dev.tsv").is_file():
            raise ListenwellError("the dev set ships with the source checkout only; give FILE and --config")
        file, config = str(dev / "dev.tsv"), load_config(dev / "dev_config.yaml")
    else:
        config = state.config
    if config.brand is None and not config.competitors:
        raise ListenwellError("the config has no brand: or competitors: to score")
    try:
        result = evaluate(Path(file), BrandMatcher.from_config(config), config.our_handles())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ListenwellError(str(exc)) from None
    if as_json:
        print_json({k: v for k, v in result.items() if k != "errors" or show_errors})
        return
    echo(format_table(result))
    if show_errors:
        for err in result["errors"]:
            echo(f"  {err['id']}: {'; '.join(err['errors'])}  {_printable(err['text'])[:140]}")
