"""The span reader: the closest sentences re-ranked by whether one holds an answer to the
question, not only by how close it is to it.

askdocs' score (dense and BM25, sentence and passage) finds what a sentence is about; asked "how
many people died?", "The attack killed 14 people" and "The death toll was disputed" score
alike. The reader is all-MiniLM-L6-v2 fine-tuned as an extractive reader: it reads a question
and one sentence together and points at the span that answers, with "no answer" as a position
of its own (the [CLS] token). Its margin, the best span's score over the no-answer score, says
how sure it is that the sentence answers. The first DEPTH sentences are then ordered by

    score / best score + WEIGHT * clip(margin, -10, 10) / 10

and their scores kept in place (the first is still the best score), so every rule that reads
the scores (which sentences are quoted, whether to answer) reads them as before.

It runs only on a close call: where the second sentence scores at least GATE times the first.
Where one sentence leads clearly, the reader seldom changes the order and the question need not
wait for it: reading ten sentences measured 28 ms on two idle cores, and on a slower day
(bench/speed.py, 2026-11-26) the reader added about 10 ms to a warm question's median and 100
to 200 ms to its slowest quarter. Each sentence is read on its own, not in one padded batch: its
margin is then the same whatever it is read with, and ten unpadded readings took 71 ms against
85 for the batch (300 SQuAD questions' ten best, that slower day). They are read two at a time
on two cores, a thread each (SpanReader.__init__).

The weights (data/reader-int8.onnx, 23 MB) are made by bench/train_reader.py from SQuAD v1.1's
even-numbered articles only (never the odd half that reports askdocs' figures, never a SQuAD
2.0 article), exported to ONNX and quantised to int8 per output channel as askdocs' encoder is:
`python bench/train_reader.py train --hold 0,1,2,3,4,5,6,7` (46 minutes on two cores), then
`export`. WEIGHT and GATE were chosen on the public SQuAD 2.0 articles' answerable questions
(`rerank --choose`).
The file is an ONNX graph of standard operators, run by ONNX Runtime: nothing in it executes
code; its SHA-256 is checked when it is loaded.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np

from askdocs.documents import sha256_file
from askdocs.errors import InputError

WEIGHT = 0.3  # the reader's say beside askdocs' score (bench/train_reader.py rerank --choose)
DEPTH = 10  # sentences read, best first
GATE = 0.9  # read only where the second sentence scores at least this share of the first
MAX_LENGTH = 160  # tokens of question and sentence together, as trained (a longer sentence is cut)
LONGEST_QUESTION = 80  # tokens; a longer question is not read (SQuAD's are under 40)
LONGEST_SPAN = 20  # tokens of an answer span the reader may point at
CLIP = 10.0  # a margin counts at most this much either way
MODEL_FILE = Path(__file__).parent / "data" / "reader-int8.onnx"
MODEL_SHA256 = "52cebf1b12c76bac227f628c8080367199f3f5e22db9a66537ab1e21345122ac"


def close_call(scores: list[float], gate: float = GATE) -> bool:
    """Whether the reader is asked: two sentences or more, the second scoring at least `gate`
    times the first (a positive score)."""
    return len(scores) > 1 and scores[0] > 0 and scores[1] >= gate * scores[0]


def reranked(scores: list[float], margins: list[float] | np.ndarray, weight: float = WEIGHT,
             depth: int = DEPTH) -> list[int]:
    """The order of the first `depth` sentences by score / best score + weight * margin / CLIP
    (the margin clipped at +-CLIP), then the rest as they were."""
    k = min(depth, len(scores), len(margins))
    combined = (np.asarray(scores[:k], dtype=float) / scores[0]
                + weight * np.clip(np.asarray(margins[:k], dtype=float), -CLIP, CLIP) / CLIP)
    return [int(i) for i in np.argsort(-combined, kind="stable")] + list(range(k, len(scores)))


def span_margins(starts: np.ndarray, ends: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Each pair's best span inside its sentence (at most LONGEST_SPAN tokens), start and end
    logits summed, over its no-answer score (the [CLS] position's). inside: (pairs, tokens),
    True where a token is the sentence's."""
    n = starts.shape[1]
    offsets = np.arange(n)[None, :] - np.arange(n)[:, None]  # end minus start
    allowed = (offsets >= 0) & (offsets <= LONGEST_SPAN)
    low = np.float32(-1e9)
    begin = np.where(inside, starts, low)[:, :, None]
    finish = np.where(inside, ends, low)[:, None, :]
    best = np.where(allowed[None], begin + finish, low).max(axis=(1, 2))
    return best - (starts[:, 0] + ends[:, 0])


class SpanReader:
    """The int8 reader on ONNX Runtime, with the model's own tokenizer (no torch)."""

    def __init__(self, model_dir: Path, file: Path = MODEL_FILE, sha256: str = MODEL_SHA256,
                 threads: int | None = None):
        import onnxruntime
        from tokenizers import Tokenizer

        from askdocs.encoders.onnx import cores

        try:
            matches = sha256_file(file) == sha256
        except OSError:
            matches = False
        if not matches:
            raise InputError(f"askdocs' reader model {file} is missing or damaged (its checksum "
                             "does not match); reinstall askdocs")
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_LENGTH, strategy="only_second")
        self.tokenizer.no_padding()
        # one thread a reading, `workers` readings at once: a sentence is too short for two
        # threads to share well (ten read in 76 ms so, 71 ms two at a time on one thread each,
        # on two idle cores; 203 and 146 ms beside another process), and the margins are the
        # same either way
        self.workers = threads or cores()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.log_severity_level = 3  # errors only
        self.session = onnxruntime.InferenceSession(str(file), options,
                                                    providers=["CPUExecutionProvider"])

    def margins(self, question: str, sentences: list[str]) -> np.ndarray | None:
        """The reader's margin for each sentence (positive: it holds an answer), or None for a
        question too long to read."""
        if not sentences:
            return None
        try:  # only the sentence is cut: a question that leaves it no room cannot be read
            encoded = self.tokenizer.encode_batch([(question, s) for s in sentences])
        except Exception:  # tokenizers raises a plain Exception for a truncation it cannot do
            return None
        if encoded[0].sequence_ids.count(0) > LONGEST_QUESTION:
            return None
        # each pair read on its own: int8 ONNX quantises a layer's inputs with one scale for
        # the whole batch, padding and the other sentences included, so a sentence read in a
        # batch would get a margin that depends on what it is read with (by 1.2 at the median)
        def read(e) -> np.ndarray:
            starts, ends = self.session.run(None, {
                "input_ids": np.array([e.ids], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids], dtype=np.int64)})
            return span_margins(starts, ends, np.array([[t == 1 for t in e.sequence_ids]]))

        workers = min(self.workers, len(encoded))
        if workers < 2:
            return np.concatenate([read(e) for e in encoded])
        # a pool a call, not one kept: a process forked later would inherit a kept pool's
        # threads as dead ones and wait on them for ever
        with ThreadPoolExecutor(workers) as pool:
            return np.concatenate(list(pool.map(read, encoded)))


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _reader() -> SpanReader:
    from askdocs.embedding import DEFAULT_MODEL, resolve_model_path

    return SpanReader(resolve_model_path(DEFAULT_MODEL))  # the model the reader was tuned from


def span_reader() -> SpanReader:
    """The process's one reader (loaded on first use: about 0.1 s)."""
    with _lock:
        return _reader()
