"""Warm ask() before against after: two states of askdocs timed in turn, a process each.

    python bench/ask_in_turn.py --base REV [--rounds 5] [--questions 400] [--reader]
                                [--json OUT]

On a shared two-core machine a second run can be a third slower than the first for nothing the
code did, so a change's speed is read from runs of the two states taken in turn: REV (a commit,
checked out into a temporary folder with `git worktree`, removed after) and the working tree.
Each run is a new process that loads the 48-article SQuAD index (bench/.cache/squad48), asks
40 questions to warm up, times `AskDocs.ask` on the rest (the same questions for both states,
a new sample each round), then times the encoding of 160 of them alone, the floor the rest of
a question's work is read against. Prints each run, then the medians over the rounds: ask
p50 and mean, the encoding's p50, and their ratio. Without --reader the span reader is off
(AskDocs.load(index, rerank=False)): it reads only close calls, and its cost swamps the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def run(source: Path, seed: int, questions: int, reader: bool) -> dict:
    """One timed process over askdocs as found in `source` (a src folder)."""
    env = {**os.environ, "ASK_IN_TURN_SOURCE": str(source), "HF_HUB_OFFLINE": "1",
           "HF_HUB_DISABLE_TELEMETRY": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    out = subprocess.run([sys.executable, __file__, "--child", str(seed), str(questions),
                          "1" if reader else "0"], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(seed: int, count: int, reader: bool) -> None:
    """Time one state (the child process's side of `run`)."""
    sys.path.insert(0, os.environ["ASK_IN_TURN_SOURCE"])  # before common puts ROOT/src first
    import askdocs.engine  # noqa: F401  (imported from that source, and kept)

    sys.path.insert(1, str(HERE))
    import random
    import time

    from common import SQUAD, squad_index

    from askdocs.engine import AskDocs

    _, questions, index = squad_index(SQUAD)
    asked = [q.text for q in random.Random(seed).sample(questions, count)]
    engine = AskDocs.load(index, rerank=reader)
    for question in asked[:40]:
        engine.ask(question)
    took = []
    for question in asked[40:]:
        began = time.perf_counter()
        engine.ask(question)
        took.append(1000 * (time.perf_counter() - began))
    encoding = []
    for question in asked[40:200]:
        began = time.perf_counter()
        engine.embedder.embed([question])
        encoding.append(1000 * (time.perf_counter() - began))
    print(json.dumps({"source": askdocs.engine.__file__, "p50": statistics.median(took),
                      "mean": statistics.mean(took), "encode_p50": statistics.median(encoding)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to time against")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--reader", action="store_true", help="with the span reader")
    parser.add_argument("--json", help="write the runs and medians here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="askdocs-base-") as folder:
        base = Path(folder) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base),
                        args.base], check=True)
        try:
            runs: dict[str, list[dict]] = {"base": [], "now": []}
            for round_ in range(args.rounds):
                for name, source in (("base", base / "src"), ("now", ROOT / "src")):
                    result = run(source, round_, args.questions, args.reader)
                    runs[name].append(result)
                    print(f"round {round_ + 1} {name}: ask p50 {result['p50']:.2f} ms, mean "
                          f"{result['mean']:.2f}, encoding {result['encode_p50']:.2f}",
                          flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(base)], check=False)
    summary = {}
    for name, results in runs.items():
        p50 = statistics.median(r["p50"] for r in results)
        encode = statistics.median(r["encode_p50"] for r in results)
        summary[name] = {"p50": round(p50, 2),
                         "mean": round(statistics.median(r["mean"] for r in results), 2),
                         "encode_p50": round(encode, 2), "ratio": round(p50 / encode, 2)}
        print(f"{name} ({args.base if name == 'base' else 'working tree'}): ask p50 "
              f"{p50:.2f} ms, mean {summary[name]['mean']:.2f}, encoding {encode:.2f} ms, "
              f"{p50 / encode:.1f} times the encoding")
    if args.json:
        Path(args.json).write_text(json.dumps({"base": args.base, "reader": args.reader,
                                               "runs": runs, "medians": summary}, indent=1)
                                   + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1")
    else:
        main()
