"""Word (.docx), read with python-docx (MIT): paragraphs and headings in document order, tables
cell by cell in reading order, one paragraph per line. A .docx is a zip archive, so its unpacked
size is checked before anything is parsed: a zip bomb is refused, not unpacked.

The body is read from its XML (`body_lines`), not through python-docx's paragraphs and tables,
which leave out what Word shows but keeps elsewhere in the tree: a paragraph in a content
control (a template's or a form's fields), an insertion tracked and not yet accepted, the text
of a text box (after the paragraph it is anchored in), a table inside a table's cell. Text a
tracked change deletes is left out, as Word's final view shows it, and a text box's copy for
older readers (`mc:Fallback`) is read once, not twice. Footnotes and endnotes follow the body, a
paragraph a line, as a PDF prints them at the foot of the page (`note_lines`); headers and
footers, the same on every page, are not read.
"""

from __future__ import annotations

import io
import zipfile

from askdocs.readers import MB, Extracted, Unreadable

MAX_UNPACKED = 200 * MB
MAX_RATIO = 200  # a real document compresses a few times, a bomb thousands of times


def check_archive(data: bytes) -> None:
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Unreadable("not a readable Word file (damaged, or not a .docx)") from None
    unpacked = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries)
    if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * max(packed, MB // 4):
        raise Unreadable(f"unpacks to {unpacked / MB:,.0f} MB from {len(data) / MB:,.1f} MB "
                         "(a zip bomb?); the limit is 200 MB")


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# what Word does not show: deleted text, a field's instructions, an old reader's copy of a text
# box, the section's layout
HIDDEN = {W + "del", W + "moveFrom", W + "instrText", W + "sectPr",
          "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"}
SPACES = {W + "tab", W + "br", W + "cr", W + "ptab"}


NOTES = {  # a part's relationship type -> its notes' tag
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes":
        W + "footnote",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes":
        W + "endnote",
}
NOT_A_NOTE = {"separator", "continuationSeparator", "continuationNotice"}  # Word's rules


def note_lines(document) -> tuple[list[str], list[str]]:
    """The footnotes' and then the endnotes' paragraphs, in the order their parts hold them, and
    a note for a notes part that cannot be parsed (the body is read all the same)."""
    from docx.oxml.parser import parse_xml  # python-docx's parser: no entities resolved
    from lxml import etree

    lines: list[str] = []
    problems: list[str] = []
    for reltype, tag in NOTES.items():
        for rel in document.part.rels.values():
            if rel.reltype != reltype or rel.is_external:
                continue
            try:
                notes = parse_xml(rel.target_part.blob)
            except etree.XMLSyntaxError:
                problems.append(f"its {tag.rsplit('}', 1)[-1]}s are damaged and were not read")
                continue
            for note in notes.iter(tag):
                if note.get(W + "type") not in NOT_A_NOTE:
                    lines += body_lines(note)
    return lines, problems


def body_lines(body) -> list[str]:
    """Every paragraph's text under body, in document order: tables row by row and cell by
    cell, a text box's paragraphs after the paragraph that holds it."""
    lines: list[str] = []
    add_paragraphs(body, lines)
    return [" ".join(line.split()) for line in lines if line.strip()]


def add_paragraphs(element, lines: list[str]) -> None:
    """Each paragraph's text under element onto lines, then its text boxes' paragraphs."""
    for child in element:
        if child.tag == W + "p":
            parts: list[str] = []
            boxes: list = []
            add_text(child, parts, boxes)
            lines.append("".join(parts))
            for box in boxes:
                add_paragraphs(box, lines)
        elif child.tag not in HIDDEN:
            add_paragraphs(child, lines)


def add_text(element, parts: list[str], boxes: list) -> None:
    """A paragraph's shown text onto parts, and its text boxes onto boxes (read after it)."""
    for child in element:
        tag = child.tag
        if tag == W + "t":
            parts.append(child.text or "")
        elif tag in SPACES:
            parts.append(" ")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif tag == W + "txbxContent":
            boxes.append(child)
        elif tag not in HIDDEN:
            add_text(child, parts, boxes)


def extract(data: bytes) -> Extracted:
    check_archive(data)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - python-docx raises many kinds on a damaged file
        raise Unreadable("not a readable Word file (damaged, or not a .docx)") from None
    try:
        notes, problems = note_lines(document)
        lines = body_lines(document.element.body) + notes
    except RecursionError:  # elements nested past Python's limit: not a document Word writes
        raise Unreadable("not a readable Word file (damaged, or not a .docx)") from None
    if not lines:
        raise Unreadable("no text")
    properties = document.core_properties
    title = (properties.title or "").strip() or None
    created = properties.created
    return Extracted("\n".join(lines), (), title, created.date().isoformat() if created else None,
                     tuple(problems))
