"""The drawing of ``codage stats``' tables before it was made quick (kept as the
oracle of ``tests/cli/test_stats_drawing.py``): Rich's own ``Table``, code labels as
markup read by the console, numbers as :func:`codage.display.plain`, each table
printed with ``console.print``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from codage.cli.reporting import code_label
from codage.display import plain


def print_sheets_before(console: Console, sheets: Sequence[tuple[str, list[list[Any]]]]) -> None:
    for n, (title, rows) in enumerate(sheets):
        if len(rows) < 2:
            continue
        table = Table(title=plain(title))
        code_columns = {i for i, v in enumerate(rows[1]) if isinstance(v, str)}
        for i, head in enumerate(rows[0]):
            justify: Literal["left", "right"] = "left" if i in code_columns else "right"
            table.add_column(plain(str(head)), justify=justify, overflow="fold")
        for row in rows[1:]:
            table.add_row(
                *(
                    code_label(v, indent=n == 0) if i in code_columns else _show(v)
                    for i, v in enumerate(row)
                )
            )
        console.print(table)


def _show(value: Any) -> Text:
    if isinstance(value, float):
        return Text(f"{value:.1%}")
    return plain(str(value))
