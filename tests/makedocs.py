"""Test documents, made by the tests themselves: PDFs (reportlab, BSD; encryption with pypdf,
BSD), Word files (python-docx) and web pages. Nothing here is downloaded or committed."""

from __future__ import annotations

import io
import zipfile

HEADER = "Northwind Traders Annual Report 2018"

# (page lines, left column, right column, table rows); None: a page that is only an image
REPORT = [
    (["Chairman's letter",
      "Northwind Traders had a strong year and the board thanks every",
      "member of staff for their work in difficult markets this year.",
      "Our inter-",
      "national sales grew by a third in the year to December.",
      "The board noted that revenue from the northern"], [], [], []),
    (["region rose sharply during the winter months of the year."],
     ["Hedgehog food sales doubled in the", "eastern shops after the new range",
      "was launched in the spring."],
     ["Lighthouse tours sold out in July", "and again in August of that year,",
      "so more guides were hired."], []),
    (["Five year summary"], [], [],
     [("Capital expenditure", "1,577", "1,373", "1,420"),
      ("Net income", "4,858", "5,363", "4,833")]),
    None,
    (["The auditors signed the accounts on 12 March 2019 in Leeds."], [], [], []),
]
ACROSS_PAGES = ("The board noted that revenue from the northern",
                "region rose sharply during the winter months of the year.")


def report_pdf(title: str | None = "Northwind Traders Annual Report") -> bytes:
    """Five pages: a running header and footer, a hyphenated line end, a sentence running across
    a page break, two columns, a table, an image-only page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    if title:
        pdf.setTitle(title)
    for number, page in enumerate(REPORT, start=1):
        if page is None:  # a scanned page: a picture, no text
            pdf.setFillGray(0.6)
            pdf.rect(72, 300, 400, 400, fill=1)
            pdf.showPage()
            continue
        lines, left, right, rows = page
        pdf.setFillGray(0)
        pdf.drawString(72, 800, HEADER)
        y = 760
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 15
        for offset, line in enumerate(left):
            pdf.drawString(72, y - 15 * offset, line)
        for offset, line in enumerate(right):
            pdf.drawString(320, y - 15 * offset, line)
        y -= 15 * max(len(left), len(right))
        for row in rows:
            for x, cell in zip((72, 300, 380, 460), row):
                pdf.drawString(x, y, cell)
            y -= 15
        pdf.drawString(290, 40, f"Page {number}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


# a statement whose labels are drawn first and then each column of figures, as a layout
# program's separate text frames draw it
COLUMN_TABLE = (("Net sales", "4,285", "3,900"), ("Cost of sales", "(4,180)", "(3,700)"),
                ("Gross profit", "105", "200"), ("Operating expenses", "(30)", "(28)"),
                ("Net income", "75", "172"))
COLUMN_PROSE = (["Hedgehog food sales doubled in", "the eastern shops after the",
                 "new range launched."],
                ["Lighthouse tours sold out", "in July and again in", "August of that year."])
COLUMN_AXIS = ("40", "30", "20", "10")  # a chart's axis: figures on no label's line


def columns_pdf(labels_last: bool = False) -> bytes:
    """Two pages: a statement drawn column by column (its years, labels, then each year's
    figures; or, labels_last, each year's column with its year atop it, then the labels) beside
    a chart's axis; two columns of prose, each drawn top to bottom."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle("Acme Annual Report 2018")
    pdf.drawString(72, 800, "Consolidated statement of income")
    years = {1: (330, "2018"), 2: (430, "2017")}
    if not labels_last:
        for x, year in years.values():
            pdf.drawRightString(x, 775, year)
    for column, x in ((1, 330), (2, 430), (0, 72)) if labels_last else ((0, 72), (1, 330),
                                                                         (2, 430)):
        if labels_last and column:
            pdf.drawRightString(years[column][0], 775, years[column][1])
        for row, cells in enumerate(COLUMN_TABLE):
            if column:
                pdf.drawRightString(x, 760 - 15 * row, cells[column])
            else:
                pdf.drawString(x, 760 - 15 * row, cells[column])
    pdf.drawString(72, 640, "Sales by month")
    for row, tick in enumerate(COLUMN_AXIS):
        pdf.drawRightString(90, 620 - 20 * row, tick)
    pdf.drawString(72, 520, "The board thanks every member of staff for a strong year.")
    pdf.showPage()
    for x, column in ((72, COLUMN_PROSE[0]), (320, COLUMN_PROSE[1])):
        for row, line in enumerate(column):
            pdf.drawString(x, 760 - 15 * row, line)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def pages_pdf(count: int) -> bytes:
    """A PDF of `count` pages, one short line each."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for number in range(count):
        pdf.drawString(72, 700, f"Page {number} says very little.")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def scanned_pdf() -> bytes:
    """Two pages of pictures, no text layer."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for _ in range(2):
        pdf.rect(72, 300, 400, 400, fill=1)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def encrypted(data: bytes, user_password: str) -> bytes:
    """The PDF encrypted with AES-256 (pypdf, with the cryptography package)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret",
                   algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def huge_stream_pdf(megabytes: int = 100) -> bytes:
    """One page whose (compressed) content stream unpacks to `megabytes` MB of text operators."""
    import zlib

    operators = b"BT /F1 12 Tf 72 700 Td (Hello world text) Tj ET\n"
    stream = zlib.compress(operators * (megabytes * 2**20 // len(operators)), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def report_docx() -> bytes:
    """Headings, paragraphs and a table with a merged cell."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Garden society minutes"
    document.add_heading("Garden society minutes", level=1)
    document.add_paragraph("The society met in the library on a wet Tuesday evening.")
    document.add_heading("Decisions", level=2)
    document.add_paragraph("Members agreed to plant forty apple trees along the canal path.")
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "Item"
    table.cell(0, 1).text = "Cost"
    table.cell(1, 0).text = "Apple trees for the canal path"
    table.cell(1, 1).text = "800 pounds"
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "The treasurer will report the final cost in May."
    document.add_paragraph("The next meeting will be held on the first Monday of June.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def hidden_places_docx() -> bytes:
    """A Word file with text where python-docx's paragraphs do not look: a hyperlink, a tracked
    insertion (and a tracked deletion, which Word's final view does not show), a content
    control, a table in a table's cell, a text box (with its copy for older readers), a cell
    merged down two rows."""
    import docx
    from docx.oxml.ns import qn
    from lxml import etree

    compatibility = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

    def run(parent, text, tag="w:t"):
        etree.SubElement(etree.SubElement(parent, qn("w:r")), qn(tag)).text = text

    document = docx.Document()
    document.add_paragraph("Otters were counted along the river in May.")
    run(etree.SubElement(document.add_paragraph("See ")._p, qn("w:hyperlink")),
        "the otter trust's report")
    counted = document.add_paragraph("The count was ")._p
    run(etree.SubElement(counted, qn("w:ins")), "forty-seven otters")
    run(etree.SubElement(counted, qn("w:del")), "thirty otters", "w:delText")
    control = etree.Element(qn("w:sdt"))
    run(etree.SubElement(etree.SubElement(control, qn("w:sdtContent")), qn("w:p")),
        "The harbour closes at dusk in winter.")
    document.element.body.insert(len(document.element.body) - 1, control)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "Badger setts"
    table.cell(0, 1).add_table(rows=1, cols=1).cell(0, 0).text = "Twelve in the north wood."
    table.cell(1, 1).text = "Three in the meadow."
    anchor = document.add_paragraph("The newsletter's box reads:")._p
    alternate = etree.SubElement(etree.SubElement(anchor, qn("w:r")),
                                 compatibility + "AlternateContent")
    for holder in ("Choice", "Fallback"):
        box = etree.SubElement(etree.SubElement(
            etree.SubElement(alternate, compatibility + holder), qn("w:drawing")),
            qn("w:txbxContent"))
        run(etree.SubElement(box, qn("w:p")), "Lighthouse tours sold out in July.")
    document.add_paragraph("The next count is in October.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def footnoted_docx(notes_xml: str | None = None) -> bytes:
    """A Word file with a footnote and an endnote (python-docx writes neither: the parts are
    added to the zip as Word writes them), or with notes_xml as its footnotes part."""
    import re

    import docx

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    document.add_paragraph("The society planted forty apple trees.")
    document.add_paragraph("The next meeting is in June.")
    out = io.BytesIO()
    document.save(out)

    def notes(kind: str, text: str) -> str:
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{kind}s {w}>'
                f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
                f'</w:{kind}><w:{kind} w:id="1"><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
                f'</w:{kind}></w:{kind}s>')

    parts = {"word/footnotes.xml": notes_xml or notes(
                 "footnote", "The trees came from the Hereford nursery."),
             "word/endnotes.xml": notes("endnote", "Minutes taken by the secretary.")}
    relation = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    content = "application/vnd.openxmlformats-officedocument.wordprocessingml."
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source, \
            zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/_rels/document.xml.rels":
                data = re.sub(rb"</Relationships>", "".join(
                    f'<Relationship Id="rIdNote{n}" Type="{relation}{kind}s" '
                    f'Target="{kind}s.xml"/>' for n, kind in enumerate(("footnote", "endnote"))
                ).encode() + b"</Relationships>", data)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", "".join(
                    f'<Override PartName="/word/{kind}s.xml" ContentType="{content}{kind}s+xml"/>'
                    for kind in ("footnote", "endnote")).encode() + b"</Types>")
            target.writestr(item, data)
        for name, xml in parts.items():
            target.writestr(name, xml)
    return packed.getvalue()


def zip_bomb_docx(megabytes: int = 300) -> bytes:
    """A .docx-shaped zip whose document part unpacks to `megabytes` MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as part:
            block = b" " * 2**20
            for _ in range(megabytes):
                part.write(block)
    return out.getvalue()


REPORT_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Otters &amp; their habits</title>
<style>body { color: red; } .secret { display: none }</style>
<script>var hidden = "Script text that must never be indexed.";</script>
<meta property="article:published_time" content="2024-05-06T08:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/otters">Otters everywhere, the otter index page</a></nav>
<header><h1>Sea otters &amp; kelp</h1></header>
<article>
<p>Sea otters hold hands while they sleep so that they do not drift apart.</p>
<p>An adult sea otter eats about a quarter of its weight every day &mdash; mostly urchins.</p>
<div class="secret" style="display:none">Hidden text that is never shown.</div>
<template><p>Template text that is never shown.</p></template>
<noscript>Noscript text that is never shown.</noscript>
<table><tr><th>Place</th><th>Otters</th></tr><tr><td>Monterey Bay</td><td>3,000</td></tr></table>
</article>
<footer>Copyright Otter Trust. All rights reserved. Otters otters otters.</footer>
</body></html>
"""
