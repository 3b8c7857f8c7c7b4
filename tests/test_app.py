"""The app as a user meets it: `python app.py` on a free port, driven by Chromium and by
gradio_client. In CI (CI=true) a missing browser is a failure, not a skip."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CHILDREN, ROOT, SEEDS

pytestmark = [pytest.mark.model, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
A, B = "000_313469e783f3e27a.txt", "004_844b86f13697ed6d.txt"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app serving a private copy of the seeds; yields (url, docs folder, index folder)."""
    base = tmp_path_factory.mktemp("app")
    docs, index = base / "docs", base / "index"
    shutil.copytree(SEEDS, docs)
    (docs / "minutes.doc").write_bytes(b"\xd0\xcf\x11\xe0")  # a format askdocs does not read
    port = free_port()
    log = open(base / "app.log", "w")
    process = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--docs", str(docs), "--index",
         str(index), "--mcp"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError((base / "app.log").read_text())
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise AssertionError("the app did not start: " + (base / "app.log").read_text())
    yield url, docs, index
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def ask(page, question, enter=False):
    """Type a question and send it (the button, or Enter); the newest reply, at the bottom."""
    replies = page.locator("#askdocs-chat .reply")
    count = replies.count()
    box = page.locator("#askdocs-question textarea")
    box.fill(question)
    if enter:
        box.press("Enter")
    else:
        page.locator("#askdocs-ask").click()
    page.wait_for_function(
        f"document.querySelectorAll('#askdocs-chat .reply').length > {count}", timeout=60_000)
    return page.locator("#askdocs-chat .reply").last


def test_the_terminal_says_what_the_build_did_not_read(app):
    """`python app.py` builds the index as `askdocs index` does, and says as it does what it
    left out."""
    log = (app[1].parent / "app.log").read_text()
    assert "Note: 1 file of other formats not read: .doc (1)" in log
    assert "askdocs: indexed 2 added" in log


def test_gradio_client_gets_the_cli_json(app, capsys):
    from gradio_client import Client

    from askdocs.cli import main

    url, _, index = app
    result = Client(url, verbose=False).predict(CHILDREN, api_name="/ask")
    assert main(["ask", CHILDREN, "--index", str(index), "--json"]) == 0
    assert result == capsys.readouterr().out.rstrip("\n")  # the same text, byte for byte
    assert {q["source"] for q in json.loads(result)["quotes"]} >= {A, B}


def test_an_mcp_client_lists_and_calls_the_tools(app, capsys):
    """A real MCP client (the `mcp` package, streamable HTTP) against the app's /gradio_api/mcp/:
    exactly the two tools, `ask` giving the CLI's JSON, a bad question an error, not a crash."""
    import asyncio

    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    from askdocs.cli import main

    url, docs, index = app

    async def session_calls():
        async with streamable_http_client(url + "gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {t.name: t for t in (await session.list_tools()).tools}
                answer = await session.call_tool("ask", {"question": CHILDREN})
                listing = await session.call_tool("list_documents", {})
                empty = await session.call_tool("ask", {"question": "   "})
                return tools, answer, listing, empty

    tools, answer, listing, empty = asyncio.run(session_calls())
    assert set(tools) == {"ask", "list_documents"}  # no chat state, viewer or upload
    assert tools["ask"].inputSchema["required"] == ["question"]
    assert "verbatim quotes" in tools["ask"].description
    assert "answered" in tools["ask"].description and "page" in tools["ask"].description
    assert main(["ask", CHILDREN, "--index", str(index), "--json"]) == 0
    assert not answer.isError
    assert answer.content[0].text == capsys.readouterr().out.rstrip("\n")
    result = json.loads(answer.content[0].text)
    assert set(result) == {"question", "answered", "confidence", "quotes", "notes"}
    assert result["answered"] and {q["source"] for q in result["quotes"]} >= {A, B}
    for quote in result["quotes"]:
        text = (docs / quote["source"]).read_text(encoding="utf-8")
        assert text[quote["start"]:quote["end"]] == quote["text"]
        assert {"page", "title", "context", "score"} <= set(quote)
    assert {d["source"] for d in json.loads(listing.content[0].text)} >= {A, B}
    assert empty.isError and "the question is empty" in empty.content[0].text


def test_chat_sources_viewer_and_upload_in_a_real_browser(app, browser):
    url, docs, _ = app
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(url)
    reply = ask(page, CHILDREN)
    text = reply.inner_text()
    assert A in text and B in text
    assert "Six of the dead were children" in reply.locator("mark").all_inner_texts()[0]
    assert reply.locator(".summary").inner_text() == "2 sources answer and agree: six children"

    page.locator("#askdocs-source label", has_text=B).first.click()
    mark = page.locator("#askdocs-viewer mark")
    mark.wait_for(timeout=20_000)
    assert "including six children" in mark.inner_text()
    page.wait_for_function("""() => { const m = document.querySelector('#askdocs-viewer mark');
        const box = m.closest('.document').getBoundingClientRect(), r = m.getBoundingClientRect();
        return r.top >= box.top && r.bottom <= box.bottom; }""", timeout=10_000)

    note = docs.parent / "harbour.md"
    note.write_text("# Harbour report\n\nThe lighthouse keeper counted 47 fishing boats in the "
                    "harbour on Tuesday.\n")
    page.locator("#askdocs-upload input[type=file]").set_input_files(str(note))
    page.locator("#askdocs-upload-status").get_by_text("harbour.md: indexed").wait_for(
        timeout=60_000)
    assert "harbour.md" in page.locator("#askdocs-documents").inner_text()
    reply = ask(page, "How many fishing boats did the lighthouse keeper count?")
    assert "harbour.md" in reply.inner_text()
    assert "47 fishing boats" in reply.locator("mark").first.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
    page.close()


def test_the_chat_behaves_like_a_chat(app, browser):
    """Enter sends; the newest exchange is at the bottom and in view; the box keeps the cursor;
    a reply opens with what was found; "who said that?" is read with the question before."""
    url, _, _ = app
    page = browser.new_page(viewport={"width": 1300, "height": 700})
    page.goto(url)
    first = ask(page, CHILDREN, enter=True)
    assert first.locator(".summary").inner_text() == "2 sources answer and agree: six children"
    page.wait_for_function("document.activeElement === "
                           "document.querySelector('#askdocs-question textarea')", timeout=5_000)
    follow = ask(page, "who said that?")  # the button this time; a pronoun, no topic
    assert "Zelensky" in " ".join(follow.locator("mark").all_inner_texts())
    declined = ask(page, "What is the boiling point of mercury?", enter=True)
    assert declined.locator(".summary").inner_text() == "The documents don't answer this."
    asked = page.locator("#askdocs-chat .asked").all_inner_texts()
    assert asked == [CHILDREN, "who said that?", "What is the boiling point of mercury?"]
    page.wait_for_function("document.activeElement === "
                           "document.querySelector('#askdocs-question textarea')", timeout=5_000)
    page.wait_for_function("""() => {  // the newest question is scrolled into the chat's view
        const log = document.querySelector('#askdocs-chat .chat-log');
        const all = log.querySelectorAll('.asked'), last = all[all.length - 1];
        const box = log.getBoundingClientRect(), r = last.getBoundingClientRect();
        return log.scrollHeight > log.clientHeight && r.top >= box.top - 1
            && r.top < box.bottom && r.top >= 0 && r.top < window.innerHeight; }""",
                           timeout=10_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-follow-up.png"))
    page.close()


def test_html_in_a_document_is_shown_as_text(app, browser):
    url, docs, _ = app
    page = browser.new_page()
    page.goto(url)
    evil = docs.parent / "evil.txt"
    evil.write_text('The zebra report says <script>window.pwned = 1</script> and '
                    '<img src=x onerror="window.pwned = 2"> and [click](http://example.org) '
                    'about striped zebras crossing the river.\n')
    page.locator("#askdocs-upload input[type=file]").set_input_files(str(evil))
    page.locator("#askdocs-upload-status").get_by_text("evil.txt: indexed").wait_for(
        timeout=60_000)
    reply = ask(page, "What does the zebra report say about striped zebras?")
    assert "<script>window.pwned = 1</script>" in reply.inner_text()
    assert reply.locator("img, script, a").count() == 0
    assert page.evaluate("window.pwned") is None
    page.close()


def test_the_api_answers_a_question_that_is_not_valid_text_with_one_clear_error(app):
    """A lone surrogate, JSON-escaped as any client may send it (gradio_client cannot)."""
    url, _, _ = app
    body = json.dumps({"data": ["a \ud800"]}).encode()  # "\\ud800" on the wire: valid JSON
    request = urllib.request.Request(f"{url}gradio_api/call/ask", data=body,
                                     headers={"Content-Type": "application/json"})
    event = json.loads(urllib.request.urlopen(request, timeout=30).read())["event_id"]
    stream = urllib.request.urlopen(f"{url}gradio_api/call/ask/{event}", timeout=60).read()
    text = stream.decode()
    assert "event: error" in text and "not valid text" in text, text
    assert "Traceback" not in text


def test_a_pdf_quote_opens_on_its_page_with_the_quote_boxed(app, browser):
    import makedocs

    url, docs, _ = app
    page = browser.new_page(viewport={"width": 1300, "height": 1400})
    page.goto(url)
    report = docs.parent / "northwind.pdf"
    report.write_bytes(makedocs.report_pdf())
    page.locator("#askdocs-upload input[type=file]").set_input_files(str(report))
    page.locator("#askdocs-upload-status").get_by_text("northwind.pdf: indexed").wait_for(
        timeout=120_000)
    reply = ask(page, "What was Northwind's capital expenditure in the five year summary?")
    assert "northwind.pdf" in reply.inner_text() and "page 3 ·" in reply.inner_text()
    assert "Capital expenditure 1,577" in reply.locator("mark").first.inner_text()
    choice = page.locator("#askdocs-source label").filter(has_text="northwind.pdf").first
    assert "page 3" in choice.inner_text()
    choice.click()
    image = page.locator("#askdocs-viewer img.page-image")
    image.wait_for(timeout=30_000)
    assert image.get_attribute("alt") == "Page 3 of northwind.pdf, the quote boxed in red"
    assert page.evaluate("() => document.querySelector('#askdocs-viewer img').naturalWidth") == 900
    viewer = page.locator("#askdocs-viewer")
    assert "page 3 of 5" in viewer.locator(".source").inner_text()
    assert viewer.locator("mark").inner_text().startswith("Capital expenditure 1,577")
    assert "Chairman" not in viewer.locator(".document").inner_text()  # that page only
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pdf-page.png"), full_page=True)
    page.close()
