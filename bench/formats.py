"""PDF reading and indexing speed: extraction pages/s, and a whole build against raw encode.

    python bench/formats.py [--squad PATH] [--articles N]

Makes a PDF corpus from the SQuAD dev articles (one PDF per article, wrapped at about 90
characters, 50 lines a page, a running header and a page number, as reports are), then in one
run:
- extraction pages/s with pypdfium2 (askdocs's reader, in its reader process) and with pypdf
  (the pure-Python candidate), on the same files;
- a full index build of the folder (extraction, splitting, embedding, writing) in texts/s,
  next to SentenceTransformer.encode on exactly the texts the build embeds (speed.build_speed:
  raw encode before and after the build, the faster run the yardstick).
Results go to bench/results/formats.json.
"""

from __future__ import annotations

import argparse
import io
import json
import textwrap
import time
from pathlib import Path

from common import CACHE, ROOT, SQUAD
from speed import build_speed

from askdocs.embedding import cached_embedder
from askdocs.evaluation import load_squad
from askdocs.readers import extract

LINES_PER_PAGE = 50


def article_pdf(title: str, text: str) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setTitle(title)
    lines = []
    for paragraph in text.split("\n\n"):
        lines += textwrap.wrap(paragraph, 90) + [""]
    for number, begin in enumerate(range(0, len(lines), LINES_PER_PAGE), start=1):
        pdf.setFont("Helvetica", 8)
        pdf.drawString(50, 810, f"{title} - reading notes")
        pdf.setFont("Helvetica", 9)
        for row, line in enumerate(lines[begin:begin + LINES_PER_PAGE]):
            pdf.drawString(50, 780 - 14 * row, line)
        pdf.drawString(290, 30, str(number))
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def pdf_corpus(squad: str, articles: int | None) -> Path:
    documents, _ = load_squad(squad)
    folder = CACHE / f"pdf{articles or 'all'}" / "docs"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in list(documents.items())[:articles]:
        path = folder / (Path(name).stem + ".pdf")
        if not path.exists():
            path.write_bytes(article_pdf(Path(name).stem.replace("_", " "), text))
    return folder


def extraction(folder: Path) -> dict:
    from pypdf import PdfReader

    files = sorted(folder.glob("*.pdf"))
    datas = [f.read_bytes() for f in files]
    extract("warm.pdf", datas[0])  # start the reader process outside the timing
    began = time.perf_counter()
    pages = sum(len(extract(f.name, d).pages) for f, d in zip(files, datas))
    pdfium_seconds = time.perf_counter() - began
    began = time.perf_counter()
    for data in datas:
        for page in PdfReader(io.BytesIO(data)).pages:
            page.extract_text()
    pypdf_seconds = time.perf_counter() - began
    row = {"files": len(files), "pages": pages,
           "pypdfium2_pages_per_s": round(pages / pdfium_seconds, 1),
           "pypdf_pages_per_s": round(pages / pypdf_seconds, 1)}
    print(f"extraction, {len(files)} PDFs, {pages} pages: pypdfium2 "
          f"{row['pypdfium2_pages_per_s']} pages/s, pypdf {row['pypdf_pages_per_s']} pages/s")
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=SQUAD)
    parser.add_argument("--articles", type=int, default=None, help="first N articles only")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "formats.json"))
    args = parser.parse_args()
    folder = pdf_corpus(args.squad, args.articles)
    embedder = cached_embedder()
    embedder.model.encode(["warm up"] * 8)
    results = {"extraction": extraction(folder),
               "build": build_speed("pdf-48 (extraction included)", folder, embedder)}
    Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
