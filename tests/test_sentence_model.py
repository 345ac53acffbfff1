"""The shipped sentence model (engagement/data/sentence_model/) without PyTorch: unit vectors that put a paraphrase
near its knowledge entry, and None, not an error, when the model cannot be loaded."""
from pathlib import Path

import numpy as np
import pytest

from engagement import sentence_model

needs_model = pytest.mark.skipif(not sentence_model.available(),
                                 reason="sentence model files or onnxruntime/tokenizers missing")


@needs_model
def test_paraphrase_is_nearer_its_entry_than_an_unrelated_one():
    # the export entry's own phrasing (an Also: line), not its heading: MiniLM itself (PyTorch) puts this post
    # nearer "Is there a dark mode?" (0.19) than "How big can an export be?" (0.09)
    post, export_entry, dark_mode, replica = sentence_model.embed(
        ["is there a ceiling on rows in one CSV?", "max rows for a CSV export", "Is there a dark mode?",
         "Can I connect to a read replica?"])
    assert post @ export_entry > max(post @ dark_mode, post @ replica) + 0.2


@needs_model
def test_vectors_are_unit_length_and_independent_of_the_batch():
    texts = ["How big can an export be?", "", "word " * 600, "Can I connect to a read replica?"]
    together = sentence_model.embed(texts)
    assert together.shape == (4, 384) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)
    alone = np.vstack([sentence_model.embed([t]) for t in reversed(texts)])[::-1]
    assert np.allclose(together, alone, atol=1e-5)  # a text's vector does not depend on its neighbours
    assert sentence_model.embed([]).shape == (0, 384)


def test_missing_files_give_none(tmp_path: Path):
    assert sentence_model.load(tmp_path) is None
    assert sentence_model.embed(["anything"], folder=tmp_path) is None


def test_a_damaged_model_gives_none(tmp_path: Path):
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    (tmp_path / "tokenizer.json").write_text("{}")
    assert sentence_model.load(tmp_path) is None
