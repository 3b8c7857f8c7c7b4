"""Speed: index builds by each encoder against its raw encode, warm ask() latency, cold CLI,
the app's start, peak memory.

    python bench/speed.py [--squad PATH] [--questions N] [--only split|app|builds|ask]

For the seeds and for the 48 SQuAD dev articles (one document each), in one run:
- full index builds (model already loaded) in seconds and texts/s, next to the same encoder's
  raw encode of exactly the texts the build embeds (sentences and chunks): the SQuAD build with
  sentence-transformers (torch), with the ONNX export in fp32, and in int8 (what askdocs
  builds with on a CPU);
- warm AskDocs.ask() latency p50/p75/p95 over SQuAD questions, with the span reader
  (reranker.py) and without it, asked in turn;
- cold `askdocs ask` wall time and peak RSS (a new process: imports, model and index load, one
  question), on the seeds' index and on the SQuAD index; and which heavy modules it imported;
- `python app.py` on the SQuAD index: seconds from start until it serves, without and with --mcp;
- peak resident memory of this process;
- sentence splitting in MB/s on 50 MB of short lines with no blank line (what text extracted
  from a PDF looks like), wrapped at 40 and at 80 columns (`--only split` runs just this;
  `--only app` the app's start, `--only builds` the builds, `--only ask` warm ask, cold CLI and
  the app's start on the existing indexes).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import CACHE, ROOT, SQUAD

from askdocs.documents import load_folder
from askdocs.embedding import SentenceTransformerEmbedder, cached_embedder
from askdocs.engine import AskDocs
from askdocs.evaluation import load_squad, write_folder
from askdocs.indexer import build_index, split_document


def texts_of(folder: Path) -> list[str]:
    documents, _ = load_folder(folder)
    texts = []
    for doc in documents:
        sentences, chunks = split_document(doc)
        texts += [doc.text[s.start:s.end] for s in sentences]
        texts += [doc.text[c.start:c.end] for c in chunks]
    return texts


def raw_encode(embedder, texts) -> float:
    began = time.perf_counter()
    embedder.embed(texts)
    return time.perf_counter() - began


def build_speed(name: str, folder: Path, embedder, encoder: str) -> dict:
    """A full build, and the same encoder's raw encode of the same texts (the yardstick)."""
    texts = texts_of(folder)
    raw = raw_encode(embedder, texts)
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        report = build_index(folder, Path(tmp) / "index", embedder=embedder, full=True)
        pipeline = time.perf_counter() - began
    row = {"corpus": name, "encoder": encoder, "documents": report.documents,
           "sentences": report.sentences, "chunks": report.chunks, "texts": len(texts),
           "build_seconds": round(pipeline, 2),
           "pipeline_texts_per_s": round(len(texts) / pipeline, 1),
           "raw_encode_texts_per_s": round(len(texts) / raw, 1),
           "ratio": round(raw / pipeline, 3)}
    print(f"{name}, {encoder}: build {pipeline:.1f}s for {len(texts)} texts "
          f"({report.sentences} sentences, {report.chunks} chunks): "
          f"{row['pipeline_texts_per_s']} texts/s; raw encode "
          f"{row['raw_encode_texts_per_s']} texts/s; ratio {row['ratio']}", flush=True)
    return row


def ask_latency(index: Path, questions: list[str]) -> dict:
    """Warm ask() p50/p75/p95, with the span reader re-ranking close calls (as askdocs asks) and
    without it, the two asked in turn question by question in one run; and the question's
    encoding alone."""
    engines = {"ask": AskDocs.load(index),  # askdocs's own query encoder (int8)
               "without_reader": AskDocs.load(index, rerank=False)}
    for engine in engines.values():
        for q in questions[:20]:
            engine.ask(q)
    times = {name: [] for name in engines}
    encode = []
    for q in questions:
        for name, engine in engines.items():
            began = time.perf_counter()
            engine.ask(q)
            times[name].append(1000 * (time.perf_counter() - began))
        began = time.perf_counter()
        engines["ask"].embedder.embed([q])
        encode.append(1000 * (time.perf_counter() - began))
    row = {"questions": len(questions), "encode_p50_ms": round(statistics.median(encode), 1)}
    for name, taken in times.items():
        taken.sort()
        prefix = "" if name == "ask" else f"{name}_"
        row[f"{prefix}p50_ms"] = round(statistics.median(taken), 1)  # as measured before
        row.update({f"{prefix}{p}_ms": round(taken[int(q * (len(taken) - 1))], 1)
                    for p, q in (("p75", 0.75), ("p95", 0.95))})
    print(f"warm ask() on {len(engines['ask'].searcher)} sentences over {len(questions)} "
          f"questions: p50 {row['p50_ms']} ms, p75 {row['p75_ms']}, p95 {row['p95_ms']} ms; "
          f"without the span reader p50 {row['without_reader_p50_ms']}, p75 "
          f"{row['without_reader_p75_ms']}, p95 {row['without_reader_p95_ms']} ms (the "
          f"question's encoding alone: p50 {row['encode_p50_ms']} ms)", flush=True)
    return row


HEAVY = ("torch", "transformers", "sentence_transformers", "gradio")
WHICH = ("import runpy, sys; sys.argv = ['askdocs'] + sys.argv[1:]\n"
         "try:\n    runpy.run_module('askdocs.cli', run_name='__main__')\n"
         "except SystemExit:\n    pass\n"
         f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")


def cold_cli(name: str, index: Path) -> dict:
    """`askdocs ask` in a new process, three times: wall time, peak RSS, heavy imports."""
    import psutil

    walls, peak = [], 0
    for _ in range(3):
        began = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "askdocs.cli", "ask",
                                    "how many children died?", "--index", str(index)],
                                   stdout=subprocess.DEVNULL, cwd=ROOT)
        watched = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                peak = max(peak, watched.memory_info().rss)
            except psutil.Error:
                break
            time.sleep(0.02)
        walls.append(time.perf_counter() - began)
    imported = subprocess.run([sys.executable, "-c", WHICH, "ask", "how many children died?",
                               "--index", str(index)], capture_output=True, text=True,
                              cwd=ROOT).stderr.strip().splitlines()[-1]
    row = {"index": name, "runs": len(walls), "median_seconds": round(statistics.median(walls), 2),
           "peak_rss_mb": round(peak / 2**20), "heavy_imports": imported}
    print(f"cold `askdocs ask` on {name}: {row['median_seconds']} s (median of 3), "
          f"peak RSS {row['peak_rss_mb']} MB; heavy modules imported: {imported}", flush=True)
    return row


def app_start(docs: Path, index: Path, mcp: bool) -> dict:
    """Seconds from `python app.py` to its first page, median of 3 (the index exists)."""
    import socket
    import urllib.request

    seconds = []
    for _ in range(3):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        began = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port), "--docs", str(docs), "--index",
             str(index)] + (["--mcp"] if mcp else []), cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            while process.poll() is None:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            seconds.append(time.perf_counter() - began)
        finally:
            process.terminate()
            process.wait(timeout=30)
    row = {"mcp": mcp, "runs": 3, "median_seconds": round(statistics.median(seconds), 2)}
    print(f"`python app.py{' --mcp' if mcp else ''}` on the SQuAD index: serving after "
          f"{row['median_seconds']} s (median of 3)", flush=True)
    return row


def split_speed(squad_documents: dict[str, str], megabytes: int = 50) -> dict:
    """split_sentences on one long text of short lines (SQuAD prose, wrapped), median of 3."""
    import textwrap

    from askdocs.chunking import split_sentences

    prose = " ".join(" ".join(text.split()) for text in squad_documents.values())
    rows = []
    for width in (40, 80):
        lines = "\n".join(textwrap.wrap(prose, width)) + "\n"
        text = (lines * (megabytes * 2**20 // len(lines) + 1))[:megabytes * 2**20]
        seconds = []
        for _ in range(3):
            began = time.perf_counter()
            count = len(split_sentences(text))
            seconds.append(time.perf_counter() - began)
        median = statistics.median(seconds)
        rows.append({"megabytes": megabytes, "line_width": width, "sentences": count,
                     "median_seconds": round(median, 2),
                     "mb_per_s": round(len(text.encode()) / 2**20 / median, 1)})
        print(f"splitting {megabytes} MB of {width}-column lines: {median:.1f} s, "
              f"{rows[-1]['mb_per_s']} MB/s ({count:,} sentences)")
    return {"runs": rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=SQUAD)
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "speed.json"))
    parser.add_argument("--only", choices=["split", "app", "builds", "ask"],
                        help="run one measure, update its entry")
    args = parser.parse_args()
    if args.only == "app":
        results = json.loads(Path(args.json).read_text()) if Path(args.json).exists() else {}
        squad_folder, index = CACHE / "squad48" / "docs", CACHE / "squad48" / "index"
        results["app_start"] = [app_start(squad_folder, index, mcp) for mcp in (False, True)]
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
        return
    if args.only == "ask":  # warm ask and cold CLI on the existing indexes, the app's start
        results = json.loads(Path(args.json).read_text()) if Path(args.json).exists() else {}
        squad_folder, index = CACHE / "squad48" / "docs", CACHE / "squad48" / "index"
        seed_index = CACHE / "seeds" / "index"
        build_index(squad_folder, index)
        build_index(ROOT / "seeds", seed_index)
        questions = [q.text for q in load_squad(args.squad)[1]]
        results["ask"] = ask_latency(index, random.Random(7).sample(questions, args.questions))
        results["cold_cli"] = [cold_cli("seeds", seed_index), cold_cli("squad-48", index)]
        results["app_start"] = [app_start(squad_folder, index, mcp) for mcp in (False, True)]
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
        return
    if args.only == "split":
        results = json.loads(Path(args.json).read_text()) if Path(args.json).exists() else {}
        results["split"] = split_speed(load_squad(args.squad)[0])
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
        return
    embedder = cached_embedder()  # what askdocs builds with on a CPU: ONNX, int8
    fp32 = cached_embedder(precision="fp32")
    torch_embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2", "cpu")
    for warm in (embedder, fp32, torch_embedder):
        warm.embed(["warm up"] * 8)
    documents, questions = load_squad(args.squad)
    squad_folder = write_folder(documents, CACHE / "squad48" / "docs")
    results = {"builds": [build_speed("seeds", ROOT / "seeds", embedder, "onnxruntime int8")]
               + [build_speed("squad-48", squad_folder, e, name) for e, name in (
                   (torch_embedder, "sentence-transformers fp32"), (fp32, "onnxruntime fp32"),
                   (embedder, "onnxruntime int8 (what askdocs builds with on a CPU)"))]}
    if args.only == "builds":
        kept = json.loads(Path(args.json).read_text()) if Path(args.json).exists() else {}
        Path(args.json).write_text(json.dumps({**kept, **results}, indent=1) + "\n")
        return
    index = CACHE / "squad48" / "index"
    build_index(squad_folder, index, embedder=embedder)
    sample = random.Random(7).sample([q.text for q in questions], args.questions)
    results["ask"] = ask_latency(index, sample)
    seed_index = CACHE / "seeds" / "index"
    build_index(ROOT / "seeds", seed_index, embedder=embedder)
    results["cold_cli"] = [cold_cli("seeds", seed_index), cold_cli("squad-48", index)]
    results["app_start"] = [app_start(squad_folder, index, mcp) for mcp in (False, True)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["peak_rss_mb"] = round(peak)
    results["split"] = split_speed(documents)
    print(f"peak RSS of this process (model, SQuAD builds and index): {peak:.0f} MB")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
