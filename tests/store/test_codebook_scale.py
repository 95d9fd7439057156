"""Large and deep codebooks: linear import, and a clear word for what is too deep."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from codage.codebook import CodebookError, parse_codebook
from codage.limits import MAX_CODE_DEPTH
from codage.services import Project, import_codebook


def _wide(themes: int, subs: int) -> str:
    lines = ["name: big", "codes:"]
    for i in range(themes):
        lines += [f"  - name: thème {i}", f"    definition: d{i}", "    codes:"]
        lines += [f"      - name: sous-code {i}.{j}" for j in range(subs)]
    return "\n".join(lines)


def _deep(levels: int) -> str:
    lines, indent = ["name: deep", "codes:"], ""
    for i in range(levels):
        lines += [f"{indent}  - name: niveau {i}", f"{indent}    codes:"]
        indent += "    "
    lines.append(f"{indent}  - name: feuille")
    return "\n".join(lines)


def test_a_codebook_300_levels_deep_is_not_a_cycle() -> None:
    with pytest.raises(CodebookError) as caught:
        parse_codebook(_deep(300), "deep.yaml")
    message = str(caught.value)
    assert "cycle" not in message
    assert f"more than {MAX_CODE_DEPTH} levels deep (MAX_CODE_DEPTH)" in message
    assert message.startswith("deep.yaml:")


def test_far_deeper_nesting_is_one_line_too() -> None:
    with pytest.raises(CodebookError, match="MAX_CODE_DEPTH"):
        parse_codebook(_deep(5000), "deeper.yaml")


def test_the_deepest_allowed_codebook_imports(project: Project) -> None:
    book = parse_codebook(_deep(MAX_CODE_DEPTH - 1), "ok.yaml")
    report = import_codebook(project, book, coder="ana")
    assert len(report.added) == MAX_CODE_DEPTH
    assert max(len(c.path) for c in project.codes()) == MAX_CODE_DEPTH


def test_a_cycle_is_still_called_a_cycle() -> None:
    text = "name: c\ncodes:\n  - &a\n    name: A\n    codes:\n      - *a\n"
    with pytest.raises(CodebookError, match="cycle"):
        parse_codebook(text, "cycle.yaml")


def _statements(project: Project, book_text: str) -> int:
    count = 0

    def counted(*_: object) -> None:
        nonlocal count
        count += 1

    event.listen(project.engine, "before_cursor_execute", counted)
    try:
        import_codebook(project, parse_codebook(book_text, "b.yaml"), coder="ana")
    finally:
        event.remove(project.engine, "before_cursor_execute", counted)
    return count


def test_codebook_import_costs_statements_per_level_not_per_code(tmp_path) -> None:
    with Project.open(str(tmp_path / "small.db")) as small:
        few = _statements(small, _wide(5, 10))
    with Project.open(str(tmp_path / "large.db")) as large:
        many = _statements(large, _wide(200, 50))  # 10,200 codes
        assert len(large.codes()) == 10_200
    assert many == few  # the same statements, whatever the number of codes


def test_bulk_codes_keep_order_colours_definitions_and_one_undo(project: Project) -> None:
    project.create_code("thème 0", coder="ana", description="existing")
    report = import_codebook(project, parse_codebook(_wide(3, 30), "b.yaml"), coder="ana")
    assert len(report.added) == 2 + 3 * 30
    assert report.conflicts == ["thème 0: description differ (kept the project's)"]
    codes = project.codes()
    subs = [c.name for c in codes if c.path[0] == "thème 1" and len(c.path) == 2]
    assert subs == [f"sous-code 1.{j}" for j in range(30)]
    assert next(c for c in codes if c.name == "thème 2").description == "d2"
    first = [c.colour for c in codes][:20]
    assert len(set(first)) == 20  # the palette is used before any colour repeats
    project.undo(coder="ana")
    assert [c.name for c in project.codes()] == ["thème 0"]


def test_a_duplicate_in_the_project_spelling_merges_case_blind(project: Project) -> None:
    project.create_code("Thème 0", coder="ana")
    import_codebook(project, parse_codebook(_wide(1, 2), "b.yaml"), coder="ana")
    assert sorted(c.path_str for c in project.codes()) == [
        "Thème 0",
        "Thème 0/sous-code 0.0",
        "Thème 0/sous-code 0.1",
    ]
