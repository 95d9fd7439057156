"""``codage codebook``: show, import and export the codebook, and edit it as the interface's
codebook tree does (add, rename, move, merge, delete, recolour, describe), each edit journaled
so that ``codage undo`` takes it back."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from codage.cli.app import codebook_app
from codage.cli.common import (
    CoderOption,
    JsonOption,
    ProjectOption,
    coder_from,
    console,
    emit_json,
    fail,
    handle_errors,
    project_from,
)
from codage.display import markup_safe, plain
from codage.i18n import register, t

if TYPE_CHECKING:
    from codage.domain import Code

register(
    {
        "codebook.added": {"en": "Added code {code}", "fr": "Code {code} ajouté"},
        "codebook.renamed": {
            "en": "Renamed {was} to {code}",
            "fr": "{was} renommé en {code}",
        },
        "codebook.moved": {"en": "Moved {was} to {code}", "fr": "{was} déplacé vers {code}"},
        "codebook.merged": {
            "en": "Merged {source} into {target}: {count} coding(s) moved",
            "fr": "{source} fusionné dans {target} : {count} codage(s) déplacé(s)",
        },
        "codebook.deleted": {
            "en": "Deleted {code} with {subcodes} sub-code(s) and {codings} coding(s); "
            "`codage undo` takes it back",
            "fr": "{code} supprimé avec {subcodes} sous-code(s) et {codings} codage(s) ; "
            "`codage undo` le rétablit",
        },
        "codebook.recoloured": {
            "en": "{code} is now {colour}",
            "fr": "{code} est maintenant {colour}",
        },
        "codebook.described": {
            "en": "Definition of {code} written",
            "fr": "Définition de {code} écrite",
        },
    }
)

CodeArgument = Annotated[str, typer.Argument(help="Code path, e.g. 'Partie 1/Intranet'.")]


def _code_json(code: Code) -> dict[str, object]:
    return {
        "id": code.id,
        "path": code.path_str,
        "name": code.name,
        "colour": code.colour,
        "description": code.description,
    }


def _done(json_: bool, data: dict[str, object], line: str) -> None:
    if json_:
        emit_json(data)
    else:
        console.print(plain(line), soft_wrap=True)


@codebook_app.command("show")
@handle_errors
def codebook_show(project: ProjectOption = None, json_: JsonOption = False) -> None:
    """Show the codebook as a tree, with counts of codings."""
    from codage.cli.listings import show_codebook

    show_codebook(project, json_)


@codebook_app.command("import")
@handle_errors
def codebook_import(
    file: Annotated[
        Path, typer.Argument(help="Codebook to merge into the project: YAML, or REFI-QDA .qdc.")
    ],
    project: ProjectOption = None,
    coder: CoderOption = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace differing definitions and colours.")
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Merge a codebook (YAML or REFI-QDA .qdc) into the project by code path.

    Nothing is deleted."""
    from codage import codebook
    from codage.services import import_codebook

    if file.suffix.lower() == ".qdc":
        # the REFI-QDA reader (lxml) is loaded only for a .qdc
        from codage.ingest.refi.parse import read_qdc

        book = read_qdc(file)
    else:
        book = codebook.load_codebook(file)
    with project_from(project, create=True) as proj:
        report = import_codebook(proj, book, coder=coder_from(coder), overwrite=overwrite)
    if json_:
        emit_json(
            {
                "added": report.added,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "conflicts": report.conflicts,
            }
        )
        return
    console.print(
        plain(
            t(
                "codebook.imported",
                name=book.name,
                added=len(report.added),
                updated=len(report.updated),
                unchanged=len(report.unchanged),
            )
        )
    )
    for line in report.conflicts:
        console.print(f"[yellow]{t('codebook.conflict')}:[/] {markup_safe(line)}", highlight=False)


@codebook_app.command("export")
@handle_errors
def codebook_export(
    file: Annotated[
        Path, typer.Argument(help="Where to write the codebook: YAML, or REFI-QDA if it ends .qdc.")
    ],
    project: ProjectOption = None,
) -> None:
    """Write the project's codebook as YAML (or as a REFI-QDA codebook: FILE.qdc)."""
    from codage.services import export_codebook
    from codage.services.output import OutputPathError, check_output_path

    if file.suffix.lower() == ".qdc":
        try:
            check_output_path(file, ".qdc")
        except OutputPathError as exc:
            raise fail(str(exc)) from None
        # REFI-QDA's writer (lxml) loads only here: `codebook show` stays light
        from codage.exchange.refi_write import write_qdc
        from codage.services.project_records import select_codebook_records

        with project_from(project) as proj:
            write_qdc(select_codebook_records(proj), file)
    else:
        with project_from(project) as proj:
            export_codebook(proj, file)
    console.print(plain(t("codebook.exported", path=file)))


@codebook_app.command("add")
@handle_errors
def codebook_add(
    path: Annotated[str, typer.Argument(help="Path of the new code: 'Parent/Name' or 'Name'.")],
    colour: Annotated[
        str | None, typer.Option("--colour", help="#RRGGBB (default: the next free colour).")
    ] = None,
    description: Annotated[str, typer.Option("--description", help="Its definition.")] = "",
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Add a code under an existing parent (or at the top)."""
    from codage.services import codebook_edits as edits

    with project_from(project) as proj:
        made = edits.add_code(
            proj, path, coder=coder_from(coder), colour=colour, description=description
        )
    _done(json_, _code_json(made), t("codebook.added", code=made.path_str))


@codebook_app.command("rename")
@handle_errors
def codebook_rename(
    code: CodeArgument,
    new_name: Annotated[str, typer.Argument(help="The new name (one level, no '/').")],
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Rename a code; its codings and sub-codes stay with it."""
    from codage.services import codebook_edits as edits

    with project_from(project) as proj:
        was = edits.resolve_code(proj, code).path_str
        made = edits.rename_code(proj, code, new_name, coder=coder_from(coder))
    _done(
        json_, {**_code_json(made), "was": was}, t("codebook.renamed", was=was, code=made.path_str)
    )


@codebook_app.command("move")
@handle_errors
def codebook_move(
    code: CodeArgument,
    under: Annotated[
        str | None,
        typer.Option("--under", help="The new parent (default: the top of the codebook)."),
    ] = None,
    position: Annotated[
        int | None,
        typer.Option("--position", min=0, help="Place among its new siblings, 0 first."),
    ] = None,
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Move a code with its sub-codes under another code, or to the top."""
    from codage.services import codebook_edits as edits

    with project_from(project) as proj:
        was = edits.resolve_code(proj, code).path_str
        made = edits.move_code(proj, code, under, coder=coder_from(coder), position=position)
    _done(json_, {**_code_json(made), "was": was}, t("codebook.moved", was=was, code=made.path_str))


@codebook_app.command("merge")
@handle_errors
def codebook_merge(
    source: Annotated[str, typer.Argument(help="The code that goes.")],
    target: Annotated[str, typer.Argument(help="The code that receives its codings.")],
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Merge a code into another: its codings, sub-codes and memos follow, whoever coded."""
    from codage.services import codebook_edits as edits

    with project_from(project) as proj:
        done = edits.merge_codes(proj, source, target, coder=coder_from(coder))
    _done(
        json_,
        {"source": done.source, "target": done.target, "moved": done.moved},
        t("codebook.merged", source=done.source, target=done.target, count=done.moved),
    )


@codebook_app.command("delete")
@handle_errors
def codebook_delete(
    code: CodeArgument,
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Delete a code, its sub-codes and their codings (everyone's).

    `codage undo` restores them."""
    from codage.services import codebook_edits as edits

    with project_from(project) as proj:
        gone = edits.delete_code(proj, code, coder=coder_from(coder))
    _done(
        json_,
        {"deleted": gone.path, "subcodes": gone.subcodes, "codings": gone.codings},
        t("codebook.deleted", code=gone.path, subcodes=gone.subcodes, codings=gone.codings),
    )


@codebook_app.command("recolour")
@handle_errors
def codebook_recolour(
    code: CodeArgument,
    colour: Annotated[str, typer.Argument(help="The colour, #RRGGBB.")],
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Give a code another colour."""
    from codage.services import codebook_edits as edits

    with project_from(project) as proj:
        made = edits.recolour_code(proj, code, colour, coder=coder_from(coder))
    _done(json_, _code_json(made), t("codebook.recoloured", code=made.path_str, colour=made.colour))


@codebook_app.command("describe")
@handle_errors
def codebook_describe(
    code: CodeArgument,
    description: Annotated[str, typer.Argument(help="The definition ('-' reads stdin).")],
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Write the definition of a code."""
    from codage.services import codebook_edits as edits

    text = typer.get_text_stream("stdin").read() if description == "-" else description
    with project_from(project) as proj:
        made = edits.describe_code(proj, code, text, coder=coder_from(coder))
    _done(json_, _code_json(made), t("codebook.described", code=made.path_str))
