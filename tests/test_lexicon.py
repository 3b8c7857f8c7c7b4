"""The WordNet lexicon: base forms, words said otherwise, opposites; what it changes in the
answerability features; a missing or damaged table."""

from __future__ import annotations

import gzip
import json

import pytest

import askdocs.answerability
import askdocs.engine
import askdocs.lexicon
from askdocs.answer import ABOUT
from askdocs.answerability import FEATURES, features
from askdocs.keywords import Tokenizer
from askdocs.lexicon import Lexicon, lexicon
from askdocs.wordvectors import written_as

TOKENIZE = Tokenizer()


def test_base_forms_follow_wordnet_s_exceptions_and_suffix_rules():
    words = lexicon()
    assert words is not None
    assert "child" in words.bases("children")  # irregular: the exception list
    assert "die" in words.bases("died") and "kill" in words.bases("killed")
    assert "large" in words.bases("largest")  # a suffix rule, checked against WordNet's words
    assert words.bases("Kryvyi") == frozenset()  # not a WordNet word
    assert words.bases("xyzzying") == frozenset()


def test_a_quality_wordnet_lacks_is_read_as_the_adjective_it_is_made_from():
    """"cyclicality" is not in WordNet, "cyclical" is, and it is kin to "cycle": "Is Acme's
    business subject to cyclicality?" searches "cycles" too (retrieval.Searcher.forms)."""
    words = lexicon()
    assert words.bases("cyclicality") == {"cyclical"}
    assert "cycle" in words.forms("cyclicality")
    assert words.bases("seasonality") == {"seasonal"}
    # a word WordNet knows, or one no rule makes a WordNet word of, is left as it is
    assert words.bases("business") == {"business"} and words.bases("electricity") == \
        {"electricity"}
    assert words.bases("qwertyness") == frozenset()


def test_a_word_said_otherwise_is_kin_and_an_unrelated_word_is_not():
    words = lexicon()
    assert words.bases("wounded") & words.kin("hurt")
    assert words.bases("killed") & words.kin("died")  # "kill" causes "die"
    assert words.bases("children") & words.kin("kids")
    assert "go" not in words.kin("die")  # "go" means "die" only in a rare sense of its own
    assert not words.bases("missile") & words.kin("hurt")
    assert words.bases("paid") & words.kin("pay")  # a form stemming does not join
    assert words.bases("went") & words.kin("go") and words.bases("children") & words.kin("child")


def test_a_noun_made_from_a_verb_reaches_what_causes_the_verb():
    """"death" comes from "die", which "kill" causes: "what is the death toll" is answered by
    "… has killed at least 16 people"; the verb's own kin stay apart ("go" is not "die")."""
    words = lexicon()
    assert words.bases("killed") & words.kin("death")
    assert "go" not in words.kin("death")
    assert not words.bases("wounded") & words.kin("death")


def test_an_adjective_and_the_noun_it_pertains_to_are_kin_both_ways():
    """WordNet points from "French" to "France" only; a question may write either."""
    words = lexicon()
    assert "france" in words.kin("French") and "french" in words.kin("France")
    assert "mother" in words.kin("maternal") and "maternal" in words.kin("mother")
    assert "quick" in words.kin("quickly")  # an adverb's adjective
    assert "germany" not in words.kin("french")


def test_an_adjective_of_a_noun_phrase_reaches_the_phrase_in_one_word():
    """"British" pertains to "Great Britain", which the table, of single words, cannot hold; its
    one-word names ("UK", "Britain") stand in for it, both ways: "the British foreign
    secretary" is the "UK Foreign Minister"."""
    words = lexicon()
    assert {"uk", "britain"} <= words.kin("British")
    assert "british" in words.kin("UK") and "british" in words.kin("Britain")
    assert "france" not in words.kin("British")


def test_a_british_spelling_lends_its_kin_from_the_american_one():
    """WordNet relates "hospital" to "hospitalize" only; "hospitalise" is its synonym."""
    words = lexicon()
    assert "hospital" in words.kin("hospitalised") and "hospital" in words.forms("hospitalised")
    assert "defend" in words.kin("defense") and "metric" in words.kin("metre")
    # only a word's own spellings lend: "tour" and "tor" read alike, but are not related
    assert not words.kin("tour") & {"tor", "torus"}
    assert askdocs.lexicon.american("organisation") == "organization"
    assert askdocs.lexicon.american("traveller") == "traveler"


@pytest.mark.model
def test_a_question_in_british_spelling_finds_the_word_it_comes_from(seed_engine):
    answer = seed_engine.ask("how many were hospitalised?")
    assert answer.answered
    assert any("were admitted to hospital" in q.text for q in answer.quotes)


def test_opposites():
    words = lexicon()
    assert words.bases("largest") & words.opposites("smallest")
    assert words.bases("decreased") & words.opposites("increase")
    assert not words.bases("largest") & words.opposites("largest")


def row(question: str, sentence: str) -> dict[str, float]:
    terms = TOKENIZE(question)
    values = features(question, terms, {t: 1.0 for t in terms}, sentence, sentence, TOKENIZE,
                      0.0, "", None, written_as(question, TOKENIZE))
    return dict(zip(FEATURES, values))


def test_a_question_word_the_sentence_says_otherwise_is_found():
    said_otherwise = row("Who was hurt?", "At least 50 people were wounded.")
    assert said_otherwise["sentence_coverage"] == 1.0 and said_otherwise["missing_idf"] == 0.0
    other = row("Who was hurt?", "A missile struck a building.")
    assert other["sentence_coverage"] == 0.0 and other["missing_idf"] == 1.0


def test_a_sentence_that_says_the_opposite_is_seen():
    question = "What is the smallest state in the country?"
    assert row(question, "Alaska is the largest state in the country.")["opposite"] == 1.0
    assert row(question, "Rhode Island is the smallest state in the country.")["opposite"] == 0.0
    # both the word and its opposite: the sentence holds what was asked
    assert row(question, "The smallest state is far from the largest.")["opposite"] == 0.0


def test_the_table_is_what_make_lexicon_makes():
    table = json.loads(gzip.decompress(askdocs.lexicon.TABLE.read_bytes()))
    assert table["source"] == "WordNet 3.0"
    assert len(table["words"]) > 80_000
    assert (askdocs.lexicon.TABLE.parent / "WORDNET-LICENSE").is_file()


@pytest.mark.parametrize("content", [None, b"not gzip", gzip.compress(b"{not json"),
                                     gzip.compress(b'{"words": []}'),
                                     gzip.compress(b'{"words": [], "related": {"a": 5}, '
                                                   b'"antonyms": {}, "exceptions": {}}')])
def test_a_missing_or_damaged_table_means_no_lexicon_with_a_warning(tmp_path, monkeypatch,
                                                                    content):
    table = tmp_path / "lexicon.json.gz"
    if content is not None:
        table.write_bytes(content)
    monkeypatch.setattr(askdocs.lexicon, "TABLE", table)
    monkeypatch.setattr(askdocs.lexicon, "_loaded", [])
    with pytest.warns(UserWarning, match="lexicon is not available"):
        assert lexicon() is None
    assert lexicon() is None  # and stays so, read once


def test_a_table_is_read_as_data():
    words = Lexicon({"words": ["dog"], "related": {"dog": "hound canine"}, "antonyms": {},
                     "exceptions": {}})
    assert words.kin("dogs") == {"dog", "hound", "canine"} and words.opposites("dog") == set()


@pytest.mark.model
def test_without_the_lexicon_askdocs_answers_by_exact_words(seed_engine, monkeypatch):
    monkeypatch.setattr(askdocs.engine, "lexicon", lambda: None)
    monkeypatch.setattr(askdocs.answerability, "lexicon", lambda: None)
    # the word vectors still find "kids" in "children", so the passages are about it; the
    # second step, fitted with the lexicon's words found, then declines it (answered with it)
    kids = seed_engine.ask("how many kids lost their lives")
    assert not kids.answered and kids.notes[0] == ABOUT
    assert seed_engine.ask("How many people were killed in Kryvyi Rih?").answered  # exact words
    assert not seed_engine.ask("Who was hurt?").answered  # "wounded" needs the lexicon
    monkeypatch.undo()
    assert seed_engine.ask("Who was hurt?").answered
    assert seed_engine.ask("how many kids lost their lives").answered


def test_a_texts_base_forms_are_the_same_when_read_again():
    """text_bases keeps recent texts' forms: a second read gives the same, and a cached set
    cannot be changed by the caller that got it."""
    words = lexicon()
    text = "The children were wounded when the building collapsed."
    first = words.text_bases(text)
    assert {"child", "wound", "build", "collapse"} <= first
    assert words.text_bases(text) == first and isinstance(first, frozenset)
    assert isinstance(words.kin("hurt"), frozenset) and words.kin("hurt") == words.kin("hurt")
