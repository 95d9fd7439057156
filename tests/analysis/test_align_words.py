"""Re-anchored codings start and end on words when their source did."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codage.analysis.align import (
    Placement,
    align_texts,
    place_anchor,
    snap_to_words,
    word_edges,
)

BEFORE = "Nous avons parlé about budgets hier, puis des agents et du reste de la séance."


def _place(source: str, target: str, passage: str) -> str:
    start = source.index(passage)
    end = start + len(passage)
    found = place_anchor(passage, start, end, target, align_texts(source, target), source=source)
    assert isinstance(found, Placement), found
    return target[found.start : found.end]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (BEFORE.replace("about budgets", "about the budget"), "about the budget"),
        (BEFORE.replace("about budgets", "about the budgets"), "about the budgets"),
        (BEFORE.replace("about budgets", "about budget"), "about budget"),
        (BEFORE.replace("about budgets", "abut budgetss"), "abut budgetss"),
        (BEFORE.replace("about budgets", "about budgets and"), "about budgets"),
        # Without snapping these land inside a word ("about budgets" in "budgetsx").
        (BEFORE.replace("about budgets", "about budgetsx"), "about budgetsx"),
        (BEFORE.replace("about budgets", "labout budgets"), "labout budgets"),
        (BEFORE.replace("about budgets", "about budgetshier"), "about budgetshier"),
    ],
)
def test_corrected_words_are_kept_whole(target: str, expected: str) -> None:
    assert _place(BEFORE, target, "about budgets") == expected


def test_long_texts_aligned_coarse_to_fine_land_on_words_too() -> None:
    filler = " ".join(f"mot{i % 97}x{i}" for i in range(6000))  # ~60k characters
    source = filler[:30000] + " Nous avons parlé about budgets hier. " + filler[30000:]
    target = source.replace("about budgets", "about budgetsx")
    target = target[:100] + "xx" + target[100:]
    assert _place(source, target, "about budgets") == "about budgetsx"


def test_a_passage_cut_inside_a_word_in_its_source_is_not_widened() -> None:
    # The coder coded "bout budge": the source span is not word-aligned.
    target = BEFORE.replace("about budgets", "about the budgets")
    placed = _place(BEFORE, target, "bout budge")
    assert placed.startswith("bout")


def test_word_edges() -> None:
    text = "un mot, deux"
    assert word_edges(text, 3, 6) == (True, True)
    assert word_edges(text, 4, 6) == (False, True)
    assert word_edges(text, 3, 7) == (True, False)


@given(
    st.text(alphabet="ab ,", min_size=1, max_size=30),
    st.integers(0, 30),
    st.integers(0, 30),
)
def test_snapping_lands_on_boundaries_or_leaves_the_span(text: str, a: int, b: int) -> None:
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    s, e = snap_to_words(text, start, end, at_start=True, at_end=True)
    assert 0 <= s <= e <= len(text)
    if (s, e) != (start, end):
        starts, ends = word_edges(text, s, e)
        assert starts and ends


def test_a_merge_reanchors_onto_whole_words(tmp_path) -> None:
    from codage.analysis.merge import merge_projects
    from codage.domain import NewDocument
    from codage.services import Project

    corrected = BEFORE.replace("about budgets", "about budgetsx").replace("hier", "hier soir")
    with (
        Project.open(str(tmp_path / "t.db")) as target,
        Project.open(str(tmp_path / "s.db")) as src,
    ):
        target.add_document(NewDocument("e1", "interview", corrected))
        doc = src.add_document(NewDocument("e1", "interview", BEFORE))
        code = src.create_code("Budget", coder="bob")
        start = BEFORE.index("about budgets")
        src.add_coding(doc.id, code.id, start, start + len("about budgets"), coder="bob")
        merge_projects(target, [src], coder="lead")
        [coding] = target.codings()
        assert coding.text == "about budgetsx"
        assert corrected[coding.start : coding.end] == coding.text
