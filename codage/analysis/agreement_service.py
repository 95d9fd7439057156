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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from codage.analysis.agreement_characters import character_level as _character_level
from codage.analysis.agreement_reads import (
    CodingArrays,
    DocumentCodings,
    DocumentTexts,
    unit_bounds,
)
from codage.analysis.agreement_units import unit_level as _unit_level
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

    # Who coded what where, counted from the codings' places, read once as arrays (never
    # as a million objects).
    read = CodingArrays(project, list(coders) if coders is not None else None)
    tally = read.tally()
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
    scoped = DocumentCodings(read, names, set(code_ids), exclude_automatic, exclude_suggested)
    del read
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
        if unit == "document":
            units = {info.id: np.array([[0, info.length]], dtype=np.int64) for info in infos}
        else:
            units = unit_bounds(project, unit, [info.id for info in infos])
            for info in infos:
                if not len(units[info.id]):
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
