"""Tests for the tweet sentiment stage (nlp.sentiment, nlp.semeval, nlp.sentiment_train, CLI).

All labelled data used here is synthetic and written by the tests themselves.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from listenwell.cli_nlp import nlp_group
from nlp import semeval
from nlp.sentiment import DEFAULT_MODEL_DIR, LABELS, SentimentModel, analyze, default_model

DATA_DIR = Path(__file__).resolve().parents[2] / "shared/data/sentiment"
METRIC_KEYS = {"n", "skipped", "macro_recall", "accuracy", "f1_pn", "posts_per_s"}


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- reading


def test_read_labelled_skips_and_counts_malformed(tmp_path):
    f = _write(
        tmp_path / "mixed.tsv",
        [
            "1\tpositive\tI love this",
            "2\tnegative\tthis is awful\t",  # trailing empty field: fine
            '3\tneutral\t"quoted ""text"" here"',  # CSV-style quoting: unwrapped
            "4\tpositive",  # missing text
            "5\tmaybe\twhat label is this",  # unknown label
            '"\t',  # stray quote from a broken record
            "",  # blank line: ignored, not counted
            "id\tlabel\ttext",  # header line: counted as malformed
            "6\tNEUTRAL\tlabels are case-insensitive",
            "7\tpositive\t   ",  # empty text
        ],
    )
    rows, skipped = semeval.read_labelled(f)
    assert [r[0] for r in rows] == ["1", "2", "3", "6"]
    assert skipped == 5
    assert rows[1] == ("2", "negative", "this is awful")
    assert rows[2][2] == 'quoted "text" here'
    assert rows[3][1] == "neutral"


def test_metrics_on_known_confusion():
    # gold: 4 pos, 3 neu, 3 neg
    gold = ["positive"] * 4 + ["neutral"] * 3 + ["negative"] * 3
    pred = (["positive", "positive", "positive", "neutral"]  # pos recall 3/4
            + ["neutral", "negative", "positive"]  # neu recall 1/3
            + ["negative", "negative", "neutral"])  # neg recall 2/3
    m = semeval.metrics(gold, pred)
    assert m["macro_recall"] == pytest.approx((3 / 4 + 1 / 3 + 2 / 3) / 3)
    assert m["accuracy"] == pytest.approx(6 / 10)
    # positive: P = 3/4, R = 3/4 -> F1 0.75; negative: P = 2/3, R = 2/3 -> F1 2/3
    assert m["f1_pn"] == pytest.approx((0.75 + 2 / 3) / 2)


def test_metrics_zero_predictions_for_a_class():
    m = semeval.metrics(["positive", "negative", "neutral"], ["neutral"] * 3)
    assert m["macro_recall"] == pytest.approx(1 / 3)
    assert m["f1_pn"] == 0.0


class _ConstModel:
    def score_many(self, texts):
        return [(0.0, "neutral") for _ in texts]


def test_evaluate_returns_exact_keys(tmp_path):
    f = _write(tmp_path / "e.tsv", ["1\tneutral\ta", "2\tpositive\tb", "broken line"])
    r = semeval.evaluate(_ConstModel(), f)
    assert set(r) == METRIC_KEYS
    assert r["n"] == 2 and r["skipped"] == 1
    assert r["accuracy"] == pytest.approx(0.5)
    assert r["macro_recall"] == pytest.approx(0.5)  # only classes present in gold
    assert r["posts_per_s"] > 0


# --------------------------------------------------------------------------- analyzer


def test_analyzer_social_media_normalisation():
    feats, words = analyze("SOOO happy!!! #blessed @someone http://x.co/abc :) not bad")
    assert "soo" in feats and "__elong__" in feats and "__allcaps__" in feats
    assert "blessed" in feats and "#blessed" in feats
    assert "__user__" in feats and "__url__" in feats
    assert "__emopos__" in feats
    assert "bad_NEG" in feats and "bad" not in feats  # negation scope
    assert "!!" in feats
    assert "http" not in " ".join(words) and "someone" not in words


def test_analyzer_negation_scope_ends_at_punctuation_and_but():
    feats, _ = analyze("not good. great")
    assert "good_NEG" in feats and "great" in feats and "great_NEG" not in feats
    feats, _ = analyze("i don't hate it but love it")
    assert "hate_NEG" in feats and "love" in feats and "B_love" in feats


def test_analyzer_emoji_and_sarcasm():
    feats, _ = analyze("great day 😭 #sarcasm")
    assert "__emoneg__" in feats and "__sarcasm__" in feats
    feats, _ = analyze("😍😍")
    assert feats.count("__emopos__") == 2


# --------------------------------------------------------------------------- bundled model


def test_bundled_model_loads_without_pickle():
    assert (DEFAULT_MODEL_DIR / "meta.json").is_file()
    # every array in the artefact loads with allow_pickle=False (np.load raises otherwise)
    with np.load(DEFAULT_MODEL_DIR / "weights.npz", allow_pickle=False) as z:
        for k in z.files:
            assert z[k].dtype != object
    with zipfile.ZipFile(DEFAULT_MODEL_DIR / "weights.npz") as zf:
        assert all(n.endswith(".npy") for n in zf.namelist())
    for npy in DEFAULT_MODEL_DIR.glob("*.npy"):
        assert np.load(npy, allow_pickle=False).dtype != object
    assert not list(DEFAULT_MODEL_DIR.glob("*.pkl")) and not list(DEFAULT_MODEL_DIR.glob("*.pickle"))
    size = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir())
    assert size < 25 * 1024 * 1024
    m = default_model()
    assert m is default_model()  # cached once per process
    assert tuple(m.labels) == LABELS
    assert isinstance(m.version, str) and m.version


@pytest.mark.parametrize(
    "text,label",
    [
        ("I love this so much, best day ever! :)", "positive"),
        ("This is absolutely amazing, thank you so much!", "positive"),
        ("😍😍", "positive"),
        ("I hate this, worst service ever. Totally disgusted :(", "negative"),
        ("Terrible awful experience, never again", "negative"),
        ("So sad and angry right now 😭😡", "negative"),
        ("The meeting is scheduled for Tuesday at 3pm in room 4.", "neutral"),
        ("The new version will be released on Monday", "neutral"),
    ],
)
def test_bundled_model_obvious_cases(text, label):
    score, got = default_model().score(text)
    assert got == label, (text, score, got)
    assert -1.0 <= score <= 1.0
    if label == "positive":
        assert score > 0.2
    if label == "negative":
        assert score < -0.2


def test_negation_flips_polarity():
    m = default_model()
    s_good, _ = m.score("the food was good")
    s_not_good, lab = m.score("the food was not good")
    assert lab != "positive"
    assert s_not_good < s_good - 0.3


def test_score_many_matches_score_and_handles_edge_inputs():
    m = default_model()
    texts = ["great stuff :)", "", "   ", "awful :(", "@user http://t.co/x", "ok " * 500, "😀"]
    batch = m.score_many(texts)
    assert len(batch) == len(texts)
    for t, (s, lab) in zip(texts, batch):
        s1, lab1 = m.score(t)
        assert lab == lab1 and s == pytest.approx(s1)
        assert lab in LABELS and -1.0 <= s <= 1.0
    assert m.score_many([]) == []


# --------------------------------------------------------------------------- training

POS = ["i love this {}", "what a great {} :)", "so happy with the {}", "the {} is awesome!!", "best {} ever 😍"]
NEG = ["i hate this {}", "what an awful {} :(", "so angry about the {}", "the {} is terrible", "worst {} ever 😡"]
NEU = ["the {} opens at 9", "a {} was delivered on tuesday", "they announced a new {}", "is the {} on channel 4",
       "meeting about the {} tomorrow"]
NOUNS = ["phone", "movie", "game", "show", "album", "car", "book", "team", "app", "shop", "song", "hotel"]


def _synthetic(path: Path, start: int = 0) -> Path:
    lines = []
    i = start
    for label, templates in (("positive", POS), ("negative", NEG), ("neutral", NEU)):
        for t in templates:
            for n in NOUNS:
                i += 1
                lines.append(f"{i}\t{label}\t{t.format(n)}")
    lines.append("garbage line without tabs")
    return _write(path, lines)


def test_train_small_synthetic_round_trip(tmp_path):
    pytest.importorskip("sklearn")
    from nlp.sentiment_train import train

    data = tmp_path / "data"
    data.mkdir()
    _synthetic(data / "train.tsv")
    _synthetic(data / "held.tsv", start=10_000)
    out = tmp_path / "model"
    report = train(data, out, holdout=("held.tsv",), lexicon=None, char_min_df=1, word_min_df=1, C=10.0)
    assert report["training_files"] == {"train.tsv": {"rows": 180, "skipped": 1}}
    h = report["holdout"]["held.tsv"]
    assert set(h) == METRIC_KEYS and h["n"] == 180 and h["skipped"] == 1
    assert h["macro_recall"] > 0.9
    m = SentimentModel.load(out)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["holdout"]["held.tsv"]["macro_recall"] == pytest.approx(h["macro_recall"])
    assert m.score("i love this phone")[1] == "positive"
    assert m.score("worst hotel ever")[1] == "negative"
    # round trip: a second load gives identical scores
    texts = ["i love this phone", "so angry about the car", "the shop opens at 9"]
    assert SentimentModel.load(out).score_many(texts) == m.score_many(texts)


def test_train_single_user_file_with_random_split(tmp_path):
    pytest.importorskip("sklearn")
    from nlp.sentiment_train import train

    f = _synthetic(tmp_path / "mine.tsv")
    report = train(f, tmp_path / "m", holdout=(), lexicon=None, char_min_df=1, word_min_df=1)
    assert "random_split" in report["holdout"]
    assert SentimentModel.load(tmp_path / "m").score("what a great game :)")[1] == "positive"


def test_train_rejects_missing_class(tmp_path):
    pytest.importorskip("sklearn")
    from nlp.sentiment_train import train

    f = _write(tmp_path / "only.tsv", [f"{i}\tpositive\tnice {i}" for i in range(10)])
    with pytest.raises(ValueError, match="negative"):
        train(f, tmp_path / "m", holdout=(), lexicon=None)


# --------------------------------------------------------------------------- CLI


def test_cli_eval_json_keys(tmp_path):
    f = _write(tmp_path / "e.tsv", ["1\tpositive\tI love it :)", "2\tnegative\tI hate it :(",
                                    "3\tneutral\tThe store opens at 9 on Monday", "bad"])
    res = CliRunner().invoke(nlp_group, ["eval", str(f), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert list(out) == ["n", "skipped", "macro_recall", "accuracy", "f1_pn", "posts_per_s"]
    assert out["n"] == 3 and out["skipped"] == 1

    res = CliRunner().invoke(nlp_group, ["eval", str(f)])
    assert res.exit_code == 0
    for k in METRIC_KEYS:
        assert k in res.output


def test_cli_errors_and_help(tmp_path):
    runner = CliRunner()
    res = runner.invoke(nlp_group, ["eval", str(tmp_path / "missing.tsv")])
    assert res.exit_code == 2
    empty = _write(tmp_path / "empty.tsv", ["nothing valid here"])
    res = runner.invoke(nlp_group, ["eval", str(empty)])
    assert res.exit_code == 1 and "no valid labelled lines" in res.output
    res = runner.invoke(nlp_group, ["eval", str(empty), "--model", str(tmp_path)])
    assert res.exit_code == 1 and "cannot load sentiment model" in res.output
    for cmd in (["--help"], ["eval", "--help"], ["train-sentiment", "--help"]):
        res = runner.invoke(nlp_group, cmd)
        assert res.exit_code == 0
        lines = [ln for ln in res.output.splitlines() if ln.strip()]
        # the Example block is kept verbatim (\b) and comes last in the help text
        idx = max(i for i, ln in enumerate(lines) if ln.strip() == "Example:")
        assert lines[idx + 1].strip().startswith("listenwell nlp ")


def test_cli_train_sentiment(tmp_path):
    pytest.importorskip("sklearn")
    data = tmp_path / "d"
    data.mkdir()
    _synthetic(data / "a.tsv")
    _synthetic(data / "b.tsv", start=5000)
    out = tmp_path / "m"
    res = CliRunner().invoke(nlp_group, ["train-sentiment", "--data", str(data), "--out", str(out),
                                         "--holdout", "b.tsv", "--no-lexicon", "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["holdout"]["b.tsv"]["n"] == 180
    res = CliRunner().invoke(nlp_group, ["eval", str(data / "b.tsv"), "--model", str(out), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["n"] == 180


# --------------------------------------------------------------------------- real data (slow)


def test_precomputed_char_cache_matches_fresh_computation():
    m = SentimentModel.load()
    cached = dict(list(m._char_cache.items())[:200])
    assert cached, "bundled model ships precomputed char vectors"
    m._char_cache.clear()
    m._fill_char_cache(list(cached))
    for w, v in cached.items():
        assert m._char_cache[w] == pytest.approx(v, abs=1e-9)


@pytest.mark.slow
def test_bundled_model_on_semeval_devtest():
    f = DATA_DIR / "twitter-2016devtest-A.txt"
    if not f.is_file():
        pytest.skip(f"{f} not available")
    r = semeval.evaluate(SentimentModel.load(), f)
    assert r["n"] == 2000
    # Regression floor at today's 0.559 (VADER: 0.491 on this file). Issue 5's bar of 0.64 is not met here
    # yet; it holds on the larger held-back 2016 test file below.
    assert r["macro_recall"] >= 0.55, r


@pytest.mark.slow
def test_bundled_model_on_semeval_2016_test():
    # the second held-back file: never trained on, never used to choose settings
    f = DATA_DIR / "twitter-2016test-A.txt"
    if not f.is_file():
        pytest.skip(f"{f} not available")
    r = semeval.evaluate(SentimentModel.load(), f)
    assert r["n"] == 20632 and r["skipped"] == 1
    assert r["macro_recall"] >= 0.64, r  # speed is measured in bench/bench_sentiment.py, not asserted here
