"""More questions on the seed articles, written after the evaluation file's: paraphrases, British
spellings, words written as one, and near misses (a place or person the articles name, asked
something they do not say). A development set: nothing is fitted on it.

    python bench/seed_more.py [--questions bench/seed_more_questions.jsonl]

Prints each question that fails (an expected quote missing, or a near miss answered), then how
many of the answerable and of the near misses pass, through the public API.
"""

from __future__ import annotations

import argparse

from common import ROOT

from askdocs.engine import AskDocs
from askdocs.evaluation import seed_results
from askdocs.indexer import build_index


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default=str(ROOT / "bench" / "seed_more_questions.jsonl"))
    args = parser.parse_args()
    index = ROOT / "bench" / ".cache" / "seeds" / "index"
    build_index(ROOT / "seeds", index)
    outcome = seed_results(AskDocs.load(index), args.questions)
    near = [r for r in outcome if r["abstain"]]
    answerable = [r for r in outcome if not r["abstain"]]
    for r in outcome:
        if not r["ok"]:
            shown = r["quotes"][0][1][:90] if r["quotes"] else ""
            print(f"  FAIL {r['question']!r}: {'answered' if r['answered'] else 'declined'} "
                  f"{shown!r}")
    print(f"answerable: {sum(r['ok'] for r in answerable)}/{len(answerable)} quote what they "
          f"should; near misses: {sum(r['ok'] for r in near)}/{len(near)} declined")


if __name__ == "__main__":
    main()
