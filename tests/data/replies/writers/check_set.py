"""Check a reply evaluation set's format (not the engine): python3 check_set.py FILE.jsonl
Every line parses; fields present; kinds valid; ids unique; every `answer` fact alternative stands literally
(case-insensitive) in one knowledge entry of examples/knowledge/ (this checkout's)."""
import json, re, sys, pathlib, collections
KB = pathlib.Path(__file__).resolve().parents[4] / "examples" / "knowledge"
entries = []
for f in sorted(KB.glob("*.md")):
    if f.name == "README.md":
        continue
    parts = re.split(r"(?m)^## ", f.read_text())
    for p in parts[1:]:
        entries.append((f.name, p.splitlines()[0], p.lower()))
KINDS = {"answer", "find_out", "acknowledge", "thanks", "congratulate", "none"}
PLATFORMS = {"x", "reddit", "blog", "mastodon", "bluesky", "hackernews"}
ids, kinds, plats, bad = set(), collections.Counter(), collections.Counter(), 0
for n, line in enumerate(open(sys.argv[1]), 1):
    if not line.strip():
        continue
    try:
        d = json.loads(line)
    except Exception as e:
        print(f"line {n}: not JSON: {e}"); bad += 1; continue
    for k in ("id", "platform", "text", "author_name", "handle", "expect"):
        if k not in d:
            print(f"line {n}: missing {k}"); bad += 1
    if d.get("id") in ids:
        print(f"line {n}: duplicate id {d.get('id')}"); bad += 1
    ids.add(d.get("id"))
    if d.get("platform") not in PLATFORMS:
        print(f"line {n}: platform {d.get('platform')!r} not in {sorted(PLATFORMS)}"); bad += 1
    plats[d.get("platform")] += 1
    e = d.get("expect", {})
    kind = e.get("kind")
    kinds[kind] += 1
    if kind not in KINDS:
        print(f"line {n}: kind {kind!r}"); bad += 1
    if (kind == "none") != (e.get("reply", True) is False):
        print(f"line {n}: kind none <=> reply false"); bad += 1
    if kind == "answer":
        if not e.get("facts"):
            print(f"line {n}: an answer needs facts"); bad += 1
        for fact in e.get("facts", []):
            for alt in fact.split("|"):
                alt = alt.strip().lower()
                if alt and not any(alt in body for _, _, body in entries):
                    print(f"line {n}: fact alternative {alt!r} stands in no knowledge entry"); bad += 1
print(f"{len(ids)} posts; kinds {dict(kinds)}; platforms {dict(plats)}; problems {bad}")
sys.exit(1 if bad else 0)
