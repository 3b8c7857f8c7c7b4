"""Two cores for the model: one process with torch's own threads, or a pool of processes?

    python bench/cores.py [--texts N]

Embeds N SQuAD dev sentences (default 1,440) twice each way, in one run: the default model in
this process with torch's threads (as `askdocs index` does), and split between two spawned
processes of one torch thread each, the model loaded in each beforehand (its load not timed).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from common import SQUAD

from askdocs.chunking import split_sentences
from askdocs.embedding import SentenceTransformerEmbedder
from askdocs.evaluation import load_squad

WORKER: SentenceTransformerEmbedder | None = None


def start_worker() -> None:
    import torch

    global WORKER
    torch.set_num_threads(1)
    WORKER = SentenceTransformerEmbedder(device="cpu")


def embed(texts: list[str]) -> int:
    WORKER.embed(texts)
    return len(texts)


def main():
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1440)
    args = parser.parse_args()
    documents, _ = load_squad(SQUAD)
    texts = [t[s.start:s.end] for t in documents.values() for s in split_sentences(t)]
    texts = texts[:args.texts]
    model = SentenceTransformerEmbedder(device="cpu")
    model.embed(texts[:50])
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, initializer=start_worker) as pool:
        list(pool.map(embed, [texts[:20], texts[20:40]]))
        for _ in range(2):
            began = time.perf_counter()
            model.embed(texts)
            one = len(texts) / (time.perf_counter() - began)
            began = time.perf_counter()
            list(pool.map(embed, [texts[0::2], texts[1::2]]))
            two = len(texts) / (time.perf_counter() - began)
            print(f"one process, {torch.get_num_threads()} torch threads: {one:.0f} texts/s; "
                  f"two processes of one thread: {two:.0f} texts/s")


if __name__ == "__main__":
    main()
