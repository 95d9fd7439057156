"""Word counts of long texts are counted piece by piece, and count the same (issue 11)."""

from __future__ import annotations

import random

from codage import domain
from codage.domain import word_count


def test_pieces_count_what_split_counts(monkeypatch) -> None:
    rng = random.Random(4)
    spaces = [" ", "\n", "\t", "\u00a0", "\u2009", "  \n\n "]
    text = "".join(
        rng.choice(["télétravail", "a", "intranet", "«", "DSI", "x" * 40]) + rng.choice(spaces)
        for _ in range(5_000)
    )
    monkeypatch.setattr(domain, "_COUNT_PIECE", 97)  # pieces end in words and in spaces
    assert word_count(text) == len(text.split())
    assert word_count(" " + text.strip()) == len(text.split())
    assert word_count("y" * 1_000) == 1  # one word longer than a piece
    assert word_count(" " * 1_000) == 0
