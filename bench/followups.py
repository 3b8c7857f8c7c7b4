"""Follow-up questions on the seeds: two-turn dialogues whose second question leans on the first.

    python bench/followups.py [--dialogues PATH] [--json PATH]

Each line of bench/followup_dialogues.jsonl (written for development, on the seed articles) has a
first question, a follow-up ("where did it happen?", "who said that?", "and in Kharkiv?") and
the quotes that answer the follow-up. In one run, through AskDocs.ask, each follow-up is asked:
- as today: with the first question as `previous`, read as a follow-up by answer.is_follow_up;
- as before pronouns counted: read with the first only if it opens with "and", "what about"...;
- alone, as if it were the first question.
A dialogue is right when the answer is given and one of its quotes holds an expected text.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import CACHE, ROOT

from askdocs.answer import FOLLOW_UP
from askdocs.embedding import cached_embedder
from askdocs.engine import AskDocs
from askdocs.indexer import build_index


def right(answer, expect: list[str]) -> bool:
    return answer.answered and any(e in q.text for q in answer.quotes for e in expect)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogues", default=str(ROOT / "bench" / "followup_dialogues.jsonl"))
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "followups.json"))
    args = parser.parse_args()
    dialogues = [json.loads(line) for line in Path(args.dialogues).read_text().splitlines()
                 if line.strip()]
    embedder = cached_embedder()
    index = CACHE / "seeds" / "index"
    build_index(ROOT / "seeds", index, embedder=embedder)
    engine = AskDocs.load(index)  # askdocs's own query encoder
    counts = {"with_previous": 0, "opening_words_only": 0, "alone": 0}
    for d in dialogues:
        now = right(engine.ask(d["then"], previous=d["first"]), d["expect"])
        alone = right(engine.ask(d["then"]), d["expect"])
        before = now if FOLLOW_UP.match(d["then"]) else alone
        counts["with_previous"] += now
        counts["opening_words_only"] += before
        counts["alone"] += alone
        print(f"{'ok' if now else '--'} {'ok' if before else '--'} {'ok' if alone else '--'}  "
              f"{d['first']} / {d['then']}")
    n = len(dialogues)
    result = {"dialogues": n, **{k: round(100 * v / n, 1) for k, v in counts.items()}}
    print(f"{n} dialogues: right with the previous question {result['with_previous']}%, as "
          f"before (opening words only) {result['opening_words_only']}%, asked alone "
          f"{result['alone']}%")
    Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
