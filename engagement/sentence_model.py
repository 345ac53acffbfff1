"""Sentence embeddings without PyTorch: all-MiniLM-L6-v2 as an int8 ONNX graph (engagement/data/sentence_model/).

A sentence transformer places "is there a ceiling on rows in one CSV?" near "How big can an export be?", which
words and static word vectors miss. The model is run by onnxruntime and tokenised by `tokenizers` (no torch); both
are optional at import: if either package or the model files are missing, `load()` and `embed()` return None and
callers keep their lexical retrieval. The files are built by bench/build_sentence_model.py, never downloaded.

Vectors match sentence-transformers' `encode(..., normalize_embeddings=True)` for this model (mean of the token
states over the attention mask, L2-normalised, at most 256 tokens), to a cosine above 0.99 (int8 weights).
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).parent / "data" / "sentence_model"
MAX_TOKENS = 256  # the model's max_seq_length in sentence-transformers; longer texts are cut, as there
# One text per run by default: the int8 graph quantises its activations with one scale per tensor, so texts run
# together (and their padding) shift each other's vectors (cosine 0.97-0.995 to the same text run alone). One at a
# time, a text's vector never depends on its neighbours; batching saves about a third of the time (5.5 -> 3.5 ms).
BATCH = 1


class SentenceModel:
    """An ONNX session and its tokenizer; `embed` turns texts into unit vectors (one row per text), `batch_size`
    texts per run (see BATCH)."""

    def __init__(self, session, tokenizer):
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = {i.name for i in session.get_inputs()}
        self.dimensions = int(session.get_outputs()[0].shape[-1])

    def embed(self, texts: list[str], batch_size: int = BATCH) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([t or "" for t in texts])
        # similar lengths share a batch, so little time goes on padding
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[rows] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


@lru_cache(maxsize=4)
def load(folder: Path = MODEL_DIR) -> SentenceModel | None:
    """The model in `folder`, loaded once; None when its files, onnxruntime or tokenizers are missing."""
    model_path, tokenizer_path = Path(folder) / "model.onnx", Path(folder) / "tokenizer.json"
    if not (model_path.is_file() and tokenizer_path.is_file()):
        log.debug("no sentence model in %s", folder)
        return None
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as exc:
        log.debug("sentence model unavailable: %s", exc)
        return None
    try:
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        tokenizer.no_padding()  # padding is done per batch above
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        # one thread: the reply engine runs beside the collectors on small machines; batching is the speed-up
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # a damaged or incompatible file must not stop the reply engine
        log.warning("sentence model in %s could not be loaded: %s", folder, exc)
        return None
    return SentenceModel(session, tokenizer)


def available(folder: Path = MODEL_DIR) -> bool:
    return load(folder) is not None


def embed(texts: list[str], folder: Path = MODEL_DIR) -> np.ndarray | None:
    """Unit vectors for `texts` (len(texts) x 384, float32), or None when the model is unavailable."""
    model = load(folder)
    return None if model is None else model.embed(texts)
