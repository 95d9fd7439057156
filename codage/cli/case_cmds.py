"""``codage cases`` lists cases with their attributes; ``codage case set`` sets attributes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import typer
from rich.table import Table

from codage.cli.app import app
from codage.cli.common import (
    JsonOption,
    ProjectOption,
    console,
    emit_json,
    handle_errors,
    project_from,
)
from codage.display import plain
from codage.i18n import register, t

case_app = typer.Typer(help="Set the attributes of a case.", no_args_is_help=True)
app.add_typer(case_app, name="case")

register(
    {
        "title.cases": {"en": "Cases", "fr": "Cas"},
        "cases.col.attributes": {"en": "Attributes", "fr": "Attributs"},
        "cases.col.documents": {"en": "Documents", "fr": "Documents"},
        "cases.none": {"en": "No cases in this project.", "fr": "Aucun cas dans ce projet."},
        "case.set": {"en": "{name}: {attributes}", "fr": "{name} : {attributes}"},
    }
)


def _attributes(values: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(values.items()))


@app.command()
@handle_errors
def cases(project: ProjectOption = None, json_: JsonOption = False) -> None:
    """List the cases with their attributes and the documents they hold."""
    from codage.services import cases as case_service

    with project_from(project) as proj:
        found = case_service.list_cases(proj)
    if json_:
        emit_json([c.to_json() for c in found])
        return
    if not found:
        console.print(t("cases.none"))
        return
    table = Table(title=f"{t('title.cases')} ({len(found)})")
    for col in ("col.name", "cases.col.attributes", "cases.col.documents"):
        table.add_column(t(col), overflow="fold")
    for c in found:
        table.add_row(
            plain(c.name), plain(_attributes(c.attributes)), plain(", ".join(c.documents))
        )
    console.print(table)


@case_app.command("set")
@handle_errors
def case_set(
    name: Annotated[str, typer.Argument(help="Case name.")],
    assignments: Annotated[
        list[str], typer.Argument(help="KEY=VALUE attributes (numbers are kept as numbers).")
    ],
    create: Annotated[
        bool, typer.Option("--create", help="Make the case if it does not exist.")
    ] = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Set attributes of a case; the others it has are kept."""
    from codage.services import cases as case_service

    attributes = case_service.parse_attributes(assignments)
    with project_from(project) as proj:
        case = case_service.set_case_attributes(proj, name, attributes, create=create)
    if json_:
        emit_json({"name": case.name, "attributes": case.attributes})
        return
    line = t("case.set", name=case.name, attributes=_attributes(dict(case.attributes)))
    console.print(plain(line), soft_wrap=True)
