"""The engine at scale: build, load, ask and update at 10k, 100k and 1M sentences.

    python bench/scale.py [--sizes 10000 100000 1000000] [--store faiss|milvus] [--questions N]
                          [--json OUT]

Documents are synthetic: 1,000 sentences each (a 30-page filing's worth), drawn from SQuAD dev's
sentences with a quarter of their words swapped for others from the same pool, so that no two
are alike. The hashing embedder stands in for the model (its cost is not the engine's); the real
model's query-encode time is measured and reported beside. Per size:

- build s: a full build (`build_index(..., embedder=HashEmbedder())`);
- load s, ask p50/p95 ms, peak RSS: in a fresh process that loads the index and asks 200 SQuAD
  questions (--questions; RSS is that serving process's peak, VmHWM);
- update s: one document edited, then `build_index` again (incremental), with the share of it
  spent embedding that document;
- disk: the index folder's size;
- candidates vs exhaustive: share of questions whose top-5 sentences are the same as when every
  sentence is scored (`depth=None`);
- IVF recall@100 (segments of APPROXIMATE_FROM vectors or more): the share of the exhaustive
  top-100 sentence vectors the approximate index returns.

With `--store milvus` the same rows are measured for an index kept in Milvus Lite (in the index
folder), and "same top-5" compares it with the FAISS index of the same size (built first by a
FAISS run), since a Milvus index is searched by candidates only.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import CACHE, ROOT, SQUAD, recall_at

from askdocs.chunking import split_sentences
from askdocs.embedding import HashEmbedder
from askdocs.evaluation import load_squad
from askdocs.indexer import build_index

PER_DOCUMENT = 1000
PARAGRAPH = 5
QUESTIONS = 200

SERVE = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[3])
from askdocs import AskDocs, HashEmbedder
questions = json.loads(open(sys.argv[2]).read())


def peak_mb():  # VmHWM: this process's own peak (ru_maxrss would carry the parent's over exec)
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
    return int(line.split()[1]) / 1024

embedder = HashEmbedder()
began = time.perf_counter()
engine = AskDocs.load(sys.argv[1], embedder=embedder)
load = time.perf_counter() - began
engine.ask(questions[0])
times, encode = [], []
for q in questions:
    t = time.perf_counter(); engine.ask(q); times.append(time.perf_counter() - t)
    t = time.perf_counter(); embedder.embed([q]); encode.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"load_s": load, "ask_p50_ms": 1000 * statistics.median(times),
                  "ask_p95_ms": 1000 * times[int(0.95 * len(times))],
                  "hash_encode_p50_ms": 1000 * statistics.median(encode),
                  "peak_rss_mb": peak_mb()}))
"""


def sentence_pool(documents: dict[str, str]) -> list[str]:
    pool = []
    for text in documents.values():
        pool += [text[s.start:s.end] for s in split_sentences(text) if s.end - s.start > 30]
    return pool


def synthetic(pool: list[str], sentences: int, folder: Path) -> Path:
    """Write sentences/PER_DOCUMENT documents once (kept in bench/.cache)."""
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(sentences)
    words = [w for s in pool for w in s.split()]
    # the splitter joins about 15% of the drawn sentences (abbreviations, quotes)
    for number in range(max(1, round(sentences / (0.85 * PER_DOCUMENT)))):
        lines = []
        for _ in range(PER_DOCUMENT // PARAGRAPH):
            paragraph = []
            for _ in range(PARAGRAPH):
                tokens = rng.choice(pool).split()
                for i in rng.sample(range(len(tokens)), len(tokens) // 4):
                    tokens[i] = re.sub(r"[.!?]+$", "", rng.choice(words))
                paragraph.append(" ".join(tokens).rstrip(".!?") + ".")
            lines.append(" ".join(paragraph))
        (folder / f"report-{number:05d}.txt").write_text("\n\n".join(lines) + "\n", "utf-8")
    done.write_text("")
    return folder


def release_lite() -> None:
    """Close this process's Milvus Lite databases: one process at a time may open one, and the
    serving process is another."""
    try:
        from milvus_lite import server_manager_instance
    except ImportError:
        return
    server_manager_instance.release_all()


def serve(index: Path, questions: Path) -> dict:
    release_lite()
    out = subprocess.run([sys.executable, "-c", SERVE, str(index), str(questions),
                          str(ROOT / "src")], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def equivalence(index: Path, questions: list[str]) -> float:
    """Share of questions with the same top-5 sentences from candidates as from every sentence."""
    from askdocs import AskDocs

    embedder = HashEmbedder()
    fast = AskDocs.load(index, embedder=embedder)
    reference = AskDocs.load(index, embedder=embedder, depth=None)
    same = 0
    for q in questions:
        vector = embedder.embed([q])
        a = [h.sentence for h in fast.searcher.search(q, vector, k=5)]
        b = [h.sentence for h in reference.searcher.search(q, vector, k=5)]
        same += a == b
    return same / len(questions)


def same_as_faiss(index: Path, faiss: Path, questions: list[str]) -> float | None:
    """Share of questions whose top-5 sentences (source and span) match the FAISS index's."""
    from askdocs import AskDocs

    if not (faiss / "manifest.json").exists():
        return None
    embedder = HashEmbedder()
    a, b = AskDocs.load(index, embedder=embedder), AskDocs.load(faiss, embedder=embedder)

    def top(engine, q):
        return [(x.source, x.start) for x in engine.rank(q, 5)]

    return sum(top(a, q) == top(b, q) for q in questions) / len(questions)


def ivf_recall(index: Path, questions: list[str], depth: int = 100) -> float | None:
    """Recall@depth of the approximate sentence index against an exhaustive scan."""
    from askdocs.store import load_stored

    stored = load_stored(index)
    big = [s for s in stored.segments if s.sentence_store.approximate is not None]
    if not big:
        return None
    return recall_at(big[0].sentence_store, HashEmbedder().embed(questions), depth)


def update(folder: Path, index: Path, store: str) -> dict:
    """Edit one document, re-index, and time it (and its embedding)."""
    target = sorted(folder.glob("report-*.txt"))[len(list(folder.glob("report-*.txt"))) // 2]
    original = target.read_text("utf-8")
    embedder = HashEmbedder()
    spent = []
    embed_batch = embedder.embed_batch

    def timed(texts):
        t = time.perf_counter()
        out = embed_batch(texts)
        spent.append(time.perf_counter() - t)
        return out

    embedder.embed_batch = timed
    try:
        target.write_text(original + "\nAn edited sentence about lighthouse keepers.\n", "utf-8")
        began = time.perf_counter()
        report = build_index(folder, index, embedder=embedder, store=store)
        seconds = time.perf_counter() - began
    finally:
        target.write_text(original, "utf-8")
    build_index(folder, index, embedder=HashEmbedder(), store=store)  # back to the start
    return {"update_s": seconds, "update_embed_s": sum(spent), "updated": report.updated}


def model_encode_ms(questions: list[str]) -> float:
    import statistics

    from askdocs.embedding import cached_embedder

    model = cached_embedder()
    model.embed([questions[0]])
    times = []
    for q in questions[:50]:
        t = time.perf_counter()
        model.embed([q])
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--squad", default=SQUAD)
    parser.add_argument("--store", default="faiss", choices=["faiss", "milvus"])
    parser.add_argument("--questions", type=int, default=QUESTIONS,
                        help="questions asked per size (the top-5 checks take 50 of them)")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "scale.json"))
    args = parser.parse_args()
    documents, squad_questions = load_squad(args.squad)
    pool = sentence_pool(documents)
    questions = [q.text for q in random.Random(0).sample(squad_questions, args.questions)]
    question_file = CACHE / "scale-questions.json"
    question_file.parent.mkdir(parents=True, exist_ok=True)
    question_file.write_text(json.dumps(questions))
    rows = []
    for size in args.sizes:
        folder = synthetic(pool, size, CACHE / f"scale-{size}" / "docs")
        faiss = CACHE / f"scale-{size}" / "index"
        index = faiss if args.store == "faiss" else CACHE / f"scale-{size}" / "index-milvus"
        shutil.rmtree(index, ignore_errors=True)
        began = time.perf_counter()
        report = build_index(folder, index, embedder=HashEmbedder(), store=args.store)
        row = {"store": args.store, "sentences": report.sentences, "chunks": report.chunks,
               "documents": report.documents, "build_s": time.perf_counter() - began}
        row.update(serve(index, question_file))
        row["disk_mb"] = sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 1e6
        row.update(update(folder, index, args.store))
        if args.store == "milvus":
            row["same_top5_as_faiss"] = same_as_faiss(index, faiss, questions[:50])
            rows.append(row)
            print(json.dumps(row), flush=True)
            continue
        # scoring every one of a million sentences takes seconds a question: fewer there
        row["same_top5_as_exhaustive"] = equivalence(index, questions[:50 if size < 10**6
                                                                      else 20])
        row["ivf_recall_at_100"] = ivf_recall(index, questions[:50])
        rows.append(row)
        print(json.dumps(row), flush=True)
    result = {"rows": rows, "model_query_encode_p50_ms": model_encode_ms(questions)}
    print(f"model query encode p50: {result['model_query_encode_p50_ms']:.1f} ms")
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
