"""Grid-search the fusion weights on the tuning half of SQuAD; report both halves.

    python bench/tune_fusion.py [SQUAD_JSON]

Collects every signal once per question (dense sentence, dense passage, BM25 sentence, BM25
passage) for the top candidates, then scores weight settings offline.
"""

from __future__ import annotations

import itertools
import sys
import time

import numpy as np
from common import SQUAD, squad_index, tuning_half

from askdocs.answer import AskDocs
from askdocs.retrieval import relative


def collect(engine, questions, per_signal=60):
    s = engine.searcher
    vectors = engine.embedder.embed([q.text for q in questions])
    rows = []
    for question, vector in zip(questions, vectors):
        query = s.sentence_keyword.expand(s.tokenize(question.text))
        ds = s.dense(s.sentence_index, vector[None, :])
        dc = s.dense(s.chunk_index, vector[None, :])
        kc = s.chunk_keyword.scores(query)
        ks = s.sentence_keyword.scores(query)
        passage = np.full(len(s), -1.0, np.float32)
        pkw = np.zeros(len(s), np.float32)
        np.maximum.at(passage, s.pair_sentence, dc[s.pair_chunk])
        np.maximum.at(pkw, s.pair_sentence, kc[s.pair_chunk])
        cand = set()
        for signal in (ds, passage, ks, pkw):
            cand.update(np.argsort(-signal)[:per_signal].tolist())
        cand = np.array(sorted(cand))
        doc_of = s.doc[cand]
        names = np.array([engine.records[d].document.id for d in doc_of])
        correct = np.array([n == question.source and any(a <= st < b for st in question.starts)
                            for n, a, b in zip(names, s.start[cand], s.end[cand])])
        rows.append({
            "signals": np.stack([ds[cand], passage[cand], relative(ks)[cand],
                                 relative(pkw)[cand]]),
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
    engine = AskDocs.load(index)
    began = time.time()
    rows = collect(engine, questions)
    print(f"# collected {len(rows)} questions in {time.time() - began:.0f}s", file=sys.stderr)
    tune = [r for r in rows if r["tune"]]
    report = [r for r in rows if not r["tune"]]
    for name, w in [("dense sentence", [1, 0, 0, 0]), ("bm25 sentence", [0, 0, 1, 0]),
                    ("dense passage", [0, 1, 0, 0]), ("current", [1.0, 0.5, 0.35, 0.25])]:
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
