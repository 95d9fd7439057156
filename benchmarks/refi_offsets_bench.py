"""Detect how a REFI-QDA file counts positions and convert them, on texts of growing size.

    .venv/bin/python benchmarks/refi_offsets_bench.py [--sizes 0.5,2,8]

Each text (sizes in millions of characters) is an interview with CRLF line
breaks and an emoji per turn, coded every 400 characters, its positions
counted as NVivo counts them (UTF-16 units, CRLF as two). For each size it
prints the time to build the stored text and its offset map, to detect the
counting and to convert every selection, and the time per million characters;
the last line is the ratio of the largest size's cost per character to the
smallest's (1.0 is linear). Not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import Figure
from codage.ingest.refi.build import place
from codage.ingest.refi.offsets import Positions, detect, stored_text

TURN = (
    "M. Garnier : Nous avons subi une attaque par rançongiciel en 2024 😀, "
    "et la messagerie est tombée pendant trois jours.\r\n\r\n"
)


def interview(million: float) -> tuple[str, list[tuple[int, int, str]]]:
    text = TURN * max(1, int(million * 1_000_000 / len(TURN)))
    spans: list[tuple[int, int, str]] = []
    units = 0  # UTF-16 units before ``at``, kept as the text is walked
    at = 0
    for start in range(0, len(text) - 100, 400):
        begin = text.index("messagerie", start)
        units += len(text[at:begin].encode("utf-16-le")) // 2
        at = begin
        spans.append((units, units + len("messagerie"), ""))
    return text, spans


def cost(million: float) -> float:
    """Seconds to build the stored text, detect the counting and convert every selection."""
    text, spans = interview(million)
    began = time.perf_counter()
    _, mapping = stored_text(text)
    counting = detect([(text, spans)])
    positions = Positions(text, counting)
    for s, e, _ in spans:
        place(positions, mapping, s, e)
    return time.perf_counter() - began


def run(quick: bool) -> list[Figure]:
    """Cost per million characters at two sizes, and how it grows (linearity)."""
    small, large = (0.2, 1.0) if quick else (0.5, 8.0)
    per_small = cost(small) / small
    per_large = cost(large) / large
    return [
        Figure(f"REFI-QDA offsets, {small:g} M characters", per_small, "s per M chars"),
        Figure(
            f"REFI-QDA offsets, {large:g} M characters",
            per_large,
            "s per M chars",
            goal=1.5,
            goal_on="ratio",
            baseline=f"per M chars at {small:g} M",
            baseline_value=per_small,
            note="linear: the cost per character stays flat",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.5,2,8")
    args = parser.parse_args()
    per_char: list[float] = []
    for million in (float(s) for s in args.sizes.split(",")):
        text, spans = interview(million)
        began = time.perf_counter()
        stored, mapping = stored_text(text)
        built = time.perf_counter() - began
        began = time.perf_counter()
        counting = detect([(text, spans)])
        detected = time.perf_counter() - began
        began = time.perf_counter()
        positions = Positions(text, counting)
        placed = [place(positions, mapping, s, e) for s, e, _ in spans]
        converted = time.perf_counter() - began
        assert all(stored[p[0] : p[1]] == "messagerie" for p in placed if isinstance(p, tuple))
        total = built + detected + converted
        per_char.append(total / len(text))
        print(
            f"{len(text) / 1e6:5.1f} M chars, {len(spans):>6} selections: stored text "
            f"{built:5.2f} s, detect {detected:5.2f} s ({counting.describe()}), convert "
            f"{converted:5.2f} s; {total / (len(text) / 1e6):5.2f} s per M chars"
        )
    if len(per_char) > 1:
        print(f"per-character cost, largest / smallest: {per_char[-1] / per_char[0]:.2f}")


if __name__ == "__main__":
    main()
