"""Shared bench set-up: the SQuAD dev articles as a documents folder and its index, cached."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
for key, value in {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
                   "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(key, value)

from askdocs.embedding import cached_embedder  # noqa: E402
from askdocs.evaluation import DEFAULT_SQUAD, load_squad, write_folder  # noqa: E402
from askdocs.indexer import build_index  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
SQUAD = str((ROOT / DEFAULT_SQUAD).resolve()) if not Path(DEFAULT_SQUAD).exists() else DEFAULT_SQUAD


def squad_index(squad_path: str, articles: range | None = None, name: str = "squad48"):
    """(documents, questions, index folder) for the chosen articles, building the index once."""
    documents, questions = load_squad(squad_path)
    names = list(documents)
    if articles is not None:
        keep = {names[i] for i in articles}
        documents = {k: v for k, v in documents.items() if k in keep}
    folder = write_folder(documents, CACHE / name / "docs")
    index = CACHE / name / "index"
    report = build_index(folder, index, embedder=cached_embedder())  # as askdocs builds today
    if report.written:
        print(f"# built {index}: {report.summary()}", file=sys.stderr)
    return documents, questions, index


def tuning_half(question) -> bool:
    """Articles with an even number tune; odd ones report."""
    return question.article % 2 == 0
