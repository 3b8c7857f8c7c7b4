"""Number extraction and the agreement note; fusion and quote choice on hand-made signals."""

from __future__ import annotations

import pytest

from askdocs.numbers import agreement, asks_quantity, parse_number, quantities


@pytest.mark.parametrize("text, expected", [
    ("At least 14 people, including six children, have been killed",
     [(14, "at least", "At least 14 people"), (6, "", "six children")]),
    ("Six of the dead were children", [(6, "", "Six of the dead")]),
    ("claimed another five lives.", [(5, "another", "another five lives")]),
    ("More than 30 people were admitted", [(30, "more than", "More than 30 people")]),
    ("up to 85 servicemen", [(85, "up to", "up to 85 servicemen")]),
    ("twenty-one boats and 2.5 million dollars", [(21, "", "twenty-one boats"),
                                                 (2_500_000, "", "2.5 million dollars")]),
    ("a population of 600,000 and 1,200 homes", [(600_000, "", "600,000"),
                                                 (1200, "", "1,200 homes")]),
    ("since 2022, on 2025-04-04 at 10:30, a three-month-old baby, a 10-storey block", []),
    ("injuring 35 in the city", [(35, "", "35")]),
    # a day of a month is part of a date
    ("For the year ended December 31, 2018; until 3 October; on the 12th of March", []),
    ("It rained for 3 days in May", [(3, "", "3 days")]),
    # one of a kind is no count; one of a group is, and so is "twenty-one of the best"
    ("making it one of Moscow’s deadliest strikes, one of the most important", []),
    ("One of the victims was a child", [(1, "", "One of the victims")]),
    ("twenty-one of the best players", [(21, "", "twenty-one of the best")]),
    # what a number counts is said after "of" by a noun or a pronoun, never by "of" alone
    ("two of them were children", [(2, "", "two of them")]),
    # "one of them" picks one out of a group named before: no count
    ("one of them by a playground, one of whom died", []),
    ("three of 5 people", [(3, "", "three"), (5, "", "5 people")]),
])
def test_quantities(text, expected):
    assert [(q.value, q.qualifier, q.phrase) for q in quantities(text)] == expected
    for q in quantities(text):
        assert text[q.start:q.end] == q.phrase


def test_parse_number():
    assert [parse_number(x) for x in ["16", "1,200", "2.5", "six", "Twenty-One", "a dozen",
                                      "lots"]] == [16, 1200, 2.5, 6, 21, 12, None]


def test_asks_quantity():
    assert asks_quantity("how many children died?")
    assert asks_quantity("What is the number of wounded?")
    assert not asks_quantity("Who is the regional governor?")


def test_agreement_notes_and_summaries_agree_and_differ():
    six_a, six_b = quantities("Six of the dead")[0], quantities("including six children")[0]
    agreed = agreement([("a.txt", six_a), ("b.txt", six_b)])
    assert agreed.agree and agreed.note() == (
        "The sources agree on 6: “Six of the dead” (a.txt); “six children” (b.txt).")
    assert agreed.summary() == "2 sources answer and agree: six children"
    sixteen = quantities("killed at least 16 people")[0]
    fourteen = quantities("At least 14 people")[0]
    differ = agreement([("a.txt", sixteen), ("b.txt", fourteen)])
    assert not differ.agree and differ.note() == (
        "The sources give different numbers: “at least 16 people” (a.txt); "
        "“At least 14 people” (b.txt).")
    assert differ.summary() == "The sources differ: at least 16 people vs At least 14 people"
    assert agreement([("a.txt", sixteen)]) is None
    # a phrase a line break runs through (a PDF's or a page file's line) is shown on one line
    wrapped = quantities("employed approximately\n12,000 people worldwide")[0]
    assert "\n" in wrapped.phrase
    assert agreement([("a.txt", wrapped), ("b.txt", fourteen)]).summary() == (
        "The sources differ: approximately 12,000 people vs At least 14 people")


def test_fusion_prefers_a_sentence_strong_on_every_signal(tmp_path):
    from askdocs import AskDocs, HashEmbedder, build_index
    from askdocs.chunking import make_chunks, split_sentences
    from askdocs.documents import make_document

    text = ("The harbour opened in 1901. Fishing boats crowd the harbour each spring.\n\n"
            "The lighthouse keeper counted 47 fishing boats in the harbour on Tuesday. "
            "It was a record.\n\nThe market sells bread.")
    doc = make_document("h.txt", text.encode())
    assert make_chunks(split_sentences(doc.text))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "h.txt").write_text(text)
    embedder = HashEmbedder()
    build_index(tmp_path / "docs", tmp_path / "index", embedder=embedder)
    searcher = AskDocs.load(tmp_path / "index", embedder=embedder).searcher
    question = "how many fishing boats did the lighthouse keeper count"
    hits = searcher.search(question, embedder.embed([question]), k=3)
    assert text[hits[0].start:hits[0].end].startswith("The lighthouse keeper counted")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
