"""Agreement as it was computed before issue 20's sparse paths, kept here as the
reference the new paths must equal to the digit: the coders × units × codes table, the
set of codes of every unit sorted as rows, the segment-by-segment character sweep, and
the reads of before (codings as objects, units as spans, one document at a time).

``old_unit_level`` and ``old_character_level`` take the arguments of the service's
``_unit_level`` and ``_character_level`` and read what they need the old way.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from codage.analysis.agreement import (
    cohen_kappa,
    cohen_kappa_counts,
    fleiss_kappa_labels,
    krippendorff_alpha,
    percent_agreement,
)
from codage.analysis.agreement_reads import DocumentTexts
from codage.analysis.agreement_service import (
    OVERALL,
    AgreementReport,
    Disagreement,
    Figures,
    _excerpt,
    _num,
)
from codage.analysis.unitizing import UnitizedAlpha, UnitizedFigure, unitized_alpha
from codage.domain import Coding, Span, covered_length, intersect_spans, normalise_spans


class OldDocumentCodings:
    """The reads of before: a document's codings as objects, filtered in Python."""

    def __init__(self, scoped: Any) -> None:
        self.project, self.names, self.code_ids = scoped.project, scoped.names, scoped.code_ids
        self.exclude_automatic, self.exclude_suggested = scoped.excluded

    def __getitem__(self, document_id: int) -> list[Coding]:
        return [
            c
            for c in self.project.stream_codings(
                document_ids=[document_id], coders=self.names, with_text=False
            )
            if c.code_id in self.code_ids
            and not (self.exclude_automatic and c.automatic)
            and not (self.exclude_suggested and c.suggested)
        ]


def old_unit_level(report, infos, texts, units, present, scoped, code_ids, paths, names, excerpt):  # type: ignore[no-untyped-def]
    project = scoped.project
    spans = {}
    for info in infos:
        if report.unit == "document":
            spans[info.id] = [Span(0, info.length)]
        else:
            spans[info.id] = [u.span for u in project.units(info.id, [report.unit])]
    _unit_level(
        report,
        infos,
        texts,
        spans,
        present,
        OldDocumentCodings(scoped),
        code_ids,
        paths,
        names,
        excerpt,
    )


def old_character_level(report, infos, texts, present, scoped, code_ids, paths, names, excerpt):  # type: ignore[no-untyped-def]
    _character_level(
        report, infos, texts, present, OldDocumentCodings(scoped), code_ids, paths, names, excerpt
    )


def _units_touched(units: list[Span], ends: list[int], span: Span) -> Iterable[int]:
    # Units of one kind do not overlap, so their ends are sorted like their starts.
    i = bisect_right(ends, span.start)
    while i < len(units) and units[i].start < span.end:
        if units[i].overlaps(span):
            yield i
        i += 1


def _unit_level(
    report: AgreementReport,
    infos: Sequence[Any],
    texts: DocumentTexts,
    units: dict[int, list[Span]],
    present: dict[int, list[str]],
    scoped: OldDocumentCodings,
    code_ids: list[int],
    paths: dict[int, str],
    names: list[str],
    excerpt: int,
) -> None:
    """Unit-level figures, with coders × units arrays so that a million characters
    of transcripts in thousands of units stay well under the two-second goal."""
    row_of = {n: i for i, n in enumerate(names)}
    code_index = {cid: k for k, cid in enumerate(code_ids)}
    m = len(names)
    # columns: (document, unit index) in document and text order
    columns: list[tuple[Any, int]] = []
    for info in infos:
        units[info.id] = sorted(units.get(info.id, []))
        columns.extend((info, i) for i in range(len(units[info.id])))
    n_cols = len(columns)
    coded = np.zeros((m, n_cols), dtype=bool)  # the coder coded this document
    applied = np.zeros((m, n_cols, max(len(code_ids), 1)), dtype=bool)
    base = 0
    for info in infos:
        doc_units = units[info.id]
        ends = [u.end for u in doc_units]
        for coder in present[info.id]:
            coded[row_of[coder], base : base + len(doc_units)] = True
        for coding in scoped[info.id]:
            k = code_index.get(coding.code_id)
            if k is None:
                continue
            for i in _units_touched(doc_units, ends, coding.span):
                applied[row_of[coding.coder], base + i, k] = True
        base += len(doc_units)

    def figures(label: str, rows: np.ndarray) -> tuple[Figures, np.ndarray]:
        """Figures of one coders × units array of labels (NaN: missing)."""
        fig = Figures(label)
        given = ~np.isnan(rows)
        pairable = given.sum(axis=0) >= 2
        with np.errstate(all="ignore"):
            low = np.where(given, rows, np.inf).min(axis=0)
            high = np.where(given, rows, -np.inf).max(axis=0)
        differ = pairable & (low != high)
        fig.counts = {
            "units": n_cols,
            "pairable_units": int(pairable.sum()),
            "units_agreed": int((pairable & ~differ).sum()),
        }
        if not pairable.any():
            return fig, differ
        fig.krippendorff_alpha = _num(krippendorff_alpha(rows))
        fig.percent_agreement = _num(percent_agreement(rows))
        if m == 2:
            fig.cohen_kappa = _num(cohen_kappa(rows[0], rows[1]))
        else:
            complete = given.all(axis=0)
            fig.counts["complete_units"] = int(complete.sum())
            if complete.any():
                fig.fleiss_kappa = _num(fleiss_kappa_labels(rows))
        return fig, differ

    found: list[tuple[str, int, str, int, tuple[str, ...], tuple[str, ...], int]] = []
    for code_id, k in code_index.items():
        rows = np.where(coded, applied[:, :, k].astype(np.float64), np.nan)
        path = paths.get(code_id, str(code_id))
        fig, differ = figures(path, rows)
        fig.counts["units_applied"] = {n: int((rows[row_of[n]] == 1).sum()) for n in names}
        report.per_code.append(fig)
        for col in np.flatnonzero(differ):
            info, i = columns[col]
            span = units[info.id][i]
            found.append(
                (
                    info.name,
                    span.start,
                    path,
                    span.end,
                    tuple(n for n in names if rows[row_of[n], col] == 1),
                    tuple(n for n in names if rows[row_of[n], col] == 0),
                    info.id,
                )
            )
    # Excerpts once the places are sorted by document: each text is read once.
    found.sort(key=lambda d: (d[0], d[1], d[2]))
    for name, start, path, end, yes, no, doc_id in found:
        report.disagreements.append(
            Disagreement(
                name, start, end, path, yes, no, _excerpt(texts[doc_id], start, end, excerpt)
            )
        )
    del found
    # Overall: a unit's value is the set of codes applied, as one nominal label.
    flat = applied.reshape(m * n_cols, applied.shape[2])
    label = np.unique(flat, axis=0, return_inverse=True)[1] if n_cols else np.zeros(0)
    rows = np.where(coded, label.reshape(m, n_cols).astype(np.float64), np.nan)
    report.overall, _ = figures(OVERALL, rows)
    report.disagreements.sort(key=lambda d: (d.document, d.start, d.code))


# ---------------------------------------------------------------------------
# Character level
# ---------------------------------------------------------------------------


def _sweep(
    length: int, codings: list[Coding], coders: list[str]
) -> Iterable[tuple[int, int, dict[str, frozenset[int]]]]:
    """Elementary segments of a document with the codes each coder has there."""
    events: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    for c in codings:
        events[c.start].append((c.coder, c.code_id, 1))
        events[c.end].append((c.coder, c.code_id, -1))
    active: dict[str, dict[int, int]] = {n: defaultdict(int) for n in coders}
    cursor = 0
    for pos in sorted({0, length, *events}):
        if pos > cursor:
            labels = {n: frozenset(k for k, v in active[n].items() if v > 0) for n in coders}
            yield cursor, pos, labels
            cursor = pos
        for coder, code_id, step in events.get(pos, ()):
            active[coder][code_id] += step


def _character_level(
    report: AgreementReport,
    infos: Sequence[Any],
    texts: DocumentTexts,
    present: dict[int, list[str]],
    scoped: OldDocumentCodings,
    code_ids: list[int],
    paths: dict[int, str],
    names: list[str],
    excerpt: int,
) -> None:
    total_pairs = 0
    disagreeing: dict[int, int] = defaultdict(int)  # code -> disagreeing pair-characters
    differing_chars: dict[int, int] = defaultdict(int)
    overall_disagreeing = 0
    coded: dict[int, dict[str, int]] = {cid: dict.fromkeys(names, 0) for cid in code_ids}
    for info in infos:
        coders_here = present[info.id]
        m = len(coders_here)
        if m < 2:
            continue
        text, codings = texts[info.id], scoped[info.id]
        for c in codings:
            coded[c.code_id][c.coder] += len(c.span)
        total_pairs += info.length * m * (m - 1) // 2
        open_runs: dict[int, tuple[int, int, tuple[str, ...]]] = {}
        runs: list[tuple[int, tuple[int, int, tuple[str, ...]]]] = []

        for start, end, labels in _sweep(info.length, codings, coders_here):
            size = end - start
            groups: dict[frozenset[int], int] = defaultdict(int)
            for label in labels.values():
                groups[label] += 1
            same = sum(k * (k - 1) // 2 for k in groups.values())
            overall_disagreeing += (m * (m - 1) // 2 - same) * size
            here = set().union(*labels.values())
            for code_id in list(open_runs):
                if code_id not in here:
                    runs.append((code_id, open_runs.pop(code_id)))
            for code_id in here:
                who = tuple(n for n in coders_here if code_id in labels[n])
                k = len(who)
                run = open_runs.get(code_id)
                if k == m:
                    if run is not None:
                        runs.append((code_id, open_runs.pop(code_id)))
                    continue
                disagreeing[code_id] += k * (m - k) * size
                differing_chars[code_id] += size
                if run is not None and run[2] == who and run[1] == start:
                    open_runs[code_id] = (run[0], end, who)
                else:
                    if run is not None:
                        runs.append((code_id, run))
                    open_runs[code_id] = (start, end, who)
        for code_id, run in open_runs.items():
            runs.append((code_id, run))
        for code_id, (start, end, who) in runs:
            report.disagreements.append(
                Disagreement(
                    info.name,
                    start,
                    end,
                    paths.get(code_id, str(code_id)),
                    who,
                    tuple(n for n in coders_here if n not in who),
                    _excerpt(text, start, end, excerpt),
                )
            )

    # uα family: per document, and on the concatenation of the documents all coders coded.
    shared = [info for info in infos if len(present[info.id]) == len(names)]
    tables = _character_tables(shared, scoped, code_ids, names) if len(names) == 2 else {}
    continuum: list[tuple[str, int, int, int]] = []
    offset = 0
    for info in infos:
        coders_here = present[info.id]
        if len(coders_here) < 2:
            continue
        spans = [(c.coder, c.start, c.end, c.code_id) for c in scoped[info.id]]
        result = unitized_alpha(info.length, spans, coders=coders_here)
        report.per_document.append(
            {
                "document": info.name,
                "coders": coders_here,
                "characters": info.length,
                "u_alpha": _num(result.u_alpha),
                "binary_u_alpha": _num(result.binary_u_alpha),
                "cu_alpha": _num(result.cu_alpha),
            }
        )
        if info.id in tables:
            report.per_document[-1]["cohen_kappa"] = {
                paths.get(cid, str(cid)): _num(cohen_kappa_counts(*counts, info.length))
                for cid, counts in tables[info.id].items()
            }
        if len(coders_here) == len(names):
            continuum.extend((c, s + offset, e + offset, v) for c, s, e, v in spans)
            offset += info.length
    whole: UnitizedAlpha | None = None
    if offset:
        whole = unitized_alpha(offset, continuum, coders=names)
    else:
        report.notes.append(
            "no document was coded by every chosen coder: no overall uα (see per document)"
        )
    for code_id in code_ids:
        fig = Figures(paths.get(code_id, str(code_id)))
        if total_pairs:
            fig.percent_agreement = 1.0 - disagreeing[code_id] / total_pairs
        value = whole.per_value.get(code_id) if whole is not None else None
        if value is not None:
            # A code's own binary continuum: uα and |uα coincide there.
            fig.u_alpha = _num(value.alpha)
        fig.counts = {
            "characters_coded": coded[code_id],
            "characters_in_disagreement": differing_chars[code_id],
        }
        if tables:
            pooled = [sum(t[code_id][i] for t in tables.values()) for i in range(3)]
            fig.cohen_kappa = _num(cohen_kappa_counts(pooled[0], pooled[1], pooled[2], offset))
            fig.counts["kappa_table"] = dict(zip(("both", "only_a", "only_b"), pooled, strict=True))
        if value is not None:
            fig.counts.update(_unitized_counts(value))
        report.per_code.append(fig)
    overall = Figures(OVERALL)
    if total_pairs:
        overall.percent_agreement = 1.0 - overall_disagreeing / total_pairs
    overall.counts = {
        "documents": len([i for i in infos if len(present[i.id]) >= 2]),
        "documents_in_continuum": len(shared),
        "characters_in_continuum": offset,
    }
    if tables:
        # Pooled over codes and documents: every (code, character) is one judgement.
        pooled = [sum(t[c][i] for t in tables.values() for c in code_ids) for i in range(3)]
        overall.cohen_kappa = _num(
            cohen_kappa_counts(pooled[0], pooled[1], pooled[2], offset * len(code_ids))
        )
    if whole is not None:
        overall.u_alpha = _num(whole.u_alpha)
        overall.binary_u_alpha = _num(whole.binary_u_alpha)
        overall.cu_alpha = _num(whole.cu_alpha)
        overall.counts["overlap_characters"] = whole.overlap_length
        overall.counts["u"] = _unitized_counts(whole.u)
        overall.counts["binary"] = _unitized_counts(whole.binary)
        overall.counts["cu"] = _unitized_counts(whole.cu)
    report.overall = overall
    report.disagreements.sort(key=lambda d: (d.document, d.start, d.code))


def _character_tables(
    shared: Sequence[Any],
    scoped: OldDocumentCodings,
    code_ids: list[int],
    names: list[str],
) -> dict[int, dict[int, tuple[int, int, int]]]:
    """Per document both coders coded, per code: characters coded by both, by
    the first only, by the second only (each coder's codings of a code united)."""
    first, second = names
    tables: dict[int, dict[int, tuple[int, int, int]]] = {}
    for info in shared:
        spans: dict[tuple[str, int], list[Span]] = defaultdict(list)
        for c in scoped[info.id]:
            spans[(c.coder, c.code_id)].append(c.span)
        table: dict[int, tuple[int, int, int]] = {}
        for cid in code_ids:
            a = normalise_spans(spans.get((first, cid), ()))
            b = normalise_spans(spans.get((second, cid), ()))
            both = covered_length(intersect_spans(a, b))
            table[cid] = (both, covered_length(a) - both, covered_length(b) - both)
        tables[info.id] = table
    return tables


def _unitized_counts(figure: UnitizedFigure) -> dict[str, float | None]:
    return {
        "observed_disagreement": _num(figure.observed_disagreement),
        "expected_disagreement": _num(figure.expected_disagreement),
        "pairable_length": _num(figure.pairable_length),
    }
