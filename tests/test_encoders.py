"""The ONNX encoder: the torch model's vectors without torch, a checked export, and a manifest
that says which encoder made an index's vectors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import CHILDREN, ROOT

from askdocs import build_index
from askdocs.embedding import HashEmbedder, SentenceTransformerEmbedder, cached_embedder
from askdocs.encoders.onnx import OnnxEmbedder, cache_root
from askdocs.engine import AskDocs
from askdocs.errors import IndexMismatchError
from askdocs.manifest import ManifestError, ModelInfo

TEXTS = [CHILDREN, "", "x", "Kryvyi Rih is about 40 miles (70km) from the front line. " * 40,
         "Six of the dead were children, said President Volodymyr Zelensky."]


@pytest.mark.model
def test_the_onnx_encoder_gives_the_torch_models_vectors(real_embedder):
    assert isinstance(real_embedder, OnnxEmbedder)  # what askdocs uses on a CPU
    torch_vectors = SentenceTransformerEmbedder("all-MiniLM-L6-v2", "cpu").embed(TEXTS)
    onnx_vectors = real_embedder.embed(TEXTS)
    assert onnx_vectors.shape == torch_vectors.shape == (len(TEXTS), 384)
    assert np.min(np.sum(onnx_vectors * torch_vectors, axis=1)) > 0.9999
    # one text at a time (no padding) gives the batch's vectors
    assert np.allclose(real_embedder.embed(TEXTS[-1:]), onnx_vectors[-1:], atol=1e-5)


@pytest.mark.model
def test_asking_from_the_command_line_imports_no_torch(seed_index):
    code = ("import sys\nfrom askdocs.cli import main\n"
            f"assert main(['ask', {CHILDREN!r}, '--index', {str(seed_index)!r}]) == 0\n"
            "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', "
            "'gradio') if m in sys.modules), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Six of the dead were children" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "[]"


@pytest.mark.model
def test_a_tampered_export_is_not_run_but_exported_again(real_embedder, tmp_path):
    cached = next((cache_root() / "onnx").glob(f"{real_embedder.identity}-v*"))
    target = tmp_path / "onnx" / cached.name
    target.mkdir(parents=True)
    for name in ("model.onnx", "model.json"):
        (target / name).write_bytes((cached / name).read_bytes())
    with open(target / "model.onnx", "r+b") as handle:  # flip bytes inside the weights
        handle.seek(os.path.getsize(target / "model.onnx") // 2)
        handle.write(b"\x00" * 64)
    encoder = OnnxEmbedder("all-MiniLM-L6-v2", cache=tmp_path)
    assert (target / "model.onnx").read_bytes() == (cached / "model.onnx").read_bytes()
    assert np.allclose(encoder.embed(TEXTS), real_embedder.embed(TEXTS), atol=1e-5)


class Int8(HashEmbedder):
    """The hashing embedder claiming to be a quantised model: other vectors."""

    precision = "int8"


def test_an_index_records_its_encoder_and_refuses_another_precision(seed_docs, tmp_path):
    index = tmp_path / "index"
    build_index(seed_docs, index, embedder=Int8())
    model = json.loads((index / "manifest.json").read_text())["model"]
    assert (model["precision"], model["encoder"]) == ("int8", "hash")
    with pytest.raises(IndexMismatchError, match=r"\(hash-trigram-v1-384, int8\), not "
                                                 r"'hash-384' \(hash-trigram-v1-384, fp32\)"):
        AskDocs.load(index, embedder=HashEmbedder())
    assert AskDocs.load(index, embedder=Int8()).ask(CHILDREN).question == CHILDREN


def test_model_records_before_encoders_were_recorded_mean_fp32():
    old = {"name": "all-MiniLM-L6-v2", "identity": "04b371c5c3cd380f", "dimension": 384}
    info = ModelInfo.from_record(old)
    assert (info.precision, info.encoder) == ("fp32", "")
    assert info.vectors() == ModelInfo("all-MiniLM-L6-v2", "04b371c5c3cd380f", 384, "fp32",
                                       "onnxruntime").vectors()
    with pytest.raises(ManifestError, match="model precision is not one of fp32, int8"):
        ModelInfo.from_record({**old, "precision": "fp8"})


@pytest.mark.model
def test_without_a_writable_cache_askdocs_falls_back_to_sentence_transformers(tmp_path,
                                                                            monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("ASKDOCS_CACHE", str(blocked / "cache"))
    monkeypatch.setattr("askdocs.embedding._loaded", {})
    with pytest.warns(UserWarning, match="the ONNX encoder is not available"):
        embedder = cached_embedder("all-MiniLM-L6-v2", "cpu")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert Path(blocked).read_text() == "not a folder"
