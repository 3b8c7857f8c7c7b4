"""Answers: verbatim quotes at their offsets, input checks, the JSON contract (fake embedder)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from askdocs import AskDocs, InputError, build_index
from askdocs.answer import (
    LEAD_RATIO,
    MAX_QUESTION_CHARS,
    THRESHOLD_GROWTH_END,
    clean_question,
    dedupe,
    is_follow_up,
    plain_case,
    runs,
    search_query,
    threshold,
)
from askdocs.embedding import HashEmbedder
from askdocs.keywords import Tokenizer
from askdocs.retrieval import Hit

QUOTE_KEYS = ["source", "text", "start", "end", "score", "context", "context_start",
              "context_end", "title", "date", "page", "page_breaks", "heading"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from conftest import SEEDS

    index = tmp_path_factory.mktemp("fake") / "index"
    build_index(SEEDS, index, embedder=HashEmbedder())
    return AskDocs.load(index, embedder=HashEmbedder())


def check_offsets(engine, quote):
    text = next(d.text for d in engine.documents if d.id == quote.source)
    assert quote.text == text[quote.start:quote.end]
    assert quote.context == text[quote.context_start:quote.context_end]
    assert quote.context_start <= quote.start < quote.end <= quote.context_end


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=120).filter(lambda q: q.strip()))
def test_every_quote_is_the_document_text_at_its_offsets(engine, question):
    try:
        answer = engine.ask(question, k=5)
    except InputError:
        return
    for quote in answer.quotes:
        check_offsets(engine, quote)
    for quote in engine.rank(question, k=10):
        check_offsets(engine, quote)


@pytest.mark.parametrize("question, message", [
    ("", "the question is empty"),
    ("   \n\t ", "the question is empty"),
    ("\x00\x01", "the question is empty"),
    ("x" * 2001, "2,001 characters long; the limit is 2,000"),
])
def test_unusable_questions_are_input_errors(engine, question, message):
    with pytest.raises(InputError, match=message):
        engine.ask(question)


def test_to_dict_has_exactly_the_contract_keys(engine):
    answer = engine.ask("Kryvyi Rih missile attack children killed")
    data = answer.to_dict()
    assert list(data) == ["question", "answered", "confidence", "quotes", "notes"]
    assert 0.0 <= data["confidence"] <= 1.0
    assert data["quotes"] and all(list(q) == QUOTE_KEYS for q in data["quotes"])


@pytest.mark.parametrize("question", [
    "and how many were wounded?", "What about Kharkiv?", "in Kharkiv?", "on Friday?",
    "where did it happen?", "who said that?", "what did they discuss?", "how many were there?",
    "What did Zelensky say about it?", "did Russia accept it?", "what is its population?",
    "what was their response?", "how many of their soldiers died?", "When?", "how many?",
    "by whom?"])
def test_follow_ups_lean_on_the_previous_question(question):
    assert is_follow_up(question)


@pytest.mark.parametrize("written", ["HOW MANY CHILDREN DIED?", "How Many Children Died?"])
def test_a_question_in_capitals_is_answered_as_in_lower_case(engine, written):
    # judging reads a capitalised word as a name the passage must say: "CHILDREN", "Died"
    plain = engine.ask("how many children died?")
    shouted = engine.ask(written)
    assert shouted.question == written
    assert (shouted.answered, shouted.quotes, shouted.confidence) == \
        (plain.answered, plain.quotes, plain.confidence)
    assert plain_case("What did Zelensky say in Kryvyi Rih?") == \
        "What did Zelensky say in Kryvyi Rih?"
    assert plain_case("In Kharkiv?") == "In Kharkiv?" and plain_case("NATO?") == "nato?"


def test_a_mistyped_word_is_read_as_the_word_the_documents_say(engine):
    typed = engine.ask("how many chidren died?")
    plain = engine.ask("how many children died?")
    assert typed.question == "how many chidren died?"
    assert typed.quotes == plain.quotes and typed.agreement == plain.agreement
    assert typed.notes == (*plain.notes, "Read “chidren” as “children”")
    # a word WordNet knows is never changed, nor one no word of the documents is a letter from
    assert engine.respelled("Who is the mayor of Kyiv?") == ("Who is the mayor of Kyiv?", ())
    assert engine.respelled("how many died in parris?") == ("how many died in parris?", ())
    assert engine.respelled("how many peple were woundd?") == (
        "how many people were wounded?", (("peple", "people"), ("woundd", "wounded")))
    # the question before a follow-up is read so too
    assert engine.ask("and how many were wounded?", previous="how many chidren died?").quotes \
        == engine.ask("and how many were wounded?", previous="how many children died?").quotes


def test_a_follow_up_that_names_nothing_counts_what_the_question_before_counts(engine):
    # "how many?" says nothing of what is counted: every number of the quotes was compared
    # ("The sources differ: Six of the dead vs At least 14 people")
    alone = engine.ask("how many children died?")
    follow_up = engine.ask("how many?", previous="how many children died?")
    assert alone.agreement is not None and alone.agreement.agree
    assert follow_up.agreement == alone.agreement


def test_a_long_chain_of_follow_ups_keeps_its_latest_questions(engine):
    # a chat searches a follow-up with what was searched for the one before: a long chain
    # outgrew the question limit and every further follow-up was refused as too long
    chain = "how many children died?"
    for _ in range(200):
        chain = search_query("and in Kharkiv?", chain)
    assert len(chain) <= MAX_QUESTION_CHARS
    assert chain.startswith("and in Kharkiv? ") and chain.endswith("? and in Kharkiv?")
    assert engine.ask("and how many were wounded?", previous=chain).question == \
        "and how many were wounded?"
    assert search_query("and in Kyiv?", "how many died?") == "how many died? and in Kyiv?"


@pytest.mark.parametrize("question", [
    "how many were wounded?", "how many children died?", "Who is the regional governor?",
    "Is there a ceasefire?", "On what day did the attack happen?",
    "What did the city's defence chief say about the missile that landed in a residential area?",
    "When did the attack take place?", "how many kids lost their lives",
    "how did the city rebuild its centre?", "What does Ukraine want in its peace deal?"])
def test_questions_that_stand_alone_are_read_alone(question):
    assert not is_follow_up(question)


def test_control_characters_are_removed_from_questions():
    assert clean_question("  how\x07 many?\x00 ") == "how  many?"


def test_near_duplicate_quotes_are_merged():
    from askdocs.answer import Quote

    def quote(source, text, score):
        return Quote(source, text, 0, len(text), score, text, 0, len(text), "t", None)

    kept = dedupe([quote("a", "Six of the dead were children.", 2.0),
                   quote("b", "Six of the dead were children!", 1.5),
                   quote("b", "Something else entirely.", 1.0)])
    assert [q.source for q in kept] == ["a", "b"] and kept[1].text == "Something else entirely."


def test_a_quote_giving_a_compared_count_opens_the_answer():
    from askdocs.answer import Quote, counted_first
    from askdocs.numbers import Agreement, quantities

    def quote(source, text):
        return Quote(source, text, 0, len(text), 1.0, text, 0, len(text), "t", None)

    wounded = quote("b", "At least 50 people were wounded, the emergency services said.")
    killed_a = quote("a", "The attack has killed at least 16 people and left dozens wounded.")
    killed_b = quote("b", "At least 14 people, including six children, have been killed.")
    [sixteen] = [q for q in quantities(killed_a.text) if q.value == 16]
    [fourteen] = [q for q in quantities(killed_b.text) if q.value == 14]
    compared = Agreement((("b", fourteen), ("a", sixteen)))
    assert counted_first([wounded, killed_a, killed_b], compared) == \
        [killed_a, wounded, killed_b]
    assert counted_first([killed_b, wounded, killed_a], compared) == \
        [killed_b, wounded, killed_a]  # the first gives one already
    # the same source's other quote with the same words elsewhere is no count compared
    assert counted_first([wounded, quote("c", killed_b.text)], compared) == \
        [wounded, quote("c", killed_b.text)]


def test_a_how_many_answer_opens_with_a_quote_that_gives_a_number():
    from askdocs.answer import Quote, number_first

    def quote(text):
        return Quote("a", text, 0, len(text), 1.0, text, 0, len(text), "t", None)

    none = quote("The dead and wounded could be seen lying on the pavement.")
    fifty = quote("At least 50 people have been wounded in the attack.")
    later = quote("More than 30 people were admitted to hospital.")
    assert number_first("How many people were wounded?", [none, fifty, later]) == \
        [fifty, none, later]
    assert number_first("Who was wounded?", [none, fifty]) == [none, fifty]  # not how many
    assert number_first("How many were wounded?", [fifty, none]) == [fifty, none]
    assert number_first("How many were wounded?", [none]) == [none]
    # a number the question says is no answer to it
    assert number_first("How many of the 50 wounded were children?",
                        [none, fifty]) == [none, fifty]


def test_the_threshold_grows_with_the_collection_only_as_far_as_it_was_fitted():
    assert threshold(40) < threshold(1_000) < threshold(THRESHOLD_GROWTH_END)
    assert threshold(THRESHOLD_GROWTH_END) == threshold(200_000) == threshold(10**7)
    assert threshold(0) == threshold(1)


def test_neighbouring_sentences_merge_but_a_table_row_stands_alone():
    hits = [Hit(n, 0, 10 * n, 10 * n + 9, 0, 50, 1, score, 0.5, 0.5, 0.5)
            for n, score in ((1, 2.5), (2, 3.0), (3, 1.0))]
    assert [[h.sentence for h in run] for run in runs(hits)] == [[1, 2, 3]]
    row = {2}
    assert [[h.sentence for h in run] for run in runs(hits, lambda h: h.sentence in row)] == \
        [[2], [1], [3]]


def test_a_quote_opens_with_its_best_sentence_not_a_much_weaker_one_before_it():
    def run_of(*scores):
        return [Hit(n, 0, 10 * n, 10 * n + 9, 0, 50, 1, score, 0.5, 0.5, 0.5)
                for n, score in enumerate(scores, start=1)]
    # the sentence before the best scores under LEAD_RATIO of it: a quote of its own, after
    weak = LEAD_RATIO * 3.0 - 0.01
    assert [[h.sentence for h in run] for run in runs(run_of(weak, 3.0, 1.0))] == \
        [[2, 3], [1]]
    # nearly as good: the run is read from it
    close = LEAD_RATIO * 3.0 + 0.01
    assert [[h.sentence for h in run] for run in runs(run_of(close, 3.0))] == [[1, 2]]
    assert [[h.sentence for h in run] for run in runs(run_of(1.0, close, 3.0))] == \
        [[2, 3], [1]]


def test_words_match_whatever_their_accents_and_a_pdfs_ligatures(tmp_path):
    """Keyword search reads words folded: a question types "Zurich" or "Schrodinger" for the
    text's "Zürich" or "Schrödinger", and a PDF's "proﬁt" (one ligature character) is
    "profit"."""
    tokenize = Tokenizer()
    assert tokenize("Zürich Schrödinger proﬁt") == tokenize("Zurich Schrodinger profit")
    docs, index = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    (docs / "notes.txt").write_text(
        "The ferry timetable changed in spring.\n\nThe office in Zürich opened in 2019.\n\n"
        "The harbour crane was repaired twice.\n\nProﬁt rose by a third in the north.\n",
        encoding="utf-8")
    build_index(docs, index, embedder=HashEmbedder())
    engine = AskDocs.load(index, embedder=HashEmbedder())
    text = (docs / "notes.txt").read_text(encoding="utf-8")
    for question, sentence in (("When did the Zurich office open?", "Zürich opened"),
                               ("How much did profit rise?", "rose by a third")):
        first = engine.search(question, 3)[0]
        assert sentence in text[first.start:first.end], question
    assert engine.unsaid("What happened in Zurich?") == []
