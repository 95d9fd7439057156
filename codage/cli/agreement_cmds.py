"""Commands that compare coders: agreement figures and disagreements, and a consensus layer."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.table import Table

from codage.cli.app import app
from codage.cli.common import (
    CoderOption,
    JsonOption,
    ProjectOption,
    code_label,
    coder_from,
    console,
    emit_json,
    err_console,
    fail,
    handle_errors,
    project_from,
)
from codage.display import check_plain_name, plain
from codage.i18n import register, t

if TYPE_CHECKING:
    from codage.analysis.agreement_service import AgreementReport, Figures
    from codage.services import Project

# Typer checks choices from Literal types; tests keep them equal to the services' own
# tuples (UNIT_CHOICES, RULES), so that a new unit or rule is offered here too.
UnitChoice = Literal["character", "sentence", "turn", "paragraph", "answer", "document"]
RuleChoice = Literal["union", "intersection", "majority"]

register(
    {
        "team.consensus": {
            "en": "Consensus ({rule}) of {coders} as {name}: {added} added, {replaced} replaced, "
            "{kept} kept, {slivers} sliver(s) dropped",
            "fr": "Consensus ({rule}) de {coders} sous {name} : {added} ajoutés, "
            "{replaced} remplacés, {kept} gardés, {slivers} fragment(s) écartés",
        },
        "team.skipped": {
            "en": "Not enough coders in: {documents}",
            "fr": "Pas assez de codeurs dans : {documents}",
        },
        "team.agreement": {
            "en": "Agreement of {coders} ({unit})",
            "fr": "Accord de {coders} ({unit})",
        },
        "team.disagreements": {"en": "Disagreements", "fr": "Désaccords"},
        "team.more": {
            "en": "… and {count} more (--json or --docx for all)",
            "fr": "… et {count} de plus (--json ou --docx pour tout voir)",
        },
        "team.missing": {
            "en": "{document}: not coded by {coders} (missing data)",
            "fr": "{document} : non codé par {coders} (données manquantes)",
        },
        "team.docx": {"en": "Report written to {path}", "fr": "Rapport écrit dans {path}"},
        "team.coders_taken": {
            "en": "Coders taken (all who coded these documents): {coders}",
            "fr": "Codeurs retenus (tous ceux qui ont codé ces documents) : {coders}",
        },
        "team.sparse": {
            "en": "{coder} coded {count} of {total} document(s): figures that need every "
            "coder (the overall continuum) use only the {shared} document(s) all coded; "
            "choose coders with --coders, e.g. --coders {suggest}",
            "fr": "{coder} a codé {count} document(s) sur {total} : les chiffres qui "
            "demandent tous les codeurs (le continuum global) n'utilisent que les "
            "{shared} document(s) codés par tous ; choisissez avec --coders, "
            "par exemple --coders {suggest}",
        },
        "team.unused": {"en": "not used by these coders", "fr": "non utilisé par ces codeurs"},
    }
)


def _split_names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [n.strip() for n in value.split(",") if n.strip()]
    return names


def _code_ids(project: Project, typed: list[str] | None) -> list[int] | None:
    """The codes typed and their sub-codes."""
    from codage import codebook
    from codage.services import resolve_code

    if not typed:
        return None
    codes = project.codes()
    out: list[int] = []
    for path in typed:
        found = resolve_code(project, path)
        out.extend(i for i in codebook.subtree_ids(codes, found.id) if i not in out)
    return out


def _document_ids(project: Project, typed: list[str] | None) -> list[int] | None:
    from codage.services import resolve_document

    if not typed:
        return None
    return list(dict.fromkeys(resolve_document(project, name).id for name in typed))


@app.command()
@handle_errors
def consensus(
    coders: Annotated[
        str, typer.Option("--coders", help="Coders to combine, comma-separated: A,B[,C...].")
    ],
    as_name: Annotated[str, typer.Option("--as", help="Coder name of the consensus layer.")],
    rule: Annotated[RuleChoice, typer.Option("--rule", help="How to combine them.")] = "union",
    min_length: Annotated[
        int, typer.Option("--min-length", help="Drop consensus passages shorter than this.")
    ] = 3,
    code_paths: Annotated[
        list[str] | None, typer.Option("--code", help="Only this code and its sub-codes.")
    ] = None,
    document_names: Annotated[
        list[str] | None, typer.Option("--document", help="Only this document.")
    ] = None,
    project: ProjectOption = None,
    coder: CoderOption = None,
    json_: JsonOption = False,
) -> None:
    """Build a consensus coder layer from several coders.

    Your next `codage undo` takes it back: the change is yours, whatever the layer's name."""
    from codage.analysis.consensus import build_consensus

    names = _split_names(coders) or []
    problem = check_plain_name(as_name, "coder")
    if problem is not None:
        raise fail(problem)
    who = coder_from(coder)
    with project_from(project) as proj:
        report = build_consensus(
            proj,
            coders=names,
            rule=rule,
            as_coder=as_name,
            min_length=min_length,
            codes=_code_ids(proj, code_paths),
            documents=_document_ids(proj, document_names),
            actor=who,
        )
    if json_:
        emit_json(report.to_dict())
        return
    console.print(
        plain(
            t(
                "team.consensus",
                rule=rule,
                coders=", ".join(report.coders),
                name=report.as_coder,
                added=report.added,
                replaced=report.replaced,
                kept=report.kept,
                slivers=report.slivers_dropped,
            )
        )
    )
    if report.skipped_documents:
        skipped = t("team.skipped", documents=", ".join(report.skipped_documents))
        console.print(plain(skipped, "yellow"))


# ---------------------------------------------------------------------------
# agreement
# ---------------------------------------------------------------------------

_FIGURES = (
    ("percent_agreement", "% agr."),
    ("krippendorff_alpha", "α"),
    ("cohen_kappa", "Cohen κ"),
    ("fleiss_kappa", "Fleiss κ"),
    ("u_alpha", "uα"),
    ("binary_u_alpha", "|uα"),
    ("cu_alpha", "cuα"),
)


def _shown_figures(report: AgreementReport) -> list[tuple[str, str]]:
    """Only the columns that have a value somewhere: a table of blanks helps nobody."""
    rows = [report.overall, *report.per_code]
    return [(k, label) for k, label in _FIGURES if any(getattr(f, k) is not None for f in rows)]


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _count_summary(fig: Figures) -> str:
    if not fig.used:
        return t("team.unused")
    c = fig.counts
    if "pairable_units" in c:
        return f"{c['pairable_units']}/{c['units']} units, {c['units_agreed']} agreed"
    if "characters_in_disagreement" in c:
        return f"{c['characters_in_disagreement']} chars differ"
    if "characters_in_continuum" in c:
        return f"{c['characters_in_continuum']} chars, {c['documents_in_continuum']} docs"
    return ""


def _figure_rows(report: AgreementReport) -> list[Figures]:
    return [report.overall, *report.per_code]


def _coder_notes(report: AgreementReport) -> list[str]:
    """Which coders were taken, and who shrank the analysis by coding little."""
    if report.coders_given:
        return []
    notes = [t("team.coders_taken", coders=", ".join(report.coders))]
    counts = report.documents_per_coder
    if report.sparse_coders:
        shared = sum(1 for d in report.documents if d not in report.missing)
        fuller = [n for n in report.coders if n not in report.sparse_coders]
        suggest = ",".join(
            fuller if len(fuller) >= 2 else sorted(counts, key=lambda n: -counts[n])[:2]
        )
        total = max(counts.values(), default=0)
        for coder in report.sparse_coders:
            notes.append(
                t(
                    "team.sparse",
                    coder=coder,
                    count=counts[coder],
                    total=total,
                    shared=shared,
                    suggest=suggest,
                )
            )
    return notes


def _print_agreement(report: AgreementReport, limit: int = 40) -> None:
    shown = _shown_figures(report)
    table = Table(
        title=plain(t("team.agreement", coders=", ".join(report.coders), unit=report.unit))
    )
    table.add_column(t("col.path"), overflow="fold")
    for _, label in shown:
        table.add_column(label, justify="right")
    table.add_column("n", overflow="fold")
    for fig in _figure_rows(report):
        table.add_row(
            plain(fig.code, "bold") if fig is report.overall else code_label(fig.code),
            *(_fmt(getattr(fig, key)) for key, _ in shown),
            _count_summary(fig),
        )
    console.print(table)
    for document, coders in report.missing.items():
        console.print(plain(t("team.missing", document=document, coders=", ".join(coders))))
    for note in [*_coder_notes(report), *report.notes]:
        console.print(plain(note, "yellow"))
    if not report.disagreements:
        return
    dis = Table(title=f"{t('team.disagreements')} ({len(report.disagreements)})")
    for col in ("col.document", "col.span", "col.path"):
        dis.add_column(t(col), overflow="fold")
    dis.add_column("+", overflow="fold")
    dis.add_column("−", overflow="fold")
    dis.add_column(t("col.text"), overflow="fold", max_width=50)
    for d in report.disagreements[:limit]:
        dis.add_row(
            plain(d.document),
            f"{d.start}–{d.end}",
            code_label(d.code),
            plain(", ".join(d.coded_by)),
            plain(", ".join(d.not_coded_by)),
            plain(d.text, multiline=True),
        )
    console.print(dis)
    if len(report.disagreements) > limit:
        console.print(t("team.more", count=len(report.disagreements) - limit))


def _write_csv(report: AgreementReport) -> None:
    from codage.exchange.tables import cell_safe

    writer = csv.writer(sys.stdout)
    writer.writerow(["code", *(key for key, _ in _FIGURES), "counts"])
    for fig in _figure_rows(report):
        writer.writerow(
            [
                cell_safe(fig.code),
                *(
                    "" if getattr(fig, key) is None else f"{getattr(fig, key):.6f}"
                    for key, _ in _FIGURES
                ),
                _count_summary(fig),
            ]
        )


def _write_docx(report: AgreementReport, path: Path) -> None:
    """A plain Word report: the figures table, then the disagreements."""
    from codage.exchange.report_docx import ReportSection, write_report

    shown = _shown_figures(report)
    sections = [
        ReportSection(
            t("team.agreement", coders=", ".join(report.coders), unit=report.unit),
            paragraphs=[
                f"Documents: {', '.join(report.documents)}",
                *(
                    t("team.missing", document=document, coders=", ".join(coders))
                    for document, coders in report.missing.items()
                ),
            ],
            header=[t("col.path"), *(label for _, label in shown), "n"],
            rows=[
                [fig.code, *(_fmt(getattr(fig, key)) for key, _ in shown), _count_summary(fig)]
                for fig in _figure_rows(report)
            ],
            notes=[*_coder_notes(report), *report.notes],
        )
    ]
    if report.disagreements:
        sections.append(
            ReportSection(
                f"{t('team.disagreements')} ({len(report.disagreements)})",
                level=2,
                header=[t("col.document"), t("col.span"), t("col.path"), "+", "−", t("col.text")],
                rows=[
                    [
                        d.document,
                        f"{d.start}–{d.end}",
                        d.code,
                        ", ".join(d.coded_by),
                        ", ".join(d.not_coded_by),
                        d.text,
                    ]
                    for d in report.disagreements
                ],
            )
        )
    write_report(path, sections)


_LIST_MARK = "\u0000disagreements\u0000"


def _emit_report_json(report: AgreementReport) -> None:
    """The text ``emit_json(report.to_dict())`` writes, with the disagreements (670,000 at
    a million codings) written one at a time instead of copied into dictionaries and one
    string of gigabytes. Outside UTF-8, where ``emit_json`` may turn to escapes, it is used."""
    import codecs
    import json

    try:
        utf8 = codecs.lookup(sys.stdout.encoding or "utf-8").name == "utf-8"
    except LookupError:
        utf8 = False
    found = report.disagreements
    if not utf8 or not found:
        emit_json(report.to_dict())
        return
    report.disagreements = []
    try:
        head = report.to_dict()
    finally:
        report.disagreements = found
    head["disagreements"] = _LIST_MARK
    text = json.dumps(head, ensure_ascii=False, indent=2, default=str)
    before, after = text.split(json.dumps(_LIST_MARK), 1)
    out = sys.stdout
    out.write(before + "[\n")
    # json.dumps with an indent encodes in Python, slowly; an item's shape is fixed, so
    # it is written here with the strings encoded by json (same text, a test checks it).
    string = json.encoder.encode_basestring
    names: dict[tuple[str, ...], str] = {}

    def listed(coders: tuple[str, ...]) -> str:
        text = names.get(coders)
        if text is None:
            inner = ",\n".join("        " + string(n) for n in coders)
            text = names[coders] = "[\n" + inner + "\n      ]" if coders else "[]"
        return text

    for i, d in enumerate(found):
        out.write(
            ("    {\n" if not i else ",\n    {\n")
            + f'      "document": {string(d.document)},\n'
            + f'      "start": {d.start},\n'
            + f'      "end": {d.end},\n'
            + f'      "code": {string(d.code)},\n'
            + f'      "coded_by": {listed(d.coded_by)},\n'
            + f'      "not_coded_by": {listed(d.not_coded_by)},\n'
            + f'      "text": {string(d.text)}\n'
            + "    }"
        )
    out.write("\n  ]" + after + "\n")


@app.command()
@handle_errors
def agreement(
    coders: Annotated[
        str | None,
        typer.Option("--coders", help="Coders to compare, comma-separated (default: all)."),
    ] = None,
    code_paths: Annotated[
        list[str] | None, typer.Option("--code", help="Only this code and its sub-codes.")
    ] = None,
    document_names: Annotated[
        list[str] | None, typer.Option("--document", help="Only this document.")
    ] = None,
    unit: Annotated[UnitChoice, typer.Option("--unit", help="Unit of comparison.")] = "character",
    csv_: Annotated[bool, typer.Option("--csv", help="Print the figures as CSV.")] = False,
    docx_out: Annotated[
        Path | None, typer.Option("--docx", help="Write a Word report to this file.")
    ] = None,
    exclude_automatic: Annotated[
        bool,
        typer.Option(
            "--exclude-automatic",
            help="Leave out codings made by `codage autocode` (default: they count, "
            "like codings made by hand).",
        ),
    ] = False,
    exclude_suggested: Annotated[
        bool,
        typer.Option(
            "--exclude-suggested",
            help="Leave out codings accepted from `codage suggest` (default: they count).",
        ),
    ] = False,
    project: ProjectOption = None,
    json_: JsonOption = False,
) -> None:
    """Inter-coder agreement per code and overall, with the disagreements."""
    from codage.analysis.agreement_service import compute_agreement

    if json_ and csv_:
        raise fail("choose one of --json and --csv")
    if docx_out is not None and not docx_out.parent.exists():
        raise fail(f"{docx_out.parent}: folder does not exist")
    with project_from(project) as proj:
        report = compute_agreement(
            proj,
            coders=_split_names(coders),
            codes=_code_ids(proj, code_paths),
            documents=_document_ids(proj, document_names),
            unit=unit,
            exclude_automatic=exclude_automatic,
            exclude_suggested=exclude_suggested,
        )
    if docx_out is not None:
        _write_docx(report, docx_out)
    if json_:
        _emit_report_json(report)
    elif csv_:
        _write_csv(report)
    elif docx_out is not None:
        console.print(plain(t("team.docx", path=docx_out)))
    else:
        _print_agreement(report)
    if json_ or csv_:
        # The figures go to stdout; which coders were taken is still worth a word.
        for note in _coder_notes(report):
            err_console.print(plain(note), soft_wrap=True)
