"""Issue 17: intents with evidence, the complaint model, moments that are the author's own, language and
undetermined posts, X text as written, and `listenwell nlp tag`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from listenwell.cli_nlp import nlp_group
from nlp.intents import is_sarcastic, read_intents
from nlp.language import detect_language
from nlp.moments import detect_moments

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def names(text: str, label: str | None = None, to_us: bool = False) -> list[str]:
    return [i.name for i in read_intents(text, label, to_us)]


# --- intents -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, to_us, expected", [
    ("@fernhillhq the weekly report went out with October's numbers again, second time this month", True,
     "complaint"),
    ("@fernhillhq we were billed for 45 seats, there are 11 of us", True, "complaint"),
    ("love how @fernhillhq picks month-end close to take the API offline. perfect timing", False, "complaint"),
    ("@fernhillhq how do I share a dashboard with someone outside our workspace?", True, "question"),
    ("thinking of upgrading to the team plan, who do I talk to about pricing?", False, "purchase_intent"),
    ("evaluating alternatives, the renewal price jump is hard to justify", False, "churn_risk"),
    ("@fernhillhq the new drill-down is exactly what we needed, thank you", True, "praise"),
])
def test_each_intent_carries_its_evidence(text, to_us, expected):
    found = {i.name: i for i in read_intents(text, None, to_us)}
    assert expected in found
    intent = found[expected]
    assert intent.evidence and intent.evidence in text and text[intent.start:intent.end].strip() == intent.evidence


@pytest.mark.parametrize("text, not_this", [
    ("Anyone watching the game tonight?", "question"),
    ("Does anyone else think Mondays should be illegal?", "question"),
    ("this bug is killing me, I wrote it myself on Friday", "complaint"),
    ("sick of hearing the word synergy in every all-hands", "complaint"),
    ("evaluating alternatives, the renewal price jump is hard to justify", "purchase_intent"),
    ("Great job @fernhillhq, another release, another broken date picker", "praise"),
])
def test_hard_negatives_are_not_read_as_the_intent(text, not_this):
    assert not_this not in names(text)


def test_sarcasm_is_a_complaint_not_praise():
    text = "@fernhillhq oh brilliant, the scheduled export finished in only 4 hours today. love that for us"
    assert is_sarcastic(text)
    assert names(text, "positive", True) == ["complaint"]
    assert not is_sarcastic("@fernhillhq the new filters are great, thank you")


@pytest.mark.parametrize("text", ["", "   ", "😂😂😂", "https://x.com/a/status/1", "\x00\x00", "a" * 100_000,
                                  "Английский и English", "@fernhillhq"])
def test_intents_never_fail_on_odd_text(text):
    assert isinstance(read_intents(text, None, True), list)
    assert isinstance(detect_moments(text), list)


# --- the complaint model -------------------------------------------------------------------------------------

def test_complaint_model_runs_without_scikit_learn():
    code = ("import sys; sys.modules['sklearn'] = None; sys.modules['scipy'] = None\n"
            "from nlp.complaints import complaint_probability as p\n"
            "a = p('@acme charged us twice for the same order, still no refund')\n"
            "b = p('thanks @acme, lovely service today')\n"
            "assert 0 <= b < a <= 1, (a, b); print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_trained_classifier_matches_its_numpy_export(tmp_path):
    pytest.importorskip("sklearn")
    from nlp.textclf import LinearTextClassifier
    from nlp.textclf_train import _settings, export, fit

    texts = ["the app crashed again and lost my work", "charged twice, still no refund", "love the new update",
             "thanks for the quick reply", "order never arrived, nobody answers", "great support today"] * 3
    y = [True, True, False, False, True, False] * 3
    s = _settings({"word_min_df": 1, "char_min_df": 1, "lexicon": None})
    fz, clf = fit(texts, y, s)
    export(fz, clf, s, tmp_path, "complaint", "test", {})
    model = LinearTextClassifier.load(tmp_path)
    expected = clf.predict_proba(fz.matrix(fz.docs(texts)))[:, 1]
    assert [round(model.proba(t), 6) for t in texts] == [round(float(p), 6) for p in expected]


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "complaints").is_dir(), reason="shared complaints data not present")
def test_complaints_leave_one_domain_out_f1_holds():
    pytest.importorskip("sklearn")
    from nlp.textclf_train import leave_one_domain_out, read_complaints, read_own

    result = leave_one_domain_out(read_complaints(SHARED / "complaints"), read_own())
    assert result["pooled"]["f1"] >= 0.75, result["pooled"]


# --- moments -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind", [
    ("Stepped into the COO role at Brightline this week. Big shoes to fill.", "new_job"),
    ("It's live! portal v2 shipped this morning, go break it", "launch"),
    ("Forty today. Feeling about twelve.", "birthday"),
    ("She said yes!! Engaged 💍", "wedding"),
    ("Signed off work with burnout for a few weeks. Back soon, I hope.", "illness"),
    ("Named one of this year's 40 under 40 by Data Weekly, still a bit stunned", "award"),
])
def test_varied_phrasings_of_the_authors_own_moments(text, kind):
    assert kind in [m.type for m in detect_moments(text)]


@pytest.mark.parametrize("text", [
    "my friend Jess got promoted to director, so proud of her",
    "Partner got the job!! so happy for him",
    "Thousands attend Castro's funeral in Havana",
    "Google Earth now available in VR",
    "Leicester win the league in one of sport's great upsets",
    "20 years ago today the first iPhone was announced",
    "launched my phone across the room when the alarm went off",
])
def test_other_peoples_news_headlines_and_history_are_not_moments(text):
    assert detect_moments(text) == []


# --- language ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, lang", [
    ("", "und"), ("😂😂😂", "und"), ("https://fernhill.example/x", "und"), ("@fernhillhq #bi", "und"), ("ok", "und"),
    ("scheduled exports failed", "en"), ("el informe no carga desde ayer", "es"),
    ("der Export funktioniert seit gestern nicht", "de"), ("eksport nie działa od wczoraj", "pl"),
    ("dışa aktarma dünden beri çalışmıyor", "tr"), ("exporten fungerar inte sedan igår", "sv"),
])
def test_language_and_undetermined(text, lang):
    assert detect_language(text) == lang


def test_undetermined_and_foreign_posts_are_not_scored_by_the_english_models():
    from nlp.tag_record import records

    out = list(records(["😂😂", "Muito obrigado pela ajuda com o painel, vocês são demais", "the export failed"]))
    assert [r["lang"] for r in out] == ["und", "pt", "en"]
    assert out[0]["label"] is None and out[1]["label"] is None and out[2]["label"] is not None
    assert out[1]["intents"] == [] and out[1]["moments"] == []


# --- X text as written ---------------------------------------------------------------------------------------

def test_x_text_is_unescaped_once_on_both_ingest_paths(tmp_path):
    from collectors.files import FilesCollector
    from jobs.collect import run_collector
    from storage.db import Database
    from datetime import datetime, timezone

    page = {"data": [{"id": "1", "text": "NYC &lt; London &amp;&amp; 3 &gt; 2, literally &amp;lt;b&amp;gt;",
                      "author_id": "9", "created_at": "2026-11-01T10:00:00.000Z"}],
            "includes": {"users": [{"id": "9", "username": "ana", "name": "Ana"}]}}
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps(page) + "\n", encoding="utf-8")
    texts = []
    for columnar in (False, True):
        with Database.open(tmp_path / f"{columnar}.duckdb") as db:
            collector = FilesCollector("files", [f], our_handles={}, columnar=columnar)
            assert run_collector(db, collector, source_type="files", our_handles={},
                                 now=datetime(2026, 11, 2, tzinfo=timezone.utc)).ok
            texts.append(db.scalar("SELECT text FROM posts"))
    assert texts == ["NYC < London && 3 > 2, literally &lt;b&gt;"] * 2


def test_migration_unescapes_tweets_stored_before(tmp_path):
    from storage.db import Database
    from storage.migrations import MIGRATIONS

    with Database.open(tmp_path / "lw.duckdb") as db:
        raw = json.dumps({"id": "1", "text": "a &lt; b &amp; c"})
        for uid, platform, text, row_raw in [("x:1", "x", "a &lt; b &amp; c", raw),
                                             ("x:2", "x", "typed &amp; kept", json.dumps({"platform": "x"})),
                                             ("reddit:3", "reddit", "r &lt; s", raw)]:
            db.con.execute(
                """INSERT INTO posts (post_uid, seq, platform, native_id, kind, text, created_at, author_uid, raw,
                                      source, retrieved_at)
                   VALUES (?, nextval('post_seq'), ?, ?, 'post', ?, now(), 'x:a', ?, 'files', now())""",
                [uid, platform, uid, text, row_raw])
        sql = dict(MIGRATIONS)["0017_2_unescape_x_text"]
        db.con.execute(sql)
        got = dict(db.con.execute("SELECT post_uid, text FROM posts").fetchall())
    assert got == {"x:1": "a < b & c", "x:2": "typed &amp; kept", "reddit:3": "r &lt; s"}


# --- listenwell nlp tag --------------------------------------------------------------------------------------

def test_nlp_tag_prints_one_json_object_per_line(tmp_path):
    f = tmp_path / "posts.txt"
    lines = ["@fernhillhq the export failed again, third time this week", "Stepped into the COO role at Brightline",
             "", "😂", "https://x.com/a", "nul\x00 byte", "x" * 100_000, "Muito obrigado pela ajuda"]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(nlp_group, ["tag", str(f), "--addressed", "--json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == len(lines)
    for r in records:
        assert set(r) >= {"lang", "sentiment", "label", "intents", "evidence", "moments"}
    assert "complaint" in records[0]["intents"] and records[0]["evidence"]["complaint"]
    assert records[1]["moments"][0]["type"] == "new_job" and records[1]["moments"][0]["evidence"]
    assert [r["lang"] for r in records[2:5]] == ["und"] * 3
    assert records[7]["lang"] == "pt" and records[7]["label"] is None


def test_nlp_tag_plain_output_and_missing_file(tmp_path):
    f = tmp_path / "posts.txt"
    f.write_text("@fernhillhq how do I export to PDF?\n", encoding="utf-8")
    result = CliRunner().invoke(nlp_group, ["tag", str(f), "--addressed"])
    assert result.exit_code == 0 and "question" in result.output and "“" in result.output
    missing = tmp_path / "nope.txt"
    result = CliRunner().invoke(nlp_group, ["tag", str(missing)])
    assert result.exit_code == 2 and str(missing) in result.output


def test_a_field_function_adds_a_key_to_every_record():
    from nlp.tag_record import FIELDS, records

    def length_field(doc):
        return {"length": len(doc.user_data.get(("._.", "text", None, None)) or "")}

    out = list(records(["hello there", "ok"], fields=[*FIELDS, length_field]))
    assert [r["length"] for r in out] == [11, 2]


def test_complaint_model_batch_prefill_equals_word_by_word():
    from nlp.complaints import default_complaint_model
    from nlp.textclf import LinearTextClassifier
    from nlp.complaints import DEFAULT_MODEL_DIR

    words = ["exportz", "dashboardish", "zzqx", "refunded", "the"]
    one = LinearTextClassifier.load(DEFAULT_MODEL_DIR)
    batch = LinearTextClassifier.load(DEFAULT_MODEL_DIR)
    batch.prefill(words)
    for w in words:
        assert batch._char_cache[w] == pytest.approx(one._char_entry(w), abs=1e-9)
    assert default_complaint_model().proba("charged twice, no refund") > 0.5
