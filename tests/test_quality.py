"""Answer quality with the real model: the seed questions, typos, paraphrases, abstention."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from conftest import CHILDREN, SHARED

pytestmark = pytest.mark.model

SEED_QUESTIONS = SHARED / "eval" / "seed_questions.jsonl"
A, B = "000_313469e783f3e27a.txt", "004_844b86f13697ed6d.txt"


def quoted(answer, source, needle):
    return any(q.source == source and needle in q.text for q in answer.quotes)


def test_children_question_quotes_both_articles(seed_engine):
    answer = seed_engine.ask(CHILDREN)
    assert answer.answered
    assert quoted(answer, A, "Six of the dead were children")
    assert quoted(answer, B, "including six children")


def test_sources_that_disagree_are_shown_with_the_number_asked_for(seed_engine):
    """One article says at least 16 were killed, the other at least 14; the other's quote opens
    with "At least 50 people have been wounded", which is not the number asked for."""
    answer = seed_engine.ask("how many people were killed?")
    assert answer.answered and answer.agreement is not None
    phrases = {source: quantity.phrase for source, quantity in answer.agreement.found}
    assert phrases == {A: "at least 16 people", B: "At least 14 people"}
    assert "different numbers" in answer.agreement.note()


def test_the_number_compared_is_read_within_its_sentence(seed_engine):
    """"died" is said otherwise ("killed"), and the words around "At least 14 people" once ran
    back into the sentence before ("… local authorities say."), so the wounded were compared."""
    answer = seed_engine.ask("How many people died in the attack?")
    assert answer.answered and answer.agreement is not None
    phrases = {source: quantity.phrase for source, quantity in answer.agreement.found}
    assert phrases == {A: "at least 16 people", B: "At least 14 people"}


def test_a_number_the_question_says_is_not_the_one_compared(seed_engine):
    quote = seed_engine.ask("how many people were killed?").quotes[0]
    text = "Of the 40 wounded people, 12 were children."
    quote = replace(quote, text=text, end=quote.start + len(text))
    assert seed_engine.best_quantity("How many of the 40 wounded people were children?",
                                     quote).phrase == "12"


def test_a_number_of_something_else_is_not_compared(seed_engine):
    """A source's count is compared only if its sentence says something the question asks:
    "At least 50 people were wounded" is no count of the dead, and comparing it told the
    reader of "what is the death toll" that the sources differ by 16 to 50; its next quote,
    "At least 14 people … have been killed", is the one to compare."""
    answer = seed_engine.ask("how many people were killed?")
    firsts = {}
    for quote in answer.quotes:
        firsts.setdefault(quote.source, quote)
    a, b = firsts[A], firsts[B]

    def said(quote, text):
        return replace(quote, text=text, end=quote.start + len(text))

    question = "how many little ones were among the dead"
    dead = said(a, "Six of the dead were children.")
    wounded = said(b, "At least 50 people were wounded.")
    assert seed_engine.agreement(question, [dead, wounded]) is None
    # the source's next quote that counts the dead is compared instead
    differ = seed_engine.agreement(question, [dead, wounded,
                                              said(b, "Four of the dead were children.")])
    assert differ is not None and not differ.agree
    assert [q.phrase for _, q in differ.found] == ["Six of the dead", "Four of the dead"]


@pytest.mark.parametrize("question", ["how many childern were killd?",
                                      "how many kids were killed?"])
def test_typos_and_paraphrases_still_find_the_answer(seed_engine, question):
    answer = seed_engine.ask(question)
    assert answer.answered
    assert quoted(answer, A, "Six of the dead were children") or \
        quoted(answer, B, "including six children")


def test_a_paraphrase_with_no_shared_word_is_answered(seed_engine):
    # "kids"/"lost their lives" share no word with the text; the model's word vectors find
    # "children" for "kids", so the answering sentence clears the first step and is quoted
    answer = seed_engine.ask("how many kids lost their lives")
    assert answer.answered
    assert quoted(answer, A, "Six of the dead were children") or \
        quoted(answer, B, "including six children")


def test_a_word_written_as_one_is_found_written_as_two(seed_engine):
    # the text says "front line"; "frontline" is no word of the collection's, nor a typo of one
    searcher = seed_engine.searcher
    assert searcher.compounds_apart("How far is the frontline?") == \
        "How far is the front line?"
    assert searcher.compounds_apart("how many childern were killd?") == \
        "how many childern were killd?"  # a typo of a known word stays a typo
    assert searcher.compounds_apart("the Telegram channel") == "the Telegram channel"  # known
    answer = seed_engine.ask("What is the distance to the frontline?")
    assert answer.answered and quoted(answer, A, "40 miles (70km) from the front line")


def test_a_word_the_text_says_otherwise_by_wordnet_is_found(seed_engine):
    # the text never says "hurt": WordNet (lexicon.py) relates it to "wounded", which the word
    # vectors put at 0.49, under NEAR_WORD (without the lexicon, declined)
    answer = seed_engine.ask("Who was hurt?")
    assert answer.answered
    assert any("wounded" in q.text for q in answer.quotes)


def test_a_noun_is_found_said_as_the_verb_that_causes_its_own(seed_engine):
    # "death" is WordNet's noun of "die", which "kill" causes; before the lexicon joined them
    # no word of "what is the death toll" was found in a sentence and it was declined
    answer = seed_engine.ask("what is the death toll")
    assert answer.answered
    assert quoted(answer, A, "killed at least 16 people") or \
        quoted(answer, B, "At least 14 people")
    # and the number compared is the toll, not "one of Moscow's deadliest strikes"
    assert "one of" not in " ".join(answer.notes)


def test_what_happened_asks_about_the_place_not_the_word_happened(seed_engine):
    # the text says what happened in Kherson (drones hit a power plant, homes) but never
    # "happened": counted as a term, the missing word kept the question under the line
    answer = seed_engine.ask("What happened in Kherson?")
    assert answer.answered
    assert any("Kherson" in q.text for q in answer.quotes)
    assert not seed_engine.ask("What happened in Paris?").answered
    # the same asked in two words
    took = seed_engine.ask("What took place in Kherson?")
    assert took.answered and any("Kherson" in q.text for q in took.quotes)
    assert not seed_engine.ask("What took place in Paris?").answered
    # the search still reads the whole question: left out of it, "happen" made an article's
    # title hold all of the question ("attack"), and its sentences crowded out the other's
    assert quoted(seed_engine.ask("When did the attack happen?"), A, "early on Friday evening")


@pytest.mark.parametrize("question", ["What is the capital of France?", "Who wrote Hamlet?",
                                      "How do I bake sourdough bread?"])
def test_off_topic_questions_are_not_answered(seed_engine, question):
    answer = seed_engine.ask(question)
    assert not answer.answered and answer.quotes == ()
    assert answer.notes[0] == "The documents don't answer this."
    assert len(answer.nearest) == 3 and "nearest" not in answer.to_dict()


def test_a_name_no_document_mentions_is_said(seed_engine):
    # the seeds never say Paris: whatever the quotes, the reader is told so
    answer = seed_engine.ask("How many children died in Paris?")
    assert "No document mentions “Paris”." in answer.notes
    declined = seed_engine.ask("What did Boris Johnson say about Kryvyi Rih?")
    assert declined.notes[1:] == ("No document mentions “Boris” or “Johnson”.",)
    # names the documents say, a near spelling of one ("Kharkov" for Kharkiv), the question's
    # first word and a word that is only capitalised there ("What") are not reported
    # nor a name the documents say in a word WordNet relates to it ("UK Foreign Minister")
    for question in ["How many children died in Kryvyi Rih?", "What happened in Kharkov?",
                     "Kherson: what happened there?", "WHat happened in Kherson?",
                     "What did the British foreign secretary say?"]:
        notes = seed_engine.ask(question).notes
        assert not any(n.startswith("No document mentions") for n in notes), question


def test_a_name_the_first_quote_does_not_mention_is_said(seed_engine):
    # the seeds say Kharkiv, but not in the sentences on the population of Kryvyi Rih: whatever
    # the first quote, the reader is told it does not say the place asked about, and which do
    answer = seed_engine.ask("What is the population of Kharkiv?")
    note = next(n for n in answer.notes if n.startswith("The first quote does not mention"))
    assert "Kharkiv" not in f"{answer.quotes[0].text} {answer.quotes[0].context}"
    said = [i for i, q in enumerate(answer.quotes[1:], 2) if "Kharkiv" in f"{q.text} {q.context}"]
    assert note.startswith("The first quote does not mention “Kharkiv”;") and said
    assert note.endswith(f"quote {said[0]} does." if len(said) == 1 else " do.")
    assert all(str(i) in note for i in said)
    # a name the first quote says (a word of it is enough: "Lammy" for David Lammy), a name no
    # document says (the other note's), "I" and a sentence's first word are not reported
    for question in ["How many children died in Kryvyi Rih?", "What did David Lammy say?",
                     "What did Marco Rubio say about China?", "Kryvyi Rih: how many died?",
                     "How many died? Kryvyi Rih is the city I mean.",
                     "How many died in Kryvyi Rih? Give the number."]:
        notes = seed_engine.ask(question).notes
        assert not any(n.startswith("The first quote does not") for n in notes), question
    # nor is a later sentence's first word a name that no document mentions
    notes = seed_engine.ask("How many died in Kryvyi Rih? Give the number.").notes
    assert not any(n.startswith("No document mentions") for n in notes), notes


@pytest.mark.skipif(not SEED_QUESTIONS.exists(), reason="shared/eval is not beside the repo")
def test_seed_questions(seed_engine):
    from askdocs.evaluation import seed_results

    failures = [r for r in seed_results(seed_engine, SEED_QUESTIONS) if not r["ok"]]
    assert failures == [], json.dumps(failures, indent=1, ensure_ascii=False)


def test_every_quote_and_context_is_verbatim(seed_engine):
    texts = {d.id: d.text for d in seed_engine.documents}
    for question in [CHILDREN, "Who is the regional governor?", "What happened in Kharkiv?",
                     "ceasefire", "Advertisement", "How many people were wounded?"]:
        for quote in seed_engine.ask(question).quotes + tuple(seed_engine.rank(question, 10)):
            text = texts[quote.source]
            assert text[quote.start:quote.end] == quote.text
            assert text[quote.context_start:quote.context_end] == quote.context
            assert quote.text != "Advertisement"
