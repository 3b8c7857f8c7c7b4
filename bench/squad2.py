"""Near misses: SQuAD 2.0 questions that look answerable from the indexed text but are not.

    python bench/squad2.py [--squad2 PATH] [--json OUT]

Indexes the articles of a SQuAD 2.0 file (default: the 8 public dev articles) as one document
each, asks every question through `askdocs.load(index).ask(question)`, and prints: false-answer
on unanswerable questions, answered and first-quote precision on answerable ones, as `ask`
decided and across thresholds on the answer's `confidence` (the trade-off curve), and how
well that confidence is calibrated. Also on SQuAD v1.1 (48 articles, 10,570 questions): the
share of questions whose answer is inside a quote `ask` returns, and quotes per answer.

The answerability model was fitted on the public articles (bench/fit_answerability.py), so
figures on them are in-sample; the held-out figures are the ones fit_answerability.py prints
with each article left out, and the held-back articles that judge the project.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from common import ROOT, SQUAD, squad_index
from fit_answerability import SQUAD2

from askdocs.engine import AskDocs
from askdocs.evaluation import (
    calibration,
    calibration_report,
    judged_answers,
    near_miss_metrics,
    near_miss_report,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad2", default=SQUAD2)
    parser.add_argument("--squad", default=SQUAD)
    parser.add_argument("--skip-v1", action="store_true")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "squad2.json"))
    args = parser.parse_args()
    _, questions, index = squad_index(args.squad2, name="squad2")
    engine = AskDocs.load(index)
    began = time.perf_counter()
    results = judged_answers(engine, questions)
    seconds = time.perf_counter() - began
    metrics = near_miss_metrics(results)
    out = {"squad2": {**metrics, "calibration": calibration(results),
                      "ask_ms": 1000 * seconds / len(questions)}}
    print(f"SQuAD 2.0 ({args.squad2}, {1000 * seconds / len(questions):.0f} ms a question):")
    print("\n".join(near_miss_report(metrics) + calibration_report(out["squad2"]["calibration"])))
    if not args.skip_v1:
        _, questions1, index1 = squad_index(args.squad)
        shown = judged_answers(AskDocs.load(index1), questions1)
        answered = [r for r in shown if r["answered"]]
        out["squad_v1"] = {
            "questions": len(shown),
            "answered": 100 * len(answered) / len(shown),
            "answer_in_quotes": 100 * sum(r["any"] for r in shown) / len(shown),
            "answer_in_quotes_when_answered": 100 * sum(r["any"] for r in answered)
            / max(len(answered), 1),
            "quotes_per_answer": sum(r["quotes"] for r in answered) / max(len(answered), 1),
            # what the CLI and app show: the quotes, or when askdocs declines, the closest
            # sentences labelled "not an answer"
            "answer_shown_labelled_not_an_answer": 100 * sum(r["nearest"] for r in shown)
            / len(shown),
            "calibration": calibration(shown)}
        v1 = out["squad_v1"]
        print(f"SQuAD v1.1: {v1['questions']} questions, answered {v1['answered']:.1f}%, answer "
              f"in a quote {v1['answer_in_quotes']:.1f}% "
              f"({v1['answer_in_quotes_when_answered']:.1f}% of answers), "
              f"{v1['quotes_per_answer']:.2f} quotes an answer; when declined, in a sentence "
              f"shown as not an answer: {v1['answer_shown_labelled_not_an_answer']:.1f}% of "
              "questions")
        print("\n".join(calibration_report(v1["calibration"])))
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(out, handle, indent=1)
    print(f"# wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
