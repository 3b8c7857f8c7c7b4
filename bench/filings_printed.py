"""The SEC-layout reports of bench/filings.py, printed by a browser from a web page, as EDGAR's
filings are when someone saves one as a PDF. A development set, like filings.py's.

    python bench/filings_printed.py [--chromium /usr/bin/chromium] [--json PATH]

filings.py draws its reports with reportlab, every line and table cell placed where it stands.
A filing printed from EDGAR comes out otherwise: the browser wraps each paragraph itself, a
table's cells are laid out by its own rules ("$" a cell of its own, the figure right-aligned in
the next), the text is in the fonts it embeds, and the page number closes the page. Here each
report's pages (the same figures, prose and questions as filings.sec_collection's) are written as
one web page, a page break after each of its pages, and printed to PDF by Debian's Chromium
(headless, offline, no header or footer). The script checks that every PDF has the pages the
questions' evidence pages count, then prints, through the public API, what filings.py prints for
its SEC-layout set: how often `ask` answers, quotes the evidence page (first), and quotes the
figure asked for (first), and how often `rank` has the evidence page first; and for the ratio,
measure and judgement questions filings.py asks of that set, how often `ask` quotes an evidence
page (first) and every one of them.
"""

from __future__ import annotations

import argparse
import html
import json
import subprocess
import tempfile
from pathlib import Path

from common import ROOT
from filings import DOLLAR_ROWS, indexed, ratio_sets, sec_collection, sec_figures

from askdocs.embedding import cached_embedder

CHROMIUM = "/usr/bin/chromium"
# a US Letter page with half-inch margins, small print: a page of 48 wrapped lines fits one. A
# table spans the page, its labels' column wide and every cell at the bottom of its row, as
# EDGAR's filings lay them out: PDFium then gives many cells a line of their own
STYLE = """@page { size: 8.5in 11in; margin: 0.5in; }
body { font-family: "DejaVu Serif", serif; font-size: 9pt; line-height: 1.25; }
.page { break-after: page; }
.page:last-child { break-after: auto; }
p { margin: 0 0 6pt 0; }
table { border-collapse: collapse; margin-top: 6pt; width: 100%; }
td { padding: 0 2pt; vertical-align: bottom; }
td.figure { text-align: right; white-space: nowrap; }
td.label { width: 40%; }
.number { text-align: center; margin-top: 12pt; }"""


def page_html(page, number: int, split: bool = False) -> str:
    """One page of filings.sec_report's as a web page's block: a page of lines as paragraphs
    (the browser wraps them; the cover's lines each its own), a table page as a heading and a
    table, the page number last."""
    parts = []
    if isinstance(page, tuple):
        heading, columns, rows = page
        parts.append(f"<p><b>{html.escape(heading[0])}</b></p>")
        parts += [f"<p>{html.escape(line)}</p>" for line in heading[1:]]
        cells = "".join(f'<td></td><td class="figure">{html.escape(str(c))}</td><td></td>'
                        for c in columns)
        table = [f'<tr><td class="label"></td>{cells}</tr>']
        for n, (label, values) in enumerate(rows):
            dollar = n == 0 or label.startswith(DOLLAR_ROWS)  # "$" a cell of its own
            cells = "".join(f'<td>{"$" if dollar else ""}</td>'
                            f'<td class="figure">{html.escape(figure)}</td><td>{after}</td>'
                            for figure, after in map(lambda v: bracket(v, split), values))
            table.append(f'<tr><td class="label">{html.escape(label)}</td>{cells}</tr>')
        parts.append(f"<table>{''.join(table)}</table>")
    elif "" not in page:  # the cover: a line each (the registrant's name on its own)
        parts += [f"<p>{html.escape(line)}</p>" for line in page]
    else:
        paragraph: list[str] = []
        for line in [*page, ""]:
            if line:
                paragraph.append(line)
            elif paragraph:
                parts.append(f"<p>{html.escape(' '.join(paragraph))}</p>")
                paragraph = []
    parts.append(f'<p class="number">{number}</p>')
    return f'<div class="page">{"".join(parts)}</div>'


def bracket(value: str, split: bool) -> tuple[str, str]:
    """A figure's cell and the cell after it: with split, a negative figure's closing bracket
    is a cell of its own, as EDGAR's filings print it ("(4,180" and ")")."""
    if split and value.startswith("(") and value.endswith(")"):
        return value[:-1], ")"
    return value, ""


# --narrow: the table only as wide as its cells and its labels' column 170 px wide, as some
# filings lay them out; PDFium then gives many of a row's cells a line each
NARROW = "table { width: auto; } td.label { width: 170px; }"


def printed_pdf(pages: list, chromium: str = CHROMIUM, split: bool = False,
                narrow: bool = False) -> bytes:
    """A report's pages printed by Chromium from one web page; raises if the PDF's pages are
    not the report's (a page that overflowed would move every evidence page after it)."""
    import pypdfium2 as pdfium

    body = "".join(page_html(page, n, split) for n, page in enumerate(pages, start=1))
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "report.html", Path(folder) / "report.pdf"
        source.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'>"
                          "<title>Document</title>"  # as EDGAR's filings are mostly titled
                          f"<style>{STYLE}{NARROW if narrow else ''}</style></head>"
                          f"<body>{body}</body></html>",
                          encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-pdf-header-footer", f"--print-to-pdf={target}",
                        source.as_uri()], check=True, capture_output=True, timeout=120)
        data = target.read_bytes()
    printed = len(pdfium.PdfDocument(data))
    if printed != len(pages):
        raise RuntimeError(f"the printed report has {printed} pages, not {len(pages)}")
    return data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument("--split-brackets", action="store_true",
                        help="a negative figure's closing bracket in a cell of its own, as "
                             "EDGAR's filings print it: \"(4,180 )\" in the PDF's text")
    parser.add_argument("--json", default=None, help="default: bench/results/"
                        "filings_printed.json (filings_printed_split.json with --split-brackets)")
    parser.add_argument("--narrow", action="store_true",
                        help="tables only as wide as their cells, labels 170 px wide (NARROW)")
    args = parser.parse_args()
    split, narrow = args.split_brackets, args.narrow
    variant = ("-split" if split else "") + ("-narrow" if narrow else "")
    args.json = args.json or str(ROOT / "bench" / "results" /
                                 f"filings_printed{variant.replace('-', '_')}.json")
    docs, questions = sec_collection(
        lambda pages: printed_pdf(pages, args.chromium, split, narrow),
        name=f"filings-sec-printed{variant}")
    engine = indexed(docs, cached_embedder())
    result = sec_figures(engine, questions)
    print(f"6 reports laid out as SEC filings, printed by Chromium from a web page"
          f"{', closing brackets a cell of their own' if split else ''}"
          f"{', narrow tables' if narrow else ''} "
          f"({result['questions']} questions, plain and in 2 wrappings): ask answers "
          f"{result['ask_answered']}%, quotes the evidence page "
          f"{result['ask_quotes_evidence_page']}% (first "
          f"{result['ask_first_quote_on_evidence_page']}%), quotes the figure asked for "
          f"{result['ask_quotes_figure']}% (first {result['ask_first_quote_holds_figure']}%); "
          f"rank has the evidence page first {result['page_first']}%")
    result.update(ratio_sets(engine, questions))
    Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
