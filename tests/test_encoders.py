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
from askdocs.embedding import (
    HashEmbedder,
    SentenceTransformerEmbedder,
    build_embedder,
    cached_embedder,
    query_embedder,
)
from askdocs.encoders.onnx import OnnxEmbedder, cache_root, token_batches
from askdocs.engine import AskDocs
from askdocs.errors import IndexMismatchError, InputError
from askdocs.manifest import ManifestError, ModelInfo

TEXTS = [CHILDREN, "", "x", "Kryvyi Rih is about 40 miles (70km) from the front line. " * 40,
         "Six of the dead were children, said President Volodymyr Zelensky."]


@pytest.mark.model
def test_the_onnx_encoders_give_the_torch_models_vectors_or_close_ones(real_embedder):
    fp32 = cached_embedder(precision="fp32")
    assert isinstance(fp32, OnnxEmbedder) and fp32.precision == "fp32"
    torch_vectors = SentenceTransformerEmbedder("all-MiniLM-L6-v2", "cpu").embed(TEXTS)
    fp32_vectors = fp32.embed(TEXTS)
    assert fp32_vectors.shape == torch_vectors.shape == (len(TEXTS), 384)
    assert np.min(np.sum(fp32_vectors * torch_vectors, axis=1)) > 0.9999
    # one text at a time (no padding) gives the batch's vectors
    assert np.allclose(fp32.embed(TEXTS[-1:]), fp32_vectors[-1:], atol=1e-5)
    int8 = real_embedder  # what askdocs builds and asks with on a CPU
    assert isinstance(int8, OnnxEmbedder) and int8.precision == "int8"
    int8_cosines = np.sum(int8.embed(TEXTS) * torch_vectors, axis=1)
    assert 0.95 < np.min(int8_cosines) < 0.9999  # close, not the same: another precision


def test_bulk_batches_hold_every_text_once_within_the_token_budget():
    lengths = np.array([5, 300, 40, 2, 64, 64, 64, 64, 9, 128, 7])
    batches = token_batches(lengths, 256)
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))
    for rows in batches:
        assert len(rows) == 1 or len(rows) * lengths[rows].max() <= 256
    assert [len(r) for r in batches if 300 in lengths[r]] == [1]  # too long: alone
    assert len(batches) < len(lengths)  # short texts share a batch


@pytest.mark.model
def test_bulk_encoding_on_every_core_gives_each_texts_own_vector(real_embedder):
    texts = [" ".join(TEXTS[i % len(TEXTS)].split()[:1 + i % 37]) for i in range(120)]
    for encoder in (cached_embedder(precision="fp32"), real_embedder):
        bulk = encoder.embed(texts)  # many batches, run side by side
        assert encoder.workers == 1 or encoder.bulk_session is not None
        alone = np.vstack([encoder.embed([t]) for t in texts[::7]])
        if encoder.precision == "fp32":
            assert np.allclose(alone, bulk[::7], atol=1e-5)
        else:  # int8 scales activations by what else is in the batch: close, not equal
            assert np.min(np.sum(alone * bulk[::7], axis=1)) > 0.95


@pytest.mark.model
def test_a_new_index_is_built_in_int8_on_a_cpu_and_kept_so(seed_docs, tmp_path):
    index = tmp_path / "index"
    build_index(seed_docs, index, device="cpu")
    model = json.loads((index / "manifest.json").read_text())["model"]
    assert (model["precision"], model["encoder"]) == ("int8", "onnxruntime")
    engine = AskDocs.load(index)
    assert engine.embedder.precision == "int8"
    assert "Six of the dead were children" in engine.ask(CHILDREN).quotes[0].text
    (seed_docs / "more.txt").write_text("A second note. It says little.", "utf-8")
    report = build_index(seed_docs, index, device="cpu")
    assert (report.added, report.notes) == (1, ())  # the others' vectors are kept
    rebuilt = build_index(seed_docs, index, embedder=cached_embedder(precision="fp32"))
    assert any("(int8), not all-MiniLM-L6-v2 (fp32); rebuilt in full" in n
               for n in rebuilt.notes)


@pytest.mark.model
def test_fp32_vectors_are_searched_with_int8_questions(seed_docs, tmp_path):
    """An index of the torch model's vectors (or the fp32 export's: the same) is searched by
    the int8 query encoder; adding to it embeds in fp32 again, nothing re-embedded."""
    index = tmp_path / "index"
    build_index(seed_docs, index, embedder=SentenceTransformerEmbedder("all-MiniLM-L6-v2",
                                                                       "cpu"))
    engine = AskDocs.load(index)
    assert isinstance(engine.embedder, OnnxEmbedder) and engine.embedder.precision == "int8"
    assert "Six of the dead were children" in engine.ask(CHILDREN).quotes[0].text
    report = build_index(seed_docs, index)
    assert (report.added, report.updated, report.notes) == (0, 0, ())
    model = json.loads((index / "manifest.json").read_text())["model"]
    assert (model["precision"], model["encoder"]) == ("fp32", "sentence-transformers")


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
    for file in cached.glob("model-*"):
        (target / file.name).write_bytes(file.read_bytes())
    model = target / "model-int8.onnx"
    with open(model, "r+b") as handle:  # overwrite bytes inside the weights
        handle.seek(os.path.getsize(model) // 2)
        handle.write(b"\x00" * 64)
    encoder = OnnxEmbedder("all-MiniLM-L6-v2", "int8", cache=tmp_path)
    assert model.read_bytes() == (cached / "model-int8.onnx").read_bytes()
    assert np.allclose(encoder.embed(TEXTS), cached_embedder(precision="int8").embed(TEXTS),
                       atol=1e-5)


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
        AskDocs.load(index, embedder=HashEmbedder())  # int8 vectors: only int8 questions
    assert AskDocs.load(index, embedder=Int8()).ask(CHILDREN).question == CHILDREN
    fp32_index = tmp_path / "fp32"
    build_index(seed_docs, fp32_index, embedder=HashEmbedder())
    assert AskDocs.load(fp32_index, embedder=Int8()).ask(CHILDREN).question == CHILDREN


def test_model_records_before_encoders_were_recorded_mean_fp32():
    old = {"name": "all-MiniLM-L6-v2", "identity": "04b371c5c3cd380f", "dimension": 384}
    info = ModelInfo.from_record(old)
    assert (info.precision, info.encoder) == ("fp32", "")
    assert info.vectors() == ModelInfo("all-MiniLM-L6-v2", "04b371c5c3cd380f", 384, "fp32",
                                       "onnxruntime").vectors()
    with pytest.raises(ManifestError, match="model precision is not one of fp32, int8"):
        ModelInfo.from_record({**old, "precision": "fp8"})


@pytest.mark.model
def test_without_a_writable_cache_fp32_falls_back_to_sentence_transformers(tmp_path,
                                                                            monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("ASKDOCS_CACHE", str(blocked / "cache"))
    monkeypatch.setattr("askdocs.embedding._loaded", {})
    with pytest.warns(UserWarning, match="the ONNX encoder is not available"):
        embedder = cached_embedder("all-MiniLM-L6-v2", precision="fp32")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    with pytest.raises(InputError, match="the int8 encoder is not available"):
        cached_embedder("all-MiniLM-L6-v2", "cpu", "int8")
    with pytest.warns(UserWarning, match="building in fp32"):  # a new index: int8 wanted
        assert isinstance(build_embedder("all-MiniLM-L6-v2", "cpu", None),
                          SentenceTransformerEmbedder)
    recorded = ModelInfo("all-MiniLM-L6-v2", embedder.identity, 384, "fp32")
    assert query_embedder("all-MiniLM-L6-v2", recorded) is embedder  # questions still work
    assert Path(blocked).read_text() == "not a folder"
