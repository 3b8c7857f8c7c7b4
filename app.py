"""askdocs in the browser: `python app.py` serves the chat app on http://127.0.0.1:7860.

Builds the index from the documents folder first if it is missing or stale. Options: --host,
--port (or GRADIO_SERVER_PORT), --docs (or ASKDOCS_DOCS, default seeds), --index (or
ASKDOCS_INDEX, default index), --model, --store (or ASKDOCS_STORE; a Milvus token in
MILVUS_TOKEN), --mcp (also serve the `ask` and `list_documents` tools to agents over MCP, at
/gradio_api/mcp/). Makes no outbound connection: analytics and telemetry are off.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import threading

from askdocs.cli import offline, print_warnings, progress_bar

offline()  # before gradio or huggingface_hub are imported


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve the askdocs chat app.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)),
                        help="port (default: GRADIO_SERVER_PORT or 7860)")
    parser.add_argument("--docs", default=os.environ.get("ASKDOCS_DOCS", "seeds"))
    parser.add_argument("--index", default=os.environ.get("ASKDOCS_INDEX", "index"))
    parser.add_argument("--model", default=None,
                        help="all-MiniLM-L6-v2 (default) or a local sentence-transformers folder")
    parser.add_argument("--store", default=os.environ.get("ASKDOCS_STORE"),
                        help="where the index lives: faiss, milvus, milvus:///path/file.db or "
                             "milvus://host:19530 (token in MILVUS_TOKEN); default: "
                             "ASKDOCS_STORE, else what the index folder records")
    parser.add_argument("--mcp", action="store_true",
                        help="also serve the ask and list_documents tools over the Model Context "
                             "Protocol at /gradio_api/mcp/")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)
    from askdocs.embedding import DEFAULT_MODEL
    from askdocs.errors import AskDocsError
    from askdocs.service import Library
    from askdocs.ui import CSS, build_demo

    # Gradio takes seconds to import: it is imported beside the index loading, not after it
    gradio = threading.Thread(target=importlib.import_module, args=("gradio",), daemon=True)
    gradio.start()
    try:
        print("askdocs: loading the model and the index...", flush=True)
        library = Library(args.docs, args.index, model=args.model or DEFAULT_MODEL,
                          store=args.store, token=os.environ.get("MILVUS_TOKEN"))
        report = library.open(progress=progress_bar())
    except AskDocsError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    if report:
        print_warnings(report)
        print(f"askdocs: indexed {report.summary()}", flush=True)
    gradio.join()
    demo = build_demo(library)
    demo.queue(default_concurrency_limit=8)
    print(f"askdocs: serving on http://{args.host}:{args.port}", flush=True)
    if args.mcp:
        print(f"askdocs: MCP tools at http://{args.host}:{args.port}/gradio_api/mcp/",
              flush=True)
    try:
        demo.launch(server_name=args.host, server_port=args.port, share=False, css=CSS,
                    show_error=True, footer_links=[], mcp_server=args.mcp)
    except OSError as error:
        print(f"Error: cannot serve on {args.host}:{args.port} ({error})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
