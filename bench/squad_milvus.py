"""The Milvus store against FAISS on the full SQuAD benchmark: same questions, same model.

    python bench/squad_milvus.py [--squad PATH] [--questions N] [--json OUT]

The 48 SQuAD dev articles are indexed twice with the same encoder: in the folder's FAISS files
(bench/.cache/squad48, as bench/squad_reqa.py uses) and in Milvus Lite inside another folder
(bench/.cache/squad48-milvus). Every question (or every n-th, --questions N) is ranked by both;
reported: P@1, MRR@10 and R@5 of each (all questions and the odd-article half), the share of
questions whose top five quotes are the same in both (source, offsets, text), and each store's
questions per second on one process (Milvus Lite is a Python engine: slow on one machine, see
the README).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from common import CACHE, ROOT, SQUAD, squad_index, tuning_half

from askdocs.embedding import cached_embedder
from askdocs.engine import AskDocs
from askdocs.evaluation import first_hit, summarise
from askdocs.indexer import build_index


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=SQUAD)
    parser.add_argument("--questions", type=int, default=0, help="0: all")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "squad_milvus.json"))
    args = parser.parse_args()
    _, questions, index = squad_index(args.squad)
    if args.questions:
        questions = questions[::max(1, len(questions) // args.questions)][:args.questions]
    milvus_index = CACHE / "squad48-milvus" / "index"
    began = time.perf_counter()
    report = build_index(index.parent / "docs", milvus_index, embedder=cached_embedder(),
                         store="milvus")
    print(f"Milvus Lite index: {report.summary()} ({time.perf_counter() - began:.0f} s)",
          flush=True)
    engines = {"faiss": AskDocs.load(index), "milvus": AskDocs.load(milvus_index)}
    found = {name: [] for name in engines}
    seconds = dict.fromkeys(engines, 0.0)
    same = 0
    for n, question in enumerate(questions, start=1):
        top = {}
        for name, engine in engines.items():
            began = time.perf_counter()
            top[name] = engine.rank(question.text, k=10)
            seconds[name] += time.perf_counter() - began
            found[name].append(first_hit(top[name], question))
        same += [(q.source, q.start, q.end, q.text) for q in top["faiss"][:5]] == [
            (q.source, q.start, q.end, q.text) for q in top["milvus"][:5]]
        if n % 100 == 0:
            print(f"{n} questions: same top five {100 * same / n:.1f}%", flush=True)
    odd = [not tuning_half(q) for q in questions]
    results = {"questions": len(questions), "same_top5": round(100 * same / len(questions), 2)}
    for name in engines:
        results[name] = {
            "all": summarise(found[name]),
            "report half (odd articles)": summarise([r for r, o in zip(found[name], odd) if o]),
            "queries_per_second": round(len(questions) / seconds[name], 2)}
        row = results[name]["all"]
        print(f"{name}: P@1 {row['p_at_1']:.2f} MRR@10 {row['mrr_at_10']:.2f} "
              f"R@5 {row['r_at_5']:.2f}; {results[name]['queries_per_second']} q/s")
    print(f"same top five: {results['same_top5']}%")
    Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
