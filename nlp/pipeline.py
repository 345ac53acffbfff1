"""The tagging pipeline: spaCy's blank English tokenizer plus listenwell's components.

Components are thin glue over the pure functions in this package. Factories and
Doc extensions are registered at import time so ``nlp.pipe(n_process=2)`` works
in worker processes.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from nlp.intents import evidence_of, read_intents
from nlp.language import UNDETERMINED, detect_language
from nlp.language import preload as preload_language_identifier
from nlp.moments import detect_moments
from nlp.readers import intent_reader, moment_reader

PIPELINE_VERSION = "listenwell-nlp/2"
ENGLISH = "en"

_EXTENSIONS = (
    ("text", None),  # the post as written; Doc.text is rebuilt from tokens on every access
    ("declared_lang", None),
    ("addressed_to_us", False),
    ("lang", None),
    ("sentiment", None),
    ("sentiment_label", None),
    ("topics", []),
    ("intents", []),
    ("evidence", {}),
    ("moments", []),
)
for _name, _default in _EXTENSIONS:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


def _slot(name: str) -> tuple:
    """Where ``doc._.<name>`` is kept in ``doc.user_data``. The components read and write it there
    directly: going through ``doc._`` costs 2-3 µs per access, a third of the pipeline's time."""
    return ("._.", name, None, None)


TEXT, DECLARED_LANG, ADDRESSED, LANG, SENTIMENT, SENTIMENT_LABEL, TOPICS, INTENTS, EVIDENCE, MOMENTS = (
    _slot(name) for name, _default in _EXTENSIONS)


def text_of(doc: Doc) -> str:
    data = doc.user_data
    text = data.get(TEXT)
    if text is None:
        text = data[TEXT] = doc.text
    return text


def _is_english(doc: Doc) -> bool:
    """Only English posts are read by the English models; undetermined ones ("und") are not."""
    return doc.user_data.get(LANG) == ENGLISH


@Language.component("listenwell_language")
def language_component(doc: Doc) -> Doc:
    doc.user_data[LANG] = detect_language(text_of(doc), doc.user_data.get(DECLARED_LANG)) or UNDETERMINED
    return doc


@Language.factory("listenwell_sentiment", default_config={"model_path": None})
def make_sentiment(nlp: Language, name: str, model_path: str | None) -> "SentimentComponent":
    return SentimentComponent(model_path)


class SentimentComponent:
    """Scores English docs in batches; other languages keep a NULL score rather than a wrong one."""

    def __init__(self, model_path: str | None):
        from nlp.sentiment import SentimentModel, default_model

        self.model = SentimentModel.load(model_path) if model_path else default_model()

    def __call__(self, doc: Doc) -> Doc:
        if _is_english(doc):
            analyses: list = []
            data = doc.user_data
            data[SENTIMENT], data[SENTIMENT_LABEL] = self.model.score(text_of(doc), analyses_out=analyses)
            data[_ANALYSIS] = analyses[0]
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 1000):
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._score(batch)
                batch = []
        if batch:
            yield from self._score(batch)

    def _score(self, docs: list[Doc]) -> list[Doc]:
        english = [d for d in docs if _is_english(d)]
        analyses: list = []
        scored = self.model.score_many([text_of(d) for d in english], analyses_out=analyses)
        likely: list[str] = []  # words of the posts the complaint model will probably read (to a handle)
        for doc, (score, label), analysis in zip(english, scored, analyses):
            data = doc.user_data
            data[SENTIMENT] = score
            data[SENTIMENT_LABEL] = label
            data[_ANALYSIS] = analysis  # the complaint model reads the same features (nlp/textclf.py)
            if data.get(ADDRESSED) or "@" in data[TEXT]:
                likely.extend(analysis[1])
        model = _shared_complaint_model()
        if likely and model is not None:
            model.prefill(likely)
        return docs


_VOWELS = frozenset("aeiou")


def inflections(term: str) -> set[str]:
    """The forms a lemmatizer would bring back to ``term``: plural of the last word ("pricing page" →
    "pricing pages", "policy" → "policies", "inbox" → "inboxes"). Blank English has no lemmatizer, and
    inflecting the few configured terms once is cheaper than lemmatizing every token of every post."""
    head, _, last = term.rpartition(" ")
    prefix = head + " " if head else ""
    if not last.isalpha() or len(last) < 3 or (last.endswith("s") and not last.endswith("ss")):
        return set()
    if last.endswith(("s", "x", "z", "ch", "sh")):
        plural = last + "es"
    elif last.endswith("y") and last[-2] not in _VOWELS:
        plural = last[:-1] + "ies"
    else:
        plural = last + "s"
    return {prefix + plural}


@Language.factory("listenwell_topics", default_config={"topics": {}})
def make_topics(nlp: Language, name: str, topics: dict[str, dict[str, list[str]]]) -> "TopicMatcher":
    return TopicMatcher(nlp, topics)


class TopicMatcher:
    """Configured topics matched case-insensitively; hashtags match with or without '#'."""

    def __init__(self, nlp: Language, topics: dict[str, dict[str, list[str]]]):
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for topic, spec in topics.items():
            phrases: set[str] = set()
            for key in ("keywords", "phrases", "aliases"):
                for term in spec.get(key, []) or []:
                    phrases.add(term.lower())
                    if key != "aliases":  # aliases are names: "Looker" has no plural
                        phrases.update(inflections(term.lower()))
            for tag in spec.get("hashtags", []) or []:
                tag = tag.lstrip("#").lower()
                phrases.add(tag)
                phrases.add("#" + tag)
            if phrases:
                self.matcher.add(topic, list(nlp.tokenizer.pipe(sorted(phrases))))

    def __call__(self, doc: Doc) -> Doc:
        matches = self.matcher(doc)
        if matches:
            strings = doc.vocab.strings
            doc.user_data[TOPICS] = sorted({strings[match_id] for match_id, _s, _e in matches})
        return doc


_ANALYSIS = ("listenwell", "analysis", None, None)  # transient: the sentiment features, until intents read them


def _complaint_p(analysis):
    """P(complaint) from the sentiment model's analysis of the post, computed only if the intents ask."""
    model = _shared_complaint_model()
    if analysis is None or model is None:
        return None
    return lambda: model.proba_analysed(*analysis)


@lru_cache(maxsize=1)
def _shared_complaint_model():
    """The bundled complaint model, if it reads the bundled sentiment model's features (it does)."""
    from nlp.complaints import default_complaint_model
    from nlp.sentiment import default_model

    model = default_complaint_model()
    return model if model.shares_analysis_with(default_model().settings) else None


@Language.component("listenwell_intents")
def intents_component(doc: Doc) -> Doc:
    data = doc.user_data
    analysis = data.pop(_ANALYSIS, None)
    if data.get(LANG) == ENGLISH:
        found = read_intents(text_of(doc), data.get(SENTIMENT_LABEL), data.get(ADDRESSED, False),
                             complaint_p=_complaint_p(analysis))
        if found:
            data[INTENTS] = [i.name for i in found]
            data[EVIDENCE] = evidence_of(found)
    return doc


@Language.component("listenwell_moments")
def moments_component(doc: Doc) -> Doc:
    if _is_english(doc):
        found = detect_moments(text_of(doc))
        if found:
            doc.user_data[MOMENTS] = [m.to_dict() for m in found]
    return doc


def build_pipeline(topics: dict[str, Any] | None = None, sentiment_model: str | None = None) -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("listenwell_language")
    preload_language_identifier()  # models load when the pipeline is built, not inside the first batch
    intent_reader(), moment_reader()
    nlp.add_pipe("listenwell_sentiment", config={"model_path": sentiment_model})
    nlp.add_pipe("listenwell_topics", config={"topics": _plain_topics(topics or {})})
    nlp.add_pipe("listenwell_intents")
    nlp.add_pipe("listenwell_moments")
    return nlp


def _plain_topics(topics: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    plain = {}
    for name, spec in topics.items():
        plain[name] = spec.model_dump() if hasattr(spec, "model_dump") else dict(spec)
    return plain


def make_doc(nlp: Language, text: str, declared_lang: str | None = None, addressed_to_us: bool = False) -> Doc:
    doc = nlp.make_doc(text)
    data = doc.user_data
    data[TEXT] = text
    data[DECLARED_LANG] = declared_lang
    data[ADDRESSED] = addressed_to_us
    return doc
