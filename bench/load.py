"""Load: 16 concurrent gradio_client clients against the app on a loopback port.

    python bench/load.py [--clients 16] [--questions 100] [--seconds 900] [--upload]

Starts `python app.py` on a free 127.0.0.1 port with a private copy of the seeds, asks every
distinct question once from a single client (the reference answers), then lets each client ask
its questions (answerable and unanswerable, mixed) through /ask. Reports errors, answers
identical to the single-client ones, latency p50/p95, throughput and the app's peak RSS. With
--upload, documents are uploaded (re-indexing the app) while the clients ask; answers may then
legitimately change, so only errors count. Bounded: stops at --seconds whatever happens.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil
from common import ROOT

SEED_DEV = ROOT / "bench" / "seed_dev_questions.jsonl"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(base: Path) -> tuple[subprocess.Popen, str]:
    docs = base / "docs"
    shutil.copytree(ROOT / "seeds", docs)
    port = free_port()
    log = open(base / "app.log", "w")
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--docs",
                                str(docs), "--index", str(base / "index")], cwd=ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(360):
        try:
            urllib.request.urlopen(url, timeout=2)
            return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("the app did not start: " + (base / "app.log").read_text())


def watch_memory(pid: int, stop: threading.Event, peak: list[int]) -> None:
    process = psutil.Process(pid)
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], process.memory_info().rss)
        except psutil.Error:
            return
        time.sleep(0.2)


def client_run(url, questions, reference, deadline, out, lock):
    from gradio_client import Client

    client = Client(url, verbose=False)
    for question in questions:
        if time.monotonic() > deadline:
            break
        began = time.perf_counter()
        try:
            result = client.predict(question, api_name="/ask")
            error = None
        except Exception as exc:  # noqa: BLE001 - every failure is counted, whatever it is
            result, error = None, f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - began
        with lock:
            out.append({"question": question, "seconds": elapsed, "error": error,
                        "same": result == reference.get(question)})


def uploader(url, base, stop):
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False)
    count = 0
    while not stop.is_set() and count < 5:
        note = base / f"upload{count}.md"
        note.write_text(f"# Upload {count}\n\nThe orchard recorded {count + 3} apple varieties "
                        f"in its autumn survey number {count}.\n" * 20)
        client.predict([handle_file(str(note))], api_name="/upload")
        count += 1
        time.sleep(1.0)
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=900)
    parser.add_argument("--upload", action="store_true")
    args = parser.parse_args()
    from gradio_client import Client

    cases = [json.loads(line) for line in SEED_DEV.read_text().splitlines() if line]
    pool = [c["q"] for c in cases]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        process, url = start_app(base)
        stop, peak = threading.Event(), [0]
        threading.Thread(target=watch_memory, args=(process.pid, stop, peak), daemon=True).start()
        try:
            single = Client(url, verbose=False)
            reference = {q: single.predict(q, api_name="/ask") for q in pool}
            rng = random.Random(1)
            results, lock = [], threading.Lock()
            deadline = time.monotonic() + args.seconds
            threads = [threading.Thread(target=client_run, args=(
                url, [rng.choice(pool) for _ in range(args.questions)], reference, deadline,
                results, lock)) for _ in range(args.clients)]
            began = time.perf_counter()
            upload_stop = threading.Event()
            uploads = []
            if args.upload:
                up = threading.Thread(target=lambda: uploads.append(
                    uploader(url, base, upload_stop)))
                up.start()
            [t.start() for t in threads]
            [t.join() for t in threads]
            wall = time.perf_counter() - began
            upload_stop.set()
            if args.upload:
                up.join()
        finally:
            stop.set()
            process.terminate()
            process.wait(timeout=30)
    times = sorted(r["seconds"] for r in results)
    errors = [r for r in results if r["error"]]
    report = {
        "clients": args.clients, "questions_asked": len(results),
        "distinct_questions": len(pool), "errors": len(errors),
        "identical_to_single_client_pct": round(100 * sum(r["same"] for r in results)
                                                / max(len(results), 1), 2),
        "p50_ms": round(1000 * statistics.median(times), 1) if times else None,
        "p95_ms": round(1000 * times[int(0.95 * (len(times) - 1))], 1) if times else None,
        "questions_per_second": round(len(results) / wall, 1),
        "app_peak_rss_mb": round(peak[0] / 2**20), "uploads_during_run": sum(uploads),
    }
    print(json.dumps(report, indent=1))
    for error in errors[:5]:
        print("error:", error["question"], error["error"], file=sys.stderr)
    name = "load_upload.json" if args.upload else "load.json"
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / name).write_text(json.dumps(report, indent=1) + "\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
