"""A regression floor on sentence retrieval: three SQuAD dev articles with the real model.

The full benchmark is bench/squad_reqa.py; this slice only has to catch a real regression.
"""

from __future__ import annotations

import pytest
from conftest import ROOT

from askdocs import AskDocs, build_index
from askdocs.evaluation import load_squad, retrieval_metrics, write_folder

pytestmark = pytest.mark.model
SLICE = ROOT / "tests" / "data" / "squad_slice.json"
# Measured on this slice: P@1 88.7, R@5 98.2 (three articles are easier than 48). A drop of
# about 9 points means something broke; noise does not move it that far.
P_AT_1_FLOOR = 80.0
R_AT_5_FLOOR = 92.0


def test_sentence_retrieval_on_a_squad_slice(tmp_path, real_embedder):
    documents, questions = load_squad(SLICE)
    folder = write_folder(documents, tmp_path / "docs")
    for name, text in documents.items():
        assert (folder / name).read_bytes().decode("utf-8") == text
    build_index(folder, tmp_path / "index", embedder=real_embedder)
    engine = AskDocs.load(tmp_path / "index", embedder=real_embedder)
    metrics = retrieval_metrics(engine, questions)
    assert metrics["questions"] == 328
    assert metrics["p_at_1"] >= P_AT_1_FLOOR, metrics
    assert metrics["r_at_5"] >= R_AT_5_FLOOR, metrics
