#!/usr/bin/env python3
"""Regenerate ``common_words_en.txt``: the English words common enough that a brand named after one
("Apple", "Notion", "Slack") will mostly be matched in posts that mean the word, not the brand.

Dev-time only (needs ``pip install wordfreq``); the list it writes ships with listenwell, so nothing is
downloaded or computed at run time:

    .venv/bin/python nlp/data/make_common_words.py

A word is common when its Zipf frequency in wordfreq's English data is at least 3.3 (about two uses in a
million words: "notion" 4.2, "slack" 3.7, "hex" 3.3; "tableau" 2.9 and "looker" 2.6 are not).
The word frequencies come from wordfreq (https://github.com/rspeer/wordfreq) by Robyn Speer, whose data is
licensed CC BY-SA 4.0; the derived list is under the same licence.
"""
from __future__ import annotations

from pathlib import Path

ZIPF_MIN = 3.3
OUT = Path(__file__).resolve().parent / "common_words_en.txt"


def main() -> None:
    import wordfreq
    from importlib.metadata import version

    words = sorted({w for w in wordfreq.top_n_list("en", 200_000)
                    if w.isalpha() and w.isascii() and wordfreq.zipf_frequency(w, "en") >= ZIPF_MIN})
    header = (f"# English words with a Zipf frequency >= {ZIPF_MIN} in wordfreq {version('wordfreq')}'s data\n"
              "# (c) Robyn Speer, wordfreq, CC BY-SA 4.0. Regenerate: nlp/data/make_common_words.py\n")
    OUT.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words written to {OUT}")


if __name__ == "__main__":
    main()
