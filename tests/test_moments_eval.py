"""The labelled moments/intents evaluation set and the quality bar on its held-out split.

The bar is a quality check on a fixed labelled set (no timing here; throughput is in docs/moments-eval.md).
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from listenwell.cli_nlp import nlp_group
from nlp.moments import PATTERNS
from nlp.prefilter import required_literals
from nlp.moments_eval import DEFAULT_SET, TYPES, composition, evaluate, load_eval_set


@pytest.fixture(scope="module")
def posts():
    return load_eval_set()


@pytest.fixture(scope="module")
def result():
    return evaluate()


def test_eval_set_loads_with_at_least_300_posts(posts):
    assert DEFAULT_SET.exists()
    assert len(posts) >= 300
    assert all(p.text.strip() for p in posts)
    assert {p.split for p in posts} == {"dev", "heldout"}
    assert sum(p.split == "heldout" for p in posts) == len(posts) // 3


def test_every_type_has_positives_and_hard_negatives(posts):
    comp = composition(posts)
    for kind in TYPES:
        assert comp[kind]["positives"] >= 3, kind
        assert comp[kind]["hard_negatives"] >= 3, kind
        assert comp[kind]["heldout_positives"] >= 1, kind
    assert sum(1 for p in posts if not p.labels) >= 30  # neutral chatter and pure hard negatives


def test_heldout_meets_the_bar(result):
    overall = result["heldout"]["overall"]
    assert overall["precision"] >= 0.85, overall
    assert overall["recall"] >= 0.75, overall


def test_malformed_lines_are_reported(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("# comment\nnew_job\t0\tI joined Acme\nnot_a_type\t0\thello\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.tsv:3"):
        load_eval_set(bad)


def test_prefilter_literals_are_in_every_match_on_the_eval_set(posts):
    """Every pattern match in the labelled posts contains one of the literals its prefilter looks for."""
    for post in posts:
        for kind, patterns in PATTERNS.items():
            for pattern in patterns:
                literals = required_literals(pattern)
                for m in pattern.finditer(post.text):
                    assert literals is None or any(t in m.group(0).casefold() for t in literals), (kind, m.group(0))


def test_cli_eval_moments_json(tmp_path):
    res = CliRunner().invoke(nlp_group, ["eval-moments", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {"file", "n", "split_rule", "types", "composition", "dev", "heldout", "errors"} <= set(data)
    for split in ("dev", "heldout"):
        assert {"n", "per_type", "moments", "intents", "overall"} <= set(data[split])
        assert set(data[split]["per_type"]) == set(TYPES)
        assert {"precision", "recall", "f1", "support"} <= set(data[split]["overall"])

    small = tmp_path / "small.tsv"
    small.write_text("new_job\t0\tThrilled to share that I've joined Acme as VP Ops!\n"
                     "-\t0\tcoffee first\n!moving\t0\tthe moving average is flat\n", encoding="utf-8")
    res = CliRunner().invoke(nlp_group, ["eval-moments", str(small)])
    assert res.exit_code == 0, res.output
    assert "OVERALL" in res.output


def test_cli_eval_moments_bad_file(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("only one column\n", encoding="utf-8")
    res = CliRunner().invoke(nlp_group, ["eval-moments", str(bad)])
    assert res.exit_code != 0
    assert "expected labels" in res.output
