"""Does this sentence answer the question, or is it only about it? Features of a (question,
sentence, passage) triple and the small model over them that askdocs abstains by.

Similarity alone cannot tell "about" from "answers": a question written to look answerable
from a paragraph (a swapped name, a negation, a condition the text never states) is as close
to it as a real question. What can differ is the detail: every word the question leans on
should be found in the passage (a swapped name is not), its names in the sentence itself, which
should not give another number in place of the question's; the sentence should hold something
of the kind asked for that the question does not already say (a number for "how many", a date
for "when", a name or a count of people for "who"), a negation the question has should be in
the sentence too, and the sentence should not say the opposite of a question word in its place
("largest" for "smallest"). A word the passage says in other words (WordNet's, lexicon.py:
"wounded" for "hurt") is found, and so is one that what names the document says (a report's
running header names the company its table rows do not).

The model is a logistic regression over these features of one sentence; askdocs answers if any
of the few best-ranked sentences reaches its threshold, since the best-ranked is not always the
one that answers. bench/fit_answerability.py fits it that way (SQuAD 2.0's public dev articles,
indexed alone and among the 48 SQuAD v1.1 articles: answerable questions against near misses
and questions of other articles; bench/filings.py's long reports, whose answers are table rows;
questions trimmed as askdocs.ask reads them; never the held-back articles or SQuAD v1.1's odd
half): a question's row is its sentence the model rates likeliest to answer, found in a few
rounds. It reads the question in the light of the sentence; whether anything is close to the
question at all stays the size-aware similarity rule (answer.threshold), which it does not
replace. README, "Abstention", has the curve measured with each article held out.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from askdocs.glossary import found
from askdocs.keywords import folded, line_terms, weight_share
from askdocs.lexicon import lexicon
from askdocs.numbers import MONTHS, QUANTITY, asks_quantity, is_day_of_month

DATE_QUESTION = re.compile(
    r"\bwhen\b|\bwhat\s+(?:year|years|date|century|decade|day|month|time|period|era|age)\b|"
    r"\bwhich\s+(?:year|years|date|century|decade|day|month|period|era)\b|"
    r"\bin\s+what\s+(?:year|century|decade)\b|\bhow\s+long\s+ago\b", re.IGNORECASE)
DATE = re.compile(rf"\b(?:\d{{3,4}}s?|\d{{1,2}}(?:st|nd|rd|th)\s+centur\w*|(?:{MONTHS})\b\.?|"
                  r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
                  r"eleventh|twelfth|\w+teenth|twentieth|twenty-first)\s+centur\w*|"
                  r"(?:spring|summer|autumn|fall|winter)\b|(?:BC|AD|BCE|CE)\b)",
                  re.IGNORECASE)
WHO_QUESTION = re.compile(r"^\W*(?:\w+\s+){0,3}?(?:who|whom|whose)\b|\b(?:who|whom|whose)\b",
                          re.IGNORECASE)
# "Who is Oleksandr Vilkul?" asks what the person is ("the head of the city's defence"), not
# for a name
WHO_IS_NAMED = re.compile(r"^\W*(?i:who)\s+(?i:is|was|are|were)\s+(?:[A-Z][\w'’.-]*\s*)+\W*$")
WHERE_QUESTION = re.compile(r"\bwhere\b|\b(?:what|which)\s+(?:country|countries|city|cities|"
                            r"town|region|state|place|continent|island|river|area)\b",
                            re.IGNORECASE)
NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]*")
# a capitalised word that names a time, not a person or a place: "Who is the lighthouse keeper?"
# is not answered by "Lighthouse tours sold out in July and again in August"
CALENDAR_WORD = re.compile(rf"(?i:{MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|"
                           r"sunday)\.?")
NEGATION = re.compile(r"\b(?:not|never|no|none|nobody|nothing|neither|nor|without|cannot|"
                      r"fail(?:ed|s)?|unable|\w+n['’]t)\b", re.IGNORECASE)
CAPITAL = re.compile(r"\b[A-Z][\w'’-]+")
POSSESSIVE = re.compile(r"['’]s?$")
DIGIT = re.compile(r"\d")
NUMBER = re.compile(r"\d+(?:[,.]\d+)*")
RECENT_SPANS = 512  # texts whose spans of each kind are kept (spans_of)

# margin: the size-aware similarity confidence of answer.py minus its threshold; the rest are
# details, independent of the collection's size (raw similarities, which are not, were measured
# as features too and left out: better on SQuAD 2.0's 8 articles, worse on the seed articles).
FEATURES = ("margin", "sentence_coverage", "bigrams", "missing_idf", "missing_names",
            "missing_numbers", "type_missing_sentence", "type_missing_passage",
            "negated_question", "novelty", "opposite",
            "sentence_missing_names", "swapped_number")


@dataclass(frozen=True)
class Model:
    """A logistic regression over FEATURES: weights, bias, and the features' scaling."""

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def probability(self, features: list[float]) -> float:
        z = self.bias + sum(w * (x - m) / s for w, x, m, s in
                            zip(self.weights, features, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


# Fitted by bench/fit_answerability.py (its last lines print these), on features of questions
# and documents encoded as askdocs encodes them (int8 per channel, embedding.BUILD_PRECISION).
MODEL = Model(
    weights=(0.6716, 0.4008, -0.1570, 0.1100, -0.0159, -0.3737, -0.3936, 0.2635, -0.9760, -0.0411,
             -0.0713, -0.5129, -0.1403),
    bias=-0.6530,
    mean=(0.0947, 0.6169, 0.3325, 0.6245, 0.1919, 0.0396, 0.0418, 0.0263, 0.0470, 0.7951, 0.0013,
          0.2556, 0.0004),
    scale=(0.1918, 0.2723, 0.3219, 0.4238, 0.4931, 0.2068, 0.2002, 0.1600, 0.2116, 0.1307, 0.0364,
           0.5447, 0.0210))
# Platt scaling of the model's probability into the chance that the first quote answers, fitted
# on held-out articles (bench/fit_answerability.py prints the check, bin by bin).
CALIBRATION = (0.7972, -0.8312)


def calibrated(probability: float) -> float:
    """The answer's confidence, 0..1: the model's best probability, calibrated."""
    p = min(max(probability, 1e-6), 1 - 1e-6)
    a, b = CALIBRATION
    return round(1.0 / (1.0 + math.exp(-(a * math.log(p / (1 - p)) + b))), 3)


def asked_type(question: str) -> str | None:
    """What kind of answer the question asks for: number, date, person (who: a name or a
    count of people), name (where) or None."""
    if asks_quantity(question):
        return "number"
    if DATE_QUESTION.search(question):
        return "date"
    if WHO_IS_NAMED.match(question):
        return None
    if WHO_QUESTION.search(question):
        return "person"
    if WHERE_QUESTION.search(question):
        return "name"
    return None


def found_of_type(kind: str, text: str, question_words: set[str]) -> bool:
    """Whether text holds something of that kind the question does not already say."""
    return any(s not in question_words for s in spans_of(kind, text))


@lru_cache(maxsize=RECENT_SPANS)
def spans_of(kind: str, text: str) -> tuple[str, ...]:
    """What in a text is of that kind (found_of_type), lower-cased, a closing period dropped;
    kept for recent texts: a question reads each candidate passage again."""
    if kind == "number":  # a year may answer ("how long": "from 1939 to 1945"), a day not
        spans = [m.group("num") for m in QUANTITY.finditer(text)
                 if not is_day_of_month(text, m.start("num"), m.end("num"), m.group("num"))]
    elif kind == "date":
        spans = [m.group(0) for m in DATE.finditer(text)]
    else:
        spans = [m.group(0) for m in NAME.finditer(text)
                 if not CALENDAR_WORD.fullmatch(m.group(0))]
        if kind == "person":  # "Who was hurt?": "At least 50 people"
            spans += [m.group("num") for m in QUANTITY.finditer(text)]
    return tuple(dict.fromkeys(s.lower().strip(".") for s in spans))


def names_in(question: str) -> set[str]:
    """The capitalised words of a question after its first (names, as a question writes them)."""
    return {POSSESSIVE.sub("", m.group(0)) for m in CAPITAL.finditer(question[1:])
            if not DIGIT.search(m.group(0))}


NAMED = re.compile(r"[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*)*")


# where a sentence of a question ends: "?" or "!", or a period after a lower-case word ("… the
# attack. How many …"), not after an abbreviation ("St. Augustine", "J. A. Hobson")
SENTENCE_END = re.compile(r"(?:[?!]|\b[a-z]{2,}\.)\s+$")
WORDLESS = re.compile(r"\W*")


def question_names(question: str) -> list[str]:
    """The names a question writes (runs of capitalised words: "Kryvyi Rih", "Paris"),
    possessives dropped, in order. The first word of each of its sentences is none, whatever
    its capital ("How many died? Give the number."), nor is "I"; a word with digits is a
    number, not a name."""
    names = []
    for match in NAMED.finditer(question):
        name = match.group(0)
        before = question[:match.start()]
        if WORDLESS.fullmatch(before) or SENTENCE_END.search(before):  # a sentence's first
            words = name.split(None, 1)
            name = words[1] if len(words) > 1 else ""
        if name != "I" and not DIGIT.search(name):
            names.append(POSSESSIVE.sub("", name))
    return list(dict.fromkeys(n for n in names if n))


def one_edit(a: str, b: str) -> bool:
    """Whether two words differ by one letter changed, added, dropped, or two neighbours swapped
    ("Shirey" for "Shirley", "Hugeunot" for "Huguenot")."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:] or (a[i + 2:] == b[i + 2:] and
                                          a[i:i + 2] == b[i:i + 2][::-1])
    return a[i:] == b[i + 1:] if len(b) > len(a) else a[i + 1:] == b[i:]


NEAR_SPELLING = 5  # letters a name's word needs before a one-letter difference is its spelling


class NameFinder:
    """Whether a text says a name a question writes: written as the question writes it, its
    words with accents dropped and stemmed ("Huguenots", "Huguenot"), spelled a letter apart
    (a word of NEAR_SPELLING letters or more), or a word WordNet relates to it ("Europeans",
    "Europe"). found: terms found otherwise (glossary.found, lexicon.kin)."""

    def __init__(self, text: str | list[str], tokenize, words=None,
                 found: set[str] = frozenset()):
        """text: or its lines, whose terms are read a line each (keywords.line_terms), as the
        tokenizer keeps them for texts read again."""
        self.lines = [text] if isinstance(text, str) else list(text)
        self.raw, self.found = "\n".join(self.lines), found
        self.tokenize, self.words = tokenize, words

    # each read on first use: a question with no name asks none of them
    @cached_property
    def text(self) -> str:
        return folded(self.raw)

    @cached_property
    def tokens(self) -> set[str]:  # the tokenizer folds as `text` does (keywords.folded)
        return line_terms(self.tokenize, self.lines) | self.found

    @cached_property
    def long(self) -> list[str]:
        return [t for t in self.tokens if len(t) >= NEAR_SPELLING - 1]

    @cached_property
    def bases(self) -> set[str]:
        """The text's words' WordNet base forms, read only for a name not found otherwise."""
        return self.words.text_bases(self.raw)

    def said(self, word: str) -> bool:
        return word in self.tokens or len(word) >= NEAR_SPELLING and any(
            t[0] == word[0] and one_edit(word, t) for t in self.long)

    def related(self, name: str) -> bool:
        return self.words is not None and bool(self.words.kin(name.lower()) & self.bases)

    def whole(self, name: str) -> bool:
        """The name is there: as written, or each of its words."""
        if folded(name) in self.text or self.related(name):
            return True
        words = self.tokenize(name)
        return bool(words) and all(map(self.said, words))

    def part(self, name: str) -> bool:
        """Some word of the name is there."""
        return any(map(self.said, self.tokenize(name))) or self.related(name)


def bigram_share(terms: list[str], tokens: list[str]) -> float:
    """Share of the question's neighbouring term pairs that are neighbours in the passage."""
    pairs = {(a, b) for a, b in zip(terms, terms[1:]) if a != b}
    if not pairs:
        return 1.0
    wanted = {t for pair in pairs for t in pair}
    at: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):  # where each of the pairs' terms is
        if token in wanted:
            at.setdefault(token, []).append(i)
    near = sum(any(0 < abs(i - j) <= 3 for i in at.get(a, ()) for j in at.get(b, ()))
               for a, b in pairs)
    return near / len(pairs)


def features(question: str, terms: list[str], idf: dict[str, float], sentence: str,
             passage: str, tokenize, margin: float, identity: str = "",
             asked: str | None = None, said: dict | None = None) -> list[float]:
    """The features (FEATURES, in order) of one candidate sentence for a question.

    terms: the question's search terms (stemmed); idf: their weights, a term each (as
    Vocabulary.idf gives them); tokenize: the index's
    tokenizer; margin: the similarity confidence minus the collection's threshold; identity:
    what names the sentence's document (keywords.identity_text). A word of the question found
    there is not missing: a filing's table row names neither the company nor the year, its
    running header does. asked: for a follow-up searched with the question before it (question),
    the follow-up alone, which says what kind of answer is wanted ("who said that?"). said: each
    term with the word the question writes it as (wordvectors.written_as), for the lexicon's
    words said otherwise and opposites; without it, exact words only.
    """
    sentence_tokens = tokenize(sentence)
    passage_tokens = tokenize(passage)
    identity_terms = set(tokenize(identity))
    in_sentence, in_passage = set(sentence_tokens), set(passage_tokens) | identity_terms
    # a figure the text names in its own words ("Net sales" for "revenue"): glossary.py
    in_sentence |= found(question, sentence, tokenize)
    in_passage |= found(question, passage, tokenize) | in_sentence
    # a question word the text says in other words (lexicon.kin: "wounded" for "hurt") is found
    words = lexicon() if said else None
    sentence_bases = words.text_bases(sentence) if words else set()
    if words is not None:
        passage_bases = words.text_bases(passage) | sentence_bases
        for term in terms:
            if term in said and not (term in in_sentence and term in in_passage):
                kin = words.kin(said[term])
                if term not in in_sentence and kin & sentence_bases:
                    in_sentence.add(term)
                if term not in in_passage and kin & passage_bases:
                    in_passage.add(term)
    named = in_sentence | identity_terms  # the sentence's words and its document's name
    sentence_coverage = weight_share(idf, named)
    top_idf = max((idf.get(t, 0.0) for t in terms), default=1.0) or 1.0
    # a term with digits ("fy2018") is a number, which missing_numbers counts
    missing_idf = max((idf.get(t, 0.0) for t in terms
                       if t not in in_passage and not DIGIT.search(t)), default=0.0)
    context = f"{passage}\n{identity}"
    asked = asked or question
    # a follow-up's answer names the earlier question's subject in part or not at all
    # ("Lubinets", "he"): that subject counts as missing only if none of its names is there
    own = names_in(asked)
    earlier = names_in(question) - own
    in_context = NameFinder([passage, identity], tokenize, words, in_passage)
    missing_names = sum(not in_context.whole(n) for n in own) + \
        (bool(earlier) and not any(map(in_context.whole, earlier)))
    numbers = set(re.findall(r"\d+", question))
    missing_numbers = sum(n not in context for n in numbers)
    # the same in the sentence itself: a name the question leans on, none of whose words the
    # sentence (or its document's name) says; a number of the question the sentence lacks while
    # it gives one other in its place (1067 asked, 1066 said). A sentence of several numbers is
    # not read so: in a table row, the year asked heads a column.
    in_named = NameFinder([sentence, identity], tokenize, words, named)
    sentence_missing_names = sum(bool(tokenize(n)) and not in_named.part(n) for n in own)
    others = set(NUMBER.findall(sentence)) - set(NUMBER.findall(question))
    swapped_number = len(others) == 1 and any(n not in sentence and n not in identity
                                              for n in numbers)
    kind = asked_type(asked)
    question_words = set(re.findall(r"[\w'’-]+", question.lower()))
    type_sentence = kind is not None and not found_of_type(kind, sentence, question_words)
    type_passage = kind is not None and not found_of_type(kind, passage, question_words)
    # a negation the question adds ("not", "never") that the sentence does not have; one only
    # the sentence has tells nothing (measured: weight 0)
    negated_question = bool(NEGATION.search(asked)) and not NEGATION.search(sentence)
    novelty = (len(in_sentence - set(terms)) / len(in_sentence)) if in_sentence else 0.0
    # the sentence says the opposite of a question word it does not hold ("largest", "smallest")
    opposite = words is not None and any(
        term not in in_sentence and words.opposites(word) & sentence_bases
        for term, word in said.items())
    return [margin, sentence_coverage, bigram_share(terms, passage_tokens), missing_idf / top_idf,
            min(missing_names, 2), min(missing_numbers, 2), float(type_sentence),
            float(type_passage), float(negated_question), novelty, float(opposite),
            min(sentence_missing_names, 2), float(swapped_number)]
