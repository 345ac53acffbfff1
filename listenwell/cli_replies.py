"""`listenwell replies …` and `listenwell knowledge …`: try the reply engine on your own posts, no database."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from listenwell.cli_common import ListenwellError, State, echo, pass_state, plural, print_json
from listenwell.config import find_config_path


def _config(state: State):
    """The config when there is one (it names the backend and the knowledge folder); these commands also work
    without one, with the composer."""
    if state.config_path or find_config_path(None).exists():
        return state.config
    return None


def _knowledge(state: State, override: str | None):
    from engagement.knowledge import KnowledgeError
    from engagement.suggest import knowledge_from

    try:
        kb = knowledge_from(_config(state), override)
    except KnowledgeError as exc:
        raise ListenwellError(str(exc)) from None
    for warning in kb.warnings:
        echo(f"warning: {warning}", err=True)
    return kb


def _engine(state: State, kb, backend: str | None):
    from engagement.llm import LLMError
    from engagement.suggest import make_engine

    try:
        return make_engine(_config(state), kb, backend)
    except LLMError as exc:
        raise ListenwellError(str(exc)) from None


def _posts(file: str):
    from engagement.suggest import SuggestInputError, read_posts

    try:
        return read_posts(Path(file))
    except SuggestInputError as exc:
        raise ListenwellError(str(exc)) from None


@click.group()
def replies() -> None:
    """Reply suggestions from the knowledge base, on posts from a file.

    \b
    Example:
      listenwell replies suggest posts.jsonl --knowledge examples/knowledge/ --json
    """


@replies.command("suggest")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--knowledge", "knowledge_dir", metavar="DIR", help="Knowledge folder (default: replies.knowledge).")
@click.option("--backend", type=click.Choice(["composer", "llm"]), help="Override replies.backend.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per post (JSON lines).")
@pass_state
def replies_suggest(state: State, file: str, knowledge_dir: str | None, backend: str | None, as_json: bool) -> None:
    """Suggest replies for the posts in FILE (JSON lines: id, platform, text, author_name, handle; optional
    addressed, lang, relationship). Prints {"id", "reply", "reason", "sources", "candidates"} per post; "reply" is
    null when no public reply is right. Uses the configured backend and no database.

    \b
    Example:
      echo '{"id": "1", "platform": "x", "text": "@fernhillhq how is data volume counted?", "author_name": "Ingrid Berg", "handle": "ingridberg"}' > posts.jsonl
      listenwell replies suggest posts.jsonl --knowledge examples/knowledge/ --json
    """
    kb = _knowledge(state, knowledge_dir)
    posts = _posts(file)
    engine = _engine(state, kb, backend)
    for post, _data in posts:
        draft = engine.suggest(post)
        if as_json:
            echo(json.dumps(draft.to_dict(post.id), ensure_ascii=False))
            continue
        echo(f"{post.id} · {post.platform} · {draft.mode}")
        echo(f"  why:   {draft.reason}")
        echo(f"  reply: {draft.reply if draft.reply is not None else '(no public reply)'}")
        for i, c in enumerate(draft.candidates[1:], 2):
            echo(f"  {i}.    {c.text}")
        if draft.sources:
            echo(f"  from:  {', '.join(draft.sources)}")


@replies.command("eval")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--knowledge", "knowledge_dir", metavar="DIR", help="Knowledge folder (default: replies.knowledge).")
@click.option("--backend", type=click.Choice(["composer", "llm"]), help="Override replies.backend.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--failures", is_flag=True, help="Also list every failing post and why.")
@pass_state
def replies_eval(state: State, file: str, knowledge_dir: str | None, backend: str | None, as_json: bool,
                 failures: bool) -> None:
    """Score the reply engine on posts with expectations (`expect`: kind, facts, not, reply): pass rate, facts
    carried, tone violations, invented URLs and numbers, over-length replies.

    \b
    Example:
      listenwell replies eval tests/data/replies/eval.jsonl --knowledge examples/knowledge/ --json
    """
    from engagement.reply_eval import evaluate

    kb = _knowledge(state, knowledge_dir)
    report = evaluate(_engine(state, kb, backend), _posts(file))
    if as_json:
        if not failures:
            report = {k: v for k, v in report.items() if k != "failures"} | {"failed": len(report["failures"])}
        print_json(report)
        return
    echo(f"pass rate {report['pass_rate']:.3f} ({report['passed']}/{report['posts']} posts)")
    echo(f"facts carried {report['facts_carried']}/{report['facts_expected']}; tone violations "
               f"{report['tone_violations']}; invented URLs {report['invented_urls']}; invented numbers "
               f"{report['invented_numbers']}; over-length {report['over_length']}")
    for kind, k in sorted(report["by_kind"].items()):
        echo(f"  {kind:<14} {k['passed']:>3}/{k['posts']:<3} {k['pass_rate']:.3f}")
    echo("kind of reply chosen (precision / recall per label):")
    for label, k in report["by_label"].items():
        p = "-" if k["precision"] is None else f"{k['precision']:.3f}"
        r = "-" if k["recall"] is None else f"{k['recall']:.3f}"
        echo(f"  {label:<14} precision {p:>5} ({k['right']}/{k['chosen']})  recall {r:>5} ({k['right']}/{k['expected']})")
    if failures:
        for f in report["failures"]:
            echo(f"\n{f['id']} [{f['kind']}] {'; '.join(f['problems'])}\n  {f['reply']}")


@click.group()
def knowledge() -> None:
    """What the reply engine knows: the knowledge folder's entries, and what a post would retrieve.

    \b
    Example:
      listenwell knowledge search "how is data volume counted?"
    """


@knowledge.command("list")
@click.option("--knowledge", "knowledge_dir", metavar="DIR", help="Knowledge folder (default: replies.knowledge).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def knowledge_list(state: State, knowledge_dir: str | None, as_json: bool) -> None:
    """Every entry: id, kind, heading and link; house rules marked. Malformed entries are warned about.

    \b
    Example:
      listenwell knowledge list --knowledge examples/knowledge/
    """
    kb = _knowledge(state, knowledge_dir)
    if as_json:
        print_json([e.to_dict() for e in kb.entries])
        return
    for e in kb.entries:
        kind = f"rule: {e.rule}" if e.is_rule else e.kind
        echo(f"{e.id}  [{kind}]  {e.title}" + (f"  <{e.link}>" if e.link else ""))
    echo(f"{plural(len(kb.answers), 'entry')}, {plural(len(kb.entries) - len(kb.answers), 'house rule')}"
               + (f", {len(kb.warnings)} skipped" if kb.warnings else ""), err=True)


@knowledge.command("search")
@click.argument("query")
@click.option("--knowledge", "knowledge_dir", metavar="DIR", help="Knowledge folder (default: replies.knowledge).")
@click.option("-k", "limit", default=3, show_default=True, type=click.IntRange(1, 50), help="How many entries.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def knowledge_search(state: State, query: str, knowledge_dir: str | None, limit: int, as_json: bool) -> None:
    """The entries a post would retrieve, best first, with the score, how much of the post each covers, how sure
    the engine is that it answers the post, and whether the composer would answer with it.

    \b
    Example:
      listenwell knowledge search "does the Metabase importer keep row-level permissions?"
    """
    from engagement.composer import answering_hit

    kb = _knowledge(state, knowledge_dir)
    hits = kb.search(query, k=limit, deep=True)  # read as a question is: with the sentence model when installed
    answer = answering_hit(hits)
    rows = [{"id": h.entry.id, "title": h.entry.title, "score": round(h.score, 3), "coverage": h.coverage,
             "soft_coverage": h.soft_coverage, "semantic": h.semantic, "cosine": h.cosine,
             "confidence": h.confidence,
             "answers": h is answer,
             "matched": list(h.matched), "short": h.entry.short, "link": h.entry.link}
            for h in hits]
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("nothing in the knowledge base matches")
    for r in rows:
        mark = "answers" if r["answers"] else "       "
        echo(f"{r['score']:>7.2f}  covers {r['coverage']:.2f}  confidence {r['confidence']:.2f}  {mark}  "
             f"{r['id']}  {r['title']}")
