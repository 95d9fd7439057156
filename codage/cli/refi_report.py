"""`codage import FILE.qdpx`: a REFI-QDA project merged into the project, and its report.

The work is :func:`codage.ingest.refi.service.prepare_qdpx` (read the file into a
temporary project) and ``merge_into`` (the same merge as ``codage merge``, in one
transaction); this module opens the target only once the file has been read, so
that a bad file leaves it untouched (or uncreated), and prints the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from codage.analysis.merge import merge_projects, summary_rows
from codage.cli.common import (
    coder_from,
    console,
    emit_json,
    err_console,
    project_from,
)
from codage.codebook import CodebookError
from codage.display import markup_safe, plain
from codage.i18n import register, t
from codage.ingest.errors import IngestError
from codage.ingest.refi.report import RefiReport
from codage.ingest.refi.service import prepare_qdpx
from codage.services import StoreError

if TYPE_CHECKING:
    from codage.services import Project

register(
    {
        "refi.title": {"en": "REFI-QDA import: {file}", "fr": "Import REFI-QDA : {file}"},
        "refi.found": {
            "en": "found: {sources} source(s), {codes} code(s), {codings} coding(s), "
            "{memos} memo(s), {cases} case(s)",
            "fr": "trouvé : {sources} source(s), {codes} code(s), {codings} codage(s), "
            "{memos} mémo(s), {cases} cas",
        },
        "refi.counting": {
            "en": "positions counted as: {how}",
            "fr": "positions comptées en : {how}",
        },
        "refi.exact": {
            "en": "{count} coding(s) placed exactly",
            "fr": "{count} codage(s) placé(s) tels quels",
        },
        "refi.converted": {
            "en": "{count} coding(s) converted: {how}",
            "fr": "{count} codage(s) converti(s) : {how}",
        },
        "refi.not_placed": {
            "en": "{count} coding(s) could not be placed (kept aside: see `codage aside`):",
            "fr": "{count} codage(s) n'ont pu être placés (mis de côté : voir `codage aside`) :",
        },
        "refi.skipped": {
            "en": "skipped (codage does not hold them): {what}",
            "fr": "ignoré (codage ne les gère pas) : {what}",
        },
        "refi.fallback": {
            "en": "{count} coding(s) without a known coder given to {who}",
            "fr": "{count} codage(s) sans codeur connu attribué(s) à {who}",
        },
        "refi.merged": {"en": "merged into {target}", "fr": "fusionné dans {target}"},
    }
)


# One row per count of the merge's report, in this order.
_MERGE_KEYS = (
    "documents_added",
    "documents_matched_sha",
    "documents_matched_name",
    "codes_added",
    "codes_matched",
    "code_conflicts",
    "cases_added",
    "cases_updated",
    "codings_added",
    "codings_duplicates",
    "codings_reanchored",
    "codings_aside",
    "memos_added",
)
register(
    {
        "refi.merge.documents_added": {"en": "documents added", "fr": "documents ajoutés"},
        "refi.merge.documents_matched_sha": {
            "en": "documents already there (same text)",
            "fr": "documents déjà là (même texte)",
        },
        "refi.merge.documents_matched_name": {
            "en": "documents matched by name (codings re-anchored)",
            "fr": "documents appariés par nom (codages réancrés)",
        },
        "refi.merge.codes_added": {"en": "codes added", "fr": "codes ajoutés"},
        "refi.merge.codes_matched": {"en": "codes already there", "fr": "codes déjà là"},
        "refi.merge.code_conflicts": {"en": "code conflicts", "fr": "conflits de codes"},
        "refi.merge.cases_added": {"en": "cases added", "fr": "cas ajoutés"},
        "refi.merge.cases_updated": {"en": "cases updated", "fr": "cas mis à jour"},
        "refi.merge.codings_added": {"en": "codings added", "fr": "codages ajoutés"},
        "refi.merge.codings_duplicates": {"en": "codings already there", "fr": "codages déjà là"},
        "refi.merge.codings_reanchored": {"en": "codings re-anchored", "fr": "codages réancrés"},
        "refi.merge.codings_aside": {
            "en": "codings kept aside by the merge",
            "fr": "codages mis de côté par la fusion",
        },
        "refi.merge.memos_added": {"en": "memos added", "fr": "mémos ajoutés"},
    }
)


def _merge(who: str, path: Path) -> Any:
    def run(target: Project, source: Project) -> dict[str, Any]:
        # merge_into backed the target up already, once for the whole import
        report = merge_projects(target, [source], coder=who, backup=False)
        # Named after the file, not after the temporary project it went through.
        for part in report.sources:
            part.source = path.name
        data = report.to_dict()
        data["summary"] = summary_rows(report)
        return data

    return run


def import_qdpx_files(
    files: list[Path], project: str | None, coder: str | None, json_: bool, processes: int
) -> bool:
    """Import each ``.qdpx`` into the project and print its report; True if one failed."""
    who = coder_from(coder)
    rows: list[dict[str, Any]] = []
    failed = False
    for path in files:
        try:
            # the target is opened only once the file is read: a bad file leaves it as it was
            with (
                prepare_qdpx(path, coder=who, n_process=processes) as prepared,
                project_from(project, create=True) as proj,
            ):
                report = prepared.merge_into(proj, coder=who, merge=_merge(who, path))
        except (IngestError, StoreError, CodebookError) as exc:
            failed = True
            message = str(exc) if str(exc).startswith(path.name) else f"{path.name}: {exc}"
            # one line, whatever the cause said over several
            message = " ".join(message.split())
            if json_:
                rows.append({"file": str(path), "status": "failed", "message": message})
            else:
                err_console.print(plain(message, "red"), soft_wrap=True)
            continue
        if json_:
            rows.append({"status": "imported", **report.to_dict()})
        else:
            _print(report)
    if json_:
        emit_json(rows)
    return failed


def _print(report: RefiReport) -> None:
    console.print(f"[bold]{markup_safe(t('refi.title', file=report.file))}[/]", highlight=False)
    lines = [
        t(
            "refi.found",
            sources=report.sources,
            codes=report.codes,
            codings=report.codings,
            memos=report.memos,
            cases=report.cases,
        ),
        t("refi.counting", how=report.counting),
        t("refi.exact", count=report.placed_exactly),
    ]
    lines += [t("refi.converted", count=n, how=how) for how, n in report.converted.items()]
    for who, n in report.coder_fallbacks.items():
        lines.append(t("refi.fallback", count=n, who=who))
    if report.skipped:
        what = ", ".join(f"{n} {kind}" for kind, n in sorted(report.skipped.items()))
        lines.append(t("refi.skipped", what=what))
    for line in lines:
        console.print(plain(line), soft_wrap=True)
    if report.not_placed:
        console.print(
            plain(t("refi.not_placed", count=len(report.not_placed)), "yellow"), soft_wrap=True
        )
        for item in report.not_placed:
            console.print(plain(f"  {item.line()}", "yellow"), soft_wrap=True)
    for note in report.notes:
        console.print(plain(f"  {note}", "dim"), soft_wrap=True)
    summary = report.merge.get("summary", [])
    if summary:
        # One row per count: the merge's thirteen columns do not fit a terminal side by side.
        table = Table(
            title=plain(t("refi.merged", target=report.merge.get("target", ""))), show_header=False
        )
        table.add_column("")
        table.add_column("", justify="right")
        for key in _MERGE_KEYS:
            table.add_row(t(f"refi.merge.{key}"), str(sum(int(row[key]) for row in summary)))
        console.print(table)
    for source in report.merge.get("sources", []):
        for line in (*source.get("code_conflicts", []), *source.get("case_conflicts", [])):
            console.print(plain(f"  {line}", "yellow"), soft_wrap=True)
