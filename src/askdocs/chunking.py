"""Sentences and chunks with character offsets into a document's text (pure, no I/O).

Every span satisfies `text[start:end] == span text`; nothing here copies or rewrites text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from askdocs.documents import body_start

PARAGRAPH_BREAK = re.compile(r"(?:\r\n|\r|\n)(?:[ \t\f\v]*(?:\r\n|\r|\n))+")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
SENTENCE_END = re.compile(r"[.!?…]+[\"”’'»)\]]*(?=\s)")
LINE_END_HARD = frozenset(".!?…:;\"”’'»)]")  # a line ending in one of these ends a unit
LIST_OR_HEADING = re.compile(r"\s*(?:[-*+•>]|#{1,6}|\d{1,3}[.)])\s")
NEXT_CHARACTER = re.compile(r"\s*(\S)")
WORD_BEFORE_DOT = re.compile(r"([\w.]+)$")
INITIALISM = re.compile(r"(?:\w\.)+\w")
# At least four (two) words: searched from word starts only, so a failed search stays linear.
FOUR_WORDS = re.compile(r"(?<!\w)\w+\W+\w+\W+\w+\W+\w")
TWO_WORDS = re.compile(r"(?<!\w)\w+\W+\w")
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt vs etc al fig gen gov sen rep lt col capt sgt cpl maj adm "
    "inc ltd co corp dept univ approx est no vol pp ed eds jan feb mar apr jun jul aug sep sept "
    "oct nov dec e.g i.e cf".split()
)
MAX_SENTENCE_CHARS = 1000  # longer runs are cut at a space so quotes stay readable


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence's span in its document; not `quotable` if boilerplate like 'Advertisement'."""

    start: int
    end: int
    paragraph: int  # 1-based paragraph number in the document
    quotable: bool


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of whole sentences: its span and its first and last sentence numbers."""

    start: int
    end: int
    first: int
    last: int


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without leading and trailing white space (may become empty)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def paragraphs(text: str, begin: int = 0) -> list[tuple[int, int]]:
    """Spans of blank-line separated paragraphs from `begin` on, trimmed, empty ones dropped."""
    spans, start = [], begin
    for match in PARAGRAPH_BREAK.finditer(text, begin):
        spans.append(trimmed(text, start, match.start()))
        start = match.end()
    spans.append(trimmed(text, start, len(text)))
    return [(s, e) for s, e in spans if e > s]


def segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a paragraph at line breaks that end a unit (punctuation, a heading, a list item).

    Other line breaks are soft wraps inside a sentence and are kept. Each line is looked at once,
    in place (no copy of the rest of the paragraph), so this is linear in the paragraph's length.
    """
    pieces, seg_start, line_start = [], start, start
    for match in LINE_BREAK.finditer(text, start, end):
        line_end, next_start = match.span()
        last_line = text[line_start:line_end].strip()
        line_start = next_start
        if (len(last_line) < 40 or last_line[-1] in LINE_END_HARD or last_line[0] == "#"
                or LIST_OR_HEADING.match(text, next_start, end)):
            pieces.append(trimmed(text, seg_start, line_end))
            seg_start = next_start
    pieces.append(trimmed(text, seg_start, end))
    return [span for span in pieces if span[1] > span[0]]


def is_boundary(text: str, punct_start: int, after: int, end: int) -> bool:
    """Whether the sentence-ending punctuation at punct_start really ends a sentence."""
    following = NEXT_CHARACTER.match(text, after, end)  # in place: no copy of the rest
    if following and following.group(1).islower():
        return False
    if text[punct_start] == ".":
        word = WORD_BEFORE_DOT.search(text, max(0, punct_start - 12), punct_start)
        token = word.group(1).lower() if word else ""
        if token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
            return False
        if INITIALISM.fullmatch(token):  # U.S, e.g, i.e
            return False
    return True


def cut_long(start: int, end: int, text: str) -> list[tuple[int, int]]:
    """Cut a span longer than MAX_SENTENCE_CHARS at spaces (or hard, if it has none)."""
    if end - start <= MAX_SENTENCE_CHARS:
        return [(start, end)]
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        pieces.append(trimmed(text, start, cut))
        start = cut
    pieces.append(trimmed(text, start, end))
    return [span for span in pieces if span[1] > span[0]]


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside one segment (a trimmed span, as `segments` gives)."""
    spans, sent_start = [], start
    for match in SENTENCE_END.finditer(text, start, end):
        if is_boundary(text, match.start(), match.end(), end):
            spans.append((sent_start, match.end()))
            sent_start = match.end()
    if not spans:  # the common case in text extracted from PDFs: the line is one sentence
        return cut_long(start, end, text)
    spans.append((sent_start, end))
    result = []
    for s, e in spans:
        if s < e and (text[s].isspace() or text[e - 1].isspace()):
            s, e = trimmed(text, s, e)
        if e > s:
            result.extend(cut_long(s, e, text))
    return result


def is_quotable(sentence: str) -> bool:
    """Boilerplate lines ('Advertisement', 'Share') and bare headings are not answers."""
    if FOUR_WORDS.search(sentence):
        return True
    ends = sentence.rstrip("\"”’'»)]").endswith((".", "!", "?", "…"))
    return ends and TWO_WORDS.search(sentence) is not None


def split_sentences(text: str) -> list[Sentence]:
    """All sentences of a document, in order, with paragraph numbers."""
    sentences = []
    for number, (p_start, p_end) in enumerate(paragraphs(text, body_start(text)), start=1):
        for s_start, s_end in segments(text, p_start, p_end):
            for start, end in sentence_spans(text, s_start, s_end):
                sentences.append(Sentence(start, end, number, is_quotable(text[start:end])))
    return sentences


def trim_boilerplate(sentences: list[Sentence], first: int, last: int) -> Chunk:
    """A chunk over sentences first..last without boilerplate at either edge (if any is left)."""
    while first < last and not sentences[first].quotable:
        first += 1
    while last > first and not sentences[last].quotable:
        last -= 1
    return Chunk(sentences[first].start, sentences[last].end, first, last)


def make_chunks(sentences: list[Sentence], target: int = 500, limit: int = 1000,
                min_break: int = 200) -> list[Chunk]:
    """Group sentences into passages of about `target` characters (at most `limit`).

    A chunk ends at a paragraph break once it has `min_break` characters. Consecutive chunks
    share one sentence, except across a paragraph break, which is already a clean cut.
    """
    chunks, i, n = [], 0, len(sentences)
    while i < n:
        j = i
        while j + 1 < n:
            size = sentences[j].end - sentences[i].start
            if size >= target or sentences[j + 1].end - sentences[i].start > limit:
                break
            if sentences[j + 1].paragraph != sentences[j].paragraph and size >= min_break:
                break
            j += 1
        chunks.append(trim_boilerplate(sentences, i, j))
        if j == n - 1:
            break
        same_paragraph = sentences[j + 1].paragraph == sentences[j].paragraph
        i = j if (j > i and same_paragraph) else j + 1
    return chunks
