"""Grid-search the fusion weights on the tuning half of SQuAD; report both halves.

    python bench/tune_fusion.py [SQUAD_JSON]

Collects every signal once per question (dense sentence, dense passage, BM25 sentence, BM25
passage) for the top candidates, then scores weight settings offline.
"""

from __future__ import annotations

import itertools
import sys
import time
from dataclasses import astuple

import numpy as np
from common import SQUAD, squad_index, tuning_half

from askdocs.engine import AskDocs
from askdocs.retrieval import Weights


def collect(engine, questions, per_signal=60):
    """The four fused signals of each question's candidate sentences, from Searcher.table
    (every sentence scored: the engine is loaded with depth=None)."""
    s = engine.searcher
    vectors = engine.embedder.embed([q.text for q in questions])
    rows = []
    for question, vector in zip(questions, vectors):
        found = s.table(question.text, vector[None, :], quotable_only=False)
        signals = [found["dense"], found["passage"], found["keyword"], found["passage_keyword"]]
        cand = set()
        for signal in signals:
            cand.update(np.argsort(-signal)[:per_signal].tolist())
        cand = np.array(sorted(cand))
        names = [s.document_id(int(d)) for d in found["document"][cand]]
        correct = np.array([n == question.source and any(a <= st < b for st in question.starts)
                            for n, a, b in zip(names, found["start"][cand],
                                               found["end"][cand])])
        rows.append({"signals": np.stack([signal[cand] for signal in signals]),
                     "correct": correct, "tune": tuning_half(question)})
    return rows


def metrics(rows, weights):
    p1 = r5 = 0
    for row in rows:
        fused = weights @ row["signals"]
        order = np.argsort(-fused)[:5]
        c = row["correct"][order]
        p1 += bool(c[0])
        r5 += bool(c.any())
    n = len(rows)
    return 100 * p1 / n, 100 * r5 / n


def main():
    squad = sys.argv[1] if len(sys.argv) > 1 else SQUAD
    _, questions, index = squad_index(squad)
    engine = AskDocs.load(index, depth=None)
    began = time.time()
    rows = collect(engine, questions)
    print(f"# collected {len(rows)} questions in {time.time() - began:.0f}s", file=sys.stderr)
    tune = [r for r in rows if r["tune"]]
    report = [r for r in rows if not r["tune"]]
    for name, w in [("dense sentence", [1, 0, 0, 0]), ("bm25 sentence", [0, 0, 1, 0]),
                    ("dense passage", [0, 1, 0, 0]), ("current", list(astuple(Weights())))]:
        print(name, "tune P@1 {:.1f} R@5 {:.1f}".format(*metrics(tune, np.array(w))),
              "report P@1 {:.1f} R@5 {:.1f}".format(*metrics(report, np.array(w))))
    grid = itertools.product([1.0], [0.25, 0.5, 0.75, 1.0, 1.5], [0.1, 0.2, 0.35, 0.5, 0.75],
                             [0.0, 0.1, 0.25, 0.5, 0.75])
    results = sorted(((metrics(tune, np.array(w)), w) for w in grid), reverse=True)
    for (p1, r5), w in results[:8]:
        rp1, rr5 = metrics(report, np.array(w))
        print(f"weights {w}: tune P@1 {p1:.1f} R@5 {r5:.1f} | report P@1 {rp1:.1f} R@5 {rr5:.1f}")


if __name__ == "__main__":
    main()
