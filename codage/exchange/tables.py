"""Codings as tables: one row per coding with every field, in CSV or XLSX.

This module also holds what every export of codings shares: reading the
codings a person asked for (:func:`select_codings`) with where each one sits,
its speaker, timestamp, paragraph number and case.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codage import codebook
from codage.domain import (
    Case,
    Code,
    Coding,
    DocumentInfo,
    Locator,
    Place,
    Unit,
    fold,
    format_attribute,
    number_places,
)
from codage.exchange.atomic import atomic_path, save_atomically
from codage.i18n import register, t
from codage.services import NotFound, case_finder, resolve_code, resolve_document
from codage.store.project import Project

Progress = Callable[[int, int], None]
CodeRef = int | str | Code
DocumentRef = int | str | DocumentInfo
CaseFilter = Mapping[str, str | Sequence[str]]

register(
    {
        "tables.document": {"en": "document", "fr": "document"},
        "tables.code": {"en": "code", "fr": "code"},
        "tables.level": {"en": "level_{n}", "fr": "niveau_{n}"},
        "tables.coder": {"en": "coder", "fr": "codeur"},
        "tables.start": {"en": "start", "fr": "début"},
        "tables.end": {"en": "end", "fr": "fin"},
        "tables.text": {"en": "text", "fr": "texte"},
        "tables.speaker": {"en": "speaker", "fr": "locuteur"},
        "tables.timestamp": {"en": "timestamp", "fr": "horodatage"},
        "tables.paragraph": {"en": "paragraph", "fr": "paragraphe"},
        "tables.memo": {"en": "memo", "fr": "mémo"},
        "tables.case": {"en": "case", "fr": "cas"},
        "tables.codings": {"en": "Codings", "fr": "Codages"},
        "tables.unknown_format": {
            "en": "unknown table format {fmt!r}: use csv or xlsx",
            "fr": "format de tableau inconnu {fmt!r} : csv ou xlsx",
        },
    }
)

# Characters XML 1.0 (so docx and xlsx) cannot hold; a stray one in a transcript
# must not make a whole export fail.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """The text without the control characters XML refuses."""
    return _ILLEGAL_XML.sub("", text)


# A cell starting with one of these is run as a formula by spreadsheet programs
# (formula injection): a passage reading "=HYPERLINK(...)" must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> Any:
    """A value for a CSV or XLSX cell: text that would start a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def format_timestamp(seconds: float | None) -> str:
    """``hh:mm:ss`` (empty when there is no timestamp)."""
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


# ---------------------------------------------------------------------------
# Selecting codings
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodingRecord:
    """A coding with where it sits: what every export row or extract shows."""

    coding: Coding
    code: Code
    document: DocumentInfo
    speaker: str | None = None
    timestamp: float | None = None
    # number of the turn, paragraph or answer holding it: the number the transcript
    # view shows in its gutter (see domain.Locator); ``place`` is that unit
    paragraph: int | None = None
    case: Case | None = None
    place: Place | None = None


@dataclass
class Selection:
    """The codings an export covers, in dossier order, with what was asked."""

    codes: list[Code]  # the whole codebook, tree order
    code_ids: set[int] | None  # codes asked for (sub-codes included), None: all
    documents: list[DocumentInfo]  # documents in scope, by name
    records: list[CodingRecord]
    coders: list[str]  # coders whose codings are in the selection
    attributes: list[str]  # every case attribute name met in the project
    filters: dict[str, list[str]] = field(default_factory=dict)  # what was asked, as typed
    units: dict[int, list[Unit]] = field(default_factory=dict)  # per document, when kept


def _resolve_codes(project: Project, codes: Iterable[CodeRef], all_codes: list[Code]) -> list[Code]:
    by_id = {c.id: c for c in all_codes}
    out = []
    for ref in codes:
        if isinstance(ref, Code):
            out.append(ref)
        elif isinstance(ref, int):
            if ref not in by_id:
                raise NotFound(f"no code with id {ref}")
            out.append(by_id[ref])
        else:
            out.append(resolve_code(project, ref))
    return out


def _resolve_documents(project: Project, documents: Iterable[DocumentRef]) -> list[DocumentInfo]:
    out = []
    for ref in documents:
        if isinstance(ref, DocumentInfo):
            out.append(ref)
        elif isinstance(ref, int):
            out.append(project.document_info(ref))
        else:
            out.append(resolve_document(project, ref))
    return out


def _case_matcher(
    cases: CaseFilter, known: Iterable[str]
) -> tuple[Callable[[Case | None], bool], list[str]]:
    """A predicate on cases from attribute filters; values of one attribute are alternatives."""
    names = {fold(k): k for k in known}
    wanted: dict[str, set[str]] = {}
    shown = []
    for key, values in cases.items():
        attribute = names.get(fold(key.strip()))
        if attribute is None:
            listed = ", ".join(sorted(names.values())) or "none"
            raise NotFound(f"no case attribute {key!r} (attributes: {listed})")
        options = [values] if isinstance(values, str) else list(values)
        wanted.setdefault(attribute, set()).update(fold(v.strip()) for v in options)
        shown.extend(f"{attribute}={v}" for v in options)

    def match(case: Case | None) -> bool:
        if case is None:
            return False
        return all(
            fold(format_attribute(case.attributes.get(attr))) in values
            for attr, values in wanted.items()
        )

    return match, shown


def _locator(
    units: list[Unit], text: str | None = None
) -> Callable[[int], tuple[str | None, float | None, Place | None]]:
    """speaker, timestamp and numbered place (see :class:`Locator`) of an offset."""
    places = Locator.of(units, text)
    # turns (or any unit naming a speaker or a time) sorted by start
    voiced = [u for u in units if u.speaker is not None or u.timestamp is not None]
    voiced_starts = [u.start for u in voiced]

    def locate(offset: int) -> tuple[str | None, float | None, Place | None]:
        speaker = timestamp = None
        i = bisect.bisect_right(voiced_starts, offset) - 1
        # turns do not nest; looking one unit further back covers a heading inside a turn
        for j in (i, i - 1):
            if j >= 0 and voiced[j].start <= offset < voiced[j].end:
                speaker, timestamp = voiced[j].speaker, voiced[j].timestamp
                break
        return speaker, timestamp, places.at(offset)

    return locate


def select_codings(
    project: Project,
    *,
    codes: Iterable[CodeRef] | None = None,
    include_subcodes: bool = True,
    documents: Iterable[DocumentRef] | None = None,
    coders: Iterable[str] | None = None,
    cases: CaseFilter | None = None,
    keep_units: bool = False,
    progress: Progress | None = None,
) -> Selection:
    """The codings an export covers, filtered as asked, in tree, document, position order.

    ``codes`` are code ids, paths (resolved like a typed path) or codes; a code
    brings its sub-codes unless ``include_subcodes`` is false. ``cases`` maps an
    attribute name to the value(s) a coding's case must have.
    """
    all_codes = project.codes()
    filters: dict[str, list[str]] = {}
    code_ids: set[int] | None = None
    if codes is not None:
        chosen = _resolve_codes(project, codes, all_codes)
        code_ids = set()
        for code in chosen:
            code_ids.update(
                [code.id] if not include_subcodes else codebook.subtree_ids(all_codes, code.id)
            )
        filters["codes"] = [c.path_str for c in chosen]
    all_docs = project.documents()
    if documents is not None:
        docs = _resolve_documents(project, documents)
        wanted = {d.id for d in docs}
        all_docs = [d for d in all_docs if d.id in wanted]
        filters["documents"] = [d.name for d in all_docs]
    coder_list = None if coders is None else [c.strip() for c in coders]
    if coder_list is not None:
        known = {c.name for c in project.coders()}
        for name in coder_list:
            if name not in known:
                raise NotFound(f"no coder {name!r} in this project")
        filters["coders"] = coder_list
    all_cases = project.cases()
    attributes = sorted({a for c in all_cases for a in c.attributes})
    matcher = None
    if cases:
        matcher, shown = _case_matcher(cases, attributes)
        filters["cases"] = shown

    codings = project.codings(code_ids=code_ids, coders=coder_list)
    by_doc: dict[int, list[Coding]] = defaultdict(list)
    for c in codings:
        by_doc[c.document_id].append(c)
    code_by_id = {c.id: c for c in all_codes}
    records: list[CodingRecord] = []
    kept_units: dict[int, list[Unit]] = {}
    for n, doc in enumerate(all_docs, 1):
        mine = by_doc.get(doc.id)
        if mine:
            units = project.units(doc.id)
            if keep_units:
                kept_units[doc.id] = units
            # a document without numbered units is numbered by its lines, as the interface does
            text = None if number_places(units) else project.document(doc.id).text
            locate = _locator(units, text)
            find_case = case_finder(project, doc.id, units)
            for c in mine:
                case = find_case(c.span)
                if matcher is not None and not matcher(case):
                    continue
                speaker, timestamp, place = locate(c.start)
                records.append(
                    CodingRecord(
                        c,
                        code_by_id[c.code_id],
                        doc,
                        speaker,
                        timestamp,
                        place.number if place else None,
                        case,
                        place,
                    )
                )
        if progress is not None:
            progress(n, len(all_docs))
    order = {c.id: i for i, c in enumerate(all_codes)}
    records.sort(
        key=lambda r: (
            order[r.code.id],
            r.document.name,
            r.coding.start,
            r.coding.end,
            r.coding.coder,
            r.coding.id,
        )
    )
    return Selection(
        codes=all_codes,
        code_ids=code_ids,
        documents=all_docs,
        records=records,
        coders=sorted({r.coding.coder for r in records}),
        attributes=attributes,
        filters=filters,
        units=kept_units,
    )


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


@dataclass
class TableReport:
    """What a table export wrote."""

    path: Path
    format: str
    rows: int
    sheets: list[str] = field(default_factory=list)


def coding_rows(selection: Selection) -> tuple[list[str], list[list[Any]]]:
    """The header and one row per coding with every field."""
    depth = max((len(c.path) for c in selection.codes), default=1)
    header = [
        t("tables.document"),
        t("tables.code"),
        *(t("tables.level", n=i) for i in range(1, depth + 1)),
        t("tables.coder"),
        t("tables.start"),
        t("tables.end"),
        t("tables.text"),
        t("tables.speaker"),
        t("tables.timestamp"),
        t("tables.paragraph"),
        t("tables.memo"),
        t("tables.case"),
        *selection.attributes,
    ]
    rows: list[list[Any]] = []
    for r in selection.records:
        levels = list(r.code.path) + [""] * (depth - len(r.code.path))
        attrs = r.case.attributes if r.case else {}
        rows.append(
            [
                r.document.name,
                r.code.path_str,
                *levels,
                r.coding.coder,
                r.coding.start,
                r.coding.end,
                r.coding.text,
                r.speaker or "",
                format_timestamp(r.timestamp),
                r.paragraph if r.paragraph is not None else "",
                r.coding.memo or "",
                r.case.name if r.case else "",
                *(_cell(attrs.get(a)) for a in selection.attributes),
            ]
        )
    return header, rows


def _cell(value: object) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sheet_title(title: str, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ , unique regardless of case.
    clean = re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate.casefold() in taken:
        suffix = f" ({n})"
        candidate = clean[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate.casefold())
    return candidate


def _xlsx_value(value: Any) -> Any:
    return cell_safe(xml_safe(value)) if isinstance(value, str) else value


def export_codings(
    project: Project,
    out_path: str | Path,
    fmt: str = "csv",
    *,
    codes: Iterable[CodeRef] | None = None,
    include_subcodes: bool = True,
    documents: Iterable[DocumentRef] | None = None,
    coders: Iterable[str] | None = None,
    cases: CaseFilter | None = None,
    sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
    delimiter: str = ",",
    progress: Progress | None = None,
) -> TableReport:
    """Write one row per coding (CSV in UTF-8 with a BOM for Excel, or XLSX).

    ``sheets`` are extra (title, rows) tables for the XLSX workbook, such as
    :meth:`codage.analysis.stats.Stats.sheets`; the CSV ignores them.
    """
    fmt = fmt.lower()
    if fmt not in ("csv", "xlsx"):
        raise ValueError(t("tables.unknown_format", fmt=fmt))
    out = Path(out_path)
    selection = select_codings(
        project,
        codes=codes,
        include_subcodes=include_subcodes,
        documents=documents,
        coders=coders,
        cases=cases,
        progress=progress,
    )
    header, rows = coding_rows(selection)
    if fmt == "csv":
        with (
            atomic_path(out) as part,
            part.open("w", encoding="utf-8-sig", newline="") as handle,
        ):
            writer = csv.writer(handle, delimiter=delimiter)
            writer.writerow([cell_safe(v) for v in header])
            writer.writerows([cell_safe(v) for v in row] for row in rows)
        return TableReport(out, fmt, len(rows))

    from openpyxl import Workbook  # imported here: only the xlsx path pays for it

    # Write-only mode streams rows to the file instead of building every cell object.
    book = Workbook(write_only=True)
    taken: set[str] = set()
    titles = [_sheet_title(t("tables.codings"), taken)]
    sheet = book.create_sheet(titles[0])
    sheet.append([_xlsx_value(v) for v in header])
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    for title, table in sheets:
        name = _sheet_title(title, taken)
        titles.append(name)
        extra = book.create_sheet(name)
        for row in table:
            extra.append([_xlsx_value(v) for v in row])
    save_atomically(out, book.save)
    return TableReport(out, fmt, len(rows), titles)
