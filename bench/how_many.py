"""Which number a quote gives for a "how many" question (engine.best_quantity).

    python bench/how_many.py [--squad PATH] [--json OUT]

The sources-agree check (README, "Disagreement") compares one number of each source's first
quote: the one best_quantity picks. On SQuAD v1.1 (48 articles, the index bench/squad2.py and
bench/squad_reqa.py use), of the questions that ask for a quantity (numbers.asks_quantity) and
whose first quote `ask` returns holds the answer, the share where the number picked is the
answer (its phrase holds the answer's start, or starts within two characters of it). The
even-numbered articles tuned best_quantity's constants; the odd-numbered ones report.
"""

from __future__ import annotations

import argparse
import json
import sys

from common import ROOT, SQUAD, squad_index

from askdocs.engine import AskDocs
from askdocs.evaluation import hit as holds_answer
from askdocs.numbers import asks_quantity


def picked_answer(quote, quantity, question) -> bool:
    start, end = quote.start + quantity.start, quote.start + quantity.end
    return any(start <= s <= end or abs(s - start) <= 2 for s in question.starts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=SQUAD)
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "how_many.json"))
    args = parser.parse_args()
    _, questions, index = squad_index(args.squad)
    engine = AskDocs.load(index)
    halves = {"tuning (even)": [0, 0], "reported (odd)": [0, 0]}
    for question in questions:
        if not asks_quantity(question.text):
            continue
        answer = engine.ask(question.text)
        if not answer.answered or not holds_answer(answer.quotes[0], question):
            continue
        quantity = engine.best_quantity(question.text, answer.quotes[0])
        half = halves["tuning (even)" if question.article % 2 == 0 else "reported (odd)"]
        half[0] += 1
        half[1] += quantity is not None and picked_answer(answer.quotes[0], quantity, question)
    out = {name: {"questions": n, "number_is_the_answer": 100 * right / max(n, 1)}
           for name, (n, right) in halves.items()}
    for name, figures in out.items():
        print(f"{name}: {figures['questions']} 'how many' questions whose first quote holds the "
              f"answer; the number picked is the answer for {figures['number_is_the_answer']:.1f}%")
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(out, handle, indent=1)
    print(f"# wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
