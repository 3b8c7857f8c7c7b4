"""Train and measure an extractive reader as a near-miss feature (an experiment, not askdocs).

all-MiniLM-L6-v2 fine-tuned to read (question, sentence) and point at the answer's span, with
"no answer" as a position of its own; its margin (the best span's score over the no-answer
score) is measured as a feature of the answerability model (src/askdocs/answerability.py).

    python bench/train_reader.py train --hold 0,1,2,3 --out bench/.cache/reader/a.safetensors
    python bench/train_reader.py train --hold 4,5,6,7 --out bench/.cache/reader/b.safetensors
    python bench/train_reader.py measure      # --folds "0,1,2,3:FILE;4,5,6,7:FILE", as above
    python bench/train_reader.py train --hold 0,1,2,3,4,5,6,7 \
        --out bench/.cache/reader/v1only.safetensors      # no public SQuAD 2.0 article
    python bench/train_reader.py rerank       # --weights FILE: the reader that saw no odd article
    python bench/train_reader.py through squad2.py --json /tmp/squad2.json    # any bench script

Why a reader and not the cross-encoder of bench/train_verifier.py: the cross-encoder learns
one yes/no per pair, while a reader must point at the words that answer, which a near miss's
sentence does not hold (SQuAD 2.0 was built around readers that learn this from 43,000 near
misses; none of those weights can be installed here, so this one learns from what the issue
allows).

Examples, all (question, sentence) with the answer's characters in the sentence or none, the
sentences split as askdocs splits them:
- SQuAD 2.0's public dev articles not held out: an answerable question with the sentence that
  holds its answer, and with the sentence of its paragraph that shares the most words with it
  (no answer); a near miss with the sentence that holds its `plausible_answers` span, the one it
  was written to tempt (no answer, counted twice: they are what the reader must learn).
- SQuAD v1.1's even-numbered articles other than those 8: the same two for each question, and
  synthetic near misses of the answering sentence (a name or number of the question swapped for
  another of the article, or a negation added; bench/train_verifier.near_misses).
Never the held-back SQuAD 2.0 articles, never SQuAD v1.1's odd half.

`rerank` measures the reader as a re-ranker instead: SQuAD v1.1's odd half asked of the 48
articles (bench/squad_reqa.py's honest half), each question's ten best sentences scored by the
reader trained on the even half only, and the order by askdocs' score against the order by that
score plus the reader's margin (score / best score + w * clip(margin, -10, 10) / 10, over the first
K). It also exports the reader to ONNX, quantised to int8 per channel as askdocs' encoder is, and
times it on the same pairs. Figures in bench/results/reader_rerank.json. `through` runs another
bench script with askdocs' search re-ranked so (RERANK_WEIGHT, RERANK_DEPTH), to measure what the
re-ranking does to the answers: give the script a --json of its own, not the committed results.

`measure` scores every row of the answerability fit's cache (bench/.cache/answerability.npz,
made by bench/fit_answerability.py) with the reader that did not see the row's article (a
public article's rows, indexed alone or among the 48, by its fold; off-topic and report rows by
the first), adds the margin as a feature and prints the held-out curve (each public article
held out in turn, as fit_answerability.py does) with and without it.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
from common import CACHE
from fit_answerability import CACHED, auc, curve, held_out_top, questions_of, top
from train_verifier import SWAPPABLE, fine_tune, near_misses, training_options

from askdocs.answer import clean_question
from askdocs.chunking import split_sentences
from askdocs.embedding import resolve_model_path

MAX_LENGTH = 160  # tokens of question and sentence together (a longer sentence is cut)
LONGEST_SPAN = 20  # tokens of an answer span the reader may point at
WORD = re.compile(r"\w+")
COMMON = frozenset("the a an of in on to and or is was were are did does do what which who when "
                   "where how why many much for by with as at from that this its their his her"
                   .split())


def content_words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)} - COMMON


def paragraph_examples(context: str, qa: dict, question: str, out: list, near_miss_pool=None,
                       rng=None) -> None:
    """(question, sentence, answer start, answer end) for one SQuAD question (start -1: none)."""
    sentences = [(s.start, s.end) for s in split_sentences(context)]
    spans = qa.get("plausible_answers") if qa.get("is_impossible") else qa["answers"]
    if not spans:
        return
    start = spans[0]["answer_start"]
    end = start + len(spans[0]["text"])
    home = next(((a, b) for a, b in sentences if a <= start < b), None)
    if home is None:
        return
    a, b = home
    if qa.get("is_impossible"):
        out += [(question, context[a:b], -1, -1)] * 2
        return
    if end > b:  # an answer across two sentences: no sentence holds it
        return
    out.append((question, context[a:b], start - a, end - a))
    others = [(len(content_words(question) & content_words(context[x:y])), x, y)
              for x, y in sentences if (x, y) != home]
    if others:
        _, x, y = max(others)
        out.append((question, context[x:y], -1, -1))
    if near_miss_pool is not None:
        out += [(made, context[a:b], -1, -1)
                for made in near_misses(question, context[a:b], near_miss_pool, rng)]


def examples(squad2: str, squad: str, hold: set[int], rng: random.Random) -> list[tuple]:
    out = []
    public = json.loads(Path(squad2).read_text(encoding="utf-8"))["data"]
    for number, article in enumerate(public):
        if number in hold:
            continue
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                paragraph_examples(paragraph["context"], qa, clean_question(qa["question"]), out)
    titles = {article["title"] for article in public}
    for number, article in enumerate(json.loads(Path(squad).read_text(encoding="utf-8"))["data"]):
        if number % 2 or article["title"] in titles:
            continue
        text = " ".join(p["context"] for p in article["paragraphs"])
        pool = sorted(set(SWAPPABLE.findall(text)))
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                paragraph_examples(paragraph["context"], qa, clean_question(qa["question"]), out,
                                   pool, rng)
    return out


def load_reader(weights: Path | None = None):
    """The packaged model with a two-logit (start, end) head; trained weights laid over it."""
    import transformers
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    path = str(resolve_model_path("all-MiniLM-L6-v2"))
    transformers.logging.set_verbosity_error()  # "newly initialised head": it is, then loaded
    model = AutoModelForQuestionAnswering.from_pretrained(path, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    if weights is not None:
        from safetensors.torch import load_file

        model.load_state_dict(load_file(str(weights)))
    model.eval()
    return model, tokenizer


def encoded(tokenizer, batch: list[tuple]):
    """Inputs and the answer's first and last token (0, the [CLS] position, for none)."""
    import torch

    inputs = tokenizer([b[0] for b in batch], [b[1] for b in batch], padding=True,
                       truncation="only_second", max_length=MAX_LENGTH,
                       return_offsets_mapping=True, return_tensors="pt")
    starts, ends = [], []
    for i, (_, _, begin, end) in enumerate(batch):
        first = last = 0
        if begin >= 0:
            sequence = inputs.sequence_ids(i)
            for t, (a, b) in enumerate(inputs["offset_mapping"][i].tolist()):
                if sequence[t] != 1:
                    continue
                if not first and b > begin:
                    first = t
                if a < end:
                    last = t
            if not first or last < first:  # the answer was cut off
                first = last = 0
        starts.append(first)
        ends.append(last)
    inputs.pop("offset_mapping")
    return inputs, torch.tensor(starts), torch.tensor(ends)


def train(args) -> None:
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(0)
    rng = random.Random(0)
    hold = {int(a) for a in args.hold.split(",") if a}
    data = examples(args.squad2, args.squad, hold, rng)
    print(f"# {len(data)} examples, {sum(d[2] >= 0 for d in data)} with an answer",
          file=sys.stderr)
    model, tokenizer = load_reader()
    model.train()

    def loss_of(batch):
        inputs, starts, ends = encoded(tokenizer, batch)
        return model(**inputs, start_positions=starts, end_positions=ends).loss

    began = time.perf_counter()
    fine_tune(list(model.parameters()), data, loss_of, args, rng)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    save_file({n: t.contiguous() for n, t in model.state_dict().items()}, args.out)
    print(f"saved to {args.out} after {time.perf_counter() - began:.0f}s")


def margins(model, tokenizer, pairs: list[tuple[str, str]], batch: int = 64) -> np.ndarray:
    """Each pair's best span score (within the sentence, at most LONGEST_SPAN tokens) minus its
    no-answer score."""
    import torch

    out = []
    with torch.inference_mode():
        for i in range(0, len(pairs), batch):
            chunk = pairs[i:i + batch]
            inputs = tokenizer([p[0] for p in chunk], [p[1] for p in chunk], padding=True,
                               truncation="only_second", max_length=MAX_LENGTH,
                               return_tensors="pt")
            result = model(**inputs)
            out += span_margins(result.start_logits.numpy(), result.end_logits.numpy(), inputs)
    return np.array(out)


def span_margins(starts: np.ndarray, ends: np.ndarray, inputs) -> list[float]:
    """From a batch's start and end logits: each pair's best span inside its sentence (at most
    LONGEST_SPAN tokens) over its no-answer score (the [CLS] position's)."""
    n = starts.shape[1]
    allowed = np.triu(np.ones((n, n), bool)) & ~np.triu(np.ones((n, n), bool), LONGEST_SPAN + 1)
    out = []
    for k in range(len(starts)):
        inside = np.array([s == 1 for s in inputs.sequence_ids(k)])
        scores = np.where(inside, starts[k], -1e9)[:, None] + np.where(inside, ends[k], -1e9)[None]
        out.append(float(np.where(allowed, scores, -1e9).max() - (starts[k][0] + ends[k][0])))
    return out


def measure(args) -> None:
    folds = [(set(map(int, f.split(":")[0].split(","))), Path(f.split(":")[1]))
             for f in args.folds.split(";")]
    data = dict(np.load(CACHED))
    feature_file = CACHE / "answerability-reader.npy"
    if args.refresh or not feature_file.exists():
        public = data["group"] == 0
        article_of = dict(zip(data["qtext"][public], data["article"][public]))
        # a public question indexed among the 48 articles (group 3) is in its article's fold
        article = np.array([article_of.get(q, -1) if g in (0, 3) else -1
                            for q, g in zip(data["qtext"], data["group"])])
        fold = np.zeros(len(article), int)
        for number, (held, _) in enumerate(folds):
            fold[np.isin(article, list(held))] = number
        feature = np.zeros(len(article))
        for number, (_, weights) in enumerate(folds):
            model, tokenizer = load_reader(weights)
            rows = np.flatnonzero(fold == number)
            pairs = [(str(data["qtext"][i]), str(data["stext"][i])) for i in rows]
            unique = sorted(set(pairs))
            scored = dict(zip(unique, margins(model, tokenizer, unique)))
            feature[rows] = [scored[p] for p in pairs]
            print(f"# reader {weights}: {len(rows)} rows", file=sys.stderr)
        np.save(feature_file, feature)
    feature = np.load(feature_file)
    public = data["group"] == 0
    rank0 = public & (data["rank"] == 0)
    impossible, answers = data["impossible"], data["y"]
    print(f"reader margin alone, best-ranked sentence, answerable against near miss: AUC "
          f"{auc(feature[rank0 & ~impossible], feature[rank0 & impossible]):.3f}; answering "
          f"sentences against the others: "
          f"{auc(feature[public & answers], feature[public & ~answers]):.3f}")
    for label, extra in (("without the reader", None), ("with the reader's margin", feature)):
        held_out(data if extra is None else {**data, "x": np.hstack([data["x"], extra[:, None]])},
                 label)


RERANK_WEIGHTS = (0.1, 0.2, 0.3, 0.5)
RERANK_DEPTHS = (5, 10)
RERANK_WEIGHT, RERANK_DEPTH = 0.3, 10  # what `through` re-ranks by


def int8_reader(model, target: Path):
    """The reader exported to ONNX and quantised to int8 per channel (as askdocs' encoder is),
    as an onnxruntime session on both cores."""
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Logits(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.reader = model

        def forward(self, ids, mask, types):
            out = self.reader(input_ids=ids, attention_mask=mask, token_type_ids=types)
            return out.start_logits, out.end_logits

    fp32 = target.with_suffix(".fp32.onnx")
    ids = torch.ones((2, 20), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(Logits(), (ids, ids, torch.zeros_like(ids)), str(fp32), dynamo=False,
                      input_names=names, output_names=["start", "end"],
                      dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["start", "end"]},
                      opset_version=17)
    # the export puts the wrapper back in the mode it was made in (training, with dropout),
    # and its reader with it: the fp32 margins measured after it need eval mode again
    model.eval()
    quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    return onnxruntime.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])


def session_margins(session, tokenizer, pairs: list[tuple[str, str]]) -> np.ndarray:
    """margins() by the int8 session: one batch, tokenised as margins() tokenises."""
    inputs = tokenizer([p[0] for p in pairs], [p[1] for p in pairs], padding=True,
                       truncation="only_second", max_length=MAX_LENGTH, return_tensors="np")
    starts, ends = session.run(None, {name: inputs[name] for name in
                                      ("input_ids", "attention_mask", "token_type_ids")})
    return np.array(span_margins(starts, ends, inputs))


RERANK_GATES = (0.8, 0.9, 0.95)  # re-rank only if the second score is this share of the first


def close_call(score: list[float], gate: float) -> bool:
    """Whether the reader is asked: two sentences or more, the second scoring at least `gate`
    times the first."""
    return len(score) > 1 and score[1] >= gate * score[0]


def reranked(score: list[float], margin: list[float], weight: float, depth: int,
             gate: float = 0.0) -> list[int]:
    """The first `depth` sentences in the order of score / best score + weight * margin / 10
    (the margin clipped at +-10), the rest as they were; all as they were unless close_call
    (the reader would then not need to run)."""
    if not close_call(score, gate):
        return list(range(len(score)))
    k = min(depth, len(score))
    combined = np.array(score[:k]) / score[0] + weight * np.clip(margin[:k], -10, 10) / 10
    return [int(i) for i in np.argsort(-combined, kind="stable")] + list(range(k, len(score)))


def rerank(args) -> None:
    from common import SQUAD, squad_index, tuning_half

    from askdocs.answer import search_query
    from askdocs.engine import AskDocs
    from askdocs.evaluation import hit
    from askdocs.instructions import without_instructions

    _, questions, index = squad_index(SQUAD)
    engine = AskDocs.load(index)
    odd = [q for q in questions if not tuning_half(q)][::args.every]
    weights = Path(args.weights)
    model, tokenizer = load_reader(weights)
    session = int8_reader(model, weights.with_suffix(".int8.onnx"))
    rows, times = [], {5: [], 10: []}
    for question in odd:
        asked = without_instructions(clean_question(question.text))
        hits = engine.search(search_query(asked, None), 10)
        if not hits:
            continue
        quotes = [engine.quote([h]) for h in hits]
        pairs = [(asked, q.text) for q in quotes]
        for depth in times:
            began = time.perf_counter()
            int8 = session_margins(session, tokenizer, pairs[:depth])
            times[depth].append(time.perf_counter() - began)
        rows.append({"right": [hit(q, question) for q in quotes],
                     "score": [h.score for h in hits], "int8": int8.tolist(),
                     "fp32": margins(model, tokenizer, pairs).tolist()})

    def figures(kind: str | None, weight: float = 0.0, depth: int = 10,
                gate: float = 0.0) -> dict:
        found = [[row["right"][i] for i in (reranked(row["score"], row[kind], weight, depth, gate)
                                            if kind else range(len(row["right"])))]
                 for row in rows]
        return {name: round(100 * sum(any(f[:n]) for f in found) / len(found), 1)
                for name, n in (("P@1", 1), ("R@3", 3), ("R@5", 5))}

    results = {"questions": len(rows), "askdocs": figures(None),
               "ms_p50": {f"{d} sentences": round(1000 * float(np.median(t)), 1)
                          for d, t in times.items()}}
    print(f"{len(rows)} questions, odd half; askdocs' order: {results['askdocs']}")
    for kind in ("fp32", "int8"):
        for depth in RERANK_DEPTHS:
            results[f"{kind}, reader alone, first {depth}"] = figures(kind, 1e6, depth)
            for weight in RERANK_WEIGHTS:
                results[f"{kind}, w {weight}, first {depth}"] = figures(kind, weight, depth)
    for gate in RERANK_GATES:  # the reader run only where the two best are close
        share = sum(close_call(r["score"], gate) for r in rows)
        results[f"int8, w {RERANK_WEIGHT}, first {RERANK_DEPTH}, second >= {gate} of first"] = {
            **figures("int8", RERANK_WEIGHT, RERANK_DEPTH, gate),
            "re-ranked %": round(100 * share / len(rows), 1)}
    for name, value in results.items():
        print(f"  {name}: {value}")
    (CACHE.parent / "results" / "reader_rerank.json").write_text(json.dumps(results, indent=1))


def through(args) -> None:
    """Run a bench script (args.script: its path and arguments) with AskDocs.search re-ranking
    its first RERANK_DEPTH sentences by the int8 reader. The scores keep their values in the new
    order, so every ratio askdocs takes of them (quotes, sources) reads as before."""
    import runpy
    from dataclasses import replace

    from askdocs.engine import AskDocs

    weights = Path(args.weights)
    model, tokenizer = load_reader(weights)
    session = int8_reader(model, weights.with_suffix(".int8.onnx"))
    search = AskDocs.search

    def reranking(self, question: str, k: int, vector=None):
        hits = search(self, question, k, vector)
        first = hits[:RERANK_DEPTH]
        if len(first) < 2:
            return hits
        margin = session_margins(session, tokenizer,
                                 [(question, self.quote([h]).text) for h in first])
        order = reranked([h.score for h in first], margin, RERANK_WEIGHT, RERANK_DEPTH)
        return [replace(first[i], score=h.score) for i, h in zip(order, first)] + \
            hits[RERANK_DEPTH:]

    AskDocs.search = reranking
    sys.argv = args.script
    runpy.run_path(args.script[0], run_name="__main__")


def held_out(rows: dict, label: str) -> None:
    """The curve with each public article held out in turn, as fit_answerability.py draws it."""
    question_of, best = questions_of(rows)
    data = {name: value[best] for name, value in rows.items()}
    gate = top(rows["about"], question_of, len(data["y"])) >= 0.0
    public = data["group"] == 0
    held = held_out_top(rows, question_of, best, np.unique(data["article"][public]), 1.0)
    held = np.where(gate, held, -np.inf)
    impossible = data["impossible"][public]
    curve(held[public], data["y"][public], impossible, label)
    print(f"  AUC {auc(held[public][~impossible], held[public][impossible]):.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("train", "measure", "rerank", "through"))
    training_options(parser, out=str(CACHE / "reader" / "reader.safetensors"))
    parser.add_argument("--folds", default=f"0,1,2,3:{CACHE / 'reader' / 'a.safetensors'};"
                                               f"4,5,6,7:{CACHE / 'reader' / 'b.safetensors'}")
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--weights", default=str(CACHE / "reader" / "v1only.safetensors"),
                        help="rerank: a reader trained on no odd-numbered SQuAD v1.1 article")
    parser.add_argument("--every", type=int, default=1, help="rerank: every n-th question")
    parser.add_argument("script", nargs=argparse.REMAINDER,
                        help="through: a bench script and its arguments")
    args = parser.parse_args()
    {"train": train, "measure": measure, "rerank": rerank, "through": through}[args.step](args)


if __name__ == "__main__":
    main()
