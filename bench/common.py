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


def copy_distractors(source: Path, folder: Path, share: float = 1.0) -> int:
    """Copy the first share of source's HTML pages (in a stable order) under folder; how many."""
    if not source.is_dir():
        sys.exit(f"no distractor pages at {source} (apt install python3.11-doc)")
    pages = sorted(p for p in source.rglob("*.html") if p.is_file())
    chosen = pages[:round(len(pages) * share)]
    for page in chosen:
        target = folder / page.relative_to(source)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, target)
    return len(chosen)
