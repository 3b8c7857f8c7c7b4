"""No outbound connection, ever: indexing, a CLI question and the app (started, asked through the
page and through gradio_client) run under an audit hook that records every network attempt."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT, SEEDS

pytestmark = pytest.mark.model

SCRIPT = textwrap.dedent("""
    import ipaddress, json, socket, sys
    attempts = []

    def local(host):
        if host in ("localhost", "", None):
            return True
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            return False

    def hook(event, args):
        if event == "socket.connect":
            address = args[1]
            if isinstance(address, tuple) and not local(address[0]):
                attempts.append(["connect", str(address[0]), address[1]])
        elif event == "socket.getaddrinfo" and not local(args[0]):
            attempts.append(["lookup", str(args[0]), args[1]])

    hook("socket.connect", (None, ("192.0.2.1", 443)))  # the recorder works (no traffic)
    hook("socket.connect", (None, ("127.0.0.1", 7860)))
    assert attempts == [["connect", "192.0.2.1", 443]]
    attempts.clear()
    sys.addaudithook(hook)
    docs, index = sys.argv[1], sys.argv[2]
    from askdocs.cli import main
    assert main(["index", "--docs", docs, "--index", index]) == 0
    assert main(["ask", "how many children died?", "--index", index, "--json"]) == 0

    import urllib.request
    import app  # sets the offline environment before gradio is imported
    from askdocs.service import Library
    from askdocs.ui import CSS, build_demo
    from gradio_client import Client
    library = Library(docs, index)
    library.open()
    demo = build_demo(library)
    demo.queue()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                share=False, css=CSS, quiet=True, mcp_server=True)
    url = f"http://127.0.0.1:{port}/"
    urllib.request.urlopen(url, timeout=30).read()
    result = Client(url, verbose=False).predict("how many children died?", api_name="/ask")
    assert json.loads(result)["answered"]
    demo.close()
    print("ATTEMPTS=" + json.dumps(attempts))
""")


def test_no_outbound_connection_from_index_cli_and_app(tmp_path):
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(SEEDS), str(tmp_path / "index")],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("ATTEMPTS="))
    assert json.loads(line.split("=", 1)[1]) == []
