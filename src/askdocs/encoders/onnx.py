"""The sentence-transformers model on ONNX Runtime: the same vectors without importing torch.

Importing sentence-transformers (torch and transformers) takes seconds before any work; a
command-line question should not wait for it. ONNX Runtime (PyPI `onnxruntime`, MIT, made by
Microsoft to run exported models on CPUs) loads in a fraction of that, and the Rust `tokenizers`
(already installed with transformers) reads the model's own tokenizer.json. Mean pooling and
normalisation are numpy, as sentence-transformers' Pooling and Normalize modules do them.

Export route: once per model, askdocs exports the installed model's transformer with
`torch.onnx.export` (the TorchScript exporter, `dynamo=False`) into a cache folder keyed by the
model's identity (`~/.cache/askdocs/onnx/<identity>/`, or under $ASKDOCS_CACHE). Why this route:
torch and the weights are already on the machine (askdocs is installed with them), this exporter
needs only the onnx package to write the file (the dynamo exporter needs onnxscript too, Hugging
Face's optimum more), and it takes about two seconds. Why a cache, not the index folder: one
export serves every index built with the model, and an index's generations need not copy 90 MB
each. The file's SHA-256 is
written beside it at export and checked when it is loaded; a cache that is missing, unwritable
or does not match is exported again, or askdocs falls back to sentence-transformers.

fp32, not int8: bench/encoders.py measures both. The fp32 export gives the torch model's vectors
(cosine 1.00000 over the SQuAD questions), so an index built by either encoder is searched by
the other unchanged; the int8 quantised model is faster but moves query vectors (README, "Speed").
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from askdocs.embedding import (
    Embedder,
    load_sentence_transformer,
    model_identity,
    normalise,
    resolve_model_path,
)
from askdocs.errors import InputError

EXPORT_VERSION = 1  # bump when the export changes what the file holds
BATCH = 64  # texts per ONNX Runtime call; sorted by length so a batch pads little


def cache_root() -> Path:
    """Where exported models are kept: $ASKDOCS_CACHE, else the user's cache folder."""
    if os.environ.get("ASKDOCS_CACHE"):
        return Path(os.environ["ASKDOCS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "askdocs"


def supported(path: Path) -> bool:
    """Whether a sentence-transformers folder is what OnnxEmbedder reproduces: a transformer,
    mean pooling, normalisation."""
    try:
        modules = [m["type"].rsplit(".", 1)[-1]
                   for m in json.loads((path / "modules.json").read_text())]
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return False
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    return modules == ["Transformer", "Pooling", "Normalize"] and modes == [
        "pooling_mode_mean_tokens"]


def sha256_of(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export(path: Path, target: Path) -> None:
    """Export a model folder's transformer to target/model.onnx (needs torch), with its hash
    in target/model.json; written aside and renamed, so a half-written export is never read."""
    import torch

    transformer = load_sentence_transformer(path)[0].auto_model.eval()

    class Hidden(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                    token_type_ids=token_type_ids).last_hidden_state

    target.mkdir(parents=True, exist_ok=True)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    ids = torch.ones((2, 8), dtype=torch.long)
    with tempfile.TemporaryDirectory(dir=target) as aside:
        file = Path(aside) / "model.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on tracing, not the user's
            torch.onnx.export(Hidden(), (ids, ids, torch.zeros_like(ids)), str(file),
                              dynamo=False, input_names=names, output_names=["hidden"],
                              dynamic_axes={n: {0: "batch", 1: "tokens"}
                                            for n in names + ["hidden"]}, opset_version=17)
        about = {"sha256": sha256_of(file), "identity": model_identity(path),
                 "export": EXPORT_VERSION, "torch": torch.__version__}
        os.replace(file, target / "model.onnx")
        (Path(aside) / "model.json").write_text(json.dumps(about))
        os.replace(Path(aside) / "model.json", target / "model.json")


def exported(path: Path, identity: str, cache: Path | None = None) -> Path:
    """The checked ONNX file of a model folder, exported first if the cache has none."""
    target = (cache or cache_root()) / "onnx" / f"{identity}-v{EXPORT_VERSION}"
    file, about_file = target / "model.onnx", target / "model.json"
    for attempt in range(2):
        try:
            about = json.loads(about_file.read_text())
            if (about.get("identity") == identity and about.get("export") == EXPORT_VERSION
                    and about.get("sha256") == sha256_of(file)):
                return file
        except (OSError, ValueError, AttributeError):
            pass
        if attempt == 0:
            export(path, target)
    raise InputError(f"the ONNX export of the model in {target}/ does not match its checksum")


class OnnxEmbedder(Embedder):
    """A mean-pooled sentence-transformers model, exported to ONNX and run by ONNX Runtime."""

    batch_size = 4096
    encoder = "onnxruntime"

    def __init__(self, model: str, threads: int | None = None, cache: Path | None = None):
        path = resolve_model_path(model)
        if not supported(path):
            raise InputError(f"model {model!r} is not a mean-pooled sentence-transformers model")
        import onnxruntime
        from tokenizers import Tokenizer

        self.name, self.identity = model, model_identity(path)
        config = json.loads((path / "sentence_bert_config.json").read_text())
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        self.dimension = int(pooling["word_embedding_dimension"])
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(config.get("max_seq_length", 256)))
        self.tokenizer.enable_padding()  # to the batch's longest, not the file's fixed 128
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.log_severity_level = 3  # errors only
        self.session = onnxruntime.InferenceSession(
            str(exported(path, self.identity, cache)), options,
            providers=["CPUExecutionProvider"])

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(texts), BATCH):
            rows = order[begin:begin + BATCH]
            encoded = self.tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            summed = np.einsum("btd,bt->bd", hidden, mask.astype(np.float32))
            out[rows] = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return normalise(out)
