"""Choose the abstention rule from data.

    python bench/calibrate_abstention.py [SQUAD_JSON]

The best similarity a question finds grows with the size of the collection (more sentences,
more chances of a close one), so the threshold is a line in log(number of sentences), fitted
through two collections at either end of the range:
- large: 40 SQuAD articles indexed (8,517 sentences); questions of those 40 should be answered,
  questions of the other 8 should not. Fitted on even-numbered articles only.
- small: the two seed articles (40 sentences) with the hand-written development questions in
  bench/seed_dev_questions.jsonl (not the evaluation file).
At each end the threshold is the one that minimises the larger of the two error rates (the
middle of the gap when there is one). The confidence weights are chosen the same way.
Reported: SQuAD odd-numbered articles at 40 articles and, as a check of the line in between,
collections of 1 to 16 odd-numbered articles.
"""

from __future__ import annotations

import itertools
import math
import random
import sys
from dataclasses import replace

import numpy as np
from common import CACHE, ROOT, SQUAD, squad_index, tuning_half

from askdocs.answer import (
    CANDIDATES,
    CONFIDENCE_WEIGHTS,
    THRESHOLD_INTERCEPT,
    THRESHOLD_SLOPE,
)
from askdocs.embedding import cached_embedder
from askdocs.engine import AskDocs
from askdocs.store import StoredIndex, load_stored

SIZES = (1, 3, 8, 16)
FALSE_ANSWER_BUDGET = 0.08  # articles per corpus
PER_SIDE = 150  # questions of each kind per corpus
WEIGHT_GRID = list(itertools.product([0.5], [0.25, 0.5, 0.75, 1.0], [0.2, 0.4, 0.6, 0.8, 1.0]))


def corpora(articles: list[int], size: int, rng: random.Random) -> list[list[int]]:
    shuffled = articles[:]
    rng.shuffle(shuffled)
    groups = [sorted(shuffled[i:i + size]) for i in range(0, len(shuffled) - size + 1, size)]
    return groups[:6]


def features(engine, questions, vectors, top=10):
    """Dense, passage and coverage of each question's top hits: (questions, top, 3)."""
    out = np.full((len(questions), top, 3), -1.0, dtype=np.float32)
    for row, (question, vector) in enumerate(zip(questions, vectors)):
        hits = engine.searcher.search(question.text, vector[None, :], k=CANDIDATES)[:top]
        _, idf, said = engine.answer_terms(question.text)
        for col, h in enumerate(hits):
            out[row, col] = (h.dense, h.passage, engine.coverage(idf, h, said)[1])
    return out


def collect(stored, questions, vectors, articles, embedder, rng):
    """For each size: a list of (log sentences, features, answerable flags)."""
    by_article: dict[int, list[int]] = {}
    for i, q in enumerate(questions):
        by_article.setdefault(q.article, []).append(i)
    names = sorted(stored.manifest.documents)
    samples = {}
    for size in SIZES:
        samples[size] = []
        for group in corpora(articles, size, rng):
            # a sub-collection: the same segments, the other documents deleted in the manifest
            subset = {names[a]: stored.manifest.documents[names[a]] for a in group}
            engine = AskDocs(StoredIndex(replace(stored.manifest, documents=subset),
                                         stored.segments), embedder)
            inside = [i for a in group for i in by_article[a]]
            outside = [i for a in articles if a not in group for i in by_article[a]]
            chosen = rng.sample(inside, min(PER_SIDE, len(inside))) + \
                rng.sample(outside, min(PER_SIDE, len(outside)))
            feats = features(engine, [questions[i] for i in chosen], vectors[chosen])
            flags = np.array([questions[i].article in group for i in chosen])
            samples[size].append((math.log(len(engine.searcher)), feats, flags))
    return samples


def rates(samples, weights, intercept, slope):
    fa = fr = na = nr = 0
    for log_n, feats, flags in samples:
        answered = (feats @ weights).max(axis=1) >= intercept + slope * log_n
        fa += np.sum(~answered[flags])
        fr += np.sum(answered[~flags])
        na += flags.sum()
        nr += (~flags).sum()
    return 100 * fa / na, 100 * fr / nr


def minimax(conf, flags):
    """(larger error rate, threshold) minimising the larger of false-abstain and false-answer;
    among equal thresholds, the middle one."""
    best, ties = None, []
    for t in np.arange(0.2, 1.6, 0.005):
        err = max(np.mean(conf[flags] < t), np.mean(conf[~flags] >= t))
        if best is None or err < best - 1e-12:
            best, ties = err, [t]
        elif abs(err - best) <= 1e-12:
            ties.append(t)
    return best, float(np.median(ties))


def seed_features(embedder, vectors_for):
    import json

    from askdocs.indexer import build_index

    index = CACHE / "seeds" / "index"
    build_index(ROOT / "seeds", index, embedder=embedder)
    engine = AskDocs.load(index, embedder=embedder)
    cases = [json.loads(line) for line in
             (ROOT / "bench" / "seed_dev_questions.jsonl").read_text().splitlines() if line]

    class Q:
        def __init__(self, text):
            self.text = text

    questions = [Q(c["q"]) for c in cases]
    feats = features(engine, questions, vectors_for([q.text for q in questions]))
    return math.log(len(engine.searcher)), feats, np.array([c["answerable"] for c in cases])


def main():
    squad = sys.argv[1] if len(sys.argv) > 1 else SQUAD
    _, questions, index = squad_index(squad)
    _, _, index40 = squad_index(squad, range(40), name="squad40")
    embedder = cached_embedder()
    vectors = embedder.embed([q.text for q in questions])
    engine40 = AskDocs.load(index40, embedder=embedder)
    feats40 = features(engine40, questions, vectors)
    flags40 = np.array([q.article < 40 for q in questions])
    tune = np.array([tuning_half(q) for q in questions])
    log40 = math.log(len(engine40.searcher))
    log_seed, seed_feats, seed_flags = seed_features(embedder, embedder.embed)

    best = None
    for w in WEIGHT_GRID:
        weights = np.array(w)
        err_big, t_big = minimax((feats40[tune] @ weights).max(axis=1), flags40[tune])
        err_small, t_small = minimax((seed_feats @ weights).max(axis=1), seed_flags)
        if best is None or max(err_big, err_small) < best[0]:
            best = (max(err_big, err_small), w, t_small, t_big)
    _, w, t_small, t_big = best
    slope = (t_big - t_small) / (log40 - log_seed)
    intercept = t_small - slope * log_seed
    weights = np.array(w)
    print(f"CONFIDENCE_WEIGHTS = {w}")
    print(f"THRESHOLD_INTERCEPT = {intercept:.3f}  THRESHOLD_SLOPE = {slope:.4f}  "
          f"(threshold {t_small:.3f} at {math.exp(log_seed):.0f} sentences, {t_big:.3f} at "
          f"{math.exp(log40):.0f})")
    print(f"THRESHOLD_GROWTH_END = {len(engine40.searcher)}  (the line is not extrapolated past "
          f"the collections that fitted it; bench/abstention_scale.py checks beyond)")
    for name, mask in (("tune", tune), ("report", ~tune)):
        fa, fr = rates([(log40, feats40[mask], flags40[mask])], weights, intercept, slope)
        print(f"SQuAD 40 articles, {name} half: false-abstain {fa:.1f}% false-answer {fr:.1f}%")
    fa, fr = rates([(log_seed, seed_feats, seed_flags)], weights, intercept, slope)
    print(f"seed development questions: false-abstain {fa:.1f}% false-answer {fr:.1f}%")
    shipped = (np.array(CONFIDENCE_WEIGHTS), THRESHOLD_INTERCEPT, THRESHOLD_SLOPE)
    for name, mask in (("tune", tune), ("report", ~tune)):
        fa, fr = rates([(log40, feats40[mask], flags40[mask])], *shipped)
        print(f"the shipped line, SQuAD 40 articles, {name} half: false-abstain {fa:.1f}% "
              f"false-answer {fr:.1f}%")
    fa, fr = rates([(log_seed, seed_feats, seed_flags)], *shipped)
    print(f"the shipped line, seed development questions: false-abstain {fa:.1f}% "
          f"false-answer {fr:.1f}%")
    stored = load_stored(index)
    report = collect(stored, questions, vectors, list(range(1, 48, 2)), embedder,
                     random.Random(13))
    for size in SIZES:
        fa, fr = rates(report[size], weights, intercept, slope)
        print(f"  {size:2d} odd articles: false-abstain {fa:5.1f}% false-answer {fr:5.1f}%")


if __name__ == "__main__":
    main()
