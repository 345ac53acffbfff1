"""What the tagger makes of one post, as a plain record: the output of ``listenwell nlp tag``.

A record is built by the field functions in :data:`FIELDS`, each reading a tagged Doc and returning the keys
it adds. To add fields, write one function ``def my_field(doc) -> dict`` and append it to :data:`FIELDS` (or pass
``fields=`` to :func:`records`): ``listenwell nlp tag`` adds ``to_us``, ``about_us`` and ``competitors`` that way,
from :func:`nlp.brands.brand_fields` with the config's matcher.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

from spacy.tokens import Doc

from nlp.pipeline import (ADDRESSED, EVIDENCE, INTENTS, LANG, MOMENTS, SENTIMENT, SENTIMENT_LABEL, build_pipeline,
                          make_doc)

Field = Callable[[Doc], dict]


def language_field(doc: Doc) -> dict:
    return {"lang": doc.user_data.get(LANG)}


def sentiment_field(doc: Doc) -> dict:
    score = doc.user_data.get(SENTIMENT)
    return {"sentiment": round(score, 3) if score is not None else None, "label": doc.user_data.get(SENTIMENT_LABEL)}


def intents_field(doc: Doc) -> dict:
    return {"intents": list(doc.user_data.get(INTENTS) or []), "evidence": dict(doc.user_data.get(EVIDENCE) or {})}


def moments_field(doc: Doc) -> dict:
    return {"moments": [{"type": m["type"], "confidence": m["confidence"], "evidence": m["evidence"]}
                        for m in doc.user_data.get(MOMENTS) or []]}


FIELDS: list[Field] = [language_field, sentiment_field, intents_field, moments_field]


def clean(text: str) -> str:
    """Text the pipeline can take whatever it was: NUL and other C0 control characters (but tabs and newlines)
    become spaces."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in text)


def records(texts: Iterable[str], addressed_to_us: bool = False, nlp=None,
            fields: Iterable[Field] | None = None) -> Iterator[dict]:
    """One record per text, in order. A text that cannot be read is ``und`` with nothing else found, never an
    exception that stops the batch."""
    nlp = nlp or build_pipeline()
    chosen = list(fields) if fields is not None else FIELDS
    docs = (make_doc(nlp, clean(t), None, addressed_to_us) for t in texts)
    for doc in nlp.pipe(docs, batch_size=256):
        out: dict = {}
        for field in chosen:
            out.update(field(doc))
        if doc.user_data.get(ADDRESSED):
            out.setdefault("addressed_to_us", True)
        yield out
