"""The Milvus store against a real Milvus server (no mock): the Milvus project's standalone
server, run from PyPI's `milvus` package (its last release, 2.3.5, with authentication on).

That server predates sparse vectors (Milvus 2.4), so askdocs must refuse it in one line before
writing anything; what it does test for real is the server path itself: an address, a token,
a refused token, and a failed collection create that leaves nothing behind.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from pymilvus import MilvusClient

from askdocs.cli import main

milvus = pytest.importorskip(
    "milvus", reason="the Milvus server test needs PyPI `milvus` (linux x86_64 wheels only)")

FIRST_PASSWORD = "Milvus"  # root's, on a new server; changed before the tests run
PASSWORD = secrets.token_hex(12)
ROOT_TOKEN = f"root:{PASSWORD}"
ETCD_PEER_PORT = 2380


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with socket.socket() as probe:  # the server's embedded etcd always takes this port
        if probe.connect_ex(("127.0.0.1", ETCD_PEER_PORT)) == 0:
            pytest.skip(f"port {ETCD_PEER_PORT} is taken: another Milvus server runs here")
    server = milvus.MilvusServer(data_dir=str(tmp_path_factory.mktemp("milvus-server")),
                                 wait_for_started=False)
    server.config.set("authorization_enabled", True)
    server.start()
    try:
        health = f"http://127.0.0.1:{server.webservice_port}/healthz"
        deadline = time.monotonic() + 120
        while not healthy(health):
            if server.server_proc.poll() is not None or time.monotonic() > deadline:
                log = Path(server.config.base_data_dir, "logs", "milvus-stderr.log")
                pytest.fail(f"the Milvus server did not start; see {log}")
            time.sleep(0.5)
        address = f"127.0.0.1:{server.listen_port}"
        # the server listens on every interface while the tests run: not with a known password
        MilvusClient(f"http://{address}", token=f"root:{FIRST_PASSWORD}").update_password(
            "root", FIRST_PASSWORD, PASSWORD)
        yield address
    finally:
        server.stop()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return b"OK" in answer.read()
    except OSError:
        return False


def collections(address: str) -> list[str]:
    return MilvusClient(f"http://{address}", token=ROOT_TOKEN).list_collections()


def test_a_server_without_sparse_vectors_is_refused_before_anything_is_written(
        server, tmp_path, seed_docs, capsys, monkeypatch):
    index_dir = tmp_path / "index"
    monkeypatch.setenv("MILVUS_TOKEN", ROOT_TOKEN)
    assert main(["index", "--docs", str(seed_docs), "--index", str(index_dir),
                 "--store", f"milvus://{server}"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: the Milvus store milvus://{server} runs Milvus 2.3.5") \
        and "needs Milvus 2.4 or newer" in err and err.count("\n") == 1, err
    assert not index_dir.exists()
    assert collections(server) == []


def test_a_refused_token_is_one_line(server, tmp_path):
    """In a process of its own, so that pymilvus's own logging would show on its stderr."""
    run = subprocess.run([sys.executable, "-m", "askdocs.cli", "ask", "what happened?",
                          "--index", str(tmp_path / "index"), "--store", f"milvus://{server}"],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "MILVUS_TOKEN": "root:wrong"})
    assert run.returncode == 1
    assert run.stderr.startswith(f"Error: cannot reach the Milvus store milvus://{server}") \
        and run.stderr.count("\n") == 1, run.stderr


PAST_THE_VERSION_CHECK = """
import sys
from askdocs.cli import main
from askdocs.stores.milvus_store import MilvusIndex
MilvusIndex.check_version = lambda self: None
sys.exit(main(sys.argv[1:]))
"""


def test_a_build_the_server_fails_half_way_leaves_nothing(server, tmp_path, seed_docs):
    """Past the version check, the server refuses the sparse field's index after it made the
    first collection. In a process of its own: pymilvus logs that refusal with a traceback."""
    index_dir = tmp_path / "index"
    run = subprocess.run([sys.executable, "-c", PAST_THE_VERSION_CHECK, "index", "--docs",
                          str(seed_docs), "--index", str(index_dir), "--store",
                          f"milvus://{server}"], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "MILVUS_TOKEN": ROOT_TOKEN})
    assert run.returncode == 1
    assert run.stderr.startswith(f"Error: Milvus store milvus://{server}: creating "
                                 "askdocs_sentences failed") \
        and run.stderr.count("\n") == 1, run.stderr
    assert not index_dir.exists()
    assert collections(server) == []  # the first collection was made, then dropped again
