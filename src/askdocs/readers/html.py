"""Web pages (.html, .htm), read with the standard library's HTMLParser: the visible text only.

Not shown, so not indexed: script, style, template, noscript, the head, and elements marked
hidden. Navigation, footers and asides are left out too: they are the same on every page of a
site and would outrank the article. Block elements become line breaks (one paragraph per line),
table cells are separated by a tab, entities are decoded, runs of white space are one space
(except inside pre). Title from <title>, else the first <h1>; date from the page's metadata.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from askdocs.readers import Extracted, Unreadable, metadata_title

SKIPPED = {"script", "style", "template", "noscript", "head", "nav", "footer", "aside", "svg",
           "iframe", "object", "select", "button", "canvas", "math"}
BLOCKS = {"address", "article", "blockquote", "br", "caption", "dd", "details", "div", "dl",
          "dt", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
          "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tr", "ul",
          "tbody", "thead", "tfoot", "body", "html"}
CELLS = {"td", "th"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
DATE_META = {"article:published_time", "date", "dc.date", "pubdate", "publish-date",
             "datepublished", "dcterms.created"}
ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


class Visible(HTMLParser):
    """Collects visible text as lines, plus the title and a date."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # open elements and whether each hides content
        self.parts: list[str] = []
        self.title_parts: list[str] | None = None
        self.title = ""
        self.h1: list[str] | None = None
        self.first_h1 = ""
        self.date: str | None = None

    @property
    def hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = {k.lower(): (v or "") for k, v in attrs}
        self.metadata(tag, attributes)
        if tag == "title":
            self.title_parts = []
        if tag == "h1" and not self.first_h1 and self.h1 is None:
            self.h1 = []
        if tag in VOID:
            if tag in BLOCKS and not self.hidden:
                self.parts.append("\n")
            return
        style = attributes.get("style", "").replace(" ", "").lower()
        hides = (self.hidden or tag in SKIPPED or "hidden" in attributes
                 or attributes.get("aria-hidden") == "true" or "display:none" in style
                 or attributes.get("role") == "navigation")
        self.stack.append((tag, hides))
        if not hides:
            self.parts.append("\n" if tag in BLOCKS else "\t" if tag in CELLS else "")

    def handle_endtag(self, tag):
        if tag == "title" and self.title_parts is not None:
            self.title = " ".join("".join(self.title_parts).split())
            self.title_parts = None
        if tag == "h1" and self.h1 is not None:
            self.first_h1 = " ".join("".join(self.h1).split())
            self.h1 = None
        for depth in range(len(self.stack) - 1, -1, -1):  # close up to the matching element
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break
        if tag in BLOCKS and not self.hidden:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.title_parts is not None:
            self.title_parts.append(data)
        if self.hidden:
            return
        if self.h1 is not None:
            self.h1.append(data)
        if any(tag == "pre" for tag, _ in self.stack):
            self.parts.append(data)
        else:
            self.parts.append(re.sub(r"\s+", " ", data))

    def metadata(self, tag, attributes):
        if self.date:
            return
        if tag == "meta":
            key = (attributes.get("property") or attributes.get("name")
                   or attributes.get("itemprop") or "").lower()
            found = ISO_DATE.match(attributes.get("content", "")) if key in DATE_META else None
        elif tag == "time":
            found = ISO_DATE.match(attributes.get("datetime", ""))
        else:
            found = None
        if found:
            self.date = found.group(1)


def decode(data: bytes) -> str:
    """The page's text: by its BOM, else its declared charset, else UTF-8, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    declared = CHARSET.search(data[:4096])
    for encoding in ([declared.group(1).decode("ascii", "ignore")] if declared else []) + \
            ["utf-8"]:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", "replace")


def extract(data: bytes) -> Extracted:
    if b"\x00" in data[:4096]:
        raise Unreadable("not an HTML page (binary content)")
    parser = Visible()
    parser.feed(decode(data))
    parser.close()
    lines = []
    for line in "".join(parser.parts).split("\n"):
        cells = [" ".join(cell.split()) for cell in line.split("\t")]
        line = "\t".join(cell for cell in cells if cell)
        if line:
            lines.append(line)
    if not lines:
        raise Unreadable("no visible text")
    return Extracted("\n".join(lines), (), metadata_title(parser.title) or parser.first_h1 or None,
                     parser.date)
