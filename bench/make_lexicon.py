"""Make askdocs' lexicon (src/askdocs/data/lexicon.json.gz) from WordNet 3.0's database files.

    apt-get install wordnet-base        # Debian's WordNet 3.0, in /usr/share/wordnet
    python bench/make_lexicon.py [--wordnet /usr/share/wordnet]

The table holds single words only (WordNet's lemmas without a space or an underscore):
- related: for each word, the words WordNet says mean the same or come from it, over its three
  most frequent senses of each part of speech: the other words of those senses' synsets (only
  those for which the synset is also among their own three most frequent, so "die" meets
  "perish", not "go"), the derivationally related forms ("die": "death") and the verbs that
  cause those ("death": "kill"), the verbs that cause it or that it causes ("kill": "die"),
  and the noun an adjective pertains to, both ways ("French": "France", "maternal":
  "mother"; an adverb's adjective, "quickly": "quick"), a noun that is a phrase by the single
  words of its usual senses ("British": "Great Britain", so "UK", "Britain");
- antonyms: the words of its senses' opposites ("small": "large", "big"), an adjective's
  through its head synset ("tiny" is similar to "small");
- exceptions: WordNet's irregular forms ("children": "child", "died": "die");
- words: every single-word lemma, for the suffix rules (lexicon.SUFFIXES).
Each list is one string of words separated by spaces (a word has none): a few thousand strings
for JSON to make instead of half a million, so the table loads in a tenth of a second. The
output is the same bytes for the same input (sorted, gzip without a timestamp).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import io
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "askdocs" / "data" / "lexicon.json.gz"
PARTS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
SENSES = 3  # the most frequent senses of each part of speech a word is read in


def single(word: str) -> bool:
    return "_" not in word and " " not in word


def read_synsets(folder: Path) -> dict:
    """(part, offset) -> (words, pointers, synset type), from the data.* files."""
    synsets = {}
    for name, part in PARTS.items():
        for line in (folder / f"data.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):  # the licence header
                continue
            fields = line.split("|")[0].split()
            offset, kind, count = fields[0], fields[2], int(fields[3], 16)
            words = [fields[4 + 2 * i].lower().split("(")[0] for i in range(count)]
            at = 4 + 2 * count
            pointers = []
            for _ in range(int(fields[at])):
                symbol, target, target_part, ends = fields[at + 1:at + 5]
                at += 4
                pointers.append((symbol, "a" if target_part == "s" else target_part, target,
                                 int(ends[:2], 16), int(ends[2:], 16)))
            synsets[(part, offset)] = (words, pointers, kind)
    return synsets


def read_senses(folder: Path) -> dict[str, set]:
    """word -> its SENSES most frequent synsets of each part of speech, from the index.* files."""
    senses: dict[str, set] = collections.defaultdict(set)
    for name, part in PARTS.items():
        for line in (folder / f"index.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue
            fields = line.split()
            pointer_count = int(fields[3])
            count = int(fields[4 + pointer_count])
            offsets = fields[6 + pointer_count:6 + pointer_count + count]
            senses[fields[0]].update((part, o) for o in offsets[:SENSES])
    return senses


def build(folder: Path) -> dict:
    synsets, senses = read_synsets(folder), read_senses(folder)
    caused_by = collections.defaultdict(set)
    for key, (_, pointers, _) in synsets.items():
        for symbol, part, offset, _, _ in pointers:
            if symbol == ">":
                caused_by[(part, offset)].add(key)

    def common(words, key):  # the words for which this synset is among their usual senses
        return {w for w in words if key in senses.get(w, ())}

    def one_word_names(phrase):  # "Great Britain": the words of its usual senses ("UK", …)
        return {w for key in senses.get(phrase, ()) for w in common(synsets[key][0], key)}

    # an adjective's noun is read both ways: WordNet points from "maternal" to "mother" only
    pertaining = collections.defaultdict(set)
    for word, usual in senses.items():
        for key in usual:
            words, pointers, _ = synsets[key]
            me = words.index(word) + 1 if word in words else 0
            for symbol, part, offset, source, target in pointers:
                noun = synsets[(part, offset)][0][target - 1] if target else ""
                if symbol == "\\" and source == me and (part, offset) in senses.get(noun, ()):
                    pertaining[noun].add(word)
    # a noun that is a phrase ("Great Britain", which "British" pertains to) is read as its
    # usual senses' single words ("UK", "Britain"), both ways
    for noun, adjectives in list(pertaining.items()):
        if not single(noun):
            for other in one_word_names(noun):
                if single(other):
                    pertaining[other] |= adjectives

    related, antonyms = {}, {}
    for word, usual in senses.items():
        if not single(word):
            continue
        near, opposite = set(), set()
        for key in usual:
            words, pointers, kind = synsets[key]
            me = words.index(word) + 1 if word in words else 0
            near |= common(words, key)
            for symbol, part, offset, source, target in pointers:
                other = synsets[(part, offset)][0]
                if symbol in ("+", "\\") and source == me:
                    near.add(other[target - 1])
                    if symbol == "\\" and not single(other[target - 1]):
                        near |= one_word_names(other[target - 1])
                    for cause in caused_by.get((part, offset), ()):  # "death", "die": "kill"
                        near |= common(synsets[cause][0], cause)
                elif symbol == ">":
                    near |= common(other, (part, offset))
                elif symbol == "!" and source in (0, me):
                    opposite |= set(other)
                elif symbol == "&" and kind == "s":  # a satellite adjective: its head's opposites
                    for symbol2, part2, offset2, _, _ in synsets[(part, offset)][1]:
                        if symbol2 == "!":
                            opposite |= set(synsets[(part2, offset2)][0])
            for cause in caused_by.get(key, ()):
                near |= common(synsets[cause][0], cause)
        near |= pertaining.get(word, set())
        near = sorted(w for w in near if single(w) and w != word)
        opposite = sorted(w for w in opposite if single(w) and w != word)
        if near:
            related[word] = " ".join(near)
        if opposite:
            antonyms[word] = " ".join(opposite)
    exceptions: dict[str, list[str]] = {}
    for name in PARTS:
        for line in (folder / f"{name}.exc").read_text(encoding="latin-1").splitlines():
            fields = line.split()
            if len(fields) >= 2 and single(fields[0]):
                bases = exceptions.setdefault(fields[0], [])
                bases += [b for b in fields[1:] if single(b) and b not in bases]
    return {"source": "WordNet 3.0", "words": sorted(w for w in senses if single(w)),
            "related": related, "antonyms": antonyms,
            "exceptions": {w: " ".join(sorted(b)) for w, b in exceptions.items()}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", default="/usr/share/wordnet",
                        help="folder of WordNet 3.0's dict files (Debian: wordnet-base)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    table = build(Path(args.wordnet))
    text = json.dumps(table, separators=(",", ":"), sort_keys=True).encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as out:
        out.write(text)
    Path(args.out).write_bytes(buffer.getvalue())
    print(f"{args.out}: {len(table['words']):,} words, {len(table['related']):,} with related "
          f"words, {len(table['antonyms']):,} with opposites, {len(buffer.getvalue()):,} bytes")


if __name__ == "__main__":
    main()
