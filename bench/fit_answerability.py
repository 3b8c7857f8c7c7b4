"""Fit the answerability model (src/askdocs/answerability.py) and print its constants.

    python bench/fit_answerability.py [--squad2 PATH] [--squad PATH] [--refresh]

Training data, never the held-back SQuAD 2.0 articles or SQuAD v1.1's odd half:
- SQuAD 2.0's public dev articles (../shared/data/squad2-dev-public.json, 8 articles, all of
  them even-numbered SQuAD v1.1 articles) indexed as 8 documents; every question asked. A
  question's row is the features of its best-ranked sentence, labelled by whether the question
  has an answer (a near miss, is_impossible, has none); the first JUDGED sentences' margins
  give the gate (is anything about the question?).
- Off-topic questions: SQuAD v1.1 questions of even-numbered articles that are not indexed,
  asked of the same index; no answer.
- A larger collection: the same SQuAD 2.0 questions asked of the 48 SQuAD v1.1 articles
  indexed (bench/.cache/squad48, 10,207 sentences; the 8 articles' paragraphs are there too), so
  that the model sees how the best sentence's similarity grows with the collection.
- Long reports: bench/filings.py's 8 annual reports (PDF, 4,694 sentences), every wording of
  its questions for every year the tables give (answerable: a quote on the evidence page is
  right), and near misses (a year no table gives, a company with no report). A table row names
  neither the company nor the year, and SQuAD's paragraphs never look like that: fitted on
  SQuAD alone, a model may decline every such row (the issue's "calibrate on both").

Every question is trimmed first, as askdocs.ask reads it (answer.clean_question): of SQuAD 2.0's
public questions that start with a space, 271 of 273 are near misses, and a fit on the questions
as written learns the space (README, "Abstention").

The features are cached in bench/.cache/answerability.npz. The fit is a logistic regression
(L2, standardised features); cross-validated by leaving one SQuAD 2.0 article (or one report)
out, it prints the false-answer / answered curve of the held-out folds, the threshold (90% of
SQuAD 2.0's answerable questions answered), what that threshold does to the held-out reports,
and the calibration; then it fits on everything and prints the Model to paste into
answerability.py.
"""

from __future__ import annotations

import argparse
import random
import sys
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

import filings
import numpy as np
from common import CACHE, ROOT, SQUAD, squad_index, tuning_half

from askdocs.answer import CANDIDATES, JUDGED, clean_question
from askdocs.answerability import FEATURES
from askdocs.embedding import cached_embedder
from askdocs.engine import AskDocs
from askdocs.evaluation import SEPARATOR, load_squad
from askdocs.evaluation import hit as holds_answer
from askdocs.glossary import expanded
from askdocs.indexer import build_index
from askdocs.instructions import without_instructions

SQUAD2 = str((ROOT / "../shared/data/squad2-dev-public.json").resolve())
CACHED = CACHE / "answerability.npz"
OFF_TOPIC = 800
REPORTS = 8  # bench/filings.py's collection


@dataclass(frozen=True)
class PageQuestion:
    """A question about a report: right if a quote is on its evidence page."""

    text: str
    source: str
    page: int
    article: int
    impossible: bool


def on_page(quote, question: PageQuestion) -> bool:
    return quote.source == question.source and quote.page == question.page


def collect(engine, questions, group: int, article_of, right=holds_answer) -> list[tuple]:
    """(features, label, question number, group, article, impossible, rank, question,
    sentence, the first step's margin) per judged hit (features without the verifier's, which
    come later)."""
    # as AskDocs.ask reads them: capitals and mistyped words read as it reads them
    asked = [without_instructions(engine.read(q.text)[0]) for q in questions]
    vectors = engine.embedder.embed([expanded(a) for a in asked])  # as AskDocs.search does
    rows = []
    for n, (question, text, vector) in enumerate(zip(questions, asked, vectors)):
        hits = engine.search(text, CANDIDATES, vector[None, :])
        quotes = [engine.quote([h]) for h in hits[:JUDGED]]
        judged, margins = engine.judged(text, hits, JUDGED, asked=text)
        for rank, (values, about, quote) in enumerate(zip(judged, margins, quotes)):
            label = not question.impossible and right(quote, question)
            rows.append((values, label, n, group, article_of(question), question.impossible,
                         rank, question.text, quote.text, about))
    return rows


def moved_questions(questions, documents: dict[str, str], documents48: dict[str, str]):
    """The SQuAD 2.0 questions with their answers' offsets in the 48-article index's copy of
    their article (the same paragraphs, in SQuAD v1.1's order); questions whose paragraph is
    not there are left out."""
    by_title = {name.split("_", 1)[1]: name for name in documents48}
    moved = []
    for question in questions:
        text = documents[question.source]
        target = by_title[question.source.split("_", 1)[1]]
        starts = []
        for start in question.starts:
            begin = text.rfind(SEPARATOR, 0, start)
            begin = 0 if begin < 0 else begin + len(SEPARATOR)
            end = text.find(SEPARATOR, start)
            at = documents48[target].find(text[begin:end if end >= 0 else len(text)])
            if at >= 0:
                starts.append(at + start - begin)
        if question.impossible or starts:
            moved.append(replace(question, source=target, starts=tuple(starts)))
    return moved


def reports() -> AskDocs:
    """bench/filings.py's reports, indexed beside them (as filings.py does; only what changed is
    embedded again)."""
    docs, _ = filings.collection(REPORTS)
    index = docs.parent / "index"
    build_index(docs, index, embedder=cached_embedder())
    return AskDocs.load(index)


def gather(squad2: str, squad: str) -> dict[str, np.ndarray]:
    rng = random.Random(13)
    documents2, questions2, index2 = squad_index(squad2, name="squad2")
    _, questions1 = load_squad(squad)
    questions2 = [replace(q, text=clean_question(q.text)) for q in questions2]
    questions1 = [replace(q, text=clean_question(q.text)) for q in questions1]
    indexed = {q.source for q in questions2}
    titles2 = {q.source.split("_", 1)[1] for q in questions2}
    engine2 = AskDocs.load(index2)
    rows = collect(engine2, questions2, 0, lambda q: q.article)
    off = [q for q in questions1 if tuning_half(q) and q.source.split("_", 1)[1] not in titles2]
    off = rng.sample(off, min(OFF_TOPIC, len(off)))
    off = [replace(q, starts=(), impossible=True) for q in off]
    assert not indexed & {q.source for q in off}
    rows += collect(engine2, off, 1, lambda q: 100 + q.article % 8)
    documents48, _, index48 = squad_index(squad)
    engine48 = AskDocs.load(index48)
    moved = moved_questions(questions2, documents2, documents48)
    rows += collect(engine48, moved, 3, lambda q: q.article)
    asked = [PageQuestion(clean_question(q["question"]), q["source"], q["page"],
                          200 + q["company"], q["impossible"])
             for q in filings.training_questions(REPORTS)]
    rows += collect(reports(), asked, 4, lambda q: q.article, right=on_page)
    values, label, question, group, article, impossible, rank, qtext, stext, about = zip(*rows)
    return {"x": np.array(values, np.float64), "y": np.array(label, bool),
            "about": np.array(about, np.float64),
            "question": np.array(question), "group": np.array(group),
            "article": np.array(article), "impossible": np.array(impossible, bool),
            "rank": np.array(rank), "qtext": np.array(qtext), "stext": np.array(stext)}


def verifier_logits(data, folds: list[tuple[set[int], str]]) -> np.ndarray:
    """The verifier's logit for every row, each SQuAD 2.0 row from the verifier trained without
    its article (folds: (held-out article numbers, weights file)); off-topic rows from the first."""
    from verifier import load_verifier

    logits = np.zeros(len(data["y"]))
    for number, (held, weights) in enumerate(folds):
        verifier = load_verifier(Path(weights))
        mine = np.isin(data["article"], list(held)) & (data["group"] == 0)
        if number == 0:
            mine |= data["group"] == 1
        rows = np.flatnonzero(mine)
        for start in range(0, len(rows), 64):
            chunk = rows[start:start + 64]
            for question in set(data["qtext"][chunk]):
                same = chunk[data["qtext"][chunk] == question]
                logits[same] = verifier.scores(str(question), [str(t) for t in
                                                               data["stext"][same]])
        print(f"# verifier {weights}: {len(rows)} rows", file=sys.stderr)
    return logits


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50):
    """Logistic regression by Newton's method on standardised features."""
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) + l2 * np.r_[0, w[1:]]
        hess = (z * (p * (1 - p))[:, None]).T @ z + l2 * np.diag(np.r_[0, np.ones(len(w) - 1)])
        w -= np.linalg.solve(hess, grad)
    return w, mean, scale


def top(p: np.ndarray, question_of: np.ndarray, questions: int) -> np.ndarray:
    """Each question's highest value over its judged sentences."""
    out = np.full(questions, -np.inf)
    np.maximum.at(out, question_of, p)
    return out


def questions_of(rows) -> tuple[np.ndarray, np.ndarray]:
    """For each row, its question's number among the best-ranked rows (one a question), and
    which rows are those."""
    key = rows["group"] * 1_000_000 + rows["question"]
    best = rows["rank"] == 0
    question_of = np.searchsorted(key[best], key)  # rows are grouped by question, rank first
    assert (key[best][question_of] == key).all()
    return question_of, best


def held_out_top(rows, question_of: np.ndarray, best: np.ndarray, articles, l2: float):
    """Each question's highest probability over its judged sentences, by the model fitted
    without its article (the questions of `articles`; the others' stay 0)."""
    article = rows["article"][best]
    out = np.zeros(len(article))
    for held in articles:
        test = rows["article"] == held
        model = fit_judged(rows, question_of, ~test, l2)
        mine = article == held
        out[mine] = top(predict(model, rows["x"][test]), question_of[test], len(out))[mine]
    return out


def fit_judged(rows, question_of: np.ndarray, train: np.ndarray, l2: float, rounds: int = 3):
    """The model askdocs decides by: a question is answered if any of its judged sentences
    looks answering, so each question is one row, the sentence the model finds likeliest to
    answer (multiple-instance learning: first the best-ranked sentence, then each round the
    judged sentence the last round's model rates highest). Labels are the question's."""
    x, y = rows["x"], (~rows["impossible"]).astype(float)
    chosen = np.flatnonzero(train & (rows["rank"] == 0))
    model = fit(x[chosen], y[chosen], l2)
    for _ in range(rounds):
        p = np.where(train, predict(model, x), -np.inf)
        best = top(p, question_of, question_of.max() + 1)
        chosen = np.flatnonzero(train & (p >= best[question_of]))
        chosen = chosen[np.unique(question_of[chosen], return_index=True)[1]]
        model = fit(x[chosen], y[chosen], l2)
    return model


def predict(model, x: np.ndarray) -> np.ndarray:
    w, mean, scale = model
    return 1 / (1 + np.exp(-(w[0] + ((x - mean) / scale) @ w[1:])))


def curve(p: np.ndarray, first: np.ndarray, impossible: np.ndarray, label: str) -> None:
    """False-answer and first-quote precision where the threshold keeps a share answered (one
    row a question: its probability, whether its first sentence answers, whether it is a near
    miss or off-topic)."""
    answerable = ~impossible
    print(f"# {label}: {answerable.sum()} answerable, {impossible.sum()} unanswerable")
    order = np.sort(p[answerable])
    for answered in (0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5):
        t = order[int((1 - answered) * len(order))]
        if t == -np.inf:  # more than the rest are declined by the first step
            print(f"  answered {100 * answered:5.1f}%: out of reach, the first step declines "
                  f"{100 * (p[answerable] == -np.inf).mean():.1f}%")
            continue
        fa = (p[impossible] >= t).mean()
        prec = first[answerable & (p >= t)].mean()
        print(f"  answered {100 * (p[answerable] >= t).mean():5.1f}%  false-answer "
              f"{100 * fa:5.1f}%  first-quote precision {100 * prec:5.1f}%  (threshold {t:.3f})")


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Mann-Whitney AUC; tied scores (the first step's declines) count half."""
    both = np.concatenate([pos, neg])
    _, inverse, counts = np.unique(both, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2)[inverse]  # each tie at its mean rank
    return (ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad2", default=SQUAD2)
    parser.add_argument("--squad", default=SQUAD)
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--about-margin", type=float, default=0.0,
                        help="the gate: answer only if some judged sentence's similarity "
                             "confidence is within this of the collection's threshold")
    parser.add_argument("--answered", type=float, default=0.9,
                        help="share of answerable questions the threshold keeps answered")
    parser.add_argument("--folds", default="",
                        help="also the verifier's logit (an experiment, see train_verifier.py): "
                             "verifiers trained without some SQuAD 2.0 articles, "
                             "'0,1,2,3:PATH;4,5,6,7:PATH'")
    args = parser.parse_args()
    if args.refresh or not CACHED.exists():
        np.savez(CACHED, **gather(args.squad2, args.squad))
    data = dict(np.load(CACHED))
    if args.folds:
        folds = [(set(map(int, f.split(":")[0].split(","))), f.split(":")[1])
                 for f in args.folds.split(";")]
        logits_file = CACHE / "answerability-verifier.npy"
        if args.refresh or not logits_file.exists():
            np.save(logits_file, verifier_logits(data, folds))
        data["x"] = np.hstack([data["x"], np.load(logits_file)[:, None]])
        held = set().union(*(h for h, _ in folds))
        keep = ((data["group"] == 0) & np.isin(data["article"], list(held))) | \
            (data["group"] == 1)
        data = {key: value[keep] for key, value in data.items()}
    # one row a question (its best-ranked sentence) for the labels and the gate; the label is
    # whether the question has an answer in the index (a near miss and an off-topic question
    # have none)
    question_of, best = questions_of(data)
    rows = data
    data = {name: value[best] for name, value in data.items()}
    # the gate: some judged sentence is close (similarity and words) by the size-aware rule
    about = top(rows["about"], question_of, len(data["y"]))
    gate = about >= args.about_margin
    x, impossible = data["x"], data["impossible"]
    first = data["y"]
    squad2 = data["group"] == 0
    margin = x[:, FEATURES.index("margin")]
    curve(margin[squad2], first[squad2], impossible[squad2],
          "today's confidence (margin of the top sentence), SQuAD 2.0 public")
    held_out = held_out_top(rows, question_of, best, np.unique(data["article"]), args.l2)
    ungated = held_out.copy()
    held_out = np.where(gate, held_out, -np.inf)  # not about the question: never answered
    curve(held_out[squad2], first[squad2], impossible[squad2],
          "model, each article held out, SQuAD 2.0 public")
    larger = data["group"] == 3
    curve(held_out[larger], first[larger], impossible[larger],
          "model, each article held out, the same questions in the 48-article index")
    for name, mask in (("SQuAD 2.0 public", squad2),
                       *((f"article {a}", squad2 & (data["article"] == a)) for a in range(8))):
        if mask.any():
            i = impossible[mask]
            print(f"  AUC answerable vs near miss, {name}: "
                  f"{auc(held_out[mask][~i], held_out[mask][i]):.3f} "
                  f"(today's: {auc(margin[mask][~i], margin[mask][i]):.3f})")
    answerable = np.sort(held_out[squad2 & ~impossible])
    threshold = answerable[int((1 - args.answered) * len(answerable))]
    off_topic = data["group"] == 1
    print(f"# off-topic questions: answered {100 * (held_out[off_topic] >= threshold).mean():.1f}%"
          f" (without the gate: {100 * (ungated[off_topic] >= threshold).mean():.1f}%)")
    in_reports = data["group"] == 4
    if in_reports.any():
        answered = held_out >= threshold
        mine = in_reports & ~impossible
        print(f"# reports, each held out: answered {100 * answered[mine].mean():.1f}% of "
              f"{mine.sum()} answerable (first quote on the evidence page "
              f"{100 * (answered & first)[mine].mean():.1f}%), "
              f"{100 * answered[in_reports & impossible].mean():.1f}% of "
              f"{(in_reports & impossible).sum()} near misses")
    print(f"ANSWER_THRESHOLD = {threshold:.3f}  ({100 * args.answered:.0f}% answered, held out)")
    # confidence: Platt scaling of the held-out probability into "the first quote is right"
    both = (data["group"] <= 1) & gate
    p = np.clip(ungated[both], 1e-6, 1 - 1e-6)
    raw, right = np.log(p / (1 - p)), first[both]
    platt = fit(raw[:, None], right.astype(float), 1e-3)
    a = platt[0][1] / platt[2][0]
    b = platt[0][0] - a * platt[1][0]
    print(f"CALIBRATION = ({a:.4f}, {b:.4f})")
    confidence = 1 / (1 + np.exp(-(a * raw + b)))
    answered = ungated[both] >= threshold  # (all of these passed the gate)
    for lo in np.arange(0, 1, 0.2):
        inside = answered & (confidence >= lo) & (confidence < lo + 0.2 + 1e-9 * (lo >= 0.8))
        share = 100 * right[inside].mean() if inside.any() else 0.0
        print(f"  confidence {lo:.1f}-{lo + 0.2:.1f}: {inside.sum()} answers, first quote right "
              f"{share:.1f}%")
    w, mean, scale = fit_judged(rows, question_of, np.ones(len(rows["y"]), bool), args.l2)
    for name, weight in zip(FEATURES + ("verifier",) * bool(args.folds), w[1:]):
        print(f"  {name:24s} {weight:+.3f}")
    print(model_source(w[1:], w[0], mean, scale))


def model_source(weights, bias: float, mean, scale) -> str:
    """The Model as answerability.py writes it, lines under 100 characters."""
    def numbers(name: str, values, end: str) -> str:
        text = textwrap.fill(", ".join(f"{v:.4f}" for v in values), 100,
                             initial_indent=f"    {name}=(",
                             subsequent_indent=" " * (len(name) + 6))
        return text + end
    return "\n".join(["MODEL = Model(", numbers("weights", weights, "),"),
                      f"    bias={bias:.4f},", numbers("mean", mean, "),"),
                      numbers("scale", scale, "))")])


if __name__ == "__main__":
    main()
