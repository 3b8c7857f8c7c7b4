"""The span reader that re-ranks close calls (reranker.py): its order, its margins, its file."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

import numpy as np
import pytest

from askdocs.embedding import resolve_model_path
from askdocs.errors import InputError
from askdocs.reranker import (
    LONGEST_SPAN,
    MODEL_FILE,
    SpanReader,
    close_call,
    reranked,
    span_margins,
    span_reader,
)
from tests.conftest import CHILDREN

MODEL_DIR = resolve_model_path("all-MiniLM-L6-v2")


def test_the_reader_is_asked_only_when_the_two_best_are_close():
    assert close_call([1.0, 0.95])
    assert not close_call([1.0, 0.5])
    assert not close_call([1.0])
    assert not close_call([0.0, 0.0])  # no positive best score to take a share of


def test_the_margin_reorders_the_first_sentences_and_leaves_the_rest():
    # the second is nearly as close and the reader finds an answer in it alone
    assert reranked([1.0, 0.95, 0.9, 0.5], [-5.0, 6.0, -3.0, 9.0], depth=3) == [1, 0, 2, 3]
    # a lead the margin cannot make up stays
    assert reranked([1.0, 0.3], [-10.0, 10.0])[0] == 0
    # margins past the clip count no more than the clip
    assert reranked([1.0, 0.95], [0.0, 40.0]) == reranked([1.0, 0.95], [0.0, 10.0])


def test_a_span_is_inside_the_sentence_and_at_most_so_long():
    tokens = 40
    starts = np.zeros((1, tokens), np.float32)
    ends = np.zeros((1, tokens), np.float32)
    inside = np.zeros((1, tokens), bool)
    inside[0, 5:35] = True
    starts[0, 0] = ends[0, 0] = 1.0  # no answer: 2
    starts[0, 2], ends[0, 3] = 50.0, 50.0  # the question's words: not a span of the sentence
    starts[0, 6], ends[0, 6 + LONGEST_SPAN + 1] = 4.5, 4.5  # one token too long
    starts[0, 30], ends[0, 32] = 3.0, 4.0  # the answer
    assert span_margins(starts, ends, inside)[0] == pytest.approx(3.0 + 4.0 - 2.0)


@pytest.mark.model
def test_the_reader_finds_the_answer_in_the_sentence_that_holds_one():
    reader = span_reader()
    margins = reader.margins(CHILDREN, [
        "The city council met on Tuesday to discuss the budget for schools.",
        "At least 14 people, including six children, have been killed in the strike.",
        "Children in the region have been evacuated to the west of the country."])
    # the sentence that answers leads the two that are only about the question by far
    assert int(np.argmax(margins)) == 1 and margins[1] > max(margins[0], margins[2]) + 5
    assert reader.margins("word " * 200 + "?", ["Six children died."]) is None


@pytest.mark.model
def test_a_sentence_reads_the_same_whatever_it_is_read_with():
    reader = span_reader()
    sentence = "At least 14 people, including six children, have been killed in the strike."
    alone = reader.margins(CHILDREN, [sentence])[0]
    longer = "A much longer sentence about the council, " * 12 + "which met on Tuesday."
    with_others = reader.margins(CHILDREN, [longer, sentence, "Schools closed."])
    assert with_others[1] == alone


def test_a_damaged_reader_file_is_refused(tmp_path):
    damaged = tmp_path / "reader-int8.onnx"
    shutil.copyfile(MODEL_FILE, damaged)
    with damaged.open("r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 1]))
    with pytest.raises(InputError, match="missing or damaged"):
        SpanReader(MODEL_DIR, damaged)
    with pytest.raises(InputError, match="missing or damaged"):
        SpanReader(MODEL_DIR, tmp_path / "absent.onnx")


@pytest.mark.model
def test_a_close_call_is_read_and_each_place_keeps_its_score(seed_engine):
    hits = seed_engine.search(CHILDREN, 10)
    says = re.compile(r"six children|six of the dead were children", re.IGNORECASE)
    answering = [h for h in hits if says.search(seed_engine.quote([h]).text)]
    others = [h for h in hits if h not in answering]
    assert answering and len(others) >= 3
    # the sentences that answer put after three that do not, every score nearly the same
    shuffled = others[:3] + answering + others[3:]
    scores = [1.0 - 0.001 * i for i in range(len(shuffled))]
    close = [replace(h, score=s) for h, s in zip(shuffled, scores)]
    read = seed_engine.reread(CHILDREN, close)
    assert says.search(seed_engine.quote([read[0]]).text)
    assert [h.score for h in read] == scores
    assert sorted(h.sentence for h in read) == sorted(h.sentence for h in close)
    # the same hits far apart are no close call: left as they are
    apart = [replace(h, score=s) for h, s in zip(shuffled, [1.0] + [0.5] * (len(shuffled) - 1))]
    assert seed_engine.reread(CHILDREN, apart) == apart
