"""Word (.docx), read with python-docx (MIT): paragraphs and headings in document order, tables
cell by cell in reading order, one paragraph per line. A .docx is a zip archive, so its unpacked
size is checked before anything is parsed: a zip bomb is refused, not unpacked."""

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


def block_lines(document) -> list[str]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                seen = set()
                for cell in row.cells:  # a merged cell is returned once per grid column
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        lines.extend(p.text for p in cell.paragraphs)
    return [" ".join(line.split()) for line in lines if line.strip()]


def extract(data: bytes) -> Extracted:
    check_archive(data)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - python-docx raises many kinds on a damaged file
        raise Unreadable("not a readable Word file (damaged, or not a .docx)") from None
    lines = block_lines(document)
    if not lines:
        raise Unreadable("no text")
    properties = document.core_properties
    title = (properties.title or "").strip() or None
    created = properties.created
    return Extracted("\n".join(lines), (), title, created.date().isoformat() if created else None)
