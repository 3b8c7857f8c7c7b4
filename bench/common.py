"""Shared bench set-up: the SQuAD dev articles as a documents folder and its index, cached."""

from __future__ import annotations

import os
import shutil
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
# Distractor pages for checks at scale: the Python documentation as Debian installs it
# (`apt install python3.11-doc`: 530 HTML pages, about 200,000 sentences), which answers none
# of the benchmarks' questions.
PYTHON_DOCS = Path("/usr/share/doc/python3.11/html")
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


def copy_pages(sources: list[Path], folder: Path, share: float = 1.0,
               pattern: str = "*.html") -> int:
    """Copy the first share of the sources' files matching pattern (in a stable order: source
    by source) under folder, each source in a folder of its name when there are several, once
    (a file already there is kept); how many."""
    pages = []
    for source in sources:
        if not source.is_dir():
            sys.exit(f"no pages at {source} (for the Python docs: apt install python3.11-doc)")
        where = folder / source.name if len(sources) > 1 else folder
        pages += [(p, where / p.relative_to(source))
                  for p in sorted(source.rglob(pattern)) if p.is_file()]
    chosen = pages[:round(len(pages) * share)]
    for page, target in chosen:
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, target)
    return len(chosen)


def recall_at(store, vectors, depth: int = 100) -> float:
    """Recall@depth of a vector store's search against an exhaustive scan of its own codes."""
    import numpy as np

    exact = np.full((len(vectors), depth), -np.inf, dtype=np.float32)
    exact_rows = np.zeros((len(vectors), depth), dtype=np.int64)
    for begin in range(0, len(store), 100_000):
        rows = np.arange(begin, min(begin + 100_000, len(store)))
        scores = vectors @ store.vectors(rows).T
        both = np.concatenate([exact, scores], axis=1)
        both_rows = np.concatenate([exact_rows, np.broadcast_to(rows, scores.shape)], axis=1)
        order = np.argsort(-both, axis=1)[:, :depth]
        exact, exact_rows = (np.take_along_axis(both, order, 1),
                             np.take_along_axis(both_rows, order, 1))
    found = 0
    for i, vector in enumerate(vectors):
        _, rows = store.search(vector[None, :], depth)
        found += len(set(rows.tolist()) & set(exact_rows[i].tolist()))
    return found / (depth * len(vectors))
