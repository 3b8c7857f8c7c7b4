"""Static word vectors: the embedding model's own table of input vectors, one per word piece, to
tell when a passage says a question's word in other words ("kids" where the text says
"children", 0.77; unrelated words sit near 0).

The first abstention step counts how much of the question's rare-word weight the passage holds
(answer.confidence's coverage). A word the passage does not hold still counts, in part, if one
of the passage's words is this close to it (answer.NEAR_WORD): a paraphrase then clears the
step that a question on another topic does not. The table is read from the model's
safetensors file (tensors only, no code) and the words split by its own tokenizer.json; a model
without them gets exact words only.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np

WORD = re.compile(r"[^\W\d_][\w'’-]*")
CACHED_WORDS = 50_000  # word vectors kept between questions (77 MB)
RECENT_TEXTS = 256  # texts whose words are kept as rows
MAX_HEADER = 100_000_000  # bytes of a safetensors header (the format's own limit)


class WordVectors:
    """A word's vector: the mean of its word pieces' input vectors, unit length. The table is
    mapped from the model's file (30,522 rows of 384 floats, 47 MB, of which a question touches
    a few hundred)."""

    def __init__(self, table: np.ndarray, tokenizer):
        self.table = table
        self.width = int(table.shape[1])
        self.tokenizer = tokenizer
        # the words met so far (at most CACHED_WORDS), each a row of `vectors`
        self.rows: dict[str, int] = {}
        self.vectors = np.zeros((1024, self.width), np.float32)
        # the last texts' words, as rows: a passage is often read again by the next question
        self.recent: dict[str, np.ndarray] = {}

    def make_room(self) -> None:
        """Forget every word once CACHED_WORDS are kept (before a call makes rows, so that
        none it holds is dropped)."""
        if len(self.rows) >= CACHED_WORDS:
            self.rows.clear()
            self.recent.clear()

    def row(self, word: str) -> int:
        """The row of `vectors` holding a word's vector, made on first use."""
        word = word.lower()
        found = self.rows.get(word)
        if found is None:
            self.add([word])
            found = self.rows[word]
        return found

    def add(self, words: list[str]) -> None:
        """Rows for new (lower-cased, distinct) words, their word pieces read in one go."""
        first = len(self.rows)
        if first + len(words) > len(self.vectors):
            grown = np.zeros((max(first + len(words), min(2 * len(self.vectors),
                                                          CACHED_WORDS + 1024)),
                              self.width), np.float32)
            grown[:first] = self.vectors[:first]
            self.vectors = grown
        pieces = [e.ids for e in self.tokenizer.encode_batch(words, add_special_tokens=False)]
        counts = np.array([len(p) for p in pieces])
        rows = self.table[np.concatenate([np.asarray(p, dtype=np.int64) for p in pieces])] \
            if counts.sum() else np.zeros((0, self.width), np.float32)
        found = np.zeros((len(words), self.width), np.float32)
        has = counts > 0
        if has.any():
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[has]
            found[has] = np.add.reduceat(rows, starts, axis=0) / counts[has, None].astype(
                np.float32)
        for vector in found:  # a row at a time: the norm as one vector's, to the last bit
            vector /= np.linalg.norm(vector) or 1.0
        self.vectors[first:first + len(words)] = found
        self.rows.update(zip(words, range(first, first + len(words))))

    def text_rows(self, text: str) -> np.ndarray:
        """The rows of a text's distinct words (kept for the last RECENT_TEXTS texts)."""
        found = self.recent.get(text)
        if found is None:
            words = list({w.lower() for w in WORD.findall(text)})
            new = [w for w in words if w not in self.rows]
            if new:
                self.add(new)
            found = np.array([self.rows[w] for w in words], dtype=np.int64)
            if len(self.recent) >= RECENT_TEXTS:
                self.recent.clear()
            self.recent[text] = found
        return found

    def closeness(self, words: list[str], text: str) -> list[float]:
        """For each word, the cosine of it and the closest word of `text` (0 if text has none)."""
        if not words:
            return []
        self.make_room()
        asked, others = [self.row(w) for w in words], self.text_rows(text)
        if not len(others):
            return [0.0] * len(words)
        return (self.vectors[asked] @ self.vectors[others].T).max(axis=1).astype(float).tolist()


def written_as(question: str, tokenize) -> dict[str, str]:
    """Each search term of the question (tokenize: the index's tokenizer) with the word the
    question writes it as; names (capitalised after the first word) left out: a name has no
    other words, and "Kherson" is close to "Kharkiv" (0.51)."""
    said: dict[str, str] = {}
    for match in WORD.finditer(question):
        word = match.group(0)
        if match.start() == 0 or not word[0].isupper():
            for term in tokenize(word):
                said.setdefault(term, word)
    return said


def load_word_vectors(model_dir: Path) -> WordVectors | None:
    """The word vectors of a sentence-transformers folder, or None if it has no safetensors
    weights with a float32 word-embedding table, or no tokenizer.json. The table is mapped from
    the file as the safetensors format lays it out (a length, a JSON header of each tensor's
    type, shape and byte range, the bytes): read as numbers, never run."""
    weights, vocabulary = model_dir / "model.safetensors", model_dir / "tokenizer.json"
    if not (weights.is_file() and vocabulary.is_file()):
        return None
    from tokenizers import Tokenizer

    try:
        table = mapped_table(weights)
        if table is None:
            return None
        tokenizer = Tokenizer.from_file(str(vocabulary))
        if tokenizer.get_vocab_size() > len(table):  # a word piece with no row
            raise ValueError("the tokenizer has more word pieces than the table has rows")
    except Exception as error:  # a damaged file: answer with exact words, as without one
        warnings.warn(f"askdocs: the model's word vectors are not available ({error}); "
                      "counting exact words only", stacklevel=2)
        return None
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return WordVectors(table, tokenizer)


def mapped_table(weights: Path) -> np.ndarray | None:
    """The word-embedding table of a safetensors file, memory-mapped (None: it has none, or
    not as a 2-d float32 tensor); ValueError if the file is not laid out as it says."""
    size = weights.stat().st_size
    with open(weights, "rb") as handle:
        length = int.from_bytes(handle.read(8), "little")
        if not 2 <= length <= min(size - 8, MAX_HEADER):
            raise ValueError("not a safetensors file")
        header = json.loads(handle.read(length))
    if not isinstance(header, dict):
        raise ValueError("not a safetensors header")
    name = next((k for k in header if k.endswith("word_embeddings.weight")), None)
    entry = header.get(name) if name else None
    if not isinstance(entry, dict) or entry.get("dtype") != "F32":
        return None
    shape, (begin, end) = entry.get("shape"), entry.get("data_offsets", (None, None))
    if not (isinstance(shape, list) and len(shape) == 2 and all(
            isinstance(n, int) and n > 0 for n in (*shape, end)) and isinstance(begin, int)
            and 0 <= begin and end - begin == 4 * shape[0] * shape[1]
            and 8 + length + end <= size):
        raise ValueError(f"the tensor {name!r} is not where the header says")
    return np.memmap(weights, dtype="<f4", mode="r", offset=8 + length + begin,
                     shape=(shape[0], shape[1]))
