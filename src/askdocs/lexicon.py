"""WordNet's relations between English words: when a passage says a question's word in other words
("hurt" where the text says "wounded", "died" where it says "killed", "kids" where it says
"children"), and when it says the word's opposite ("smallest" where the text says "largest").

The relations come from WordNet 3.0 (Princeton University; its licence, which allows copying and
changing with its notice kept, is in data/WORDNET-LICENSE), boiled down by bench/make_lexicon.py
to a table of single words (data/lexicon.json.gz, 1.2 MB, read once on first use in a tenth of a
second: JSON, no code). It is the one lexical database made for exactly this, and the word
vectors (wordvectors.py) miss what it knows: "hurt" and "injured" sit at 0.49 there, "death" and
"dead" at 0.43. A word is looked up by its base forms, found as WordNet's own "morphy" does: its
list of irregular forms, then suffix rules whose result is a WordNet word.
"""

from __future__ import annotations

import gzip
import json
import threading
import warnings
from pathlib import Path

# a word as the question's words are read (wordvectors.written_as), so both sides split alike
from askdocs.wordvectors import WORD

TABLE = Path(__file__).with_name("data") / "lexicon.json.gz"
# morphy's rules for nouns, verbs and adjectives, tried on every word (the part of speech is
# not known): a rule counts only if what it gives is a WordNet word
SUFFIXES = (("s", ""), ("ses", "s"), ("ves", "f"), ("xes", "x"), ("zes", "z"), ("ches", "ch"),
            ("shes", "sh"), ("men", "man"), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"),
            ("ed", ""), ("ing", "e"), ("ing", ""), ("er", ""), ("est", ""), ("er", "e"),
            ("est", "e"))
# nouns of a quality made from an adjective, tried on a word WordNet does not know (none of
# the rules above gives one of its words): "cyclicality" is "cyclical", whose kin say "cycle",
# and "Is Acme's business subject to cyclicality?" is answered by "Results are affected by
# economic cycles …"; "seasonality", "seasonal"
QUALITY_SUFFIXES = (("ality", "al"), ("ability", "able"), ("ibility", "ible"), ("icity", "ic"),
                    ("ness", ""))
# British spellings and their American forms, which WordNet lists as synonyms but relates to
# other words apart: "hospitalise" is "hospitalize", and only "hospitalize" comes from
# "hospital" (Lexicon.kin joins them)
SPELLINGS = (("isation", "ization"), ("ise", "ize"), ("yse", "yze"), ("our", "or"),
             ("tre", "ter"), ("ence", "ense"), ("ogue", "og"))
CACHED_WORDS = 100_000
RECENT_TEXTS = 256
# a word's other forms (Lexicon.forms) begin with its first FORM_PREFIX letters
FORM_PREFIX = 4


class Lexicon:
    """Base forms, related words and opposites of English words (lower-cased)."""

    def __init__(self, table: dict):
        lists = (table["related"], table["antonyms"], table["exceptions"])
        if not all(isinstance(k, str) and isinstance(v, str) for d in lists for k, v in d.items()):
            raise ValueError("not a table of words")
        self.words = frozenset(table["words"])
        # each list is one string of words separated by spaces, split when looked up
        self.related: dict[str, str] = table["related"]
        self.antonyms: dict[str, str] = table["antonyms"]
        self.exceptions: dict[str, str] = table["exceptions"]
        self.cache: dict[str, frozenset[str]] = {}
        self.recent: dict[str, frozenset[str]] = {}
        self.kin_cache: dict[str, frozenset[str]] = {}

    def bases(self, word: str) -> frozenset[str]:
        """The WordNet words `word` may be a form of ("children": child; "wounded": wounded,
        wound; "cyclicality", which WordNet lacks: cyclical); none for a word WordNet does not
        know."""
        word = word.lower().replace("’", "'")
        found = self.cache.get(word)
        if found is None:
            forms = set(self.exceptions.get(word, "").split())
            if word in self.words:
                forms.add(word)
            forms |= self.suffixed(word, SUFFIXES)
            if not forms:
                forms = self.suffixed(word, QUALITY_SUFFIXES)
            if len(self.cache) >= CACHED_WORDS:
                self.cache.clear()
            found = self.cache[word] = frozenset(forms)
        return found

    def suffixed(self, word: str, rules) -> set[str]:
        """The WordNet words that suffix rules ((ending, replacement), …) make of a word, its
        stem at least two letters long."""
        return {word[:-len(end)] + new for end, new in rules
                if word.endswith(end) and len(word) > len(end) + 1
                and word[:-len(end)] + new in self.words}

    def text_bases(self, text: str) -> frozenset[str]:
        """The base forms of every word of a text (each distinct word looked up once; the last
        RECENT_TEXTS texts kept: a question reads each candidate passage several times)."""
        found = self.recent.get(text)
        if found is None:
            out: set[str] = set()
            known, bases = self.cache, self.bases
            for word in {w.lower() for w in WORD.findall(text)}:
                forms = known.get(word.replace("’", "'"))
                out.update(bases(word) if forms is None else forms)
            if len(self.recent) >= RECENT_TEXTS:
                self.recent.clear()
            found = self.recent[text] = frozenset(out)
        return found

    def kin(self, word: str) -> frozenset[str]:
        """Words that say what `word` says, or come from it (make_lexicon.py: "related"), and
        its own base forms: "paid" is "pay", "children" "child", which stemming does not see.
        A word's other spelling lends its kin ("hospitalised": "hospitalize", "hospital")."""
        known = self.kin_cache.get(word)
        if known is not None:
            return known
        found = set(self.bases(word))
        for base in self.bases(word):
            related, spelt = self.related.get(base, "").split(), american(base)
            found.update(related)
            for other in related:
                if other != base and american(other) == spelt:
                    found.update(self.related.get(other, "").split())
        if len(self.kin_cache) >= CACHED_WORDS:
            self.kin_cache.clear()
        known = self.kin_cache[word] = frozenset(found)
        return known

    def forms(self, word: str) -> set[str]:
        """Its kin that begin as it does (FORM_PREFIX letters): its other forms, which a
        stemmer does not join ("acquisitions": "acquire", "employees": "employ", "children":
        "child"), not its synonyms."""
        return {w for w in self.kin(word) if w[:FORM_PREFIX] == word[:FORM_PREFIX]
                and w.isalpha()}

    def opposites(self, word: str) -> set[str]:
        """Words that say its opposite."""
        return {w for base in self.bases(word) for w in self.antonyms.get(base, "").split()}


def american(word: str) -> str:
    """A word with a British ending spelt the American way (SPELLINGS) and a doubled "l"
    single ("traveller": "traveler"), to compare two words WordNet already relates; never
    used to find a word."""
    for british, us in SPELLINGS:
        if word.endswith(british):
            word = word[:-len(british)] + us
            break
    return word.replace("ll", "l")


_loaded: list[Lexicon | None] = []
_lock = threading.Lock()


def lexicon() -> Lexicon | None:
    """The packaged lexicon, read on first use; None if its file is missing or damaged (exact
    words and word vectors only, with a warning)."""
    if _loaded:  # read already: every judged sentence asks, so no lock once it is
        return _loaded[0]
    with _lock:
        if not _loaded:
            try:
                with gzip.open(TABLE, "rt", encoding="utf-8") as f:
                    _loaded.append(Lexicon(json.load(f)))
            except (OSError, ValueError, KeyError, TypeError) as error:
                warnings.warn(f"askdocs: the word lexicon is not available ({error}); "
                              "counting exact words and word vectors only", stacklevel=2)
                _loaded.append(None)
        return _loaded[0]
