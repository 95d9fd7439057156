"""The counts the workbench reads from the database (issue 13): each checked against the
same figure computed in Python from every coding, on a real SQLite project."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from codage.domain import Coding, CodingImport, NewDocument
from codage.services import Project

TEXT = " ".join(f"mot{i}" for i in range(400))


def covered_in_python(codings: list[Coding]) -> dict[int, int]:
    """Union length of each document's spans, by brute force over code points."""
    points: dict[int, set[int]] = {}
    for c in codings:
        points.setdefault(c.document_id, set()).update(range(c.start, c.end))
    return {doc: len(p) for doc, p in points.items()}


def recent_in_python(codings: list[Coding], coder: str, limit: int = 12) -> list[int]:
    """The workbench's recent codes as it computed them before issue 13."""
    mine = sorted(
        (c for c in codings if c.coder == coder),
        key=lambda c: c.updated_at or c.created_at,  # type: ignore[arg-type,return-value]
        reverse=True,
    )
    recent: list[int] = []
    for c in mine:
        if c.code_id not in recent:
            recent.append(c.code_id)
    return recent[:limit]


def random_project(project: Project, seed: int) -> tuple[list[int], list[int]]:
    rng = random.Random(seed)
    docs = [project.add_document(NewDocument(f"d{i}", "interview", TEXT)).id for i in range(4)]
    codes = [project.create_code(f"C{i}", coder="anne").id for i in range(15)]
    # Bulk imports (one timestamp for many codings: ties) and single codings (distinct).
    records = []
    for _ in range(300):
        start = rng.randrange(len(TEXT) - 60)
        # Nested, overlapping, identical and touching spans all occur at this density.
        records.append(
            CodingImport(
                rng.choice(docs[:3]),
                rng.choice(codes),
                rng.choice(["anne", "bruno"]),
                start,
                start + rng.choice([1, 5, 5, 30, 60]),
            )
        )
    project.import_codings(records, actor="anne")
    for _ in range(20):
        start = rng.randrange(len(TEXT) - 20)
        code = rng.choice(codes)
        doc = rng.choice(docs[:3])
        if not project.codings(document_id=doc, code_ids=[code], coders=["anne"]):
            project.add_coding(doc, code, start, start + 10, coder="anne")
    return docs, codes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_covered_lengths_match_the_union_of_spans(project: Project, seed: int) -> None:
    docs, _ = random_project(project, seed)
    codings = project.codings()
    expected = covered_in_python(codings)
    assert project.covered_lengths() == expected
    # The fourth document has no coding: absent, as documented.
    assert docs[3] not in project.covered_lengths()
    assert project.covered_lengths([docs[1]]) == {docs[1]: expected[docs[1]]}


def test_covered_lengths_of_nested_and_equal_starts(project: Project) -> None:
    doc = project.add_document(NewDocument("d", "interview", TEXT)).id
    code = project.create_code("C", coder="anne").id
    other = project.create_code("D", coder="anne").id
    # Same start, the longer one added first; one inside; one beyond a gap.
    project.add_coding(doc, code, 10, 50, coder="anne")
    project.add_coding(doc, other, 10, 20, coder="anne")
    project.add_coding(doc, code, 15, 30, coder="bruno")
    project.add_coding(doc, code, 60, 70, coder="bruno")
    assert project.covered_lengths() == {doc: 40 + 10}


@pytest.mark.parametrize("seed", [4, 5])
def test_recent_codes_match_the_order_the_workbench_used(project: Project, seed: int) -> None:
    random_project(project, seed)
    codings = project.codings()
    for coder in ("anne", "bruno"):
        assert project.recent_codes(coder) == recent_in_python(codings, coder)
        assert project.recent_codes(coder, 3) == recent_in_python(codings, coder, 3)
    assert project.recent_codes("nobody") == []
    # Editing a coding's memo makes its code the most recent.
    oldest = project.codings(code_ids=[project.recent_codes("bruno")[-1]], coders=["bruno"])[0]
    project.set_coding_memo(oldest.id, "revu", coder="bruno")
    assert project.recent_codes("bruno")[0] == oldest.code_id
    assert project.recent_codes("bruno") == recent_in_python(project.codings(), "bruno")


def test_coding_counts_by_coder(project: Project) -> None:
    random_project(project, 6)
    project.coder("carole")  # a coder with no coding is left out
    expected = Counter(c.coder for c in project.codings())
    assert project.coding_counts_by_coder() == dict(expected)
    assert "carole" not in project.coding_counts_by_coder()


def test_entry_documents_name_what_a_change_touched(project: Project) -> None:
    a = project.add_document(NewDocument("a", "interview", TEXT)).id
    b = project.add_document(NewDocument("b", "interview", TEXT)).id
    code = project.create_code("C", coder="anne")
    assert project.entry_documents(project.history(limit=1)[0].id) == set()
    project.add_coding(a, code.id, 0, 10, coder="anne")
    assert project.entry_documents(project.history(limit=1)[0].id) == {a}
    project.add_coding(b, code.id, 0, 10, coder="bruno")
    project.delete_code(code.id, coder="anne")
    deleted = project.history(limit=1)[0]
    assert project.entry_documents(deleted.id) == {a, b}
    undone = project.undo(coder="anne")
    assert undone is not None and undone.id == deleted.id
    assert project.entry_documents(undone.id) == {a, b}
    assert project.entry_documents(10_000) == set()
