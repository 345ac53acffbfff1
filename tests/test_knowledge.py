"""The knowledge base: Markdown entries, malformed ones skipped with file and line, incremental re-reading,
retrieval, and the `knowledge` commands."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from engagement.knowledge import KnowledgeBase, KnowledgeError, parse_markdown
from listenwell.cli import main

REPO = Path(__file__).resolve().parents[1]
FERNHILL = REPO / "examples" / "knowledge"

PRICING = """# Pricing

## How is data volume counted?
Also: rows scanned or stored | usage pricing
Keywords: data volume, rows scanned
Link: https://acme.example/pricing#volume
Short: Rows scanned per month, after caching.

Data volume is the rows our queries scan each month, after caching. Stored rows never count.

## Is there a free trial?
Keywords: trial

Yes: 14 days, no card.
"""


def run(*args: str) -> "tuple[int, str, str]":
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_entries_carry_their_metadata_and_house_rules_are_rules():
    kb = KnowledgeBase(FERNHILL)
    assert kb.warnings == []
    entry = kb.get("pricing#how-is-data-volume-counted")
    assert entry.link == "https://fernhill.example/pricing#data-volume"
    assert entry.short.startswith("Data volume is rows scanned")
    assert "data volume" in entry.keywords and entry.line == 3 and entry.file == "pricing.md"
    assert kb.status_page == "https://status.fernhill.example"
    assert kb.sign_off("reddit") == "— the Fernhill team" and kb.sign_off("x") is None
    assert "unfortunately" in kb.avoid_words
    assert kb.private_details_ask().startswith("Send us a DM")
    assert len(kb.answers) >= 40 and all(not e.is_rule for e in kb.answers)


def test_malformed_entries_are_skipped_with_file_and_line(tmp_path: Path):
    (tmp_path / "ok.md").write_text(PRICING, encoding="utf-8")
    (tmp_path / "bad.md").write_text(
        "# Bad\n\n## No answer here\nKeywords: nothing\n\n"
        "## Bad link\nLink: ftp://files.example/x\n\nSome text.\n\n"
        "## Odd rule\nRule: shout\n\nALWAYS SHOUT\n\n"
        "## Odd kind\nKind: rumour\n\nText.\n\n"
        "## Fine one\n\nThis one is fine.\n", encoding="utf-8")
    (tmp_path / "latin1.md").write_bytes("## Café\n\nna\xefve\n".encode("latin-1"))
    kb = KnowledgeBase(tmp_path)
    messages = [str(w) for w in kb.warnings]
    assert "bad.md:3: entry 'No answer here' has no answer text; skipped" in messages
    assert any(m.startswith("bad.md:6: entry 'Bad link' has a Link that is not an http(s) URL") for m in messages)
    assert any(m.startswith("bad.md:11: entry 'Odd rule' has an unknown Rule 'shout'") for m in messages)
    assert any(m.startswith("bad.md:16: entry 'Odd kind' has an unknown Kind 'rumour'") for m in messages)
    assert any(m.startswith("latin1.md:1: is not UTF-8 text") for m in messages)
    assert {e.title for e in kb.entries} == {"How is data volume counted?", "Is there a free trial?", "Fine one"}
    # the commands say the same on stderr and carry on
    code, out, err = run("knowledge", "list", "--knowledge", str(tmp_path))
    assert code == 0 and "warning: bad.md:3: entry 'No answer here'" in err and "Fine one" in out


def test_refresh_rereads_only_what_changed(tmp_path: Path):
    (tmp_path / "pricing.md").write_text(PRICING, encoding="utf-8")
    (tmp_path / "other.md").write_text("## Dark mode?\n\nYes, in beta.\n", encoding="utf-8")
    kb = KnowledgeBase(tmp_path)
    assert kb.builds == 1 and len(kb.entries) == 3
    assert kb.refresh() is False and kb.builds == 1  # nothing changed: no re-read, no rebuild
    # touched but identical: the hash says unchanged
    os.utime(tmp_path / "other.md", ns=(0, 10**18))
    assert kb.refresh() is False and kb.builds == 1
    # one file edited: that file is re-parsed and the index rebuilt once
    (tmp_path / "other.md").write_text("## Dark mode?\n\nYes: Settings -> Appearance -> 'Lights off'.\n")
    assert kb.refresh() is True and kb.builds == 2
    assert "Lights off" in kb.search("is there a dark mode?")[0].entry.body
    # a file removed: its entries go
    (tmp_path / "other.md").unlink()
    assert kb.refresh() is True and {e.title for e in kb.entries} == {"How is data volume counted?",
                                                                       "Is there a free trial?"}


def test_search_finds_the_entry_a_post_is_about():
    kb = KnowledgeBase(FERNHILL)
    cases = {
        "@fernhillhq does the Metabase importer keep row-level permissions, or do we rebuild them by hand?":
            "migrating#does-the-metabase-importer-keep-row-level-permissions",
        "u/fernhill_team how do you count data volume exactly? The pricing page is vague.":
            "pricing#how-is-data-volume-counted",
        "Pinned notes are great. Can they be exported with the PDF?": "exports#are-pinned-notes-included-in-pdf-exports",
    }
    for post, expected in cases.items():
        hits = kb.search(post)
        assert hits[0].entry.id == expected, (post, [h.entry.id for h in hits])
        assert 0 < hits[0].coverage <= 1
    assert kb.search("do you have a Power BI connector?") == [] or kb.search("power bi connector")[0].coverage < 0.3


def test_missing_or_unreadable_folder_is_one_message_naming_the_path(tmp_path: Path):
    missing = tmp_path / "nowhere"
    with pytest.raises(KnowledgeError, match=str(missing)):
        KnowledgeBase(missing)
    for args in (["knowledge", "list"], ["knowledge", "search", "x"]):
        code, out, err = run(*args, "--knowledge", str(missing))
        assert code == 2 and f"knowledge folder {missing} does not exist" in err and "Traceback" not in err
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": "1", "platform": "x", "text": "hi?"}) + "\n")
    code, out, err = run("replies", "suggest", str(posts), "--knowledge", str(missing), "--json")
    assert code == 2 and str(missing) in err and out == ""
    a_file = tmp_path / "file.md"
    a_file.write_text("## x\n\ny\n")
    code, _, err = run("knowledge", "list", "--knowledge", str(a_file))
    assert code == 2 and "is not a folder" in err
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked"
        locked.mkdir(mode=0)
        code, _, err = run("knowledge", "list", "--knowledge", str(locked))
        assert code == 2 and "cannot be read" in err


def test_knowledge_search_command_says_what_would_answer():
    code, out, _ = run("knowledge", "search", "how is data volume counted?", "--knowledge", str(FERNHILL), "--json")
    rows = json.loads(out)
    assert code == 0 and rows[0]["id"] == "pricing#how-is-data-volume-counted" and rows[0]["answers"] is True
    code, out, _ = run("knowledge", "search", "do you have a Power BI connector?", "--knowledge", str(FERNHILL),
                       "--json")
    assert code == 0 and not any(r["answers"] for r in json.loads(out))


def test_parse_markdown_is_pure():
    entries, warnings = parse_markdown(PRICING, "pricing.md")
    assert [e.id for e in entries] == ["pricing#how-is-data-volume-counted", "pricing#is-there-a-free-trial"]
    assert entries[0].also == ("rows scanned or stored", "usage pricing") and warnings == []


def test_the_question_of_a_post_is_found_without_its_mark_and_a_short_one_takes_what_it_points_back_to():
    from engagement.knowledge import question_focus

    story = ("Our exec team opens the KPI board and it always shows the past week. I get the same Slack from the "
             "CEO every other day. any way to make it open on month to date without everyone clicking")
    assert question_focus(story).startswith("any way to make it open on month to date")
    pointing = ("Moving our client portal off Metabase and we need 300 access filters, one per client. Clicking them "
                "in one at a time is not how I want to spend December. is there a shortcut?")
    focus = question_focus(pointing)
    assert "300 access filters" in focus and focus.endswith("is there a shortcut?")


def test_a_question_searched_deep_is_reranked_by_the_sentence_model_and_judged_by_its_own_gate():
    from engagement import answer_gate, sentence_model
    from engagement.knowledge import sentence_vector

    if not sentence_model.available():
        pytest.skip("the sentence model (onnxruntime, tokenizers) is not installed")
    kb = KnowledgeBase(REPO / "examples" / "knowledge")
    story = ("our warehouse holds about 2 billion rows of history. does that make us an expensive customer or is it "
             "only about what actually gets read?")
    by_words = kb.search(story, k=3)
    deep = kb.search(story, k=3, deep=True)
    assert by_words[0].entry.id == "pricing#what-does-fernhill-cost" and by_words[0].cosine is None
    assert deep[0].entry.id == "pricing#how-is-data-volume-counted"  # rows read, not rows stored
    assert deep[0].cosine is not None and deep[0].cosine_lead > 0
    unsure = kb.search("we have 140 dashboards and half haven't been opened since their builder left. Is there any "
                       "way to tell?", k=3, deep=True)
    assert unsure[0].entry.id == "dashboards#can-i-see-who-viewed-a-dashboard"
    assert unsure[0].confidence >= answer_gate.threshold(unsure[0])
    # phrasings are embedded once per text: a rebuild with nothing new embeds only the post
    model = sentence_model.load()
    embedded: list[str] = []
    original = model.embed
    model.embed = lambda texts, **kw: (embedded.extend(texts), original(texts, **kw))[1]
    try:
        kb.builds += 1
        sentence_vector.cache_clear()  # the post's own vector is cached too (its search and its answer share it)
        kb.search(story, k=3, deep=True)
    finally:
        model.embed = original
    assert embedded == [story]
