"""Shared fixtures: a fast fake embedder for most tests, one real model for the few that need it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

for _key, _value in {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
                     "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                     "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_key, _value)

# The ONNX export of the model (encoders/onnx.py) goes to a cache made for this run, not the
# user's: the first test that loads the real model exports it, the rest (CLI runs too) reuse it.
_CACHE = None
if "ASKDOCS_CACHE" not in os.environ:
    _CACHE = tempfile.mkdtemp(prefix="askdocs-test-cache-")
    os.environ["ASKDOCS_CACHE"] = _CACHE

from askdocs.embedding import HashEmbedder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
CHILDREN = "how many children died?"


def pytest_sessionfinish(session, exitstatus):
    if _CACHE:
        shutil.rmtree(_CACHE, ignore_errors=True)


class CountingEmbedder(HashEmbedder):
    """The hashing embedder, remembering every text it embedded."""

    def __init__(self):
        super().__init__()
        self.seen: list[str] = []

    def embed_batch(self, texts):
        self.seen.extend(texts)
        return super().embed_batch(texts)


@pytest.fixture
def fake():
    return CountingEmbedder()


@pytest.fixture
def seed_docs(tmp_path) -> Path:
    """A private copy of the seed articles."""
    target = tmp_path / "docs"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def real_embedder():
    """The real all-MiniLM-L6-v2, loaded once for the whole run."""
    from askdocs.embedding import cached_embedder

    return cached_embedder()


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, real_embedder) -> Path:
    """An index of the seed articles built with the real model."""
    from askdocs import build_index

    index = tmp_path_factory.mktemp("seed") / "index"
    build_index(SEEDS, index, embedder=real_embedder)
    return index


@pytest.fixture(scope="session")
def seed_engine(seed_index, real_embedder):
    from askdocs import AskDocs

    return AskDocs.load(seed_index, embedder=real_embedder)
