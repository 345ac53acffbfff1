from __future__ import annotations

import pytest

from nlp.intents import detect_intents
from nlp.language import detect_language
from nlp.moments import detect_moments


def kinds(text: str) -> list[str]:
    return [m.type for m in detect_moments(text)]


@pytest.mark.parametrize("text, kind", [
    ("Thrilled to share that I've joined Acme as VP Operations!", "new_job"),
    ("First week at Brightpath done. What a team.", "new_job"),
    ("We just launched Tidewater 2.0 — it's live on Product Hunt today", "launch"),
    ("We raised a $4M seed round led by Northstar", "funding"),
    ("Packing boxes: we're moving to Lisbon in December", "moving"),
    ("My father passed away last week. Taking some time off.", "bereavement"),
    ("Honoured to receive the Data Leader of the Year award", "award"),
    ("I'll be speaking at DataConf Berlin next Thursday", "speaking"),
    ("We got married on Saturday!", "wedding"),
    ("Today we're launching Tidewater Pulse: live ETAs for short-sea shippers", "launch"),
    ("Relocating in January and staying with my employer", "moving"),
    ("Moving from London to Lisbon in January", "moving"),
])
def test_own_moments_are_found_with_evidence(text: str, kind: str):
    found = detect_moments(text)
    assert kind in [m.type for m in found]
    moment = next(m for m in found if m.type == kind)
    assert 0.5 <= moment.confidence <= 1
    assert moment.evidence and moment.evidence in text
    assert text[moment.start:moment.end]


@pytest.mark.parametrize("text, kind", [
    ("We're not moving to Lisbon after all.", "moving"),
    ("I didn't get the job. Onwards.", "new_job"),
    ("My friend got promoted to director, so proud of her", "new_job"),
    ("Congrats to Ana on joining Acme as VP Ops!", "new_job"),
    ("Someday I hope to launch my own company", "launch"),
    ("The moving average on this chart is off", "moving"),
    ("We ran this for a year before moving to a warehouse.", "moving"),
    ("We're launching into the Q3 planning now", "new_job"),
    ("Our #dataengineering team moved the nightly pipeline to DuckDB. Half the cost.", "moving"),
])
def test_negation_and_other_peoples_news_are_not_the_authors_moment(text: str, kind: str):
    assert kind not in kinds(text)


def test_a_relatives_loss_is_the_authors_loss():
    assert "bereavement" in kinds("We lost my mother on Sunday.")


@pytest.mark.parametrize("text, expected, to_us", [
    ("How do I export a dashboard to PDF?", "question", False),
    ("@fernhillhq any update on my ticket?", "question", True),
    ("The sync has been broken for two days, really frustrating", "complaint", True),
    ("Thank you @fernhillhq, the support team was brilliant", "praise", True),
    ("We're switching to Metabase next month, cancelling our plan", "churn_risk", True),
    ("Looking for a BI tool for a 20-person team, budget approved", "purchase_intent", False),
    ("Looking at alternatives to Looker, the renewal price jump is hard to justify", "churn_risk", False),
])
def test_intents(text: str, expected: str, to_us: bool):
    assert expected in detect_intents(text, sentiment_label=None, addressed_to_us=to_us)


def test_rhetorical_statement_is_not_a_question():
    assert "question" not in detect_intents("Shipped the new dashboards today. Feels good.", "positive", True)


def test_praise_is_not_a_complaint():
    assert "complaint" not in detect_intents("Thanks, this is great", "positive", True)


@pytest.mark.parametrize("text, declared, lang", [
    ("Muito obrigado pela ajuda com o painel, vocês são demais", None, "pt"),
    ("Das ist nicht das, was wir erwartet haben", None, "de"),
    ("the dashboard is slow again", None, "en"),
    ("whatever it says", "es", "es"),
    ("ok", "und", "und"),
    ("", None, "und"),
    ("😂😂😂", None, "und"),
    ("https://fernhill.example/blog", None, "und"),
    ("ダッシュボードがまた遅い、どうすればいい？", None, "ja"),
    ("대시보드가 또 느려요", None, "ko"),
    ("仪表板又很慢了", None, "zh"),
    ("Панель снова тормозит, что делать?", None, "ru"),
    ("لوحة التحكم بطيئة مرة أخرى", None, "ar"),
    ("Ο πίνακας είναι αργός ξανά", None, "el"),
    ("Loving the new dashboard 🎉🔥 café vibes", None, "en"),
    ("Our Tokyo team says the dashboard is great: 素晴らしい", None, "en"),
])
def test_language(text: str, declared: str | None, lang: str):
    assert detect_language(text, declared) == lang


def test_posts_in_other_scripts_are_not_scored_as_english():
    from nlp.pipeline import build_pipeline, make_doc

    nlp = build_pipeline()
    doc = nlp(make_doc(nlp, "Панель снова тормозит, ужасно. Отменяю подписку!"))
    assert doc._.lang == "ru"
    assert doc._.sentiment is None and doc._.intents == [] and doc._.moments == []


def test_prefilter_never_hides_a_pattern_match():
    """Every example a pattern matches is let through by the prefilter."""
    from nlp.moments import _PREFILTER, PATTERNS

    samples = [
        "I've joined Acme", "we just started at Northwind", "I accepted the offer", "just got promoted",
        "promoted to VP", "my first week at Acme", "starting my new role at Acme", "new position with them",
        "we launched Pulse", "launch day!", "we're live", "Pulse is now live", "introducing Pulse", "now available",
        "we're releasing v2", "we shipped it", "we raised a $4M seed", "series A round", "closed our funding round",
        "we were acquired by Big Co", "acquisition of Small Co", "moving to Lisbon", "relocating next month",
        "moved to Berlin", "packing boxes", "new apartment", "we got married", "our wedding", "tied the knot",
        "we're engaged", "welcomed our baby", "baby girl arrived", "new dad here", "on parental leave",
        "it's my birthday", "another trip around the sun", "I turn 40", "5 years at Acme", "work anniversary",
        "in hospital", "had surgery", "diagnosed with", "recovering from flu", "on sick leave", "been ill",
        "chemo starts", "passed away", "lost my dad", "rest in peace", "funeral today", "grieving",
        "in loving memory", "said goodbye to our dog", "won the Data award", "shortlisted for the prize",
        "I'll be speaking at DataConf", "my talk at PyCon", "come see me at booth 4", "we're on a panel",
    ]
    for text in samples:
        mask = _PREFILTER.scan(text)
        for kind, patterns in PATTERNS.items():
            for p in patterns:
                if p.search(text):
                    assert mask & _PREFILTER.bit[p], (kind, text)
