"""Sentences and chunks with character offsets into a document's text (pure, no I/O).

Every span satisfies `text[start:end] == span text`; nothing here copies or rewrites text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from askdocs.documents import body_start

PARAGRAPH_BREAK = re.compile(r"(?:\r\n|\r(?!\n)|\n)(?:[ \t\f\v]*(?:\r\n|\r(?!\n)|\n))+")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
SENTENCE_END = re.compile(r"[.!?…]+[\"”’'»)\]]*(?=\s)")
LINE_END_HARD = frozenset(".!?…:;\"”’'»)]")  # a line ending in one of these ends a unit
LIST_OR_HEADING = re.compile(r"\s*(?:[-*+•>]|#{1,6}|\d{1,3}[.)])\s")
NEXT_CHARACTER = re.compile(r"\s*(\S)")
DIGITS = re.compile(r"\d+")
WORD_BEFORE_DOT = re.compile(r"([\w.]+)$")
INITIALISM = re.compile(r"(?:\w\.)+\w")
# At least four words: searched from word starts only, so a failed search stays linear.
FOUR_WORDS = re.compile(r"(?<!\w)\w+\W+\w+\W+\w+\W+\w")
# A word of letters only ("Item", not "1" or "1A").
WORD_OF_LETTERS = re.compile(r"(?<!\w)[^\W\d_]+(?!\w)")
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt vs etc al fig gen gov sen rep lt col capt sgt cpl maj adm "
    "inc ltd co corp dept univ approx est no vol pp ed eds jan feb mar apr jun jul aug sep sept "
    "oct nov dec e.g i.e cf".split()
)
# A line ending in two numbers is a table row ("Net income 4,858 5,363"), not a wrapped line.
# a table's cell: a number ("1,577", "(4,858)", "12.5%", "$7,029", and "$ 7,029" or
# "$ (4,858)", where a filing's currency sign is a cell of its own, as its closing bracket and its
# per cent sign can be: "(4,858 )", "12.5 %" in the text of a filing printed from EDGAR) or a
# dash, which a filing writes for nil
_cell = (r"(?:(?:[$€£][ \t]*)?[-−–(]?(?:[$€£][ \t]*)?\d[\d,.]*(?:[ \t]*%)?(?:[ \t]*\))?"
         r"|[-−–—])")
TABLE_ROW = re.compile(rf"{_cell}[ \t]+{_cell}$")
ROW_CELLS = re.compile(rf"(?:[ \t]+{_cell})+$")  # a row's cells, after its label
TITLE_WORD = re.compile(r"[^\W\d_][\w'’&-]*")
MINOR_WORDS = frozenset("a an and as at by for from in into of on or the to with per vs".split())
NUMBER_END = frozenset("0123456789)%-−–—")
SHORT_LINE = 40  # a line under this many characters ends a unit: a heading, a last line
# a page's heading (page_headings): at most this many lines, each a title, a caption of at most
# CAPTION_WORDS words, or a line that ends in two or more years (the column header)
HEADING_LINES = 5
HEADING_SCAN = 4096  # characters of a page read for its heading: a long text is one page
CAPTION_WORDS = 8
YEARS_LINE = re.compile(r"(?:^|\s)(?:(?:19|20)\d\d\s+)+(?:19|20)\d\d\s*$")
# a table cell on a line of its own, as pypdf and PyMuPDF extract a table whose cells were drawn
# one by one: an amount ("9,708", "(5,028)", "12.5%"), a currency sign or a dash; and as PDFium
# gives some of a printed EDGAR filing's cells, a bracket or a per cent sign of the cell before
# ("(1,577" / ") (1,373" / ")")
LABEL_GOES_ON = re.compile(r"[ \t]*(?:[a-z]|\([A-Za-z])")  # a wrapped label's next line
CELL = re.compile(r"(?:[)%][ \t]*)?(?:[-−–(]?[$€£]?[ \t]*\d[\d,.]*(?:[ \t]*%)?(?:[ \t]*\))?"
                  r"|[$€£]|[-−–—])|[)%]")
NEXT_CELL = re.compile(rf"[ \t]*(?:{CELL.pattern})[ \t]*(?:\r\n|\r|\n|$)")
LONE_YEAR = re.compile(r"(?:19|20)\d\d")
LABEL_CHARS = 100  # a row's label is shorter; a longer line is prose
DUMPED_LABELS = 3  # labels a line each before a table's figures: a table written column by column
PAGE_NUMBER = re.compile(r"[\W_]*\d{1,4}[\W_]*")  # "14", "- 14 -": a page number's own line
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


def segments(text: str, start: int, end: int, running: frozenset[int] = frozenset(),
             layout: PageLayout | None = None) -> list[tuple[int, int]]:
    """Split a paragraph at line breaks that end a unit (punctuation, a heading, a list item).

    Other line breaks are soft wraps inside a sentence and are kept. Each line is looked at once,
    in place (no copy of the rest of the paragraph), so this is linear in the paragraph's length.
    Lines starting at an offset in `running` (a paged document's running headers and footers)
    decide nothing: at the start of a unit each is a unit of its own, inside a sentence that runs
    on across a page break they are passed over. A line shorter than SHORT_LINE characters ends
    a unit (a heading, a paragraph's last line); in a paged document "short" is relative to its
    page's lines (`layout`), so a narrow column's lines still run on.
    """
    pieces, seg_start, line_start, short = [], start, start, SHORT_LINE
    trailing = None  # where a run of running lines inside the current unit began
    for match in LINE_BREAK.finditer(text, start, end):
        line_end, next_start = match.span()
        if line_start in running:
            if seg_start == line_start:
                pieces.append(trimmed(text, seg_start, line_end))
                seg_start = next_start
            elif trailing is None:
                trailing = line_start
            line_start = next_start
            continue
        if trailing is not None and not continues(text, line_start, line_end):
            # a new page that does not go on with the sentence: the unit ended with the page
            pieces.append(trimmed(text, seg_start, trailing))
            pieces += line_spans(text, trailing, line_start)
            seg_start = line_start
        trailing = None
        if layout is not None:
            short = layout.short(line_start)
        this_line, line_start = line_start, next_start
        last_line = text[this_line:line_end].strip()
        if is_row_so_far(last_line) and (NEXT_CELL.match(text, next_start, end)
                                         or wrapped_label(text, next_start, end)):
            if seg_start == this_line:  # the unit is this label alone
                seg_start = labels_dumped(text, pieces, seg_start, next_start, end)
            continue  # a table's cells a line each, or a label wrapped: the row goes on
        if (len(last_line) < short or last_line[-1] in LINE_END_HARD or last_line[0] == "#"
                or LIST_OR_HEADING.match(text, next_start, end)
                or is_table_row(last_line)
                or is_heading(last_line)):
            pieces.append(trimmed(text, seg_start, line_end))
            seg_start = next_start
    if line_start not in running and (trailing is None or continues(text, line_start, end)):
        trailing = None  # the last line is the unit's own: running lines before it are inside
    elif seg_start < line_start and trailing is None:
        trailing = line_start
    if trailing is not None:  # running lines after the unit's last line: each a unit of its own
        pieces.append(trimmed(text, seg_start, trailing))
        pieces += line_spans(text, trailing, end)
    else:
        pieces.append(trimmed(text, seg_start, end))
    return [span for span in pieces if span[1] > span[0]]


def labels_dumped(text: str, pieces: list[tuple[int, int]], seg_start: int, next_start: int,
                  end: int) -> int:
    """Where a table row's unit starts when a table was written column by column, its labels
    a line each and then its figures a line each ("Net sales / Cost of sales / Net income /
    4,285 / (4,180) / 75 / …", as pdfminer and pypdf give a PDF whose table is so drawn): the
    figures do not belong to the last label, so the unit holds every label of the run (popped
    from pieces), and no row reads falsely "Net income 4,285 (4,180) …". A run is DUMPED_LABELS
    or more labels, each a unit of its own just before, and at least two figures a label after
    them; otherwise the row starts at seg_start, its own label."""
    labels, following = 0, seg_start  # the label units just before, nothing between them
    for start, stop in reversed(pieces):
        if text[stop:following].strip() or not is_label_line(text[start:stop]):
            break
        labels, following = labels + 1, start
    if labels + 1 < DUMPED_LABELS:
        return seg_start
    figures, at = 0, next_start
    while figures < 2 * (labels + 1) and (cell := NEXT_CELL.match(text, at, end)):
        figures, at = figures + 1, cell.end()
    if figures < 2 * (labels + 1):
        return seg_start
    del pieces[len(pieces) - labels:]
    return following


def is_label_line(line: str) -> bool:
    """A table's label on a line of its own: no line break inside, not a cell, and a row so far
    (is_row_so_far)."""
    line = line.strip()
    return (bool(line) and "\n" not in line and "\r" not in line and not CELL.fullmatch(line)
            and is_row_so_far(line))


def is_table_line(text: str, offset: int) -> bool:
    """Whether the line holding offset is a table's: a row of numbers ("Net income 4,858
    5,363") or a cell a line of its own ("4,858")."""
    start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    end = min((i for i in (text.find("\n", offset), text.find("\r", offset)) if i >= 0),
              default=len(text))
    line = text[start:end].strip()
    return bool(CELL.fullmatch(line)) or is_table_row(line)


def is_table_row(line: str) -> bool:
    """A line ending in two numbers: a table's row ("Net income 4,858 5,363"), not wrapped
    prose."""
    return bool(line) and line[-1] in NUMBER_END and TABLE_ROW.search(line) is not None


def row_label(line: str) -> str:
    """A table row's label: the line without its cells ("Total current assets" of "Total
    current assets $ 1,522 $ 8,979")."""
    return ROW_CELLS.sub("", line)


def wrapped_label(text: str, start: int, end: int) -> bool:
    """Whether the line at start ends a table row whose label began on the line before: it opens
    with a small letter or a bracketed word ("Dividends paid to" / "shareholders (1,847 ) (2,865
    )", "… plant and equipment" / "(PP&E) (9,831 ) …"), as a printed filing wraps a long label
    in its column."""
    if not LABEL_GOES_ON.match(text, start, end):
        return False
    stop = LINE_BREAK.search(text, start, end)
    return is_table_row(text[start:stop.start() if stop else end].strip())


def is_row_so_far(line: str) -> bool:
    """Whether a line can go on with a table cell on the next line: it is a cell, or a label
    (short, no sentence or row ended: "Net income", "Years ended December 31")."""
    return bool(CELL.fullmatch(line)) or (
        len(line) < LABEL_CHARS and line[-1] not in ".!?…:;" and not TABLE_ROW.search(line))


@dataclass(frozen=True)
class PageLayout:
    """Per page of a paged document, the length under which a line counts as short."""

    pages: tuple[int, ...]
    shorts: tuple[int, ...]

    @classmethod
    def of(cls, text: str, pages: tuple[int, ...]) -> PageLayout:
        bounds, shorts = (*pages, len(text) + 1), []
        for number, page_start in enumerate(pages):
            lengths = sorted(e - s for s, e in line_spans(text, page_start,
                                                          max(page_start, bounds[number + 1] - 1)))
            typical = lengths[int(0.8 * (len(lengths) - 1))] if lengths else SHORT_LINE
            shorts.append(min(SHORT_LINE, int(0.6 * typical)))
        return cls(pages, tuple(shorts))

    def short(self, offset: int) -> int:
        return self.shorts[max(0, bisect.bisect_right(self.pages, offset) - 1)]


def line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The non-blank lines between start and end, trimmed."""
    spans, line_start = [], start
    for match in LINE_BREAK.finditer(text, start, end):
        spans.append(trimmed(text, line_start, match.start()))
        line_start = match.end()
    spans.append(trimmed(text, line_start, end))
    return [span for span in spans if span[1] > span[0]]


EDGE_LINE_CHARS = 120  # a longer line is prose, never a running header or footer


def line_key(text: str, start: int, end: int) -> str:
    """A line's wording as pages repeat it: spaces collapsed, lower case, numbers as "#"
    ("Page 3" and "Page 4" are one line)."""
    return DIGITS.sub("#", " ".join(text[start:end].split()).lower())


def edge_lines(text: str, start: int, end: int, edge: int = 2) -> list[tuple[int, int]]:
    """The spans of the first and last `edge` lines between start and end (once each), where a
    running header or footer would be."""
    lines = line_spans(text, start, max(start, end))
    return [span for span in dict.fromkeys(lines[:edge] + lines[-edge:])
            if span[1] - span[0] <= EDGE_LINE_CHARS]


def edge_keys(text: str, pages: tuple[int, ...] = (), edge: int = 2) -> tuple[str, ...]:
    """The keys (line_key) of a document's first and last `edge` lines: what
    documents.shared_lines compares across pages filed one text file each. Not of a line that
    ends a sentence (a short note's first line is its content, not a header), nor of a document
    of one line, nor of a paged one (its running lines are found among its own pages)."""
    if pages or len(line_spans(text, 0, min(len(text), HEADING_SCAN))) < 2:
        return ()
    return tuple(dict.fromkeys(line_key(text, a, b) for a, b in edge_lines(text, 0, len(text),
                                                                           edge)
                               if not text[a:b].endswith((".", "!", "?"))))


def running_lines(text: str, pages: tuple[int, ...], edge: int = 2,
                  shared: tuple[str, ...] = ()) -> frozenset[int]:
    """Start offsets of running headers and footers: lines among the first or last `edge` lines
    of a page whose wording (numbers aside: "Page 3") recurs on at least 40% of the pages; in a
    page filed as its own text file, its first or last lines whose wording (line_key) `shared`
    holds: the lines it shares with the other pages of its report (documents.shared_lines)."""
    own = frozenset(a for a, b in edge_lines(text, 0, len(text), edge)
                    if line_key(text, a, b) in shared) if shared else frozenset()
    if len(pages) < 3:
        return own
    bounds = (*pages, len(text) + 1)
    seen: dict[str, set[int]] = {}
    starts: dict[str, list[int]] = {}
    for number, page_start in enumerate(pages):
        for line_start, line_end in edge_lines(text, page_start, bounds[number + 1] - 1, edge):
            key = line_key(text, line_start, line_end)
            seen.setdefault(key, set()).add(number)
            starts.setdefault(key, []).append(line_start)
    needed = max(3, -(-4 * len(pages) // 10))
    return own | frozenset(s for key, pages_seen in seen.items() if len(pages_seen) >= needed
                           for s in starts[key])


def running_inside(text: str, running: frozenset[int], start: int,
                   end: int) -> tuple[tuple[int, int], ...]:
    """The running lines (running_lines: a page's header, footer, number) inside text[start:end],
    each span with the line break after it, neighbours merged: a sentence that goes on across a
    page break holds the next page's header and number, which a reader of the sentence wants
    left out. Only lines with more of the span after them count (not its first or last)."""
    spans: list[tuple[int, int]] = []
    for line_start, line_end in line_spans(text, start, end):
        if line_start in running and line_start > start:
            after = LINE_BREAK.match(text, line_end)
            stop = after.end() if after else line_end
            if stop >= end:
                break
            if spans and not text[spans[-1][1]:line_start].strip():
                spans[-1] = (spans[-1][0], stop)
            else:
                spans.append((line_start, stop))
    return tuple(spans)


def page_headings(text: str, pages: tuple[int, ...],
                  running: frozenset[int] | None = None) -> list[tuple[int, int] | None]:
    """Per page, the span of the lines that head it, or None: its title ("CONSOLIDATED
    STATEMENT OF CASH FLOWS"), short captions ("(Millions, except per share amounts)", "Years
    ended December 31") and a column header of years ("2018 2017 2016"), from its first line
    that is not a running header up to the first that is none of these (a table row, prose).
    A statement's rows far down its page say neither what it is nor which year each column is;
    this says both. At least one title line, or no heading; a line above it with no word, or a
    page number's own line anywhere in it (a page filed as text: its running header, its
    number, then the statement's title), is passed over. A document without pages is one page
    (a page filed as its own text file: the running header it shares with its report's other
    pages, running_lines, heads it too, for there is no other page to say whose it is)."""
    running = running_lines(text, pages) if running is None else running
    pages = pages or (0,)
    bounds, headings = (*pages, len(text) + 1), []
    for number, page_start in enumerate(pages):
        end = min(bounds[number + 1] - 1, page_start + HEADING_SCAN)
        lines = year_columns(text, [span for span in line_spans(text, page_start,
                                                                max(page_start, end))
                                    if span[0] not in running])
        kept, titled = [], False
        for start, end in lines[:HEADING_LINES]:
            line = text[start:end]
            if (not kept and not TITLE_WORD.search(line)) or PAGE_NUMBER.fullmatch(line):
                continue  # a page number above the title, or under a running header
            title, years = is_heading(line) or is_capitals(line), YEARS_LINE.search(line)
            if not (title or years or is_caption(line)):
                break
            kept.append((start, end))
            titled = titled or title
            if years:  # the column header ends the heading
                break
        headings.append((kept[0][0], kept[-1][1]) if titled else None)
    return headings


def year_columns(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Lines, with each run of two or more lone years made one ("2018\n2017\n2016": a column
    header extracted a cell a line), as a years line is one."""
    out, run = [], 0
    for span in lines:
        if LONE_YEAR.fullmatch(text[span[0]:span[1]]):
            if run:
                out[-1] = (out[-1][0], span[1])
            else:
                out.append(span)
            run += 1
        else:
            out.append(span)
            run = 0
    return out


def chunk_texts(text: str, pages: tuple[int, ...], chunks: list[Chunk]) -> list[str]:
    """What each chunk is embedded and keyword-indexed as: its text, after its page's heading
    (page_headings) when it starts below it, so that a statement's rows far down the page are
    found by the statement's title, its company and its years; in a paged document, after its
    page's running header too (page_headers), which names the company and the year, when the
    chunk does not hold it: a chunk ends at a page break, so no chunk of a page would. Its
    quote and context stay the document's own text at the chunk's offsets."""
    running = running_lines(text, pages)
    headings = page_headings(text, pages, running)
    headers = page_headers(text, pages, running)
    texts = []
    for chunk in chunks:
        own = text[chunk.start:chunk.end]
        heading = heading_above(text, pages, headings, chunk.start)
        header = heading_above(text, pages, headers, chunk.start)
        texts.append("\n".join(filter(None, (header, heading, own))))
    return texts


def page_headers(text: str, pages: tuple[int, ...],
                 running: frozenset[int]) -> list[tuple[int, int] | None]:
    """Per page of a paged document, the span of the running lines that open it (its running
    header: "Harbor Lights Inc | 2018 Annual Report"), a page number's own line passed over;
    None where it opens with none. running: running_lines."""
    if not running:
        return []
    bounds, headers = (*pages, len(text) + 1), []
    for number, page_start in enumerate(pages):
        kept = []
        for start, end in line_spans(text, page_start, min(bounds[number + 1] - 1,
                                                            page_start + HEADING_SCAN)):
            if start not in running:
                break
            if not PAGE_NUMBER.fullmatch(text[start:end]):
                kept.append((start, end))
        headers.append((kept[0][0], kept[-1][1]) if kept else None)
    return headers


def heading_above(text: str, pages: tuple[int, ...], headings: list[tuple[int, int] | None],
                  offset: int) -> str:
    """The heading (page_headings) of the page holding offset, if offset is below it; else
    empty."""
    span = headings[bisect.bisect_right(pages or (0,), offset) - 1] if headings else None
    return text[span[0]:span[1]] if span and offset >= span[1] else ""


def capital_letters(line: str) -> int:
    """How many letters the line has if every one is a capital, else 0 (a script without
    capitals, Chinese or Arabic, has none)."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) if all(c.isupper() for c in letters) else 0


def is_capitals(line: str) -> bool:
    """A line in capitals ("CONSOLIDATED BALANCE SHEETS", "3M COMPANY")."""
    return capital_letters(line) >= 3 and len(TITLE_WORD.findall(line)) <= 12


def is_caption(line: str) -> bool:
    """A short line that is no sentence and no table row ("Years ended December 31")."""
    stripped = line.rstrip()
    return (0 < len(TITLE_WORD.findall(line)) <= CAPTION_WORDS
            and not stripped.endswith((".", "?", "!"))
            and not is_table_row(stripped))


def is_heading(line: str) -> bool:
    """A line in Title Case ("Consolidated Statement of Income"): a heading, not wrapped prose."""
    words = TITLE_WORD.findall(line)
    if not 2 <= len(words) <= 12:
        return False
    significant = [w for w in words if w.lower() not in MINOR_WORDS]
    return len(significant) >= 2 and all(w[0].isupper() for w in significant)


def continues(text: str, start: int, end: int) -> bool:
    """Whether a line, first on its page, goes on with the sentence of the page before: it
    starts with a small letter, a digit or punctuation, not a capital (a heading, a new
    sentence)."""
    first = NEXT_CHARACTER.match(text, start, end)
    return bool(first) and not first.group(1).isupper()


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


def in_capitals(line: str) -> bool:
    """A line whose letters are all capitals, with no digit, of any length: a title or heading
    (is_capitals, which finds a table's title, allows "3M" and stops at twelve words)."""
    return capital_letters(line) >= 2 and not any(c.isdigit() for c in line)


def is_quotable(sentence: str) -> bool:
    """Boilerplate lines ('Advertisement', 'Share') and bare headings are not answers: a line
    of fewer than four words is a sentence only if it ends as one and two of its words are
    words, not numbers ("He resigned." is; "Item 1.", a filing's heading, is not); nor is a line
    set in capitals without a digit that does not end as a sentence ("SECURITIES AND EXCHANGE
    COMMISSION", which opened the answer to "Which debt securities are registered …?")."""
    ends = sentence.rstrip("\"”’'»)]").endswith((".", "!", "?", "…"))
    if not ends and in_capitals(sentence):
        return False
    if FOUR_WORDS.search(sentence):
        return True
    return ends and len(WORD_OF_LETTERS.findall(sentence)) >= 2


def split_sentences(text: str, pages: tuple[int, ...] = (), lines_are_paragraphs: bool = False,
                    shared: tuple[str, ...] = ()) -> list[Sentence]:
    """All sentences of a document, in order, with paragraph numbers.

    `pages`: where each page of a paged document starts; its running headers and footers are
    never quotable and never cut a sentence; so are those of a page filed as its own text file
    that `shared` names (running_lines). `lines_are_paragraphs`: every line is a paragraph
    (text read from Word files and web pages).
    """
    paged = running_lines(text, pages)
    running = paged | running_lines(text, (), shared=shared) if shared else paged
    layout = PageLayout.of(text, pages) if pages else None
    # a table's heading (its title, captions and column years) says what its rows are, and
    # is found through them (chunk_texts), but answers nothing itself
    headers = [(a, b) for a, b in filter(None, page_headings(text, pages, paged))
               if YEARS_LINE.search(text[a:b])]
    header_starts = [a for a, _ in headers]
    if lines_are_paragraphs:
        units = [[span] for span in line_spans(text, body_start(text), len(text))]
    else:
        units = [segments(text, p_start, p_end, running, layout)
                 for p_start, p_end in paragraphs(text, body_start(text))]
    sentences = []
    for number, unit in enumerate(units, start=1):
        for s_start, s_end in unit:
            header = s_start in running
            for start, end in sentence_spans(text, s_start, s_end):
                at = bisect.bisect_right(header_starts, start) - 1
                heading = at >= 0 and start < headers[at][1]
                sentences.append(Sentence(start, end, number, not header and not heading
                                          and is_quotable(text[start:end])))
    return sentences


def trim_boilerplate(sentences: list[Sentence], first: int, last: int) -> Chunk:
    """A chunk over sentences first..last without boilerplate at either edge (if any is left)."""
    while first < last and not sentences[first].quotable:
        first += 1
    while last > first and not sentences[last].quotable:
        last -= 1
    return Chunk(sentences[first].start, sentences[last].end, first, last)


def make_chunks(sentences: list[Sentence], target: int = 500, limit: int = 1000,
                min_break: int = 200, pages: tuple[int, ...] = ()) -> list[Chunk]:
    """Group sentences into passages of about `target` characters (at most `limit`).

    A chunk ends at a paragraph break once it has `min_break` characters, and always at a page
    break between two sentences (`pages`: where a paged document's pages start): a page that
    opens with a statement's title starts a passage of its own, not the tail of the page before
    (a sentence that goes on across the break stays whole). Consecutive chunks share one
    sentence, except across a paragraph or page break, which is already a clean cut.
    """
    page = [bisect.bisect_right(pages, s.start) for s in sentences] if pages else []
    # the sentences that open a page
    turns = {j for j in range(1, len(page)) if page[j] != page[j - 1]}
    chunks, i, n = [], 0, len(sentences)
    while i < n:
        j = i
        while j + 1 < n:
            size = sentences[j].end - sentences[i].start
            if size >= target or sentences[j + 1].end - sentences[i].start > limit:
                break
            if sentences[j + 1].paragraph != sentences[j].paragraph and size >= min_break:
                break
            if j + 1 in turns:
                break
            j += 1
        chunks.append(trim_boilerplate(sentences, i, j))
        if j == n - 1:
            break
        same_paragraph = sentences[j + 1].paragraph == sentences[j].paragraph and \
            j + 1 not in turns
        i = j if (j > i and same_paragraph) else j + 1
    return chunks
