"""Quantities in text ("at least 16 people", "Six of the dead"); whether sources agree on them."""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "a dozen": 12, "dozen": 12,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
QUALIFIERS = ("at least", "at most", "more than", "fewer than", "less than", "up to", "over",
              "nearly", "almost", "about", "around", "approximately", "some", "another",
              "roughly", "under")

_word = "|".join(sorted(list(UNITS) + list(TENS), key=len, reverse=True))
_scale = "|".join(SCALES)
_qualifier = "|".join(q.replace(" ", r"\s+") for q in QUALIFIERS)
QUANTITY = re.compile(
    rf"(?:\b(?P<qual>{_qualifier})\s+)?"
    rf"(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?"
    rf"|\b(?:{_word})(?:[\s-](?:{_word}))?)"
    rf"(?:\s+(?P<scale>{_scale})s?\b)?(?![\w-])",
    re.IGNORECASE,
)
QUANTITY_QUESTION = re.compile(
    r"\bhow\s+(?:many|much|old|long|far|large|big|tall|high)\b|\bnumber\s+of\b|"
    r"\bwhat\s+(?:number|percentage|proportion|amount|total)\b|\btoll\b", re.IGNORECASE)
# "one of Moscow's deadliest strikes", "one of the largest cities": one of a kind, not a count
ONE_OF_A_KIND = re.compile(r"\s+of\s+(?:the\s+|its\s+|their\s+|his\s+|her\s+|[\w-]+['’]s\s+)?"
                           r"(?:(?:most|least)\s+\w+|best|worst|first|last|\w+est)\b",
                           re.IGNORECASE)
# "one of them by a playground": one person of a group named before, picked out, not counted
# ("two of them were children" counts)
ONE_OF_THEM = re.compile(r"\s+of\s+(?:them|us|you|these|those|which|whom)\b", re.IGNORECASE)
FUNCTION_WORDS = ("in|on|at|and|or|to|the|a|an|it|its|for|by|with|from|as|than|were|was|is|are|"
                  "be|been|have|has|had|who|which|that|this|these|those|per|each")
# the word after a number that says what it counts ("people", "of the dead", "of them"); a bare
# "of" is none ("one of" said nothing in a note)
FOLLOWING = re.compile(rf"\s*(?:of\s+(?:the\s+\w+|them|us|you|these|those|which|whom)\b|"
                       rf"(?!(?:{FUNCTION_WORDS}|of)\b)[\w’'-]+)",
                       re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    """A number in a text span, with its qualifier and the phrase shown to the reader."""

    value: float
    qualifier: str
    start: int  # offsets of `phrase` in the text it was found in
    end: int
    phrase: str


def word_value(words: str) -> float | None:
    total = 0
    for part in re.split(r"[\s-]+", words.lower()):
        if part in TENS:
            total += TENS[part]
        elif part in UNITS:
            total += UNITS[part]
        elif part == "a":
            continue
        else:
            return None
    return float(total)


def parse_number(text: str) -> float | None:
    """The value of '16', '1,200', '2.5', 'six', 'twenty-one' or 'a dozen'."""
    text = text.strip()
    if re.fullmatch(r"[\d,]+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    return word_value(text)


# the months' names and abbreviations, for patterns read without case
MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
          "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_month = rf"(?:{MONTHS})\b\.?"
MONTH_BEFORE = re.compile(rf"\b{_month}\s+$", re.IGNORECASE)
MONTH_AFTER = re.compile(rf"(?:st|nd|rd|th)?\s+(?:of\s+)?{_month}", re.IGNORECASE)


def is_day_of_month(text: str, start: int, end: int, number: str) -> bool:
    """A day of a month ("December 31, 2018", "3 October"): part of a date, no count."""
    return (number.isdigit() and 1 <= int(number) <= 31
            and bool(MONTH_BEFORE.search(text, max(0, start - 12), start)
                     or MONTH_AFTER.match(text, end)))


def is_date_like(text: str, start: int, end: int, number: str) -> bool:
    """Years, parts of dates and times are not counts."""
    before, after = text[max(0, start - 1):start], text[end:end + 1]
    if (before and before in "-/:") or after in ("-", "/", ":"):
        return True
    if is_day_of_month(text, start, end, number):
        return True
    return number.isdigit() and len(number) == 4 and 1000 <= int(number) <= 2100


def quantities(text: str) -> list[Quantity]:
    """Every quantity in text, with the word after it ('people', 'of the dead') in its phrase."""
    found = []
    for match in QUANTITY.finditer(text):
        number = match.group("num")
        if is_date_like(text, match.start("num"), match.end(), number) or (
                number.lower() == "one" and (ONE_OF_A_KIND.match(text, match.end())
                                             or ONE_OF_THEM.match(text, match.end()))):
            continue
        value = parse_number(number)
        if value is None:
            continue
        if match.group("scale"):
            value *= SCALES[match.group("scale").lower()]
        following = FOLLOWING.match(text, match.end())
        end = following.end() if following else match.end()
        qualifier = re.sub(r"\s+", " ", (match.group("qual") or "").lower())
        found.append(Quantity(value, qualifier, match.start(), end, text[match.start():end]))
    return found


def asks_quantity(question: str) -> bool:
    """Whether the question asks for a number ('how many', 'number of', ...)."""
    return bool(QUANTITY_QUESTION.search(question))


def format_value(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


@dataclass(frozen=True)
class Agreement:
    """The number each source gives for what the question asks, and whether they agree."""

    found: tuple[tuple[str, Quantity], ...]  # (source, quantity), a source each, best first

    @property
    def agree(self) -> bool:
        return len({q.value for _, q in self.found}) == 1

    def note(self) -> str:
        """The note an answer carries: the numbers, each with its source."""
        cited = "; ".join(f"“{one_line(q.phrase)}” ({source})" for source, q in self.found)
        if self.agree:
            return f"The sources agree on {format_value(self.found[0][1].value)}: {cited}."
        return f"The sources give different numbers: {cited}."

    def summary(self) -> str:
        """In a few words, for the first line of a reply: "2 sources answer and agree: six
        children" or "The sources differ: at least 16 people vs At least 14 people"."""
        if self.agree:  # the shortest way a source puts it: "six children", not "Six of the dead"
            phrase = min((one_line(q.phrase) for _, q in self.found), key=len)
            return f"{len(self.found)} sources answer and agree: {phrase}"
        phrases = dict.fromkeys(one_line(q.phrase) for _, q in self.found)
        return f"The sources differ: {' vs '.join(phrases)}"


def one_line(phrase: str) -> str:
    """A phrase as a note shows it: the line breaks of a PDF's or a page's text as spaces."""
    return " ".join(phrase.split())


def agreement(found: list[tuple[str, Quantity]]) -> Agreement | None:
    """Whether the sources' quantities agree; None unless two sources give one."""
    if len({source for source, _ in found}) < 2:
        return None
    return Agreement(tuple(found))
