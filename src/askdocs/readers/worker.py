"""The reader process: parses untrusted binary formats (PDF, Word, HTML) away from askdocs.

A parser fed a hostile file may run for minutes, eat memory, or crash. Here it runs in a child
process with a memory limit (`MEMORY_LIMIT`) and a time limit per file (`TIME_LIMIT`): a file
that breaks either, or crashes the child, is reported as unreadable and the child is restarted.
Requests and replies are JSON lines (plus the file's raw bytes), never pickle: nothing the child
sends can make this process run code.

    python -m askdocs.readers.worker   # what ReaderProcess starts; speaks on stdin/stdout
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import select
import subprocess
import sys
import threading
from dataclasses import asdict

from askdocs.readers import Extracted, Unreadable

TIME_LIMIT = 120.0  # seconds per file
START_LIMIT = 60.0  # seconds for a new reader process to import its libraries
MEMORY_LIMIT = 3 * 1024**3  # bytes of address space for the reader process


class ReaderProcess:
    """A reader child process, started on first use and restarted after a failure."""

    def __init__(self, time_limit: float = TIME_LIMIT):
        self.time_limit = time_limit
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def start(self) -> subprocess.Popen:
        """The running child; a new one is waited for until it says it is ready, so its start-up
        never counts against a file's time limit."""
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "askdocs.readers.worker"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
            ready, _, _ = select.select([self.process.stdout], [], [], START_LIMIT)
            if not ready or self.process.stdout.readline() != b"ready\n":
                self.stop()
                raise Unreadable("the reader process did not start")
        return self.process

    def stop(self) -> None:
        """End the child and close its pipes (they would be left to the garbage collector)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            for pipe in (self.process.stdin, self.process.stdout):
                with contextlib.suppress(OSError):  # unsent bytes to a killed child
                    pipe.close()
            self.process = None

    def request(self, request: dict, data: bytes) -> dict:
        """Send one request; the reply, or Unreadable if the child fails or runs out of time."""
        with self.lock:
            process = self.start()
            header = json.dumps({**request, "size": len(data)}).encode() + b"\n"
            try:
                process.stdin.write(header + data)
                process.stdin.flush()
                ready, _, _ = select.select([process.stdout], [], [], self.time_limit)
                line = process.stdout.readline() if ready else None
            except (BrokenPipeError, OSError):
                line = b""
            if line is None:
                self.stop()
                raise Unreadable(f"took longer than {self.time_limit:.0f} s to read; skipped")
            if not line:
                self.stop()
                raise Unreadable("could not be read (the reader stopped on it: damaged, or "
                                 "too large to read within the memory limit)")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise Unreadable(str(reply.get("reason", "could not be read")))
        return reply

    def extract(self, suffix: str, data: bytes) -> Extracted:
        reply = self.request({"op": "extract", "suffix": suffix}, data)["result"]
        return Extracted(reply["text"], tuple(reply["pages"]), reply["title"], reply["date"],
                         tuple(reply["notes"]))

    def render(self, data: bytes, page: int, ranges: list[tuple[int, int]]) -> bytes:
        """A PNG of a PDF page (0-based) with the given character ranges boxed."""
        reply = self.request({"op": "render", "page": page, "ranges": ranges}, data)
        return base64.b64decode(reply["png"])


_reader: ReaderProcess | None = None
_reader_lock = threading.Lock()


def reader_process() -> ReaderProcess:
    """The process-wide reader child, ended when askdocs' process exits (it would otherwise
    outlive the exit's clean-up, its pipes unclosed)."""
    global _reader
    with _reader_lock:
        if _reader is None:
            _reader = ReaderProcess()
            atexit.register(_reader.stop)
        return _reader


def handle(request: dict, data: bytes) -> dict:
    from askdocs.readers import extract_here

    if request["op"] == "extract":
        return {"result": asdict(extract_here(request["suffix"], data))}
    if request["op"] == "render":
        from askdocs.readers.pdf import render

        ranges = [(int(s), int(e)) for s, e in request["ranges"]]
        return {"png": base64.b64encode(render(data, int(request["page"]), ranges)).decode()}
    raise Unreadable("unknown request")


def serve() -> None:
    """The child's loop: one JSON header line and the file's bytes in, one JSON line out."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a library's stray print must not corrupt the replies
    import docx  # noqa: F401 - the parsers are loaded before the first file's clock starts
    import pypdfium2  # noqa: F401

    stdout.write(b"ready\n")
    stdout.flush()
    while header := stdin.readline():
        request = json.loads(header)
        data = stdin.read(request["size"])
        try:
            reply = {"ok": True, **handle(request, data)}
        except Unreadable as error:
            reply = {"ok": False, "reason": str(error)}
        except MemoryError:
            reply = {"ok": False, "reason": "needs more memory than the reader's limit"}
        except Exception as error:  # noqa: BLE001 - any parser failure is this file's problem
            reply = {"ok": False, "reason": f"could not be read ({type(error).__name__})"}
        stdout.write(json.dumps(reply).encode() + b"\n")
        stdout.flush()


if __name__ == "__main__":
    serve()
