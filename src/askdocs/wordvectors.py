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

import re
import warnings
from pathlib import Path

import numpy as np

WORD = re.compile(r"[^\W\d_][\w'’-]*")
CACHED_WORDS = 100_000  # word vectors kept between questions


class WordVectors:
    """A word's vector: the mean of its word pieces' input vectors, unit length. The table is
    read a row at a time from the memory-mapped file (30,522 rows of 384 floats, 47 MB, of
    which a question touches a few hundred)."""

    def __init__(self, tensors, table, tokenizer):
        self.tensors = tensors  # the open file the table is mapped from
        self.table = table
        self.width = int(table.get_shape()[1])
        self.tokenizer = tokenizer
        self.cache: dict[str, np.ndarray] = {}

    def vector(self, word: str) -> np.ndarray:
        word = word.lower()
        found = self.cache.get(word)
        if found is None:
            if len(self.cache) >= CACHED_WORDS:
                self.cache.clear()
            pieces = self.tokenizer.encode(word, add_special_tokens=False).ids
            found = np.mean([self.table[i:i + 1][0] for i in pieces], axis=0,
                            dtype=np.float32) if pieces else np.zeros(self.width, np.float32)
            found /= np.linalg.norm(found) or 1.0
            self.cache[word] = found
        return found

    def closeness(self, words: list[str], text: str) -> list[float]:
        """For each word, the cosine of it and the closest word of `text` (0 if text has none)."""
        found = {w.lower() for w in WORD.findall(text)}
        if not words or not found:
            return [0.0] * len(words)
        others = np.stack([self.vector(w) for w in found])
        asked = np.stack([self.vector(w) for w in words])
        return (asked @ others.T).max(axis=1).astype(float).tolist()


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
    weights with a word-embedding table, or no tokenizer.json."""
    weights, vocabulary = model_dir / "model.safetensors", model_dir / "tokenizer.json"
    if not (weights.is_file() and vocabulary.is_file()):
        return None
    from safetensors import safe_open
    from tokenizers import Tokenizer

    try:
        tensors = safe_open(str(weights), framework="numpy")
        name = next((k for k in tensors.keys() if k.endswith("word_embeddings.weight")), None)
        if name is None or len(tensors.get_slice(name).get_shape()) != 2:
            return None
        tokenizer = Tokenizer.from_file(str(vocabulary))
    except Exception as error:  # a damaged file: answer with exact words, as without one
        warnings.warn(f"askdocs: the model's word vectors are not available ({error}); "
                      "counting exact words only", stacklevel=2)
        return None
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return WordVectors(tensors, tensors.get_slice(name), tokenizer)
