"""Plain text and Markdown: the file's exact UTF-8 content (a leading BOM dropped), so every
offset points into the real file."""

from __future__ import annotations

from askdocs.readers import Extracted, Unreadable


def decode(data: bytes) -> str:
    """Decode file bytes as UTF-8, dropping a BOM; raises UnicodeDecodeError for non-text."""
    if b"\x00" in data:
        raise UnicodeDecodeError("utf-8", data, data.index(b"\x00"), data.index(b"\x00") + 1,
                                 "NUL byte: binary file")
    text = data.decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


def extract(data: bytes) -> Extracted:
    try:
        return Extracted(decode(data))
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 text") from None
