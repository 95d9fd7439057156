"""Sentence boundaries: precision, recall, F1 and speed of each way codage could find them.

Reads the hand-marked gold set ``benchmarks/data/sentences-gold.txt`` (one
sentence per line, passages separated by blank lines) and compares the
boundaries found by:

- ``senter``: the lean pipeline's sentence recogniser alone (parser and NER excluded);
- ``parser``: the full pipeline's dependency parser (NER excluded);
- ``senter+rules``: the senter checked by codage's punctuation rules
  (:func:`codage.ingest.nlp.sentence_starts`), what imports use;
- ``parser+rules``: the same rules over the parser's boundaries;
- ``rules``: the rules alone, on a pipeline without senter (no model guess).

A boundary is the offset where a sentence other than a passage's first starts.
Speed is words per CPU second of the whole pipeline plus finding the sentences,
over the gold passages and the demo transcripts' paragraphs.

    .venv/bin/python benchmarks/sentences_bench.py [--repeat 2] [--rounds 3] [--errors NAME]

Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import spacy
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import Figure
from codage.ingest.nlp import LEAN_EXCLUDE, MODEL, chunks, load_nlp, sentence_starts
from codage.ingest.reader import read_file

ROOT = Path(__file__).resolve().parent.parent
GOLD = Path(__file__).resolve().parent / "data" / "sentences-gold.txt"


OPTIONAL = " | "


def read_gold(path: Path = GOLD) -> list[tuple[str, str, set[int], set[int]]]:
    """``(source, text, boundaries, optional boundaries)`` per passage of the gold file."""
    passages: list[tuple[str, str, set[int], set[int]]] = []
    source = ""
    lines: list[str] = []

    def close() -> None:
        if lines:
            text, starts, optional = "", set(), set()
            for line in lines:
                if text:
                    text += " "
                    starts.add(len(text))
                for i, piece in enumerate(line.split(OPTIONAL)):
                    if i:
                        text += " "
                        optional.add(len(text))
                    text += piece
            passages.append((source, text, starts, optional))
            lines.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("#"):
            close()
            source = raw.lstrip("# ").strip()
        elif not raw.strip():
            close()
        else:
            lines.append(raw.strip())
    close()
    return passages


def model_boundaries(doc: Doc, text: str) -> set[int]:
    table = doc.to_array([IDX, LENGTH, IS_SPACE, SENT_START]).tolist()
    return {idx for i, (idx, _, space, start) in enumerate(table) if i and start == 1 and not space}


def ruled_boundaries(doc: Doc, text: str) -> set[int]:
    table = doc.to_array([IDX, LENGTH, IS_SPACE, SENT_START]).tolist()
    rows = [(r[0], r[1], bool(r[2]), r[3] == 1) for r in table]
    return {rows[i][0] for i in sentence_starts(text, rows) if i}


def pipelines() -> dict[str, tuple[Callable[[], Language], Callable[[Doc, str], set[int]]]]:
    def lean() -> Language:
        load_nlp.cache_clear()
        return load_nlp()

    def full() -> Language:
        return spacy.load(MODEL, exclude=["ner"])

    def no_senter() -> Language:
        return spacy.load(MODEL, exclude=[*LEAN_EXCLUDE, "senter"])

    return {
        "senter": (lean, model_boundaries),
        "parser": (full, model_boundaries),
        "senter+rules": (lean, ruled_boundaries),
        "parser+rules": (full, ruled_boundaries),
        "rules": (no_senter, ruled_boundaries),
    }


def speed_texts() -> list[str]:
    texts = [text for _, text, _, _ in read_gold()]
    for path in sorted((ROOT / "transcripts").glob("entretien-*.txt")):
        for document in read_file(path):
            texts.extend(document.text[s:e] for s, e, _ in chunks(document))
    return texts


def measure(
    repeat: int, rounds: int, only: set[str] | None = None, errors: str = ""
) -> tuple[dict[str, tuple[float, float, float]], dict[str, float], int]:
    """Scores (precision, recall, F1) and best CPU seconds of each method, and the words."""
    gold = read_gold()
    texts = speed_texts() * repeat
    words = sum(len(t.split()) for t in texts)
    loaded: dict[str, Language] = {}
    methods = {k: v for k, v in pipelines().items() if only is None or k in only}
    best: dict[str, float] = {}
    scores: dict[str, tuple[float, float, float]] = {}
    for round_ in range(rounds):
        # Methods take turns in each round and the best round counts: the machine
        # is shared, and a slow moment should not fall on one method only.
        # The order turns too: a method timed just after another pays for what the
        # other left behind (memory, caches).
        names = list(methods)
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            load, boundaries = methods[name]
            key = load.__name__
            nlp = loaded.get(key) or load()
            loaded[key] = nlp
            if round_ == 0:
                scores[name] = score(name, nlp, boundaries, gold, errors == name)
                for _ in nlp.pipe(texts[:50]):
                    pass
            # CPU time of this process: on a machine shared with other work, wall
            # time measures the neighbours as much as the method.
            started = time.process_time()
            for doc, text in zip(nlp.pipe(texts, batch_size=256), texts, strict=True):
                boundaries(doc, text)
            seconds = time.process_time() - started
            best[name] = min(best.get(name, seconds), seconds)
    return scores, best, words


def run(quick: bool) -> list[Figure]:
    """What imports use (senter+rules) against the senter alone; all methods when full."""
    only = {"senter", "senter+rules"} if quick else None
    scores, best, words = measure(1 if quick else 2, 1 if quick else 3, only)
    base_f1 = scores["senter"][2]
    figures = [
        Figure(
            "sentence boundaries F1, senter+rules (what imports use)",
            scores["senter+rules"][2],
            "",
            goal=1.0,
            goal_on="ratio",
            higher_is_better=True,
            baseline="senter alone",
            baseline_value=base_f1,
        ),
        Figure(
            "speed, senter+rules",
            words / best["senter+rules"],
            "words/CPU s",
            baseline="senter alone",
            baseline_value=words / best["senter"],
        ),
    ]
    figures += [
        Figure(f"sentence boundaries F1, {name}", f1, "")
        for name, (_, _, f1) in scores.items()
        if name not in ("senter+rules",)
    ]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2, help="copies of the speed texts")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes per method")
    parser.add_argument("--errors", default="", help="print the mistakes of this method")
    args = parser.parse_args()
    gold = read_gold()
    n_gold = sum(len(b) for _, _, b, _ in gold)
    print(f"gold: {len(gold)} passages, {n_gold + len(gold)} sentences, {n_gold} boundaries")
    scores, best, words = measure(args.repeat, args.rounds, errors=args.errors)
    print(f"speed: {words} words, best of {args.rounds} passes per method, CPU time")
    print(f"{'method':14} {'precision':>9} {'recall':>7} {'F1':>7} {'words/cpu-s':>11}")
    for name, (precision, recall, f1) in scores.items():
        print(f"{name:14} {precision:9.3f} {recall:7.3f} {f1:7.3f} {words / best[name]:11.0f}")


def score(
    name: str,
    nlp: Language,
    boundaries: Callable[[Doc, str], set[int]],
    gold: list[tuple[str, str, set[int], set[int]]],
    show: bool,
) -> tuple[float, float, float]:
    """Precision, recall and F1 of one method's boundaries on the gold passages."""
    tp = fp = fn = 0
    mistakes = []
    for doc, (source, text, truth, optional) in zip(
        nlp.pipe(t for _, t, _, _ in gold), gold, strict=True
    ):
        found = boundaries(doc, text) - optional
        tp += len(found & truth)
        fp += len(found - truth)
        fn += len(truth - found)
        mistakes.extend((source, text, o, "split") for o in found - truth)
        mistakes.extend((source, text, o, "missed") for o in truth - found)
    if show:
        print(f"mistakes of {name}:")
        for source, text, offset, kind in sorted(mistakes):
            print(
                f"    {kind:6} {source}: …{text[max(0, offset - 40) : offset]}|"
                f"{text[offset : offset + 30]}…"
            )
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


if __name__ == "__main__":
    main()
