"""Finding a typed passage and snapping spans to grapheme clusters on long transcripts.

A transcript of ``--megabytes`` of French turns (typographic apostrophes,
guillemets with narrow no-break spaces, a flag and an emoji now and then) is
searched for passages typed with straight quotes, CRLF and decomposed accents;
``str.find`` of the exact passage on the same text is the reference. Then
``--snaps`` spans are widened to whole grapheme clusters.

Run: ``.venv/bin/python benchmarks/passages_bench.py [--megabytes 10]``.
Prints figures; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import Figure
from codage.domain import snap_to_graphemes
from codage.passages import find_passage

SENTENCES = [
    "Qu’est-ce que l’intranet a changé\u00a0?",
    "On disait «\u202fça ne marchera jamais\u202f», et puis la crise est arrivée…",
    "Le télétravail s’est installé, les équipes 🇫🇷 ont suivi 👍🏽.",
    "Nous avons subi une attaque par rançongiciel, l’été dernier.",
]


def build(megabytes: float, seed: int = 9) -> str:
    rng = random.Random(seed)
    turns, size = [], 0
    n = 0
    while size < megabytes * 1_000_000:
        n += 1
        body = " ".join(rng.choice(SENTENCES) for _ in range(4))
        turn = f"{'ENQ' if n % 2 else 'M. Garnier'} : {body} (tour {n})"
        turns.append(turn)
        size += len(turn) + 2
    return "\n\n".join(turns)


def run(quick: bool) -> list[Figure]:
    """A typed passage found on 1 MB quick, 10 MB full, against str.find of the exact text."""
    megabytes = 1 if quick else 10
    text = build(megabytes)
    at = text.index("(tour 241)")  # a turn that 1 MB holds too
    taken = text[at : at + 160]
    retyped = taken.replace("’", "'").replace("«\u202f", '"').replace("\u202f»", '"')
    retyped = unicodedata.normalize("NFD", retyped.replace("\u00a0", " ").replace("\n", "\r\n"))
    t0 = time.perf_counter()
    found = find_passage(text, retyped)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    text.find(taken)
    reference = time.perf_counter() - t0
    rng = random.Random(3)
    snaps = 10_000 if quick else 100_000
    spans = [
        (s, min(len(text), s + rng.randrange(1, 400)))
        for s in (rng.randrange(len(text)) for _ in range(snaps))
    ]
    t0 = time.perf_counter()
    for s, e in spans:
        snap_to_graphemes(text, s, e)
    snapped = time.perf_counter() - t0
    return [
        Figure(
            f"find a retyped passage in {megabytes} MB",
            ours * 1000,
            "ms",
            baseline="str.find of the exact passage",
            baseline_value=reference * 1000,
            note=f"{len(found)} found",
        ),
        Figure("snap a span to grapheme clusters", snapped / snaps * 1e6, "µs"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=float, default=10)
    parser.add_argument("--snaps", type=int, default=100_000)
    args = parser.parse_args()
    text = build(args.megabytes)
    print(f"text: {len(text):,} code points")
    # a stretch of the text as it is, and as a person retypes it
    at = text.index("(tour 4241)")
    taken = text[at : at + 160]
    retyped = taken.replace("’", "'").replace("«\u202f", '"').replace("\u202f»", '"')
    retyped = unicodedata.normalize("NFD", retyped.replace("\u00a0", " ").replace("\n", "\r\n"))
    common = "Qu’est-ce que l’intranet a changé\u00a0?"
    probes = {"unique, retyped": retyped, "frequent, retyped": common.replace("’", "'")}
    exact = {"unique, retyped": taken, "frequent, retyped": common}
    for label, typed in probes.items():
        t0 = time.perf_counter()
        found = find_passage(text, typed)
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        count, at = 0, text.find(exact[label])
        while at >= 0:
            count += 1
            at = text.find(exact[label], at + 1)
        reference = time.perf_counter() - t0
        print(
            f"find {label}: {len(found)} found in {ours * 1000:.1f} ms; "
            f"str.find of the exact text {count} in {reference * 1000:.1f} ms "
            f"(ratio {ours / max(reference, 1e-9):.1f})"
        )
    rng = random.Random(3)
    spans = []
    for _ in range(args.snaps):
        start = rng.randrange(len(text))
        spans.append((start, min(len(text), start + rng.randrange(1, 400))))
    t0 = time.perf_counter()
    widened = sum(snap_to_graphemes(text, s, e) != (s, e) for s, e in spans)
    elapsed = time.perf_counter() - t0
    print(
        f"snap {args.snaps:,} spans: {elapsed * 1000:.0f} ms "
        f"({elapsed / args.snaps * 1e6:.1f} µs each), {widened:,} widened"
    )


if __name__ == "__main__":
    main()
