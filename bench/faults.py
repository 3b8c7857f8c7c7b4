"""kill -9 during the real `askdocs index`, at random moments, N times (default 20).

    python bench/faults.py [--trials 20]

Each trial starts `askdocs index --full` on a copy of the seeds plus filler documents, kills it
with SIGKILL after a random delay spanning the whole run (imports, model load, embedding,
writing), then checks that the previous index still loads and answers, and counts which
generation survived. A final build must complete.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

from askdocs.embedding import cached_embedder
from askdocs.engine import AskDocs
from askdocs.store import read_manifest


def command(docs: Path, index: Path, full: bool = True) -> list[str]:
    return [sys.executable, "-m", "askdocs.cli", "index", "--docs", str(docs), "--index",
            str(index)] + (["--full"] if full else [])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(2026)
    embedder = cached_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        docs, index = Path(tmp) / "docs", Path(tmp) / "index"
        shutil.copytree(ROOT / "seeds", docs)
        for i in range(30):  # enough text that embedding and writing take a few seconds
            (docs / f"filler{i:02d}.txt").write_text(
                " ".join(f"Filler sentence {i}.{j} about the harbour and the lighthouse."
                         for j in range(60)))
        subprocess.run(command(docs, index), check=True, capture_output=True, cwd=ROOT)
        began = time.monotonic()
        subprocess.run(command(docs, index), check=True, capture_output=True, cwd=ROOT)
        duration = time.monotonic() - began
        survived, answered = {"old": 0, "new": 0}, 0
        for _ in range(args.trials):
            before = read_manifest(index).generation
            process = subprocess.Popen(command(docs, index), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, cwd=ROOT)
            time.sleep(rng.uniform(0.1, duration))
            process.send_signal(signal.SIGKILL)
            process.wait()
            after = read_manifest(index).generation
            survived["old" if after == before else "new"] += 1
            answer = AskDocs.load(index, embedder=embedder).ask("how many children died?")
            answered += answer.answered
        final = subprocess.run(command(docs, index, full=False), capture_output=True, text=True,
                               cwd=ROOT)
        leftovers = sorted(p.name for p in index.iterdir() if p.name.startswith((".tmp", "gen-")))
    report = {"trials": args.trials, "build_seconds": round(duration, 1),
              "kept_previous_index": survived["old"], "finished_before_kill": survived["new"],
              "loaded_and_answered_after_kill": answered,
              "next_build_exit_code": final.returncode, "next_build": final.stdout.strip(),
              "generations_left": len(leftovers)}
    print(json.dumps(report, indent=1))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "faults.json").write_text(json.dumps(report, indent=1) + "\n")
    return 0 if answered == args.trials and final.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
