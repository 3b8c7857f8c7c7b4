"""Train the answer verifier: all-MiniLM-L6-v2 read as a cross-encoder of (question, sentence),
its top layers and a one-logit head fine-tuned to tell a sentence that answers from one that is
only about the question.

    python bench/train_verifier.py pairs            # build the training pairs (cached)
    python bench/train_verifier.py train [--hold A,B] [--out DIR] [--epochs N]

Pairs (never the held-back SQuAD 2.0 articles, never SQuAD v1.1's odd half):
- SQuAD 2.0 public dev articles, indexed as 8 documents (bench/.cache/squad2): an answerable
  question with the retrieved sentence that holds its answer (positive) and the best retrieved
  sentences that do not (negative); a near miss with its best retrieved sentences (negative).
- SQuAD v1.1 even-numbered articles other than those 8, in the 48-article index: the answering
  sentence (positive), the best non-answering sentence (negative), and synthetic near misses
  made from the question: a name or number swapped for another of the same article, or a
  negation added (negative, with the answering sentence).

Only the top TRAINED layers and the head change; they are saved as float16 safetensors
(bench/.cache/verifier/, about 11 MB) and loaded over the packaged model's own weights
(bench/verifier.py). An experiment: askdocs does not use it (see bench/verifier.py).
`--hold` leaves SQuAD 2.0 articles out (by number in the public file) for cross-validation.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time

from common import CACHE, SQUAD, squad_index, tuning_half
from fit_answerability import SQUAD2

from askdocs.answer import CANDIDATES
from askdocs.engine import AskDocs
from askdocs.evaluation import hit as holds_answer

PAIRS = CACHE / "verifier_pairs.jsonl"
AUXILIARY = re.compile(r"\b(is|was|are|were|did|does|do|can|could|has|have|had|will|would)\b")
SWAPPABLE = re.compile(r"(?<!^)\b(?:[A-Z][a-z'’-]+|\d[\d,.]*)\b")


def retrieved(engine, question):
    with engine.lock:
        vector = engine.embedder.embed([question.text])
        hits = engine.searcher.search(question.text, vector, k=CANDIDATES)
    return [engine.quote([h]) for h in hits]


def near_misses(question: str, sentence: str, pool: list[str], rng: random.Random) -> list[str]:
    """Questions the sentence no longer answers: a name or number swapped, or a negation."""
    made = []
    swappable = [m for m in SWAPPABLE.finditer(question) if m.group(0) in sentence]
    if swappable:
        m = rng.choice(swappable)
        kind = m.group(0)[0].isdigit()
        options = [w for w in pool if w[0].isdigit() == kind and w not in sentence
                   and w not in question]
        if options:
            made.append(question[:m.start()] + rng.choice(options) + question[m.end():])
    aux = AUXILIARY.search(question)
    if aux and not re.search(r"\bnot\b|n't\b", question):
        made.append(question[:aux.end()] + " not" + question[aux.end():])
    return made


def pairs(args) -> None:
    rng = random.Random(7)
    out = []
    _, questions2, index2 = squad_index(args.squad2, name="squad2")
    engine = AskDocs.load(index2)
    for question in questions2:
        quotes = retrieved(engine, question)
        right = [q for q in quotes if holds_answer(q, question)] if not question.impossible \
            else []
        wrong = [q for q in quotes[:5] if q not in right][:2 if right else 3]
        group = {"article": question.article, "set": "squad2"}
        if right:
            out.append({**group, "q": question.text, "s": right[0].text, "y": 1})
        out += [{**group, "q": question.text, "s": q.text, "y": 0} for q in wrong]
    titles2 = {q.source.split("_", 1)[1] for q in questions2}
    documents, questions1, index48 = squad_index(args.squad)
    engine = AskDocs.load(index48)
    chosen = [q for q in questions1 if tuning_half(q)
              and q.source.split("_", 1)[1] not in titles2]
    for n, question in enumerate(chosen):
        quotes = retrieved(engine, question)
        right = [q for q in quotes if holds_answer(q, question)]
        if not right:
            continue
        group = {"article": 100 + question.article, "set": "squad1"}
        out.append({**group, "q": question.text, "s": right[0].text, "y": 1})
        wrong = [q for q in quotes[:5] if q not in right][:1]
        out += [{**group, "q": question.text, "s": q.text, "y": 0} for q in wrong]
        pool = sorted(set(SWAPPABLE.findall(documents[question.source])))
        out += [{**group, "q": made, "s": right[0].text, "y": 0, "synthetic": True}
                for made in near_misses(question.text, right[0].text, pool, rng)]
        if n % 500 == 0:
            print(f"# {n}/{len(chosen)} v1.1 questions", file=sys.stderr)
    PAIRS.write_text("".join(json.dumps(p) + "\n" for p in out), encoding="utf-8")
    print(f"{len(out)} pairs, {sum(p['y'] for p in out)} positive -> {PAIRS}")


def fine_tune(parameters, data: list, loss_of, args, rng: random.Random) -> None:
    """AdamW over the parameters with a one-cycle schedule, args.epochs passes over the data
    shuffled, args.batch examples a step; loss_of(batch) is the batch's loss."""
    import torch

    optimiser = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(data) + args.batch - 1) // args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, args.lr, total_steps=steps,
                                                   pct_start=0.1)
    began, step = time.perf_counter(), 0
    for epoch in range(args.epochs):
        rng.shuffle(data)
        for i in range(0, len(data), args.batch):
            loss = loss_of(data[i:i + args.batch])
            loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 50 == 0:
                print(f"# epoch {epoch} step {step}/{steps} loss {loss.item():.3f} "
                      f"{time.perf_counter() - began:.0f}s", file=sys.stderr)


def train(args) -> None:
    import torch
    from verifier import TRAINED, load_verifier, save_verifier

    torch.manual_seed(0)
    rng = random.Random(0)
    hold = {int(a) for a in args.hold.split(",") if a} if args.hold else set()
    data = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    data = [p for p in data if not (p["set"] == "squad2" and p["article"] in hold)]
    verifier = load_verifier(trained=None)
    model, tokenizer = verifier.model, verifier.tokenizer
    for name, parameter in model.named_parameters():
        parameter.requires_grad = verifier.is_trained(name)
    model.train()
    positives = sum(p["y"] for p in data)
    weight = torch.tensor((len(data) - positives) / positives)
    bce = torch.nn.BCEWithLogitsLoss(pos_weight=weight)
    print(f"# {len(data)} pairs ({positives} positive), {TRAINED} layers trained",
          file=sys.stderr)

    def loss_of(batch):
        inputs = tokenizer([p["q"] for p in batch], [p["s"] for p in batch], padding=True,
                           truncation=True, max_length=verifier.max_length, return_tensors="pt")
        logits = model(**inputs).logits.squeeze(-1)
        return bce(logits, torch.tensor([float(p["y"]) for p in batch]))

    began = time.perf_counter()
    fine_tune([p for p in model.parameters() if p.requires_grad], data, loss_of, args, rng)
    save_verifier(model, args.out)
    print(f"saved to {args.out} after {time.perf_counter() - began:.0f}s")


def training_options(parser: argparse.ArgumentParser, out: str) -> None:
    """The options a fine-tuning script shares: data, articles held out, where the weights go,
    and the schedule fine_tune reads."""
    parser.add_argument("--squad2", default=SQUAD2)
    parser.add_argument("--squad", default=SQUAD)
    parser.add_argument("--hold", default="", help="SQuAD 2.0 public articles left out, 'A,B'")
    parser.add_argument("--out", default=out)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("pairs", "train"))
    training_options(parser, out=str(CACHE / "verifier"))
    args = parser.parse_args()
    pairs(args) if args.step == "pairs" else train(args)


if __name__ == "__main__":
    main()
