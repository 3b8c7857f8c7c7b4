"""The Gradio app: layout and HTML formatting only; answers come from askdocs.service.Library.

Every piece of document text is HTML-escaped before it is shown.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from askdocs.answer import Answer, Quote, search_query
from askdocs.documents import Document
from askdocs.errors import AskDocsError
from askdocs.manifest import listed
from askdocs.readers import FORMATS, SUFFIXES
from askdocs.service import Library, Upload

EXAMPLES = ["how many children died?", "Who is the regional governor?",
            "When did the attack take place?", "and how many were wounded?"]
CSS = """
#askdocs-chat .reply, #askdocs-chat .asked { margin: 0.6em 0; padding: 0.6em 0.8em;
  border-radius: 8px; }
#askdocs-chat .asked { background: var(--background-fill-secondary); font-weight: 600; }
#askdocs-chat .reply { border: 1px solid var(--border-color-primary); }
#askdocs-chat .chat-log { max-height: 65vh; overflow-y: auto; }
#askdocs-chat .summary { font-weight: 600; margin-bottom: 0.4em; }
#askdocs-chat .source { margin: 0.5em 0 0.2em; font-weight: 600; }
#askdocs-chat .quote { margin: 0.2em 0 0.6em 0.8em; white-space: pre-wrap; }
#askdocs-chat .meta, #askdocs-chat .note { font-size: 0.85em; opacity: 0.8; }
#askdocs-chat .nearest { opacity: 0.7; border-top: 1px dashed var(--border-color-primary);
  margin-top: 0.5em; padding-top: 0.3em; }
#askdocs-chat mark, #askdocs-viewer mark { background: #ffe066; color: #000; }
#askdocs-chat .page-break { color: #666; }
#askdocs-viewer .document { white-space: pre-wrap; max-height: 480px; overflow-y: auto;
  padding: 0.6em; border: 1px solid var(--border-color-primary); border-radius: 8px; }
#askdocs-viewer .page-image { max-width: 100%; border: 1px solid var(--border-color-primary);
  margin: 0.4em 0; }
"""
# After each reply: the chat scrolled to its newest exchange, and the cursor back in the box.
AFTER_REPLY = """() => { setTimeout(() => {
  const asked = document.querySelectorAll('#askdocs-chat .asked');
  const last = asked[asked.length - 1];
  if (last) last.scrollIntoView({block: 'start'});
  const box = document.querySelector('#askdocs-question textarea');
  if (box) box.focus(); }, 50); }"""
SCROLL_TO_MARK = """() => { setTimeout(() => { const m = document.querySelector(
  '#askdocs-viewer mark'); if (m) m.scrollIntoView({block: 'center'}); }, 50); }"""


def e(text) -> str:
    return html.escape(str(text), quote=True)


def highlighted(quote: Quote) -> str:
    """The quote's passage with the quote itself marked."""
    before = quote.context[:quote.start - quote.context_start]
    after = quote.context[quote.end - quote.context_start:]
    return f"{e(before)}<mark>{shown_html(quote)}</mark>{e(after)}"


PAGE_BREAK = ('<span class="page-break" title="a page break: the running header and page '
              'number left out">[…]</span>')


def shown_html(quote: Quote) -> str:
    """The quote's text, escaped, with the running header and page number at each of its page
    breaks (Quote.page_breaks) shown as a marked "[…]"."""
    return f" {PAGE_BREAK} ".join(map(e, quote.pieces()))


def location(quote: Quote) -> str:
    """'page 12 · ' for a paged document, 'paragraph 7 · ' for a Word file, else ''."""
    place = quote.location()
    return f"{place[0]} {place[1]} · " if place else ""


def reply_html(question: str, answer: Answer) -> str:
    """One question and its reply: a summary line, then quotes grouped by source."""
    parts = [f'<div class="asked">{e(question)}</div><div class="reply">',
             f'<div class="summary">{e(answer.summary())}</div>']
    if answer.answered:  # how likely the first quote answers (README, "Abstention")
        parts.append(f'<div class="meta confidence">confidence {answer.confidence:.2f}</div>')
    by_source: dict[str, list[Quote]] = {}
    for quote in answer.quotes:
        by_source.setdefault(quote.source, []).append(quote)
    for source, quotes in by_source.items():
        first = quotes[0]
        dated = f" · {e(first.date)}" if first.date else ""
        parts.append(f'<div class="source">{e(source)} — {e(first.title)}{dated}</div>')
        for quote in quotes:
            if quote.heading:  # a table's row: which statement, which year each column is
                parts.append(f'<div class="meta table-heading">under: '
                             f'{e(quote.shown_heading())}</div>')
            parts.append(f'<div class="quote">{highlighted(quote)}</div>'
                         f'<div class="meta">{location(quote)}characters '
                         f'{quote.start}–{quote.end} · score {quote.score:.2f}</div>')
    for note in answer.remarks():
        parts.append(f'<div class="note">{e(note)}</div>')
    if answer.nearest:
        parts.append('<div class="nearest"><div class="meta">Closest passages — not an answer:'
                     '</div>')
        for quote in answer.nearest:
            parts.append(f'<div class="quote">{shown_html(quote)}</div><div class="meta">'
                         f'{e(quote.source)} · characters {quote.start}–{quote.end}</div>')
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def chat_html(history: list[dict]) -> str:
    """The exchanges, oldest first: the newest is at the bottom, as in any chat."""
    if not history:
        return '<div class="meta">Ask a question about the documents.</div>'
    return f'<div class="chat-log">{"".join(item["html"] for item in history)}</div>'


def documents_html(library: Library) -> str:
    rows = "".join(
        f"<tr><td>{e(doc_id)}</td><td>{e(d.title)}</td><td>{e(d.date or '')}</td>"
        f"<td>{d.size:,} B</td></tr>" for doc_id, d in library.documents().items())
    return (f'<div class="meta">Index built {e(library.built_at())}</div>'
            f"<table><tr><th>name</th><th>title</th><th>date</th><th>size</th></tr>"
            f"{rows}</table>")


def document_html(library: Library, choice: str | None, history: list[dict]) -> str:
    """The whole document of a chosen quote, with the quoted span marked."""
    if not choice or not history:
        return ""
    quotes = history[-1]["quotes"]
    index = int(choice.split(".", 1)[0]) - 1
    if not 0 <= index < len(quotes):
        return ""
    quote = quotes[index]
    document = library.document(quote["source"])
    if document is None:  # only indexed documents are ever shown
        return '<div class="meta">That document is no longer indexed.</div>'
    text, start, end = document.text, quote["start"], quote["end"]
    if document.pages:
        return page_html(library, document, start, end)
    return (f'<div class="source">{e(document.id)} — {e(document.title)}</div>'
            f'<div class="document">{e(text[:start])}<mark>{e(text[start:end])}</mark>'
            f"{e(text[end:])}</div>")


def page_html(library: Library, document: Document, start: int, end: int) -> str:
    """The page a quote starts on: the rendered page with the quote's characters boxed, and
    the page's text with the quote marked (for reading and for screen readers)."""
    page = document.page_of(start)
    page_start = document.pages[page - 1]
    page_end = document.pages[page] - 1 if page < len(document.pages) else len(document.text)
    text, quote_end = document.text, min(end, page_end)
    try:
        png = library.page_image(document, page, [(start, end)])
        image = (f'<img class="page-image" alt="Page {page} of {e(document.id)}, the quote '
                 f'boxed in red" src="data:image/png;base64,{base64.b64encode(png).decode()}">')
    except AskDocsError as error:
        image = f'<div class="meta">No page image: {e(error)}. The page\'s text:</div>'
    return (f'<div class="source">{e(document.id)} — {e(document.title)} · page {page} of '
            f'{len(document.pages)}</div>{image}'
            f'<div class="document">{e(text[page_start:start])}<mark>'
            f'{e(text[start:quote_end])}</mark>{e(text[quote_end:page_end])}</div>')


def upload_html(results: list[Upload]) -> str:
    """What happened to each uploaded file, as plain (escaped) text: names are never markup."""
    items = "".join(f"<li>{'added' if r.accepted else 'refused'}: {e(r.message)}</li>"
                    for r in results)
    return f'<ul class="uploads">{items}</ul>'


def upload_label() -> str:
    """'Add documents: text up to 5 MB, PDF up to 50 MB, …' from the formats table."""
    limits = ", ".join(f"{f.name} ({' '.join(f.suffixes)}) up to {f.max_upload_bytes // 2**20} MB"
                       for f in FORMATS)
    return f"Add documents: {limits}"


def source_choices(answer: Answer) -> list[str]:
    return [f"{i}. {q.source} ({location(q)}characters {q.start}–{q.end})"
            for i, q in enumerate(answer.quotes, start=1)]


def build_demo(library: Library):
    """The Blocks app around a loaded Library."""
    import gradio as gr

    def respond(question: str, history: list[dict]):
        history = list(history or [])
        previous = history[-1]["query"] if history else None
        try:
            answer = library.ask(question, previous=previous)
        except AskDocsError as error:
            gr.Warning(str(error))
            return gr.update(), history, gr.update(), question
        query = search_query(answer.question, previous)
        history.append({"query": query, "html": reply_html(answer.question, answer),
                        "quotes": [{"source": q.source, "start": q.start, "end": q.end}
                                   for q in answer.quotes]})
        choices = source_choices(answer)
        return (chat_html(history), history,
                gr.update(choices=choices, value=None), "")

    def upload(files, progress=gr.Progress()):  # noqa: B008 - Gradio's way to report progress
        if not files:
            return gr.update(), gr.update(), None
        progress(0, desc="reading")
        results = library.add([(Path(f), Path(f).name) for f in files],
                              progress=lambda done, total: progress(done / total,
                                                                    desc="embedding"))
        return upload_html(results), documents_html(library), None

    # The two functions below are the app's API (/ask, /list_documents) and, with
    # `python app.py --mcp`, its MCP tools: their names, docstrings and type hints are what an
    # agent reads. They return JSON text, not objects: Gradio's MCP server hands an agent a
    # returned object as Python's repr, and the text is what `askdocs ask --json` prints, byte
    # for byte. Every other event is private (no API, no tool) or, for uploads, undocumented
    # (the app's own client can call it; agents are not offered it).
    def ask(question: str) -> str:
        """Answer a question from the indexed documents with verbatim quotes and their sources,
        or say plainly that the documents do not answer it.

        Returns JSON, the object `askdocs ask --json` prints: question (as read); answered
        (false when the documents do not answer: then quotes is empty and notes[0] says why);
        confidence (0..1, how likely the first quote answers); quotes, best first, each with
        text (the document's own words, exact), source (the document's name), title, date,
        page (for PDFs, else null), start and end (character offsets of text in the
        document), context (the passage around it), context_start, context_end, score and
        heading (for a table's row, the lines that head its page: which statement, and which
        year each of its numbers is; else null); notes (e.g. whether the sources agree on a
        number asked for, a name of the question no document mentions, or the common
        definition a ratio was read by). Cite only the quotes' text, with source and page; add
        nothing they do not say.

        Args:
            question: the question in plain words; name what a follow-up refers to.
        """
        try:
            return library.ask(question).to_json()
        except AskDocsError as error:
            raise gr.Error(str(error)) from None

    def list_documents() -> str:
        """List the documents askdocs answers from.

        Returns JSON: a list with one object per indexed document: source (its name, as quotes
        give it), title, date (or null) and size in bytes.
        """
        return json.dumps(listed(library.documents()), ensure_ascii=False, indent=2)

    with gr.Blocks(title="askdocs", analytics_enabled=False) as demo:
        history = gr.State([])
        gr.Markdown("# askdocs\nAnswers are quotes from your documents, with their sources.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.HTML(chat_html([]), elem_id="askdocs-chat")
                with gr.Row():
                    question = gr.Textbox(placeholder="Ask a question…", show_label=False,
                                          scale=5, elem_id="askdocs-question", max_lines=3)
                    send = gr.Button("Ask", variant="primary", scale=1,
                                     elem_id="askdocs-ask")
                gr.Examples(EXAMPLES, inputs=question)
                source = gr.Radio([], label="Open a source: the whole document, quote marked",
                                  interactive=True, elem_id="askdocs-source")
                viewer = gr.HTML("", elem_id="askdocs-viewer")
            with gr.Column(scale=2):
                gr.Markdown("### Documents")
                listing = gr.HTML(documents_html(library), elem_id="askdocs-documents")
                files = gr.File(label=upload_label(), file_count="multiple",
                                file_types=list(SUFFIXES),
                                type="filepath", elem_id="askdocs-upload")
                status = gr.HTML("", elem_id="askdocs-upload-status")
        outputs = [chat, history, source, question]
        for event in (send.click, question.submit):  # the button, or Enter in the box
            event(respond, [question, history], outputs, api_visibility="private").then(
                None, js=AFTER_REPLY)
        source.change(lambda c, h: document_html(library, c, h), [source, history], viewer,
                      api_visibility="private").then(None, js=SCROLL_TO_MARK)
        files.upload(upload, files, [status, listing, files], api_name="upload",
                     api_visibility="undocumented")
        gr.api(ask, api_name="ask")
        gr.api(list_documents, api_name="list_documents")
    return demo
