"""Sentence-level answer retrieval on SQuAD (the ReQA setup) and the seed questions.

SQuAD articles become documents whose paragraphs are joined by a blank line, so every
answer_start maps to a document offset. A ranked quote is correct when its span contains the
start of one of the question's answers.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from askdocs.errors import InputError

SEPARATOR = "\n\n"
DEFAULT_SQUAD = "../shared/data/squad-dev-v1.1.json"


@dataclass(frozen=True)
class Question:
    """A benchmark question: where its answers start in which document."""

    id: str
    text: str
    source: str
    starts: tuple[int, ...]
    article: int
    impossible: bool = False  # SQuAD 2.0: written to look answerable, but the text does not say


def doc_name(number: int, title: str) -> str:
    return f"{number:02d}_{re.sub(r'[^A-Za-z0-9_.-]+', '_', title)}.txt"


def load_squad(path: str | Path) -> tuple[dict[str, str], list[Question]]:
    """Documents {id: text} and questions from a SQuAD v1.1 or 2.0 JSON file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError) as error:
        raise InputError(f"cannot read SQuAD file {path} ({error})") from error
    documents, questions = {}, []
    for number, article in enumerate(data):
        name = doc_name(number, article["title"])
        parts, offset = [], 0
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                starts = tuple(sorted({offset + a["answer_start"] for a in qa["answers"]}))
                questions.append(Question(qa["id"], qa["question"], name, starts, number,
                                          bool(qa.get("is_impossible", False))))
            parts.append(context)
            offset += len(context) + len(SEPARATOR)
        documents[name] = SEPARATOR.join(parts)
    return documents, questions


def write_folder(documents: dict[str, str], folder: str | Path) -> Path:
    """Write documents as UTF-8 files (bytes as given, so offsets hold)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        target = folder / name
        data = text.encode("utf-8")
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
    return folder


def hit(quote, question: Question) -> bool:
    return quote.source == question.source and any(
        quote.start <= s < quote.end for s in question.starts)


def first_hit(ranked: list, question: Question) -> int | None:
    """The rank (from 1) of the first quote that holds an answer, None if none does."""
    return next((i for i, q in enumerate(ranked, start=1) if hit(q, question)), None)


def ranks(engine, questions: list[Question], k: int = 10) -> tuple[list[int | None], float]:
    """The rank of the first correct quote for each question (None past k), and queries/s."""
    found = []
    began = time.perf_counter()
    for question in questions:
        found.append(first_hit(engine.rank(question.text, k=k), question))
    return found, len(questions) / max(time.perf_counter() - began, 1e-9)


def summarise(found: list[int | None]) -> dict:
    """P@1, MRR@10 and R@5 (percent) from first-correct ranks."""
    n = max(len(found), 1)
    return {"questions": len(found),
            "p_at_1": 100 * sum(r == 1 for r in found) / n,
            "mrr_at_10": 100 * sum(1 / r for r in found if r) / n,
            "r_at_5": 100 * sum(1 for r in found if r and r <= 5) / n}


def retrieval_metrics(engine, questions: list[Question], k: int = 10) -> dict:
    """P@1, MRR@10 and R@5 of the engine's ranked single-sentence quotes, and queries/s."""
    found, qps = ranks(engine, questions, k)
    return {**summarise(found), "queries_per_second": qps}


def abstention_metrics(engine, answerable: list[Question], unanswerable: list[Question]) -> dict:
    """False-abstain rate on answerable questions, false-answer rate on the others."""
    false_abstain = sum(not engine.ask(q.text).answered for q in answerable)
    false_answer = sum(engine.ask(q.text).answered for q in unanswerable)
    return {"answerable": len(answerable), "unanswerable": len(unanswerable),
            "false_abstain": 100 * false_abstain / max(len(answerable), 1),
            "false_answer": 100 * false_answer / max(len(unanswerable), 1)}


def judged_answers(engine, questions: list[Question]) -> list[dict]:
    """Each question asked through `ask`: answered, confidence, whether the first quote and any
    quote hold an answer (never, for a question without one), and whether one of the closest
    sentences shown labelled "not an answer" when it declines does."""
    out = []
    for question in questions:
        answer = engine.ask(question.text)
        shown = answer.quotes
        out.append({"impossible": question.impossible or not question.starts,
                    "answered": answer.answered, "confidence": answer.confidence,
                    "quotes": len(shown),
                    "first": bool(shown) and hit(shown[0], question),
                    "any": any(hit(q, question) for q in shown),
                    "nearest": any(hit(q, question) for q in answer.nearest)})
    return out


def near_miss_metrics(results: list[dict], points: int = 11) -> dict:
    """False-answer on unanswerable questions, answered and first-quote precision on the
    answerable ones, as `ask` decided and across confidence thresholds (the trade-off curve)."""
    answerable = [r for r in results if not r["impossible"]]
    unanswerable = [r for r in results if r["impossible"]]

    def rates(answered) -> dict:
        shown = [r for r in answerable if answered(r)]
        return {"false_answer": 100 * sum(map(answered, unanswerable)) / max(len(unanswerable), 1),
                "answered": 100 * len(shown) / max(len(answerable), 1),
                "first_quote_precision": 100 * sum(r["first"] for r in shown) / max(len(shown), 1)}

    curve = [{"threshold": t, **rates(lambda r, t=t: r["confidence"] >= t)}
             for t in np.linspace(0.0, 1.0, points)]
    return {"answerable": len(answerable), "unanswerable": len(unanswerable),
            **rates(lambda r: r["answered"]), "curve": curve}


def calibration(results: list[dict], bins: int = 5) -> list[dict]:
    """Of the answers given each confidence, the share whose first quote holds an answer."""
    table = []
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        inside = [r for r in results
                  if r["answered"] and lo <= r["confidence"] < hi + (i == bins - 1)]
        table.append({"confidence": f"{lo:.1f}-{hi:.1f}", "answers": len(inside),
                      "right": 100 * sum(r["first"] for r in inside) / max(len(inside), 1)})
    return table


def near_miss_report(metrics: dict) -> list[str]:
    """near_miss_metrics as lines for people: the rates `ask` gave, then the curve."""
    lines = [f"{metrics['unanswerable']} unanswerable questions, false-answer "
             f"{metrics['false_answer']:.1f}%; {metrics['answerable']} answerable, answered "
             f"{metrics['answered']:.1f}%, first quote right "
             f"{metrics['first_quote_precision']:.1f}%",
             "confidence at least: answered / false-answer / first quote right"]
    lines += [f"  {point['threshold']:.1f}: {point['answered']:5.1f}% / "
              f"{point['false_answer']:5.1f}% / {point['first_quote_precision']:5.1f}%"
              for point in metrics["curve"]]
    return lines


def calibration_report(table: list[dict]) -> list[str]:
    """calibration() as lines for people."""
    return [f"  confidence {row['confidence']}: {row['answers']} answers, "
            f"{row['right']:.1f}% first quote right" for row in table]


def seed_results(engine, path: str | Path) -> list[dict]:
    """Each seed question with whether it is to be declined ("abstain") and whether the
    answer met its expectation."""
    results = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        answer = engine.ask(case["q"])
        if case.get("abstain"):
            ok = not answer.answered
        else:
            found = [any(q.source == src and needle in q.text for q in answer.quotes)
                     for src, needle in case["expect"]]
            ok = answer.answered and (all(found) if case.get("need") == "both" else any(found))
        results.append({"question": case["q"], "abstain": bool(case.get("abstain")), "ok": ok,
                        "answered": answer.answered,
                        "quotes": [[q.source, q.text] for q in answer.quotes]})
    return results
