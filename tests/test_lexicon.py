"""The WordNet lexicon: base forms, words said otherwise, opposites; a missing or damaged
table."""

from __future__ import annotations

import gzip
import json

import pytest

import askdocs.lexicon
from askdocs.lexicon import Lexicon, lexicon


def test_base_forms_follow_wordnet_s_exceptions_and_suffix_rules():
    words = lexicon()
    assert words is not None
    assert "child" in words.bases("children")  # irregular: the exception list
    assert "die" in words.bases("died") and "kill" in words.bases("killed")
    assert "large" in words.bases("largest")  # a suffix rule, checked against WordNet's words
    assert words.bases("Kryvyi") == frozenset()  # not a WordNet word
    assert words.bases("xyzzying") == frozenset()


def test_a_word_said_otherwise_is_kin_and_an_unrelated_word_is_not():
    words = lexicon()
    assert words.bases("wounded") & words.kin("hurt")
    assert words.bases("killed") & words.kin("died")  # "kill" causes "die"
    assert words.bases("children") & words.kin("kids")
    assert "go" not in words.kin("die")  # "go" means "die" only in a rare sense of its own
    assert not words.bases("missile") & words.kin("hurt")


def test_opposites():
    words = lexicon()
    assert words.bases("largest") & words.opposites("smallest")
    assert words.bases("decreased") & words.opposites("increase")
    assert not words.bases("largest") & words.opposites("largest")


def test_the_table_is_what_make_lexicon_makes():
    table = json.loads(gzip.decompress(askdocs.lexicon.TABLE.read_bytes()))
    assert table["source"] == "WordNet 3.0"
    assert len(table["words"]) > 80_000
    assert (askdocs.lexicon.TABLE.parent / "WORDNET-LICENSE").is_file()


@pytest.mark.parametrize("content", [None, b"not gzip", gzip.compress(b"{not json"),
                                     gzip.compress(b'{"words": []}')])
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
    words = Lexicon({"words": ["dog"], "related": {"dog": ["hound"]}, "antonyms": {},
                     "exceptions": {}})
    assert words.kin("dogs") == {"hound"} and words.opposites("dog") == set()
