"""`codage pseudonymise`: propose the names to replace, store the reviewed map, show it, and
write a pseudonymised copy of the project."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from codage import i18n
from codage.cli.app import app
from codage.cli.common import (
    CoderOption,
    JsonOption,
    ProjectOption,
    coder_from,
    console,
    emit_json,
    err_console,
    fail,
    handle_errors,
    project_from,
    register_expected,
)
from codage.display import plain
from codage.i18n import t

if TYPE_CHECKING:
    from codage.domain import Pseudonym

pseudonymise_app = typer.Typer(
    help="Pseudonymise: propose the names of people, places and organisations, store the "
    "reviewed replacement map, show it, write a pseudonymised copy of the project.",
    no_args_is_help=True,
)
app.add_typer(pseudonymise_app, name="pseudonymise")
register_expected(
    "codage.services.pseudonyms:PseudonymMapError", "codage.services.pseudonyms:NoPseudonymMap"
)

i18n.register(
    {
        "pseudo.proposed": {
            "en": "{names} names proposed ({kept} kept, {dropped} marked keep: false) "
            "written to {path}: review it, then codage pseudonymise apply {path}",
            "fr": "{names} noms proposés ({kept} gardés, {dropped} marqués keep: false) "
            "écrits dans {path} : relisez-le, puis codage pseudonymise apply {path}",
        },
        "pseudo.applied": {
            "en": "Pseudonymisation map stored: {kept} names replaced, {dropped} left as they are",
            "fr": "Table de pseudonymisation enregistrée : {kept} noms remplacés, "
            "{dropped} laissés tels quels",
        },
        "pseudo.none": {
            "en": "No pseudonymisation map yet: codage pseudonymise propose --out map.yaml",
            "fr": "Pas encore de table de pseudonymisation : "
            "codage pseudonymise propose --out map.yaml",
        },
        "pseudo.col.name": {"en": "Name", "fr": "Nom"},
        "pseudo.col.kind": {"en": "Kind", "fr": "Type"},
        "pseudo.col.count": {"en": "Count", "fr": "Occurrences"},
        "pseudo.col.replacement": {"en": "Replacement", "fr": "Remplacement"},
        "pseudo.col.keep": {"en": "Kept", "fr": "Gardé"},
        "pseudo.title": {"en": "Pseudonymisation map", "fr": "Table de pseudonymisation"},
    }
)


def _json(p: Pseudonym) -> dict[str, object]:
    return {
        "name": p.name,
        "key": p.key,
        "kind": p.kind,
        "replacement": p.replacement,
        "count": p.count,
        "keep": p.keep,
    }


@pseudonymise_app.command("propose")
@handle_errors
def propose(
    out: Annotated[Path, typer.Option("--out", help="The YAML map to write for review.")],
    names: Annotated[
        Path | None,
        typer.Option("--names", help="A list of names to add, one a line ('Name ; LOC')."),
    ] = None,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Find the names of people, places and organisations and write a map to review."""
    from codage.ingest.names import propose_pseudonyms
    from codage.services.pseudonyms import read_name_list, write_map

    if out.is_dir():
        raise fail(f"{out}: is a folder, give a .yaml file to write")
    if not out.parent.exists():
        raise fail(f"{out.parent}: no such folder")
    extra = read_name_list(names) if names is not None else []
    with project_from(project) as proj:
        proposed = propose_pseudonyms(proj, extra)
    write_map(proposed, out)
    kept = sum(p.keep for p in proposed)
    if json_:
        emit_json({"path": str(out), "names": [_json(p) for p in proposed]})
        return
    console.print(
        plain(
            t(
                "pseudo.proposed",
                names=len(proposed),
                kept=kept,
                dropped=len(proposed) - kept,
                path=out,
            )
        )
    )


@pseudonymise_app.command("apply")
@handle_errors
def apply(
    map_file: Annotated[Path, typer.Argument(help="The reviewed YAML map.")],
    coder: CoderOption = None,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Store a reviewed map in the project (one change, undoable with codage undo)."""
    from codage.services.pseudonyms import apply_map, read_map

    entries = read_map(map_file)
    with project_from(project) as proj:
        changed = apply_map(proj, entries, coder=coder_from(coder))
    kept = sum(p.keep for p in entries)
    if json_:
        emit_json({"names": len(entries), "kept": kept, "changed": changed})
        return
    console.print(plain(t("pseudo.applied", kept=kept, dropped=len(entries) - kept)))


@pseudonymise_app.command("show")
@handle_errors
def show(project: ProjectOption = None, json_: JsonOption = False) -> None:
    """List the stored pseudonymisation map."""
    with project_from(project) as proj:
        entries = proj.pseudonyms()
    if json_:
        emit_json([_json(p) for p in entries])
        return
    if not entries:
        err_console.print(t("pseudo.none"), highlight=False)
        return
    table = Table(title=f"{t('pseudo.title')} ({len(entries)})")
    for col in ("name", "kind", "count", "replacement", "keep"):
        table.add_column(t(f"pseudo.col.{col}"), overflow="fold")
    for p in entries:
        table.add_row(
            plain(p.name), p.kind, str(p.count), plain(p.replacement), "✓" if p.keep else "✗"
        )
    console.print(table)


@pseudonymise_app.command("copy")
@handle_errors
def copy(
    dest: Annotated[Path, typer.Argument(help="The new project file to write.")],
    coder: CoderOption = None,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Write a pseudonymised copy of the whole project for sharing; the project is unchanged.

    Texts, speaker labels, cases and memos are pseudonymised; codings re-anchored on the
    new texts."""
    from codage.cli.refi_report import import_qdpx_files
    from codage.exchange.refi_write import write_qdpx
    from codage.services.project_records import select_project_records

    if dest.exists():
        raise fail(f"{dest}: already exists, give a new project file")
    if not dest.parent.exists():
        raise fail(f"{dest.parent}: no such folder")
    with project_from(project) as proj:
        records = select_project_records(proj, pseudonymised=True)
    # the copy is the REFI-QDA exchange of the pseudonymised records read back: one
    # path that already re-analyses texts (units, speaker turns) and places codings
    with tempfile.TemporaryDirectory(prefix="codage-pseudo-") as folder:
        exchange = Path(folder) / f"{dest.stem}.qdpx"
        write_qdpx(records, exchange)
        failed = import_qdpx_files([exchange], str(dest), coder, json_, 1)
    if failed:
        raise typer.Exit(2)
