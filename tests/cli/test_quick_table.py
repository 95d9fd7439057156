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
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import rich.cells
from rich._unicode_data._versions import VERSIONS
from rich._wrap import divide_line
from rich.cells import cell_len, get_character_cell_size
from rich.table import Table
from rich.text import Text

from codage.cli import cell_lines
from codage.cli.cell_lines import NARROW_RANGES, narrow_pieces
from codage.cli.output import SafeConsole
from codage.cli.quick_table import RICH_COUNTED_RANGES, QuickTable, plain_cell, print_table
from codage.display import plain
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


# -- the fast paths and their fallbacks ----------------------------------------------

# Cells for the paths QuickTable takes: one wide character among ASCII (Rich's measure),
# a zero-width joiner and a variation selector (measured with the character before),
# a soft hyphen (one cell, but not among the characters Rich counts), tabs (expanded
# by Rich), a narrow no-break space and French punctuation (counted by length), a
# combining accent (zero width), spaces before, between and after words.
EDGE_CELLS = [
    "abc 数 def",
    "intranet 数据库 collectivités",
    "👩\u200d💻 développeuse",
    "a\u200db c",
    "✔\ufe0f fait",
    "©\ufe0f marque",
    "in\xadfor\xadma\xadtique dé\xadmaté\xadria\xadli\xadsa\xadtion",
    "col\tonne\tà\ttabulations",
    "«\u202fjamais\u202f» — l’agent… 12–14",
    "e\u0301te\u0301 re\u0301union",
    "   espaces avant",
    "après   ",
    "mots   très    espacés",
    "x" * 23,
    "",
    " ",
]


def _edge_table(kind: type[Table], widths: tuple[int | None, int | None], seed: int) -> Table:
    rng = random.Random(seed)
    table = kind(title="Bords é")
    table.add_column("a", overflow="fold", width=widths[0])
    table.add_column("b", overflow=rng.choice(["crop", "ellipsis", "fold"]), justify="right")
    table.add_column("c", overflow="fold", justify="center", max_width=widths[1])
    table.add_column("d", no_wrap=seed % 2 == 0, overflow="ellipsis")
    for _ in range(12):
        table.add_row(*(Text(rng.choice(EDGE_CELLS)) for _ in range(4)))
    return table


def _printed(table: Table, width: int, colour: bool, quick: bool) -> str:
    page = io.StringIO()
    console = SafeConsole(
        file=page,
        width=width,
        force_terminal=colour,
        color_system="truecolor" if colour else None,
    )
    if quick:
        print_table(console, table)
    else:
        console.print(table)
    return page.getvalue()


@pytest.mark.parametrize("colour", [False, True])
def test_edge_cells_are_drawn_byte_for_byte(colour: bool) -> None:
    differing = []
    for seed in range(6):
        for width in (12, 20, 33, 60, 120):
            for widths in ((None, None), (7, 9), (1, 3)):
                quick = _printed(_edge_table(QuickTable, widths, seed), width, colour, True)
                rich = _printed(_edge_table(Table, widths, seed), width, colour, False)
                if quick != rich:
                    differing.append((seed, width, widths))
    assert differing == []


@pytest.mark.parametrize("width", [8, 10, 11, 12, 13, 30])
def test_a_cell_exactly_its_column_s_width_and_a_squeezed_column(width: int) -> None:
    # "collectivités" (13) and "l’agent" (7) are exactly the width of their column at
    # some console widths; at the smallest the columns are squeezed below their
    # widest word, which is folded, cropped or cut with an ellipsis
    for overflow in ("fold", "crop", "ellipsis"):
        tables = []
        for kind in (QuickTable, Table):
            table = kind()
            table.add_column("n", overflow=overflow)  # type: ignore[arg-type]
            table.add_column("m", overflow=overflow, justify="right")  # type: ignore[arg-type]
            table.add_row(Text("collectivités"), Text("l’agent"))
            table.add_row(Text("collectivités territoriales"), Text("l’agent—bis"))
            tables.append(table)
        for colour in (False, True):
            quick = _printed(tables[0], width, colour, True)
            assert quick == _printed(tables[1], width, colour, False), (overflow, colour)
            if not colour:
                assert all(cell_len(line) <= width for line in quick.splitlines())


def test_cells_on_the_fast_path_are_not_laid_out_by_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    # narrow text never reaches Rich's wrapping; a wide character sends its cell there
    calls: list[str] = []
    wrap, divide = Text.wrap, cell_lines.divide_line

    def wrapped(self: Text, *args: Any, **kwargs: Any) -> Any:
        calls.append(self.plain)
        return wrap(self, *args, **kwargs)

    def divided(text: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(text)
        return divide(text, *args, **kwargs)

    monkeypatch.setattr(Text, "wrap", wrapped)
    monkeypatch.setattr(cell_lines, "divide_line", divided)
    table = QuickTable()
    table.add_column("a", overflow="fold")
    table.add_row(Text("l’intranet des collectivités — « jamais » en panne… " * 3))
    table.add_row(Text("le système 数据库 marche très bien, tous les jours " * 2))
    _printed(table, 40, False, True)
    assert calls == ["le système 数据库 marche très bien, tous les jours " * 2]


def test_narrow_ranges_are_one_cell_in_every_unicode_version() -> None:
    narrow = re.compile(f"[{NARROW_RANGES}]")
    chars = [chr(c) for c in range(0x3000) if narrow.match(chr(c))]
    assert len(chars) > 1500
    wrong = [
        (version, hex(ord(char)))
        for version in VERSIONS
        for char in chars
        if get_character_cell_size(char, version) != 1
    ]
    assert wrong == []
    # and those Rich measures otherwise are not among them
    for char in ("\u200d", "\ufe0f", "\u0301", "\t", "\n", "数", "😀", "\u200b", "\u25fd"):
        assert not narrow.match(char)


def test_characters_rich_counts_are_still_counted() -> None:
    # the pieces QuickTable cuts lines into for Rich to measure are measured by
    # counting only if Rich still counts these characters (speed, not bytes)
    counted = re.compile(f"[{RICH_COUNTED_RANGES}]")
    chars = "".join(chr(c) for c in range(0x3000) if counted.match(chr(c)))
    assert rich.cells._is_single_cell_widths(chars)


@pytest.mark.parametrize(
    "value",
    [
        "collectivités",
        "l’agent — « jamais »",
        "",
        "bell\x07 tab\t line\nbreak",
        "\x1b[31mrouge",
        "del\x7f c1\x85",
        "bidi \u202e gauche \u2066",
        "数据 😀",
    ],
)
def test_plain_cell_is_plain(value: str) -> None:
    made, expected = plain_cell(value), plain(value)
    assert made == expected
    assert made.plain == expected.plain and len(made) == len(expected)
    assert made.style == expected.style and made.spans == expected.spans


def test_plain_cell_makes_visible_what_plain_does() -> None:
    # every character plain() changes (visible) or Text strips is one plain_cell sees
    changed = [
        chr(c) for c in [*range(0x3000), *range(0xFE00, 0xFF00)] if plain(chr(c)).plain != chr(c)
    ]
    assert changed and all(plain_cell(c).plain == plain(c).plain for c in changed)
    assert all(plain_cell(c).plain == c for c in "aé’—数\u200d\ufe0f\xad")


def _rich_pieces(text: str, width: int, fold: bool) -> list[str]:
    lines = Text(text).divide(divide_line(text, width, fold=fold))
    for line in lines:
        line.rstrip_end(width)
    return [line.plain for line in lines]


def test_narrow_wrapping_is_rich_s() -> None:
    rng = random.Random(13)
    pieces = ["a", "é", " ", "  ", "\xa0", "\u202f", "x" * 12, "’", "—", "…", "«", "bb"]
    checked = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 24)))
        width = rng.randint(1, 20)
        fold = rng.random() < 0.6
        assert narrow_pieces(text, width, fold) == _rich_pieces(text, width, fold), (
            text,
            width,
            fold,
        )
        checked += len(text) > width
    assert checked > 5000


def test_print_table_prints_what_console_print_prints() -> None:
    for seed in range(8):
        for width in (20, 60, 200):
            for colour in (False, True):
                table = _table(QuickTable, seed)
                page = io.StringIO()
                console = SafeConsole(
                    file=page,
                    width=width,
                    force_terminal=colour,
                    color_system="truecolor" if colour else None,
                )
                print_table(console, table)
                assert page.getvalue() == _drawn(Table, seed, width, colour), (seed, width)
