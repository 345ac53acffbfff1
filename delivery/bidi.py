"""Right-to-left text that cannot reorder what is around it.

A post may hold bidi controls (U+202E RIGHT-TO-LEFT OVERRIDE …) that, shown as they are, flip the
text after them: a name, a reason, a link. Every piece of user text is isolated where it is shown:

* in HTML, ``bdi(text)``: ``<bdi>text</bdi>`` (escaped), its direction found from the text itself;
* in plain text (the text digest, e-mail subjects, <title>), ``isolate(text)``: FIRST STRONG ISOLATE …
  POP DIRECTIONAL ISOLATE around the text, which also ends any override left open inside it.
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape

FSI, PDI = "\u2068", "\u2069"
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def bdi(value) -> Markup:
    if value is None or value == "":
        return Markup("")
    return Markup("<bdi>") + escape(str(value)) + Markup("</bdi>")


def isolate(value) -> str:
    """Each line on its own (a line break ends a bidi paragraph, and so any isolate around it)."""
    if value is None or value == "":
        return ""
    text = str(value)
    if not BIDI_CONTROLS.search(text):
        return text
    return "\n".join(f"{FSI}{line}{PDI}" if BIDI_CONTROLS.search(line) else line for line in text.split("\n"))
