# Long because (over 600 lines): one report is built here; its reads are in agreement_reads.py.
"""Inter-coder agreement of a project: from codings to the figures of ``agreement.py``.

The pure functions in :mod:`codage.analysis.agreement` take matrices and
continua; this module decides what a coder "said" about a unit or a character
and gathers the counts behind each figure and the list of disagreements.

Rules, in the words a methods section would use:

- **Which coders.** Those named, else every coder with a coding in the chosen
  documents. At least two.
- **Missing data.** A coder who made no coding at all in a document (of any
  code) did not code that document: their values there are missing, not
  "absent". A coder who coded anything in a document is taken to have read
  all of it, so a code they did not apply there counts as "not applied".
- **Unit level** (``sentence``, ``turn``, ``paragraph``, ``answer``:
  the units the readers and spaCy found; ``document``: the whole text as one
  unit). A coder applied code X to a unit when one of their codings of X
  shares at least one character with the unit. Per code, each unit gets
  1 (applied) or 0 (not applied) from each coder: Krippendorff's α (nominal),
  pairwise percent agreement, Cohen's κ (two coders, units both coded) and
  Fleiss' κ (more than two coders, units all of them coded). *Overall*, a
  unit's value is the set of codes the coder applied to it (the empty set
  included), compared as a nominal label: agreement means the same codes.
  Codes are taken one by one: a coding of a sub-code is not a coding of its
  parent.
- **Character level.** Per code, and overall, Krippendorff's uα family
  (:func:`~codage.analysis.unitizing.unitized_alpha`; each code is a value).
  The continuum of the overall and per-code figures is the *concatenation*
  of the documents that every chosen coder coded, in name order (a document
  some coder left aside would otherwise count as their disagreement); each
  document coded by two or more of them also gets its own figures. Per code,
  the figure is the code's own binary continuum (``per_value``). Percent
  agreement at character level pools coder pairs over characters, as at unit
  level, over every document two coders coded; it counts the many characters
  nobody coded as agreement, which is why uα is the figure to report.
- **Cohen's κ over characters** (two coders, character level), as NVivo's
  coding comparison computes it: per code and document, each character is
  coded or not by each coder (a coder's overlapping codings of one code
  count once), κ from that 2 × 2 table; per code pooled over the documents
  both coded (the tables added up), and overall pooled over codes too.
- **Codes nobody used.** A code asked for that none of the chosen coders
  applied in the chosen documents gets no figures and is marked ``used =
  False`` ("not used by these coders"): agreement on nothing is not 100 %.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from codage.analysis.agreement import (
    cohen_kappa,
    cohen_kappa_counts,
    fleiss_kappa_labels,
    krippendorff_alpha,
    percent_agreement,
)
from codage.analysis.agreement_reads import DocumentCodings, DocumentTexts
from codage.analysis.unitizing import UnitizedAlpha, UnitizedFigure, unitized_alpha
from codage.domain import Coding, Span, covered_length, intersect_spans, normalise_spans
from codage.store.project import Conflict, Project

__all__ = [
    "UNIT_CHOICES",
    "AgreementError",
    "AgreementReport",
    "Disagreement",
    "Figures",
    "compute_agreement",
]

UNIT_CHOICES: tuple[str, ...] = (
    "character",
    "sentence",
    "turn",
    "paragraph",
    "answer",
    "document",
)
OVERALL = "(all codes)"


class AgreementError(Conflict):
    """Agreement options that cannot work (fewer than two coders, unknown unit, ...)."""


def _num(value: float | None) -> float | None:
    """NaN (undefined coefficient) becomes None, for JSON and tables."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


@dataclass
class Figures:
    """The coefficients for one code (or all codes) and the counts behind them."""

    code: str
    percent_agreement: float | None = None
    krippendorff_alpha: float | None = None
    cohen_kappa: float | None = None
    fleiss_kappa: float | None = None
    u_alpha: float | None = None
    binary_u_alpha: float | None = None
    cu_alpha: float | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    # False: none of the chosen coders applied this code (no figure means anything)
    used: bool = True


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A place where the coders present did not all do the same with a code."""

    document: str
    start: int
    end: int
    code: str
    coded_by: tuple[str, ...]
    not_coded_by: tuple[str, ...]
    text: str


@dataclass
class AgreementReport:
    """Everything ``codage agreement`` shows."""

    unit: str
    coders: list[str]
    documents: list[str]
    overall: Figures
    per_code: list[Figures]
    disagreements: list[Disagreement]
    # document -> coders who made no coding in it (missing data there)
    missing: dict[str, list[str]] = field(default_factory=dict)
    per_document: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # True when the coders were named by the user, False when every coder was taken
    coders_given: bool = True
    # coder -> documents (of those analysed) in which they made a coding
    documents_per_coder: dict[str, int] = field(default_factory=dict)
    # coders who coded fewer documents than the best-covered coder, when the
    # coders were not named: they shrink the documents compared by everyone
    sparse_coders: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _excerpt(text: str, start: int, end: int, limit: int) -> str:
    piece = " ".join(text[start:end].split())
    return piece if len(piece) <= limit else piece[: limit - 1] + "…"


def compute_agreement(
    project: Project,
    *,
    coders: Sequence[str] | None = None,
    codes: Iterable[int] | None = None,
    documents: Iterable[int] | None = None,
    unit: str = "character",
    excerpt: int = 80,
    exclude_automatic: bool = False,
    exclude_suggested: bool = False,
) -> AgreementReport:
    """Agreement of coders on a project's codings, per code and overall.

    ``codes`` and ``documents`` are ids limiting the analysis (default: all);
    ``unit`` is one of :data:`UNIT_CHOICES`. ``exclude_automatic`` leaves out the
    codings made by auto-coding from a search, ``exclude_suggested`` those accepted
    from a code suggestion (a note says how many). See the module docstring for
    the rules. Reads only; safe to run in a worker thread with its own
    :class:`Project` or the app's.
    """
    if unit not in UNIT_CHOICES:
        raise AgreementError(f"unknown unit {unit!r}: choose one of {', '.join(UNIT_CHOICES)}")
    infos = sorted(project.documents(), key=lambda d: d.name)
    if documents is not None:
        wanted_docs = set(documents)
        infos = [d for d in infos if d.id in wanted_docs]
    all_codes = project.codes()
    paths = {c.id: c.path_str for c in all_codes}
    code_filter = None if codes is None else set(codes)

    # Who coded what where, counted by the database: the codings themselves are read
    # one document at a time below, never the whole project at once.
    tally = project.coding_tally(coders=list(coders) if coders is not None else None)
    automatic = sum(n for *_, auto, _, n in tally if auto) if exclude_automatic else 0
    # a coding both automatic and suggested is counted once, as automatic
    suggested = (
        sum(n for *_, auto, sugg, n in tally if sugg and not (exclude_automatic and auto))
        if exclude_suggested
        else 0
    )
    kept = [
        (d, coder, k)
        for d, coder, k, auto, sugg, _ in tally
        if not (exclude_automatic and auto) and not (exclude_suggested and sugg)
    ]
    in_scope = {info.id for info in infos}
    coders_in: dict[int, set[str]] = defaultdict(set)
    for d, coder, _ in kept:
        coders_in[d].add(coder)
    if coders is None:
        names = sorted({coder for d, coder, _ in kept if d in in_scope})
    else:
        names = list(dict.fromkeys(c.strip() for c in coders if c.strip()))
        known = {c.name for c in project.coders()}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise AgreementError(f"no codings by {', '.join(unknown)} in this project")
    if len(names) < 2:
        raise AgreementError(
            "agreement needs at least two coders with codings"
            + (f" (found: {', '.join(names)})" if names else "")
        )
    selected = set(names)
    present: dict[int, list[str]] = {}
    missing: dict[str, list[str]] = {}
    for info in infos:
        coded = coders_in.get(info.id, set()) & selected
        present[info.id] = [n for n in names if n in coded]
        if len(coded) < len(names):
            missing[info.name] = [n for n in names if n not in coded]
    # Codes analysed: those given, else those any chosen coder applied.
    used = {k for d, coder, k in kept if d in in_scope and coder in selected}
    code_ids = sorted(
        (code_filter if code_filter is not None else used),
        key=lambda cid: paths.get(cid, ""),
    )
    scoped = DocumentCodings(project, names, set(code_ids), exclude_automatic, exclude_suggested)
    report = AgreementReport(
        unit=unit,
        coders=names,
        documents=[d.name for d in infos],
        overall=Figures(OVERALL),
        per_code=[],
        disagreements=[],
        missing=missing,
        coders_given=coders is not None,
    )
    if automatic:
        report.notes.append(f"{automatic} automatic coding(s) left out (--exclude-automatic)")
    if suggested:
        report.notes.append(
            f"{suggested} coding(s) accepted from suggestions left out (--exclude-suggested)"
        )
    report.documents_per_coder = {
        n: sum(1 for info in infos if n in present[info.id]) for n in names
    }
    if coders is None:
        most = max(report.documents_per_coder.values(), default=0)
        report.sparse_coders = [n for n in names if report.documents_per_coder[n] < most]
    texts = DocumentTexts(project)
    if unit == "character":
        _character_level(report, infos, texts, present, scoped, code_ids, paths, names, excerpt)
    else:
        units = {}
        for info in infos:
            if unit == "document":
                units[info.id] = [Span(0, info.length)]
            else:
                units[info.id] = [u.span for u in project.units(info.id, [unit])]
                if not units[info.id]:
                    report.notes.append(f"{info.name}: no {unit} units, left out")
        _unit_level(report, infos, texts, units, present, scoped, code_ids, paths, names, excerpt)
    _mark_unused(report, used, code_ids, paths)
    return report


def _mark_unused(
    report: AgreementReport, used: set[int], code_ids: list[int], paths: dict[int, str]
) -> None:
    """A code none of the coders applied has no meaningful figure: say so instead."""
    unused = {paths.get(cid, str(cid)) for cid in code_ids if cid not in used}
    for fig in report.per_code:
        if fig.code in unused:
            fig.used = False
            fig.percent_agreement = fig.krippendorff_alpha = fig.cohen_kappa = None
            fig.fleiss_kappa = fig.u_alpha = fig.binary_u_alpha = fig.cu_alpha = None


# ---------------------------------------------------------------------------
# Unit level
# ---------------------------------------------------------------------------


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
    scoped: DocumentCodings,
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
    scoped: DocumentCodings,
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
    scoped: DocumentCodings,
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
