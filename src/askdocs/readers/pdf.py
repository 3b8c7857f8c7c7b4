"""PDF, read with pypdfium2 (PDFium, the engine of Chromium's viewer; Apache-2.0 / BSD-3-Clause).

Chosen by measurement over pypdf (BSD, pure Python): on real company filings PDFium extracted
about 230 pages/s against about 30, opens files encrypted with an empty user password without an
extra package, and gives every character's box on the page, which is what lets the app draw the
quote on the rendered page. PyMuPDF is AGPL and not used.

The text is PDFium's, page after page, pages joined by one line break (so a sentence can run on
across a page break); `pages` holds the offset where each page starts. Two characters are mapped
one for one, so offsets stay PDFium's character indices: PDFium's mark for a hyphen at a line end
(U+FFFE) becomes "-", and control characters other than tab and line breaks become spaces.

PDFium gives a page's text in the order the PDF draws it. A table drawn column by column (its
labels, then each column of figures: a layout program's separate text frames do this) comes out
as "Net sales / Cost of sales / Net income / 4,285 / (4,180) / 75 / …", a line each, and no line
pairs a label with its figure. Such a page is put in reading order (`reading_order`): lines of
figures drawn as a column (one under the other, in a run of their own), each on the baseline of
a label to its left, join their labels' lines ("Net sales 4,285 3,900"), whether the labels were
drawn before the figures or after. Only lines of figures move, so
two-column prose stays as drawn. On such a page an offset is no longer PDFium's character index;
`render` maps it back through the same order.
"""

from __future__ import annotations

import io
import re
import statistics
from typing import NamedTuple

from askdocs.readers import Extracted, Unreadable

MAX_PAGES = 2000
MAX_CHARS = 20_000_000
CLEAN = {0xFFFE: "-", **{c: " " for c in range(32) if chr(c) not in "\t\r\n"}, 0x7F: " "}
PDF_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})")
LINE = re.compile(r"[^\r\n]+")
# a line of figures: every word an amount ("4,285", "(4,180)", "12.5%", "$", "—")
FIGURE = re.compile(r"[$€£(]*[-−–]?[$€£]?\d[\d,.]*%?\)?%?|[$€£%)]|[-−–—]")
SAME_BASELINE = 0.4  # of the glyphs' height: two lines' baselines this close are one row
MIN_MOVED = 2  # figures that must find their labels before a page is reordered
SAMPLED_GLYPHS = 8  # glyphs of a line whose boxes give its baseline and height
YEARS = re.compile(r"\s*(?:(?:19|20)\d\d\s*)+")  # a column's head: its year (or years)
MAX_LINES = 2000  # a page of more lines is left as drawn (matching lines is quadratic)
SPACE, NEW_LINE = -1, -2  # in a reading order: characters put in, not PDFium's


def is_figures(line: str) -> bool:
    """Whether every word of a line is a table's figure (or the line has none)."""
    return all(FIGURE.fullmatch(word) for word in line.split())


class Line(NamedTuple):
    """A line of a page's text: its characters, and where its glyphs sit (PDF units, y up)."""

    start: int
    end: int
    base: float  # the glyphs' median bottom (letters and digits, where it has any): its baseline
    height: float  # the glyphs' median height
    left: float
    right: float
    figures: bool  # every word a table's figure (is_figures)

    def beside(self, other: Line) -> bool:
        """Whether two lines sit on one baseline."""
        return abs(self.base - other.base) <= SAME_BASELINE * max(self.height, other.height)


def page_lines(textpage, text: str) -> list[Line]:
    """The page's lines that have characters other than white space, with their glyphs' boxes."""
    lines = []
    for match in LINE.finditer(text):
        start, end = match.span()
        marks = [i for i in range(start, end) if not text[i].isspace()]
        if not marks:
            continue
        # (left, bottom, right, top) of the first and last mark and of a few letters or digits
        # spread over the line: enough for its extent and its baseline
        sitting = [i for i in marks if text[i].isalnum()] or marks
        sampled = sitting[::max(1, len(sitting) // SAMPLED_GLYPHS)]
        boxes = {i: textpage.get_charbox(i) for i in {marks[0], marks[-1], *sampled}}
        sitting = [boxes[i] for i in sampled]
        lines.append(Line(start, end, statistics.median(b[1] for b in sitting),
                          statistics.median(b[3] - b[1] for b in sitting),
                          min(b[0] for b in boxes.values()), max(b[2] for b in boxes.values()),
                          is_figures(match.group())))
    return lines


def figure_columns(lines: list[Line]) -> list[list[int]]:
    """The runs of lines of figures drawn as a column: two or more lines of figures, one under
    the other, each lower on the page than the one before."""
    found, k = [], 0
    while k < len(lines):
        if not lines[k].figures:
            k += 1
            continue
        run = [k]
        while (k + 1 < len(lines) and lines[k + 1].figures
               and lines[k + 1].base < lines[k].base - 0.5 * lines[k].height):
            k += 1
            run.append(k)
        if len(run) >= 2:
            found.append(run)
        k += 1
    return found


def stacked_figures(text: str) -> bool:
    """Whether two lines of figures follow one another in the text, as a column's do (a cheap
    test before any glyph's box is read: a page drawn row by row has none)."""
    before = False
    for match in LINE.finditer(text):
        if not match.group().strip():
            continue
        now = is_figures(match.group())
        if now and before:
            return True
        before = now
    return False


def reading_order(textpage, text: str) -> list[int] | None:
    """The page's characters in reading order, as PDFium indices (SPACE and NEW_LINE: put in,
    between a label and its figures, after a row of column heads), where a table was drawn
    column by column. None if the page reads as drawn: most pages, as nothing moves unless
    MIN_MOVED figures find their labels; a page whose text is not one character for each of
    PDFium's (each text index a character index); a page of more than MAX_LINES lines."""
    if (not stacked_figures(text) or textpage.count_chars() != len(text)
            or text.count("\n") + text.count("\r") > 2 * MAX_LINES):
        return None
    lines = page_lines(textpage, text)
    joined: dict[int, list[int]] = {}  # a label's line -> the figures' lines put after it
    heads: dict[int, list[int]] = {}  # a label's line -> column heads put on a line before it
    moved: set[int] = set()
    for run in figure_columns(lines):
        matched = [(k, label_of(lines, k)) for k in run]
        first = next((n for n, (_, label) in enumerate(matched) if label is not None), None)
        if first is None:
            continue
        for k, label in matched[first:]:
            if label is not None:
                joined.setdefault(label, []).append(k)
                moved.add(k)
        # the column's year above its first row heads the table's first row
        heads.setdefault(matched[first][1], []).extend(
            k for k, _ in matched[:first] if YEARS.fullmatch(text[lines[k].start:lines[k].end]))
    if len(moved) < MIN_MOVED:
        return None
    moved.update(k for head in heads.values() for k in head)
    # each line with what follows it up to the next line (its line break, blank lines); a
    # moved line's own break is dropped
    order = list(range(lines[0].start))
    for k, line in enumerate(lines):
        if k in moved:
            continue
        for row in rows_of(lines, heads.get(k, [])):
            order.extend(spaced(lines, row))
            order.append(NEW_LINE)
        order.extend(range(line.start, line.end))
        for f in sorted(joined.get(k, ()), key=lambda f: lines[f].left):
            order.append(SPACE)
            order.extend(range(lines[f].start, lines[f].end))
        order.extend(range(line.end, lines[k + 1].start if k + 1 < len(lines) else len(text)))
    return order


def label_of(lines: list[Line], k: int) -> int | None:
    """The line of the label a line of figures sits beside: on its baseline, to its left, the
    nearest; None if there is none."""
    labels = [j for j, line in enumerate(lines)
              if not line.figures and line.beside(lines[k]) and line.right < lines[k].left]
    return max(labels, key=lambda j: lines[j].right) if labels else None


def rows_of(lines: list[Line], ks: list[int]) -> list[list[int]]:
    """Lines grouped into rows by baseline, top to bottom, each row left to right."""
    rows: list[list[int]] = []
    for k in sorted(ks, key=lambda k: -lines[k].base):
        if rows and lines[rows[-1][0]].beside(lines[k]):
            rows[-1].append(k)
        else:
            rows.append([k])
    return [sorted(row, key=lambda k: lines[k].left) for row in rows]


def spaced(lines: list[Line], row: list[int]) -> list[int]:
    """The characters of a row's lines, a space between each two."""
    order: list[int] = []
    for n, k in enumerate(row):
        order.extend(([SPACE] if n else []) + list(range(lines[k].start, lines[k].end)))
    return order


def in_order(text: str, order: list[int] | None) -> str:
    """The page's text in reading_order's order."""
    put = {SPACE: " ", NEW_LINE: "\n"}
    return text if order is None else "".join(text[i] if i >= 0 else put[i] for i in order)


def open_pdf(data: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise Unreadable("the PDF needs a password") from None
        raise Unreadable("not a readable PDF (damaged or not a PDF)") from None


def page_texts(pdf) -> list[str]:
    texts, total = [], 0
    for number in range(len(pdf)):
        page = pdf[number]
        textpage = page.get_textpage()
        text = textpage.get_text_range().translate(CLEAN)
        text = in_order(text, reading_order(textpage, text))
        textpage.close()
        page.close()
        total += len(text)
        if total > MAX_CHARS:
            raise Unreadable(f"more than {MAX_CHARS:,} characters of text; the limit is "
                             f"{MAX_CHARS:,}")
        texts.append(text)
    return texts


def extract(data: bytes) -> Extracted:
    pdf = open_pdf(data)
    try:
        count = len(pdf)
        if count > MAX_PAGES:
            raise Unreadable(f"{count:,} pages; the limit is {MAX_PAGES:,}")
        texts = page_texts(pdf)
        metadata = pdf.get_metadata_dict(skip_empty=True)
    finally:
        pdf.close()
    blank = sum(1 for t in texts if not t.strip())
    if count == 0 or blank == count:
        raise Unreadable(f"no text layer (none of its {count} pages has text: scanned images?)")
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    title = metadata.get("Title", "").strip()
    date = PDF_DATE.match(metadata.get("CreationDate", "") or "")
    notes = (f"{blank} of {count} pages have no text layer and were not indexed",) if blank else ()
    return Extracted("\n".join(texts), tuple(starts),
                     title or None,
                     "-".join(date.groups()) if date else None, notes)


def pdfium_runs(ranges: list[tuple[int, int]], order: list[int] | None):
    """The runs (PDFium index, count) of characters that the page's text ranges hold."""
    for start, end in ranges:
        if order is None:
            yield start, end - start
            continue
        indices = [i for i in order[max(start, 0):end] if i >= 0]
        run_start = previous = None
        for i in indices:
            if previous is not None and i == previous + 1:
                previous = i
                continue
            if run_start is not None:
                yield run_start, previous - run_start + 1
            run_start = previous = i
        if run_start is not None:
            yield run_start, previous - run_start + 1


def render(data: bytes, page_number: int, ranges: list[tuple[int, int]],
           width: int = 900) -> bytes:
    """A PNG of one page (0-based) with the characters of `ranges` (page character indices,
    end exclusive) boxed."""
    from PIL import ImageDraw

    pdf = open_pdf(data)
    try:
        if not 0 <= page_number < len(pdf):
            raise Unreadable(f"no page {page_number + 1}")
        page = pdf[page_number]
        page_width, page_height = page.get_size()
        scale = width / page_width
        image = page.render(scale=scale).to_pil().convert("RGB")
        left, bottom, _, _ = page.get_cropbox()
        textpage = page.get_textpage()
        order = reading_order(textpage, textpage.get_text_range().translate(CLEAN))
        draw = ImageDraw.Draw(image, "RGBA")
        for start, count in pdfium_runs(ranges, order):
            for index in range(textpage.count_rects(start, count)):
                x0, y0, x1, y1 = textpage.get_rect(index)
                box = ((x0 - left) * scale - 2, (page_height - (y1 - bottom)) * scale - 2,
                       (x1 - left) * scale + 2, (page_height - (y0 - bottom)) * scale + 2)
                draw.rectangle(box, fill=(255, 224, 102, 90), outline=(214, 40, 40, 255),
                               width=2)
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()
    finally:
        pdf.close()
