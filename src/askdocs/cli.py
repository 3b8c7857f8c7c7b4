"""The `askdocs` command: parse arguments, call the library, print. No retrieval logic here."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap

OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "TRANSFORMERS_OFFLINE": "1",
           "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false",
           "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


def offline() -> None:
    """Make sure no library phones home (the user may still override each variable)."""
    for key, value in OFFLINE.items():
        os.environ.setdefault(key, value)


def parser() -> argparse.ArgumentParser:
    docs = os.environ.get("ASKDOCS_DOCS", "seeds")
    index = os.environ.get("ASKDOCS_INDEX", "index")
    top = argparse.ArgumentParser(
        prog="askdocs",
        description="Ask questions of a folder of documents; answers are verbatim quotes.")
    commands = top.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser("index", help="build or update the index of a documents folder")
    build.add_argument("--docs", default=docs, help=f"documents folder (default: {docs})")
    build.add_argument("--index", default=index, help=f"index folder (default: {index})")
    build.add_argument("--full", action="store_true", help="re-embed every document")
    build.add_argument("--model", default=None,
                       help="sentence-transformers model: all-MiniLM-L6-v2 or a local folder")
    build.add_argument("--device", default="auto",
                       help="run the model on cpu (its ONNX export), cuda or cuda:N "
                            "(sentence-transformers); default: auto, the GPU if there is one")
    build.add_argument("--store", default=os.environ.get("ASKDOCS_STORE"),
                       help="where the index lives: faiss (in the index folder), milvus (Milvus "
                            "Lite in the index folder), milvus:///path/file.db or "
                            "milvus://host:19530 (token in MILVUS_TOKEN); default: "
                            "ASKDOCS_STORE, else the store the index folder records, else faiss")
    build.add_argument("--allow-other-files", action="store_true",
                       help="build even if the index folder holds files askdocs did not write "
                            "(they are never deleted)")
    question = commands.add_parser("ask", help="answer a question with quotes")
    question.add_argument("question")
    question.add_argument("--index", default=index, help=f"index folder (default: {index})")
    question.add_argument("-k", type=int, default=5, help="most quotes to show (default: 5)")
    question.add_argument("--json", action="store_true", help="print the answer as JSON")
    question.add_argument("--previous", default=None,
                          help="the question asked before, for a follow-up (\"When?\")")
    question.add_argument("--store", default=os.environ.get("ASKDOCS_STORE"),
                          help="the index's Milvus store, if the index folder does not record "
                               "it or is not here (default: ASKDOCS_STORE)")
    question.add_argument("--model", default=None,
                          help="the model the index was built with, if not the default: "
                               "all-MiniLM-L6-v2 or a local folder")
    listing = commands.add_parser("list", help="list the indexed documents")
    listing.add_argument("--index", default=index, help=f"index folder (default: {index})")
    listing.add_argument("--json", action="store_true",
                         help="print the list as JSON, as the app's list_documents returns it")
    evaluate = commands.add_parser(
        "eval", help="sentence retrieval P@1/MRR@10/R@5 on SQuAD (ReQA setup)")
    evaluate.add_argument("--squad", default="../shared/data/squad-dev-v1.1.json",
                          help="SQuAD v1.1 JSON file")
    evaluate.add_argument("--squad2", default=None,
                          help="a SQuAD 2.0 JSON file: measure abstention on its near misses "
                               "instead (false-answer, answered, the curve over confidence)")
    evaluate.add_argument("--articles", type=int, default=None,
                          help="use only the first N articles")
    evaluate.add_argument("--work", default=None,
                          help="folder for the documents and index (default: a temporary one)")
    return top


def progress_bar():
    """A tqdm bar on stderr, fed by build_index's progress(done, total) calls."""
    from tqdm import tqdm

    state = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = tqdm(total=total, unit="text", desc="embedding", file=sys.stderr,
                                leave=False)
        state["bar"].update(done - state["bar"].n)
        if done >= total:
            state["bar"].close()
            state.pop("bar")

    return update


def run_index(args) -> int:
    from askdocs.embedding import DEFAULT_MODEL
    from askdocs.indexer import build_index

    report = build_index(args.docs, args.index, model=args.model or DEFAULT_MODEL,
                         full=args.full, progress=progress_bar(), device=args.device,
                         allow_other_files=args.allow_other_files, store=args.store,
                         token=os.environ.get("MILVUS_TOKEN"),
                         on_wait=lambda: print("waiting for another askdocs index to finish...",
                                               file=sys.stderr))
    print_warnings(report)
    verb = "Indexed" if report.written else "Index is up to date:"
    print(f"{verb} {report.summary()} -> {args.index}/")
    return 0


def print_warnings(report) -> None:
    """A build's skipped files and notes, a line each on stderr (the CLI's and the app's)."""
    for skipped in report.skipped:
        print(f"Warning: skipped {printable(skipped.id)}: {skipped.reason}", file=sys.stderr)
    for note in report.notes:
        print(f"Note: {printable(note)}", file=sys.stderr)


def printable(text: str, keep_space: bool = False) -> str:
    """Text safe to print on a terminal: control and undecodable characters written as escapes,
    so a file named `x\\x1b[2J.txt` cannot clear the screen. `keep_space` keeps line breaks and
    tabs (for quotes, which are wrapped anyway)."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or (keep_space and char in " \t\n\r"):
            out.append(char)
        elif "\udc80" <= char <= "\udcff":  # an undecodable byte of a file name
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def location(quote) -> str:
    """'p. 12, ' for a paged document, 'paragraph 7, ' for a Word file, else ''."""
    place = quote.location()
    if place is None:
        return ""
    kind, number = place
    return f"p. {number}, " if kind == "page" else f"{kind} {number}, "


def format_answer(answer) -> str:
    """The answer as readable terminal text."""
    lines = [f"Q: {printable(answer.question)}"]
    if not answer.answered:
        lines.append(printable(answer.summary()))
        lines += [f"Note: {printable(note)}" for note in answer.remarks()]
        if answer.nearest:
            lines.append("\nClosest passages (not an answer):")
            for quote in answer.nearest:
                lines.append(f"  - {printable(quote.source)}, {location(quote)}"
                             f"chars {quote.start}-{quote.end}: "
                             f"“{printable(textwrap.shorten(quote.shown(), 140))}”")
        return "\n".join(lines)
    sources = answer.source_count()
    lines.append(printable(answer.summary()))  # what was found, as the app's first line says
    lines.append(f"{len(answer.quotes)} quote(s) from {sources} source(s), "
                 f"confidence {answer.confidence:.2f}:")
    for number, quote in enumerate(answer.quotes, start=1):
        where = (f"{printable(quote.source)}, {location(quote)}chars {quote.start}-{quote.end}, "
                 f"score {quote.score:.3f}")
        lines.append(f"\n[{number}] {where}")
        shown = printable(quote.shown().replace("\r\n", "\n"), keep_space=True)
        lines.append(textwrap.fill(f"“{shown}”", width=88,
                                   initial_indent="    ",
                                   subsequent_indent="    "))
        if quote.heading:  # a table's row: which statement, which year each column is
            lines.append(textwrap.fill(f"under: {printable(quote.shown_heading())}",
                                       width=88, initial_indent="    ",
                                       subsequent_indent="      "))
        lines.append(f"    {printable(quote.title)}"
                     + (f" ({printable(quote.date)})" if quote.date else ""))
    for note in answer.remarks():
        lines.append(f"\nNote: {printable(note)}")
    return "\n".join(lines)


def run_ask(args) -> int:
    from askdocs.answer import check_k, clean_question
    from askdocs.engine import AskDocs

    clean_question(args.question)
    check_k(args.k)
    answer = AskDocs.load(args.index, model=args.model, store=args.store,
                          token=os.environ.get("MILVUS_TOKEN")).ask(args.question, k=args.k,
                                                                    previous=args.previous)
    if args.json:
        print(answer.to_json())
    else:
        print(format_answer(answer))
    return 0


def run_list(args) -> int:
    """The documents the index records, read from its manifest (no model is loaded)."""
    import json

    from askdocs.manifest import listed
    from askdocs.store import read_manifest

    documents = listed(read_manifest(args.index).documents)
    if args.json:
        print(json.dumps(documents, ensure_ascii=False, indent=2))
        return 0
    for document in documents:
        date = f", {document['date']}" if document["date"] else ""
        print(f"{printable(document['source'])}: {printable(document['title'])} "
              f"({document['size']:,} bytes{date})")
    print(f"{len(documents):,} document{'s' * (len(documents) != 1)} in {args.index}/")
    return 0


def run_eval(args) -> int:
    import tempfile
    from pathlib import Path

    from askdocs.engine import AskDocs
    from askdocs.evaluation import (
        judged_answers,
        load_squad,
        near_miss_metrics,
        near_miss_report,
        retrieval_metrics,
        write_folder,
    )
    from askdocs.indexer import build_index

    documents, questions = load_squad(args.squad2 or args.squad)
    if args.articles is not None:
        names = list(documents)[: max(args.articles, 1)]
        documents = {name: documents[name] for name in names}
        questions = [q for q in questions if q.source in documents]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.work or scratch)
        folder = write_folder(documents, work / "docs")
        report = build_index(folder, work / "index", progress=progress_bar())
        engine = AskDocs.load(work / "index")
        if args.squad2:
            first, *rest = near_miss_report(near_miss_metrics(judged_answers(engine, questions)))
            print(f"{len(documents)} articles, {report.sentences} candidate sentences: {first}")
            print("\n".join(rest))
            return 0
        metrics = retrieval_metrics(engine, questions)
    print(f"{len(documents)} articles, {report.sentences} candidate sentences, "
          f"{metrics['questions']} questions: P@1 {metrics['p_at_1']:.1f}, "
          f"MRR@10 {metrics['mrr_at_10']:.1f}, R@5 {metrics['r_at_5']:.1f}, "
          f"{metrics['queries_per_second']:.0f} questions/s (index {report.seconds:.0f}s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; user mistakes become one `Error: ...` line and exit code 1."""
    offline()
    args = parser().parse_args(argv)
    if args.command is None:
        parser().print_help()
        return 1
    from askdocs.errors import AskDocsError

    try:
        if args.command == "index":
            return run_index(args)
        if args.command == "eval":
            return run_eval(args)
        if args.command == "list":
            return run_list(args)
        return run_ask(args)
    except AskDocsError as error:
        print(f"Error: {printable(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `askdocs ask ... | head`: the reader left; so do we, quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
