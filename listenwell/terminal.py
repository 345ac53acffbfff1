"""Text from posts, feeds and APIs made safe for a terminal: the one helper every console path uses.

A post may carry escape sequences that set the terminal's title, clear the screen, move the cursor,
write to the clipboard (OSC 52) or hide text; or bidi controls that reorder the line. ``terminal_safe``
removes them all (ESC sequences whole, C0 and C1 controls, bidi controls), keeping line breaks and tabs
unless ``one_line``. JSON output escapes the same characters instead (``json_safe``)."""
from __future__ import annotations

import re

# ESC [ … final (CSI), ESC ] … BEL/ST (OSC), ESC P/X/^/_ … ST (DCS, SOS, PM, APC), ESC + one character
_ESCAPES = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[ -~]?)"
    r"|\x9b[0-?]*[ -/]*[@-~]?|\x9d[^\x07\x9c]*[\x07\x9c]?"  # the 8-bit CSI and OSC
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_BREAKS = re.compile(r"[\t\n]+")
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\u2028\u2029]")


def terminal_safe(text: object, *, one_line: bool = False) -> str:
    cleaned = _CONTROLS.sub("", _ESCAPES.sub("", "" if text is None else str(text)))
    return _BREAKS.sub(" ", cleaned) if one_line else cleaned


def json_safe(encoded: str) -> str:
    """JSON text (json.dumps already escapes C0) with C1 and bidi controls escaped as \\uXXXX too."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)
