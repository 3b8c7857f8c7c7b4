"""Train and measure an extractive reader as a near-miss feature (an experiment, not askdocs).

all-MiniLM-L6-v2 fine-tuned to read (question, sentence) and point at the answer's span, with
"no answer" as a position of its own; its margin (the best span's score over the no-answer
score) is measured as a feature of the answerability model (src/askdocs/answerability.py).

    python bench/train_reader.py train --hold 0,1,2,3 --out bench/.cache/reader/a.safetensors
    python bench/train_reader.py train --hold 4,5,6,7 --out bench/.cache/reader/b.safetensors
    python bench/train_reader.py measure      # --folds "0,1,2,3:FILE;4,5,6,7:FILE", as above
    python bench/train_reader.py measure --shipped   # askdocs' own int8 reader for every row
    python bench/train_reader.py train --hold 0,1,2,3,4,5,6,7 \
        --out bench/.cache/reader/v1only.safetensors      # no public SQuAD 2.0 article
    python bench/train_reader.py export       # its int8 ONNX file, src/askdocs/data/
    python bench/train_reader.py rerank --choose   # WEIGHT and GATE, on SQuAD 2.0's public
    python bench/train_reader.py rerank       # the shipped reader on SQuAD v1.1's odd half

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
  another of the article, or a negation added; bench/train_verifier.near_misses); with
  `train --harder`, one more of each question (harder_near_misses: a contrary word, two names
  of the sentence exchanged, a contradicted year; measured and not kept, bench/HISTORY.md).
Never the held-back SQuAD 2.0 articles, never SQuAD v1.1's odd half.

The reader askdocs ships (src/askdocs/reranker.py) is the one trained on SQuAD v1.1's even half
only (`train --hold 0,1,2,3,4,5,6,7`: no public SQuAD 2.0 article either), written by `export`
as askdocs' encoder is written: ONNX, quantised to int8 per channel. `rerank` measures it as
askdocs uses it: each question's DEPTH best sentences (askdocs' order, not re-ranked) read, and
ordered by score / best score + w * clip(margin, -10, 10) / 10 where the second scores at least
a gate's share of the first; `--choose` on the public SQuAD 2.0 articles' answerable questions
(where WEIGHT and GATE are chosen), else on SQuAD v1.1's odd half (the report). Figures in
bench/results/reader_rerank*.json.

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
from askdocs.reranker import (
    DEPTH,
    MAX_LENGTH,
    MODEL_FILE,
    close_call,
    reranked,
    span_margins,
    span_reader,
)

WORD = re.compile(r"\w+")
COMMON = frozenset("the a an of in on to and or is was were are did does do what which who when "
                   "where how why many much for by with as at from that this its their his her"
                   .split())


def content_words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)} - COMMON


# Words and their contraries, for --harder's swaps (both ways): the kinds of near miss the public
# SQuAD 2.0 articles hold and the name or number swaps do not make ("smallest" for "largest",
# "after" for "before"). Hand-made: WordNet's antonyms are too loose for this ("large": "small",
# "unrhetorical"; "1": "ordinal").
CONTRARIES = dict(pair for a, b in (
    ("before", "after"), ("first", "last"), ("earliest", "latest"), ("earlier", "later"),
    ("largest", "smallest"), ("larger", "smaller"), ("biggest", "smallest"),
    ("highest", "lowest"), ("higher", "lower"), ("most", "least"), ("more", "less"),
    ("maximum", "minimum"), ("north", "south"), ("east", "west"), ("northern", "southern"),
    ("eastern", "western"), ("increase", "decrease"), ("increased", "decreased"),
    ("rise", "fall"), ("won", "lost"), ("win", "lose"), ("victory", "defeat"),
    ("above", "below"), ("inside", "outside"), ("older", "younger"), ("oldest", "youngest"),
    ("previous", "next"), ("start", "end"), ("began", "ended"), ("male", "female"),
    ("men", "women"), ("husband", "wife"), ("father", "mother"), ("son", "daughter"),
    ("king", "queen"), ("left", "right"), ("upper", "lower"), ("top", "bottom"),
    ("internal", "external"), ("import", "export"), ("imports", "exports"), ("buy", "sell"),
    ("bought", "sold"), ("positive", "negative"), ("longest", "shortest"), ("longer", "shorter"),
    ("success", "failure"), ("legal", "illegal"), ("public", "private"), ("born", "died"),
    ("birth", "death"), ("opened", "closed"), ("accepted", "rejected"), ("supported", "opposed"),
    ("minority", "majority"), ("domestic", "foreign"), ("ancient", "modern"), ("rural", "urban"),
    ("a.m.", "p.m."), ("BC", "AD"), ("behind", "ahead"),
    ("allowed", "banned"))
    for pair in ((a, b), (b, a)))
YEAR = re.compile(r"\b(?:1[0-9]|20)\d\d\b")
# a name (capitalised words, "of" or "the" between them) or a number, not a question's first word
NAMED = re.compile(r"(?<!^)\b(?:[A-Z][\w'’-]*(?:\s+(?:(?:of|the|de)\s+)?[A-Z][\w'’-]*)*|"
                   r"\d[\d,.]*\d|\d)\b")


def kind(named: str) -> str:
    """A name, a year, or another number: a swap keeps the kind."""
    return "year" if YEAR.fullmatch(named) else "number" if named[0].isdigit() else "name"


def whole(word: str) -> re.Pattern:
    return re.compile(rf"(?<![\w.]){re.escape(word)}(?![\w])", re.IGNORECASE)


# each contrary pair's two words as whole-word patterns, made once
CONTRARY_PATTERNS = [(whole(word), whole(contrary), contrary)
                     for word, contrary in CONTRARIES.items()]


def harder_near_misses(question: str, sentence: str, pool: list[str],
                       rng: random.Random) -> list[str]:
    """One more question the sentence does not answer, of a kind the name or number swaps do
    not make (each that applies, one chosen): a word of the question the sentence says swapped
    for its contrary (CONTRARIES); a name or number of the question the sentence holds swapped
    for another the sentence holds (the roles exchanged); a year the sentence contradicts added
    as a condition ("… in 1850?" where the sentence gives another year)."""
    made = []
    for word, opposite, contrary in CONTRARY_PATTERNS:
        found = word.search(question)
        if found and word.search(sentence) and not opposite.search(sentence):
            swapped = contrary.capitalize() if found.group(0)[0].isupper() else contrary
            made.append(question[:found.start()] + swapped + question[found.end():])
    held = [m for m in NAMED.finditer(question) if m.group(0) in sentence]
    others = [m.group(0) for m in NAMED.finditer(sentence) if m.start()
              and m.group(0) not in question]
    for m in held:
        made += [question[:m.start()] + w + question[m.end():] for w in others
                 if kind(w) == kind(m.group(0)) and not set(w.split()) & set(m.group(0).split())]
    years = [y for y in pool if YEAR.fullmatch(y) and y not in sentence]
    if YEAR.search(sentence) and not YEAR.search(question) and years:
        made.append(question.rstrip(" ?") + f" in {rng.choice(years)}?")
    return [rng.choice(made)] if made else []


def paragraph_examples(context: str, qa: dict, question: str, out: list, near_miss_pool=None,
                       rng=None, harder: random.Random | None = None) -> None:
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
        made = near_misses(question, context[a:b], near_miss_pool, rng)
        if harder is not None:  # a generator of its own: the other examples stay as they were
            made += harder_near_misses(question, context[a:b], near_miss_pool, harder)
        out += [(m, context[a:b], -1, -1) for m in made]


def examples(squad2: str, squad: str, hold: set[int], rng: random.Random,
             harder: random.Random | None = None) -> list[tuple]:
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
                                   pool, rng, harder)
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
    data = examples(args.squad2, args.squad, hold, rng, random.Random(1) if args.harder else None)
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
            inside = np.array([[t == 1 for t in inputs.sequence_ids(k)]
                               for k in range(len(chunk))])
            out += span_margins(result.start_logits.numpy(), result.end_logits.numpy(),
                                inside).tolist()
    return np.array(out)


def measure(args) -> None:
    folds = [(set(map(int, f.split(":")[0].split(","))), Path(f.split(":")[1]))
             for f in args.folds.split(";")]
    data = dict(np.load(CACHED))
    feature_file = CACHE / ("answerability-shipped-reader.npy" if args.shipped
                            else "answerability-reader.npy")
    if args.shipped and (args.refresh or not feature_file.exists()):
        np.save(feature_file, shipped_margins(data))
    elif args.refresh or not feature_file.exists():
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


def shipped_margins(data) -> np.ndarray:
    """Every cached row's margin from askdocs' own reader (int8 ONNX, trained on SQuAD v1.1's
    even half only, so it saw no public SQuAD 2.0 article), read a question at a time, clipped
    at reranker.CLIP as the re-ranker clips it (a question too long to read: -CLIP)."""
    from askdocs.reranker import CLIP, span_reader

    reader = span_reader()
    question_of, _ = questions_of(data)  # a question's rows are together, best-ranked first
    feature = np.full(len(question_of), -CLIP)
    for rows in np.split(np.arange(len(question_of)), np.flatnonzero(np.diff(question_of)) + 1):
        read = reader.margins(str(data["qtext"][rows[0]]), [str(s) for s in data["stext"][rows]])
        if read is not None:
            feature[rows] = np.clip(read, -CLIP, CLIP)
    return feature


RERANK_WEIGHTS = (0.1, 0.2, 0.3, 0.5)
RERANK_GATES = (0.0, 0.8, 0.9, 0.95)  # read only if the second score is this share of the first


def export(args) -> None:
    """The trained reader exported to ONNX and quantised to int8 per channel (as askdocs'
    encoder is), written to askdocs' data folder; prints the SHA-256 to paste into reranker.py."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from askdocs.documents import sha256_file

    model, _ = load_reader(Path(args.weights))

    class Logits(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.reader = model

        def forward(self, ids, mask, types):
            out = self.reader(input_ids=ids, attention_mask=mask, token_type_ids=types)
            return out.start_logits, out.end_logits

    target = Path(args.target)
    fp32 = CACHE / "reader" / "reader.fp32.onnx"
    ids = torch.ones((2, 20), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(Logits().eval(), (ids, ids, torch.zeros_like(ids)), str(fp32),
                      dynamo=False, input_names=names, output_names=["start", "end"],
                      dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["start", "end"]},
                      opset_version=17)
    quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB); "
          f'MODEL_SHA256 = "{sha256_file(target)}"')


def order_figures(rows: list[dict], weight: float | None = None, gate: float = 0.0) -> dict:
    """P@1, R@3, R@5 of askdocs' order (weight None) or the reader's (reranker.reranked) where
    reranker.close_call(gate), with the share re-ranked."""
    found, read = [], 0
    for row in rows:
        order = range(len(row["right"]))
        if weight is not None and close_call(row["score"], gate):
            order = reranked(row["score"], row["margin"], weight)
            read += 1
        found.append([row["right"][i] for i in order])
    out = {name: round(100 * sum(any(f[:n]) for f in found) / len(found), 1)
           for name, n in (("P@1", 1), ("R@3", 3), ("R@5", 5))}
    return {**out, "re-ranked %": round(100 * read / len(rows), 1)} if weight is not None else out


def rerank(args) -> None:
    """The shipped reader (askdocs/data/reader-int8.onnx) re-ranking each question's DEPTH
    best sentences, by weight and gate, against askdocs' order: on SQuAD v1.1's odd half (the
    report), or with --choose on the public SQuAD 2.0 articles' answerable questions (where
    WEIGHT and GATE are chosen: the reader never saw them, and the report never decides)."""
    from common import SQUAD, squad_index, tuning_half
    from fit_answerability import SQUAD2

    from askdocs.answer import search_query
    from askdocs.engine import AskDocs
    from askdocs.evaluation import hit
    from askdocs.instructions import without_instructions

    if args.choose:
        _, questions, index = squad_index(SQUAD2, name="squad2")
        asked = [q for q in questions if not q.impossible]
    else:
        _, questions, index = squad_index(SQUAD)
        asked = [q for q in questions if not tuning_half(q)]
    engine = AskDocs.load(index, rerank=False)
    reader = span_reader()
    rows, times = [], []
    for question in asked[::args.every]:
        query = without_instructions(clean_question(question.text))
        hits = engine.search(search_query(query, None), DEPTH)
        if not hits:
            continue
        quotes = [engine.quote([h]) for h in hits]
        began = time.perf_counter()
        margin = reader.margins(query, [q.text for q in quotes])
        times.append(time.perf_counter() - began)
        rows.append({"right": [hit(q, question) for q in quotes],
                     "score": [h.score for h in hits],
                     "margin": margin.tolist() if margin is not None else [0.0] * len(hits)})
    results = {"questions": len(rows),
               "set": "SQuAD 2.0 public, answerable" if args.choose else "SQuAD v1.1 odd",
               "ms_p50 (10 sentences)": round(1000 * float(np.median(times)), 1),
               "askdocs": order_figures(rows)}
    print(f"{len(rows)} questions ({results['set']}); askdocs' order: {results['askdocs']}")
    results["reader alone"] = order_figures(rows, 1e6)
    for gate in RERANK_GATES:
        for weight in RERANK_WEIGHTS:
            results[f"w {weight}, second >= {gate} of first"] = order_figures(rows, weight, gate)
    for name, value in results.items():
        print(f"  {name}: {value}")
    name = "reader_rerank_squad2.json" if args.choose else "reader_rerank.json"
    (CACHE.parent / "results" / name).write_text(json.dumps(results, indent=1))


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
    parser.add_argument("step", choices=("train", "measure", "export", "rerank"))
    training_options(parser, out=str(CACHE / "reader" / "reader.safetensors"))
    parser.add_argument("--folds", default=f"0,1,2,3:{CACHE / 'reader' / 'a.safetensors'};"
                                               f"4,5,6,7:{CACHE / 'reader' / 'b.safetensors'}")
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--harder", action="store_true",
                        help="train: harder synthetic near misses too (harder_near_misses)")
    parser.add_argument("--shipped", action="store_true",
                        help="measure: askdocs' own int8 reader for every row, not --folds")
    parser.add_argument("--weights", default=str(CACHE / "reader" / "v1only.safetensors"),
                        help="export: a reader trained on no odd-numbered SQuAD v1.1 article")
    parser.add_argument("--target", default=str(MODEL_FILE), help="export: the ONNX file")
    parser.add_argument("--choose", action="store_true",
                        help="rerank: the public SQuAD 2.0 answerable questions, not v1.1's odd")
    parser.add_argument("--every", type=int, default=1, help="rerank: every n-th question")
    args = parser.parse_args()
    {"train": train, "measure": measure, "export": export, "rerank": rerank}[args.step](args)


if __name__ == "__main__":
    main()
