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
each. Each file's SHA-256 is written beside it at export and checked when it is loaded; a file
that is missing or does not match is exported again; with no writable cache, fp32 falls back to
sentence-transformers.

Two precisions (bench/encoders.py measures both): fp32, the export as it is, gives the torch
model's vectors (cosine 1.00000 over the SQuAD questions), so an index built by either encoder
is searched and extended by the other unchanged. int8, the export's weights quantised by
onnxruntime.quantization (dynamic: activations are quantised as they come) with a scale per
output channel, is a quarter of the size and runs about twice as fast; its vectors are close
(cosine 0.994 on average over SQuAD texts; one scale per matrix gave 0.959 and cost an index
0.6 points of P@1, per channel 0.1). askdocs builds new indexes in int8 on a CPU and encodes
questions in int8 (embedding.BUILD_PRECISION, QUERY_PRECISIONS).

Bulk encoding (an index build) runs batches of at most TOKEN_BUDGET tokens (batch size times the
batch's longest text), sorted by length, on one single-threaded session per core side by side
(ONNX Runtime runs one session from several threads at once). On two cores this encodes 1.5
to 1.8 times faster than 64-text batches on one two-threaded session (the SQuAD build in fp32:
92.9 s against 163.0 s, bench/speed.py --only builds): small batches keep a layer's activations
in the cache, and two independent runs use the cores better than one run split between them.
A single question still runs on the session that uses every core, for the shortest wait.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from askdocs.documents import sha256_file
from askdocs.embedding import (
    Embedder,
    load_sentence_transformer,
    model_identity,
    normalise,
    resolve_model_path,
)
from askdocs.errors import InputError
from askdocs.manifest import PRECISIONS

EXPORT_VERSION = 3  # bump when the export changes what the file holds (3: int8 per channel)
TOKEN_BUDGET = 256  # tokens per ONNX Runtime call in bulk (texts x longest, padding included)


def cache_root() -> Path:
    """Where exported models are kept: $ASKDOCS_CACHE, else the user's cache folder."""
    if os.environ.get("ASKDOCS_CACHE"):
        return Path(os.environ["ASKDOCS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "askdocs"


def cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, where known)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


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


def export(path: Path, identity: str, target: Path, precision: str) -> None:
    """Export a model folder's transformer to target/model-<precision>.onnx, with its hash in
    target/model-<precision>.json: fp32 by torch.onnx (needs torch), int8 by quantising the
    fp32 file's weights (onnxruntime.quantization, dynamic: activations are quantised as they
    come). Written aside and renamed, so a half-written export is never read."""
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target) as aside:
        file = Path(aside) / f"model-{precision}.onnx"
        if precision == "int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            source = exported(path, identity, target.parent.parent, "fp32")
            # it configures the root logger to print advice meant for image models: undone
            root = logging.getLogger()
            level, handlers = root.level, list(root.handlers)
            root.setLevel(logging.ERROR)
            try:
                quantize_dynamic(str(source), str(file), weight_type=QuantType.QInt8,
                                 per_channel=True)
            finally:
                root.setLevel(level)
                for handler in [h for h in root.handlers if h not in handlers]:
                    root.removeHandler(handler)
        else:
            export_fp32(path, file)
        about = {"sha256": sha256_file(file), "identity": identity,
                 "export": EXPORT_VERSION, "precision": precision}
        os.replace(file, target / file.name)
        (Path(aside) / "about.json").write_text(json.dumps(about))
        os.replace(Path(aside) / "about.json", target / f"model-{precision}.json")


def export_fp32(path: Path, file: Path) -> None:
    import torch

    transformer = load_sentence_transformer(path)[0].auto_model.eval()

    class Hidden(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                    token_type_ids=token_type_ids).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    ids = torch.ones((2, 8), dtype=torch.long)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on tracing, not the user's
        torch.onnx.export(Hidden(), (ids, ids, torch.zeros_like(ids)), str(file),
                          dynamo=False, input_names=names, output_names=["hidden"],
                          dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["hidden"]},
                          opset_version=17)


def exported(path: Path, identity: str, cache: Path | None = None,
             precision: str = "fp32") -> Path:
    """The checked ONNX file of a model folder in a precision, exported first if the cache has
    none or one that does not match its recorded hash."""
    if precision not in PRECISIONS:
        raise InputError(f"precision {precision[:20]!r} is not one of {', '.join(PRECISIONS)}")
    target = (cache or cache_root()) / "onnx" / f"{identity}-v{EXPORT_VERSION}"
    file, about_file = target / f"model-{precision}.onnx", target / f"model-{precision}.json"
    for attempt in range(2):
        try:
            about = json.loads(about_file.read_text())
            if (about.get("identity") == identity and about.get("export") == EXPORT_VERSION
                    and about.get("precision") == precision
                    and about.get("sha256") == sha256_file(file)):
                return file
        except (OSError, ValueError, AttributeError):
            pass
        if attempt == 0:
            export(path, identity, target, precision)
    raise InputError(f"the ONNX export of the model in {target}/ does not match its checksum")


class OnnxEmbedder(Embedder):
    """A mean-pooled sentence-transformers model, exported to ONNX and run by ONNX Runtime."""

    batch_size = 4096
    encoder = "onnxruntime"

    def __init__(self, model: str, precision: str = "fp32", threads: int | None = None,
                 cache: Path | None = None):
        path = resolve_model_path(model)
        if not supported(path):
            raise InputError(f"model {model!r} is not a mean-pooled sentence-transformers model")
        from tokenizers import Tokenizer

        self.name, self.identity, self.precision = model, model_identity(path), precision
        config = json.loads((path / "sentence_bert_config.json").read_text())
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        self.dimension = int(pooling["word_embedding_dimension"])
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(config.get("max_seq_length", 256)))
        self.tokenizer.no_padding()  # batches are padded here, to their own longest text
        self.workers = threads or cores()
        self.file = exported(path, self.identity, cache, precision)
        self.session = self.new_session(self.workers)
        self.bulk_session = None  # one thread, run by `workers` threads at once; made on demand
        self.bulk_lock = threading.Lock()

    def new_session(self, threads: int):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3  # errors only
        return onnxruntime.InferenceSession(str(self.file), options,
                                            providers=["CPUExecutionProvider"])

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encoded])
        batches = token_batches(lengths, TOKEN_BUDGET)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)

        def run(session, rows: np.ndarray) -> None:
            ids = np.zeros((len(rows), int(lengths[rows].max())), dtype=np.int64)
            for j, row in enumerate(rows):
                ids[j, :lengths[row]] = encoded[row].ids
            mask = (np.arange(ids.shape[1]) < lengths[rows][:, None]).astype(np.int64)
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
            summed = np.einsum("btd,bt->bd", hidden, mask.astype(np.float32))
            out[rows] = summed / np.maximum(lengths[rows][:, None], 1)

        if len(batches) == 1 or self.workers == 1:
            for rows in batches:
                run(self.session, rows)
        else:
            with self.bulk_lock:
                if self.bulk_session is None:
                    self.bulk_session = self.new_session(1)
            with ThreadPoolExecutor(self.workers) as pool:
                list(pool.map(lambda rows: run(self.bulk_session, rows), batches))
        return normalise(out)


def token_batches(lengths: np.ndarray, budget: int) -> list[np.ndarray]:
    """Row numbers in batches of similar length, each at most `budget` padded tokens (a text
    longer than the budget is a batch of its own)."""
    order = np.argsort(lengths, kind="stable")
    batches, begin = [], 0
    while begin < len(order):
        end = begin + 1  # sorted ascending: the batch's longest is its last
        while end < len(order) and (end + 1 - begin) * lengths[order[end]] <= budget:
            end += 1
        batches.append(order[begin:end])
        begin = end
    return batches
