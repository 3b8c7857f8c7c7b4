"""Sentence-level answer retrieval on SQuAD v1.1 dev (ReQA setup), abstention, seed questions.

    python bench/squad_reqa.py [--squad PATH] [--json OUT]

Retrieval: the 48 articles are the documents; all 10,570 questions are asked; a ranked quote is
correct when its span holds an answer's start. Rows: askdocs (fused, by candidates), the same
fusion scoring every sentence (the exhaustive reference), BM25 alone, dense alone.
Fusion weights were tuned on even-numbered articles (bench/tune_fusion.py), so the odd-numbered
half is the honest figure; all questions are shown too.

Abstention: 40 articles are indexed; questions of those 40 should be answered, questions of the
other 8 should not. Seed questions: ../shared/eval/seed_questions.jsonl on the seed articles.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from common import ROOT, SQUAD, squad_index, tuning_half

from askdocs.engine import AskDocs
from askdocs.evaluation import abstention_metrics, ranks, seed_results, summarise
from askdocs.indexer import build_index
from askdocs.retrieval import Weights

ROWS = {  # name: (weights, candidates per signal (None scores every sentence), span reader)
    "askdocs (fused)": (Weights(), 100, True),
    "askdocs without the span reader": (Weights(), 100, False),
    "askdocs without it, every sentence scored": (Weights(), None, False),
    "BM25 alone (sentences)": (Weights(0.0, 0.0, 1.0, 0.0, document=0.0), 100, False),
    "dense alone (sentences)": (Weights(1.0, 0.0, 0.0, 0.0, document=0.0), 100, False),
}


def retrieval(index, questions) -> dict:
    tune = [tuning_half(q) for q in questions]
    results = {}
    for name, (weights, depth, rerank) in ROWS.items():
        engine = AskDocs.load(index, weights=weights, depth=depth, rerank=rerank)
        found, qps = ranks(engine, questions)
        results[name] = {
            "report half (odd articles)": summarise([r for r, t in zip(found, tune) if not t]),
            "tune half (even articles)": summarise([r for r, t in zip(found, tune) if t]),
            "all": summarise(found), "queries_per_second": qps}
        row, every = results[name]["report half (odd articles)"], results[name]["all"]
        print(f"{name:30s} report half: P@1 {row['p_at_1']:.1f} MRR@10 {row['mrr_at_10']:.1f} "
              f"R@5 {row['r_at_5']:.1f} | all: P@1 {every['p_at_1']:.1f} "
              f"R@5 {every['r_at_5']:.1f} | {qps:.0f} q/s")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=SQUAD)
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "squad_reqa.json"))
    parser.add_argument("--skip-retrieval", action="store_true",
                        help="keep the retrieval rows of the existing --json file (ranking is "
                             "not touched by the abstention rule); measure the rest")
    args = parser.parse_args()

    began = time.perf_counter()
    _, questions, index = squad_index(args.squad)
    engine = AskDocs.load(index)
    print(f"corpus: {len(engine.manifest.documents)} articles, {len(engine.searcher)} "
          f"candidate sentences, {len(questions)} questions")
    results = {"candidates": len(engine.searcher), "questions": len(questions)}
    if args.skip_retrieval:
        results["retrieval"] = json.loads(Path(args.json).read_text())["retrieval"]
    else:
        results["retrieval"] = retrieval(index, questions)

    _, _, index40 = squad_index(args.squad, range(40), name="squad40")
    engine40 = AskDocs.load(index40)
    abstention = {}
    for half, keep in (("report half (odd articles)", lambda q: not tuning_half(q)),):
        chosen = [q for q in questions if keep(q)]
        abstention[half] = abstention_metrics(engine40, [q for q in chosen if q.article < 40],
                                              [q for q in chosen if q.article >= 40])
        a = abstention[half]
        print(f"abstention, {half}: false-abstain {a['false_abstain']:.1f}% of "
              f"{a['answerable']}, false-answer {a['false_answer']:.1f}% of {a['unanswerable']}")
    results["abstention"] = abstention

    seeds = ROOT.parent / "shared" / "eval" / "seed_questions.jsonl"
    if seeds.exists():
        seed_index = ROOT / "bench" / ".cache" / "seeds" / "index"
        build_index(ROOT / "seeds", seed_index)
        outcome = seed_results(AskDocs.load(seed_index), seeds)
        passed = sum(r["ok"] for r in outcome)
        print(f"seed questions: {passed}/{len(outcome)} pass")
        for r in outcome:
            if not r["ok"]:
                print(f"  FAIL {r['question']}: {r['quotes'][:2]}")
        results["seed_questions"] = {"passed": passed, "total": len(outcome)}
    results["seconds"] = round(time.perf_counter() - began, 1)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    print(f"written {args.json} in {results['seconds']}s", file=sys.stderr)


if __name__ == "__main__":
    main()
