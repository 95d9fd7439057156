"""``codage stats`` draws its tables in the bytes Rich drew them in before they were
made quick (codage.cli.stats_view.print_sheets against tests/cli/stats_before.py).

In process, on a console of 60, 80, 120 and 200 columns, without colours and with
them: the demo study, the smallest generated project of benchmarks/scale.py, and
sheets whose names hold what markup, emoji codes, controls, wide characters and
trailing spaces would change. As a process: ``codage stats`` prints those bytes.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from rich.text import Text

from benchmarks.scale import build
from codage.analysis.stats import compute_stats
from codage.cli import stats_view
from codage.cli.output import SafeConsole
from codage.cli.stats_view import print_sheets, sheet_labels
from codage.services.reading import reading
from tests.cli.stats_before import print_sheets_before

if TYPE_CHECKING:
    from codage.analysis.stats import StatsSource

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = (60, 80, 120, 200)

Sheets = list[tuple[str, list[list[Any]]]]


def sheets_of(project: Path) -> Sheets:
    with reading(str(project)) as proj:
        code_ids, document_ids = stats_view.chosen_scope(proj, None, True, None, None)
        result = compute_stats(
            cast("StatsSource", proj), code_ids=code_ids, document_ids=document_ids, coders=None
        )
    return result.sheets(sheet_labels())


def drawn(draw: Any, sheets: Sheets, width: int, colour: bool) -> str:
    page = io.StringIO()
    console = SafeConsole(
        file=page,
        width=width,
        force_terminal=colour,
        color_system="truecolor" if colour else None,
    )
    draw(console, sheets)
    return page.getvalue()


def assert_same_drawing(sheets: Sheets) -> None:
    for colour in (False, True):
        for width in WIDTHS:
            new = drawn(print_sheets, sheets, width, colour)
            assert new == drawn(print_sheets_before, sheets, width, colour), (width, colour)
            if colour:
                assert "\x1b[2m" in new  # parents are dimmed
            else:
                assert "\x1b" not in new


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("20k", tmp_path_factory.mktemp("scale"))


def test_the_demo_is_drawn_as_before(demo_project: Path) -> None:
    sheets = sheets_of(demo_project)
    assert sum(len(rows) > 1 for _, rows in sheets) >= 10
    assert_same_drawing(sheets)


def test_a_generated_project_is_drawn_as_before(generated: Path) -> None:
    sheets = sheets_of(generated)
    assert sum(len(rows) > 1 for _, rows in sheets) >= 3
    assert_same_drawing(sheets)


# Names a console reads as more than text (markup tags and escapes, emoji codes,
# controls), or that Rich measures and wraps itself (wide, combining, zero-width),
# or that a right-justified column strips (trailing spaces, no-break spaces).
AWKWARD = [
    "Usages",
    "[bold]Gras[/]",
    "crochet [ seul",
    "fin\\",
    "a\\[b]",
    "émoji :smile: et :thumbs_up:",
    "deux-points : espacés",
    "contrôle \x1b[31m rouge",
    "tab\there",
    "数据库管理系统",
    "e\u0301te\u0301",
    "espace fine\u202f",
    "insécable\xa0",
    "   ",
    "x" * 70,
    "Très long nom de code qui se replie sur plusieurs lignes dans un terminal étroit",
]


def awkward_sheets() -> Sheets:
    paths = [f"{a}/{b}" for a in AWKWARD[:8] for b in AWKWARD] + AWKWARD
    frequencies: list[list[Any]] = [["Code", "Codages", "Part"]]
    frequencies += [[p, i * 7, i / 97] for i, p in enumerate(paths)]
    crossed: list[list[Any]] = [["Code", *AWKWARD]]
    crossed += [[p, *range(i, i + len(AWKWARD))] for i, p in enumerate(paths[::5])]
    pairs: list[list[Any]] = [["Code A", "Code B", "Même passage"]]
    pairs += [[p, q, len(p) + len(q)] for p, q in zip(paths, reversed(paths), strict=True)]
    return [
        ("Fréquences [x]", frequencies),
        ("vide", [["Code", "n"]]),
        ("Codages selon \x07 valeur", crossed),
        ("Cooccurrences :smile:", pairs),
    ]


def test_awkward_names_are_drawn_as_before() -> None:
    sheets = awkward_sheets()
    assert_same_drawing(sheets)
    # some labels are made directly, others read as markup
    cells = [stats_view._code_cell(p, False) for p in (AWKWARD[0] + "/x", AWKWARD[1])]
    assert isinstance(cells[0], Text) and isinstance(cells[1], str)


def test_codage_stats_prints_the_drawing(generated: Path, tmp_path: Path) -> None:
    expected = drawn(print_sheets_before, sheets_of(generated), 97, False)
    done = subprocess.run(
        [sys.executable, "-m", "codage", "stats", "-p", str(generated)],
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "97"},
        capture_output=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == expected
