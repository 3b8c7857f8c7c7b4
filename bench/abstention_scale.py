"""Does the abstention hold in a large collection? SQuAD articles among many unrelated pages.

    python bench/abstention_scale.py [--distractors DIR [DIR ...]] [--shares 0.5 1]
                                     [--cache NAME] [--json OUT]

The first abstention step's threshold grows with ln(number of sentences) and was fitted on
collections of 40 to 8,517 sentences (bench/calibrate_abstention.py). This checks it far past
that, with the real model: the 40 SQuAD articles of bench/squad_reqa.py's abstention row, plus
distractor documents that answer none of the questions: by default the Python documentation as
Debian installs it (common.PYTHON_DOCS, read by askdocs' own HTML reader). For each share of the
distractor pages (in a stable order), one index is built (cached under
bench/.cache/abstention-scale-SHARE) and asked, through the public API, the same questions as
the README's row: 4,285 questions of the odd-numbered indexed articles (should be answered) and
888 of the 8 articles not indexed (should not be).

Reported per size: sentences, false-abstain, false-answer, the share of answers whose first quote
holds the answer, ask p50; and, where a segment is large enough for the approximate index, the
dense top-100 recall against an exhaustive scan of the same vectors.

Python documentation is unlike Wikipedia prose: it tests that answerable questions keep clearing
a threshold that has grown with the collection (false-abstain), more than it tests questions on
other topics finding a close sentence by chance among similar text (false-answer).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from common import CACHE, PYTHON_DOCS, ROOT, SQUAD, copy_pages, recall_at, tuning_half

from askdocs.embedding import cached_embedder
from askdocs.engine import AskDocs
from askdocs.evaluation import hit, load_squad, write_folder
from askdocs.indexer import build_index


def make_folder(squad: str, distractors: list[Path], share: float,
                name: str) -> tuple[Path, list]:
    """The documents folder for one share of the distractors, and the SQuAD questions."""
    documents, questions = load_squad(squad)
    names = list(documents)
    folder = CACHE / f"{name}-{share:g}" / "docs"
    write_folder({names[i]: documents[names[i]] for i in range(40)}, folder / "squad")
    copy_pages(distractors, folder / "distractors", share)
    return folder, [replace(q, source=f"squad/{q.source}") for q in questions]


def ivf_recall(engine, vectors: np.ndarray, k: int = 100) -> dict | None:
    """Dense top-k recall of each approximate sentence segment against an exhaustive scan."""
    out = {}
    for number, part in enumerate(engine.searcher.parts):
        store = part.segment.sentence_store
        index = getattr(store, "approximate", None)  # a Milvus index has none
        if index is None:
            continue
        out[f"segment {number}"] = {"vectors": len(store), "lists": index.nlist,
                                    "probed": index.nprobe,
                                    f"recall@{k}": round(recall_at(store, vectors, k), 3)}
    return out or None


def measure(folder: Path, questions: list, share: float) -> dict:
    index = folder.parent / "index"
    began = time.perf_counter()
    report = build_index(folder, index, embedder=cached_embedder())
    built = time.perf_counter() - began
    if report.written:
        print(f"# built {index}: {report.summary()}", file=sys.stderr)
    engine = AskDocs.load(index)
    chosen = [q for q in questions if not tuning_half(q)]
    answerable = [q for q in chosen if q.article < 40]
    others = [q for q in chosen if q.article >= 40]
    times, abstained, first = [], 0, 0
    for q in answerable:
        t = time.perf_counter()
        answer = engine.ask(q.text)
        times.append(time.perf_counter() - t)
        abstained += not answer.answered
        first += answer.answered and hit(answer.quotes[0], q)
    answered_others = sum(engine.ask(q.text).answered for q in others)
    answered = len(answerable) - abstained
    row = {"distractor share": share, "documents": len(engine.manifest.documents),
           "sentences": len(engine.searcher), "threshold": round(engine.threshold, 3),
           "build s (if built now)": round(built, 1),
           "false_abstain": round(100 * abstained / len(answerable), 1),
           "false_answer": round(100 * answered_others / len(others), 1),
           "first quote holds the answer, of answers": round(100 * first / max(answered, 1), 1),
           "answerable": len(answerable), "unanswerable": len(others),
           "ask p50 ms": round(1000 * statistics.median(times), 1)}
    sample = [q.text for q in answerable[::20]]
    recall = ivf_recall(engine, engine.embedder.embed(sample))
    if recall:
        row["IVF"] = recall
    print(json.dumps(row), flush=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=SQUAD)
    parser.add_argument("--distractors", type=Path, nargs="+", default=[PYTHON_DOCS],
                        help="folders of HTML pages that answer none of the SQuAD questions")
    parser.add_argument("--shares", type=float, nargs="+", default=[0.5, 1.0],
                        help="shares of the distractor pages (all folders' pages in turn), "
                             "one index each")
    parser.add_argument("--cache", default="abstention-scale",
                        help="the indexes' folder names under bench/.cache (NAME-SHARE)")
    parser.add_argument("--json", type=Path,
                        default=ROOT / "bench" / "results" / "abstention_scale.json")
    args = parser.parse_args()
    rows = []
    for share in args.shares:
        folder, questions = make_folder(args.squad, args.distractors, share, args.cache)
        rows.append(measure(folder, questions, share))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"distractors": [str(d) for d in args.distractors],
                                     "rows": rows},
                                    indent=1) + "\n")


if __name__ == "__main__":
    main()
