"""The encoders: sentence-transformers (torch) against its ONNX export, fp32 and int8.

    python bench/encoders.py [--squad PATH] [--questions N] [--bulk N] [--int8-index]
                             [--skip-encoders] [--json PATH]

In one run, on an fp32 index of the 48 SQuAD dev articles (bench/.cache/squad48-fp32, built by
the fp32 export: torch's vectors, so only the query encoder changes):
- SQuAD P@1 and R@5 with each query encoder (all 10,570 questions unless --questions);
- the cosine between each ONNX encoder's query vectors and torch's (min and mean);
- one question's encode time, p50 over 300 questions, all cores;
- bulk encoding of the texts an index build embeds (the first --bulk sentences and chunks of
  the 48 articles) in texts/s, all cores, each encoder on the same texts.
With --int8-index: the index built by the int8 encoder (its build time), as askdocs builds on a
CPU, and searched with it, P@1 and R@5 (--skip-encoders: only this, added to the results file).
The int8 model is the fp32 export quantised by onnxruntime.quantization.quantize_dynamic
(weights int8 with a scale per output channel, activations quantised as they come), as
encoders/onnx.py makes it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from common import CACHE, ROOT, SQUAD, squad_index
from speed import texts_of

from askdocs.embedding import SentenceTransformerEmbedder
from askdocs.encoders.onnx import OnnxEmbedder
from askdocs.engine import AskDocs
from askdocs.evaluation import ranks, summarise
from askdocs.indexer import build_index


def single_ms(encoder, questions: list[str]) -> float:
    for q in questions[:20]:
        encoder.embed([q])
    times = []
    for q in questions:
        began = time.perf_counter()
        encoder.embed([q])
        times.append(1000 * (time.perf_counter() - began))
    return round(statistics.median(times), 2)


def bulk_rate(encoder, texts: list[str]) -> float:
    began = time.perf_counter()
    encoder.embed(texts)
    return round(len(texts) / (time.perf_counter() - began), 1)


def compare(encoders: dict, fp32, index: Path, questions, bulk_count: int) -> dict:
    """Each encoder's queries against the index's fp32 vectors, its speed, its bulk rate."""
    texts = [q.text for q in questions]
    reference = encoders["torch"].embed(texts)
    results = {}
    for name, encoder in encoders.items():
        engine = AskDocs.load(index, embedder=fp32)
        engine.embedder = encoder  # the index's (fp32) vectors, this encoder's queries
        found, _ = ranks(engine, questions)
        quality = summarise(found)
        cosine = (encoder.embed(texts) * reference).sum(axis=1)
        row = {"p_at_1": round(quality["p_at_1"], 2), "r_at_5": round(quality["r_at_5"], 2),
               "cosine_min": round(float(cosine.min()), 5),
               "cosine_mean": round(float(cosine.mean()), 5),
               "query_ms_p50": single_ms(encoder, texts[:300])}
        results[name] = row
        print(f"{name}: P@1 {row['p_at_1']}, R@5 {row['r_at_5']}; cosine to torch min "
              f"{row['cosine_min']}, mean {row['cosine_mean']}; one query "
              f"{row['query_ms_p50']} ms (p50)", flush=True)
    bulk = texts_of(CACHE / "squad48" / "docs")[:bulk_count]
    for name, encoder in encoders.items():
        results[name]["bulk_texts_per_s"] = bulk_rate(encoder, bulk)
        print(f"{name}: bulk {results[name]['bulk_texts_per_s']} texts/s ({len(bulk)} texts)",
              flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=SQUAD)
    parser.add_argument("--questions", type=int, default=0, help="0: all")
    parser.add_argument("--bulk", type=int, default=3000)
    parser.add_argument("--int8-index", action="store_true",
                        help="also build the index with the int8 encoder and search it")
    parser.add_argument("--skip-encoders", action="store_true",
                        help="only the int8 index (with --int8-index)")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "encoders.json"))
    args = parser.parse_args()
    _, questions, index = squad_index(args.squad)
    if args.questions:
        questions = questions[::max(1, len(questions) // args.questions)][:args.questions]
    fp32 = OnnxEmbedder("all-MiniLM-L6-v2", "fp32")
    index = CACHE / "squad48-fp32" / "index"
    build_index(CACHE / "squad48" / "docs", index, embedder=fp32)
    encoders = {"torch": SentenceTransformerEmbedder("all-MiniLM-L6-v2", "cpu"),
                "onnx-fp32": fp32, "onnx-int8": OnnxEmbedder("all-MiniLM-L6-v2", "int8")}
    out = Path(args.json)
    results = json.loads(out.read_text()) if args.skip_encoders and out.exists() else {}
    results["questions"] = len(questions)
    if not args.skip_encoders:
        results.update(compare(encoders, fp32, index, questions, args.bulk))
    if args.int8_index:  # the index built by the int8 encoder too, and searched with it
        int8 = encoders["onnx-int8"]
        with tempfile.TemporaryDirectory() as tmp:
            began = time.perf_counter()
            build_index(CACHE / "squad48" / "docs", Path(tmp) / "index", embedder=int8)
            built = time.perf_counter() - began
            found, _ = ranks(AskDocs.load(Path(tmp) / "index", embedder=int8), questions)
        quality = summarise(found)
        results["int8_index"] = {"p_at_1": round(quality["p_at_1"], 2),
                                 "r_at_5": round(quality["r_at_5"], 2),
                                 "build_seconds": round(built, 1)}
        print(f"int8 index, int8 queries: P@1 {results['int8_index']['p_at_1']}, R@5 "
              f"{results['int8_index']['r_at_5']}; built in {built:.1f} s", flush=True)
    out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
