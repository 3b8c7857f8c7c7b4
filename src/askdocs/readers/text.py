"""Plain text and Markdown: the file's exact content, decoded, so every offset points into the
real file's text.

The encodings a folder's text files come in: UTF-8 (a leading BOM dropped); UTF-16 with its BOM
(what Windows' Notepad saves as "Unicode"); and, for a file that is not UTF-8, Windows-1252, the
single-byte encoding older Windows tools write, of which ISO-8859-1's printable characters are a
part. A file mostly UTF-8 but for a few bytes (two files joined, one of them Windows-1252) is
read as UTF-8, each bad place a replacement character, and a note says how many. A NUL byte
outside UTF-16 says binary. UTF-8 is strict enough to need no more; but nearly any bytes decode
as Windows-1252, so a file read so (or as UTF-16) must also have few control characters but
white space (random bytes have about one in ten). Other single-byte encodings
cannot be told apart from Windows-1252 by their bytes, so no guess is made beyond it: a
guessing library (charset-normalizer) would add a dependency to misread short files.
"""

from __future__ import annotations

import codecs
import itertools
import re

from askdocs.readers import Extracted, Unreadable

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
CONTROL = re.compile("[\x00-\x08\x0e-\x1f]")  # control characters but \t \n \v \f \r
CONTROLS_PER_THOUSAND = 10  # an old DOS file's closing Ctrl-Z, a log's colour codes: text
NOT_TEXT = "not text (binary content)"
NOT_DECODED = "not text in UTF-8, UTF-16 or Windows-1252"
SINGLE_BYTE_NOTE = "not UTF-8: read as Windows-1252"


def looks_like_text(text: str) -> bool:
    """No NUL, and at most CONTROLS_PER_THOUSAND other controls in a thousand characters
    (counted until there are too many: a binary file of 50 MB stops at its first thousands)."""
    if "\x00" in text:
        return False
    allowed = CONTROLS_PER_THOUSAND * len(text) // 1000
    return next(itertools.islice(CONTROL.finditer(text), allowed, None), None) is None


def decode_noting(data: bytes) -> tuple[str, tuple[str, ...]]:
    """The text of a text file and, when it was not UTF-8, a note saying how it was read.

    Raises Unreadable for bytes that are not text in any encoding read here.
    """
    if data.startswith(UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise Unreadable(NOT_DECODED) from None
        if not looks_like_text(text):
            raise Unreadable(NOT_TEXT)
        return text, ()
    if b"\x00" in data:
        raise Unreadable(NOT_TEXT)
    try:
        return data.decode("utf-8-sig"), ()
    except UnicodeDecodeError:
        pass
    mended = data.decode("utf-8-sig", "replace")
    bad = mended.count("\ufffd")
    good = len(mended) - len(mended.encode("ascii", "ignore")) - bad  # non-ASCII, decoded
    if good > bad:  # more good UTF-8 characters than bad places
        places = f"{bad} place{'s' * (bad != 1)}"
        return mended, (f"not UTF-8 throughout: {places} read as \u201c\ufffd\u201d",)
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # a byte Windows-1252 leaves undefined
        raise Unreadable(NOT_DECODED) from None
    if not looks_like_text(text):
        raise Unreadable(NOT_TEXT)
    return text, (SINGLE_BYTE_NOTE,)


def decode(data: bytes) -> str:
    """The text of a text file (decode_noting without the note); raises Unreadable."""
    return decode_noting(data)[0]


def extract(data: bytes) -> Extracted:
    text, notes = decode_noting(data)
    return Extracted(text, notes=notes)
