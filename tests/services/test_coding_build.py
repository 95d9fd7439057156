"""The selection's Coding made through its slots is the Coding its constructor makes."""

from __future__ import annotations

import dataclasses

import pytest

from codage.domain import Coding
from codage.services.selection_rows import _coding


@pytest.mark.parametrize(
    "row",
    [
        (1, 2, 3, "alice", 0, 5, "texte", None, False, False),
        (7, 1, 9, "bob", 10, 12, "", "un mémo", True, True),
    ],
)
def test_a_coding_built_by_slots_equals_the_constructors(row: tuple) -> None:
    made = _coding(*row)
    expected = Coding(*row[:8], None, None, row[8], row[9])
    assert type(made) is Coding
    assert made == expected and hash(made) == hash(expected)
    assert dataclasses.astuple(made) == dataclasses.astuple(expected)
    assert dataclasses.replace(made, memo="x").memo == "x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.start = 3  # type: ignore[misc]
