"""Score the intent and moment rules of an earlier commit on today's evaluation sets ("before" figures).

    .venv/bin/python bench/nlp_before.py 46912d0 tests/data/eval/intents_blind.tsv tests/data/eval/moments_blind.tsv

Reads ``nlp/intents.py`` and ``nlp/moments.py`` as they were at COMMIT (``git show``), runs them on every post of
each file as one set (no split), with today's sentiment model scoring the intents as that code expected (the
score in [-1, 1]), and prints micro-averaged and per-type precision and recall. Nothing is written.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.intents import INTENTS  # noqa: E402
from nlp.moments import MOMENT_TYPES  # noqa: E402
from nlp.moments_eval import _split_metrics, load_eval_set  # noqa: E402
from nlp.sentiment import default_model  # noqa: E402


def module_at(commit: str, path: str, name: str, folder: Path):
    source = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    target = folder / f"{name}.py"
    target.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, target)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    commit, files = sys.argv[1], sys.argv[2:]
    sentiment = default_model()
    with tempfile.TemporaryDirectory() as tmp:
        intents = module_at(commit, "nlp/intents.py", "intents_before", Path(tmp))
        moments = module_at(commit, "nlp/moments.py", "moments_before", Path(tmp))
        for f in files:
            rows = []
            for post in load_eval_set(f):
                found = {m.type for m in moments.detect_moments(post.text)}
                found.update(intents.detect_intents(post.text, sentiment.score(post.text)[0], post.addressed_to_us))
                rows.append((post, frozenset(found)))
            result = _split_metrics(rows)
            for group, types in (("intents", INTENTS), ("moments", MOMENT_TYPES)):
                if not result[group]["support"]:
                    continue
                m = result[group]
                print(f"{f} {group} (micro): P {m['precision']} R {m['recall']} F1 {m['f1']} n {m['support']}")
                for t in types:
                    s = result["per_type"][t]
                    print(f"    {t:<16} P {s['precision']} R {s['recall']} n {s['support']}")


if __name__ == "__main__":
    main()
