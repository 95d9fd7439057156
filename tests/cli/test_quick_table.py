"""QuickTable draws the bytes rich.table.Table draws (codage.cli.quick_table).

In process: random tables of accented, wide (CJK, emoji), combining, long and empty
text, with every justification, overflow, fixed and capped widths, styled cells and
markup, at widths from 20 to 200 columns, without colours and with them. As
processes: the listings of a project holding such text, printed with QuickTable and
with Rich's Table, at COLUMNS 60, 80, 120 and 200.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from rich.table import Table
from rich.text import Text

from codage.cli.output import SafeConsole
from codage.cli.quick_table import QuickTable
from codage.services import Project
from tests.conftest import sample_document

ROOT = Path(__file__).resolve().parents[2]

WORDS = [
    "intranet",
    "collectivités",
    "é",
    "très",
    "l'informatique",
    "数据库管理系统",
    "😀👍",
    "a",
    "",
    "  ",
    "x" * 45,
    "Ｆｕｌｌ",
    "e\u0301te\u0301",
    "«\xa0jamais\xa0»",
    "[rires]",
    "[bold]gras[/]",
    "—",
    "\n",
]


def _words(rng: random.Random, most: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, most)))


def _table(kind: type[Table], seed: int) -> Table:
    rng = random.Random(seed)
    table = kind(
        title="Segments (3) é",
        show_header=seed % 3 != 0,
        highlight=seed % 4 == 0,
    )
    justify = ["left", "right", "left", "center", "left"]
    for i in range(5):
        table.add_column(
            f"colonne {i}",
            justify=justify[i],  # type: ignore[arg-type]
            overflow=rng.choice(["fold", "fold", "ellipsis", "crop"]),
            max_width=60 if i == 4 else None,
            width=7 if i == 3 and seed % 7 == 0 else None,
            no_wrap=i == 1 and seed % 5 == 0,
        )
    for _ in range(rng.randint(0, 25)):
        cells: list[str | Text] = []
        for j in range(5):
            if j == 2:
                cells.append(Text(_words(rng, 3), style="bold" if rng.random() < 0.2 else ""))
            elif rng.random() < 0.7:
                cells.append(Text(_words(rng, 30)))
            else:
                cells.append(_words(rng, 8))  # markup, as a string cell is read
        table.add_row(*cells)
    return table


def _drawn(kind: type[Table], seed: int, width: int, colour: bool) -> str:
    page = io.StringIO()
    console = SafeConsole(
        file=page,
        width=width,
        force_terminal=colour,
        color_system="truecolor" if colour else None,
    )
    console.print(_table(kind, seed))
    return page.getvalue()


@pytest.mark.parametrize("colour", [False, True])
@pytest.mark.parametrize("width", [20, 60, 80, 120, 200])
def test_random_tables_are_drawn_byte_for_byte(width: int, colour: bool) -> None:
    differing = [
        seed
        for seed in range(12)
        if _drawn(QuickTable, seed, width, colour) != _drawn(Table, seed, width, colour)
    ]
    assert differing == []
    # the tables are not trivial: some fold, some hold wide characters
    sample = _drawn(QuickTable, 1, width, colour)
    assert sample.count("\n") > 10


def test_a_shape_it_does_not_draw_is_rich_s_own() -> None:
    for kind in (Table, QuickTable):
        table = kind(show_lines=True, row_styles=["dim", ""])
        table.add_column("a")
        table.add_row("un")
        table.add_row(Text("deux", style="red"))
        page = io.StringIO()
        SafeConsole(file=page, width=40, color_system="truecolor", force_terminal=True).print(table)
        if kind is Table:
            expected = page.getvalue()
    assert page.getvalue() == expected


# Runs `codage ARGS...`, its listings drawn by Rich's Table when $RICH_TABLE is set.
RUNNER = """
import os, runpy, sys
if os.environ.get("RICH_TABLE"):
    import rich.table, codage.cli.quick_table
    codage.cli.quick_table.QuickTable = rich.table.Table
sys.argv = ["codage", *sys.argv[1:]]
runpy.run_module("codage", run_name="__main__", alter_sys=True)
"""


def printed(args: list[str], columns: int, rich_table: bool, cwd: Path) -> bytes:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COLUMNS": str(columns),
        "CODAGE_LANG": "fr",
    }
    env.pop("RICH_TABLE", None)
    if rich_table:
        env["RICH_TABLE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *args], env=env, capture_output=True, cwd=cwd
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
    return done.stdout


@pytest.fixture(scope="module")
def wide_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Codings of long, accented, combining, CJK and emoji text, in names too."""
    path = tmp_path_factory.mktemp("wide") / "large.db"
    text = (
        "Enquêtrice : Le système 数据库管理系统 de la collectivité 😀👍 marche très bien, "
        "« jamais » en panne ; l'intranet est utilisé chaque jour par les agents. "
        + "Ｆｕｌｌ ｗｉｄｔｈ et e\u0301te\u0301 — " * 6
        + "x" * 70
        + " fin."
    )
    with Project.open(str(path)) as project:
        doc = project.add_document(sample_document("Entretien 数据 — été 😀", text))
        parent = project.create_code("Numérique 数据", coder="ana", description="Long " * 40)
        child = project.create_code(
            "Intranet 😀 très long nom de code", parent_id=parent.id, coder="ana"
        )
        ends = [(0, len(text)), (12, 80), (40, 200), (100, 101), (len(text) - 90, len(text))]
        for start, end in ends:
            for code in (parent, child):
                project.add_coding(doc.id, code.id, start, end, coder="ana")
        project.add_coding(doc.id, child.id, 5, 60, coder="bénédicte 数据")
    return path


@pytest.mark.parametrize("columns", [60, 80, 120, 200])
def test_listings_print_rich_s_bytes(wide_project: Path, columns: int, tmp_path: Path) -> None:
    listings = (["segments"], ["codebook", "show"], ["documents"], ["history"])
    others = (["stats"], ["search", "intranet"]) if columns == 80 else ()
    for command in (*listings, *others):
        args = [*command, "-p", str(wide_project)]
        quick = printed(args, columns, False, tmp_path)
        assert quick == printed(args, columns, True, tmp_path), (command, columns)
        assert len(quick.splitlines()) > 3
