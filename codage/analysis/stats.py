"""The numbers behind the codings: frequencies, crosstabs and co-occurrence.

The computations are pure functions over domain objects (:class:`CodingFacts`
gathered once); :func:`compute_stats` is the thin layer that reads them from a
:class:`Project`. A coding belongs to the case of the unit that holds it (a
survey answer linked to a respondent), else to the case of its document.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

from codage.analysis.stats_tables import CodeFrequency, Stats
from codage.domain import (
    Case,
    Code,
    Coding,
    DocumentInfo,
    Span,
    Unit,
    covered_length,
    format_attribute,
    normalise_spans,
)
from codage.passages import case_locator
from codage.services import case_finder

if TYPE_CHECKING:
    from codage.store.lite import LiteProject
    from codage.store.project import Project

    # what statistics read: the full store, or a SQLite project read through sqlite3
    StatsSource = Project | LiteProject

# Units whose co-occurrence we count, finest natural grain first for each kind
# of document: a survey answer, a speaker turn, a paragraph, else a sentence.
UNIT_PREFERENCE: tuple[str, ...] = ("answer", "turn", "paragraph", "sentence")

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class CodingFacts:
    """A coding with what the numbers need to know about where it sits."""

    coding: Coding
    case: str | None
    # ids of the co-occurrence units (one kind per document) the coding touches
    units: tuple[int, ...] = ()


# ---------------------------------------------------------------------------
# Pure computations
# ---------------------------------------------------------------------------


def frequencies(
    codes: Sequence[Code], facts: Iterable[CodingFacts], total_characters: int
) -> list[CodeFrequency]:
    """Per code, in tree order: codings, documents, cases, coders and share of text.

    The share is the number of characters covered by the union of the code's
    codings (several coders on one passage count once) over ``total_characters``.
    """
    by_code: dict[int, list[CodingFacts]] = defaultdict(list)
    for fact in facts:
        by_code[fact.coding.code_id].append(fact)
    out = []
    for code in codes:
        items = by_code.get(code.id, [])
        spans: dict[int, list[Span]] = defaultdict(list)
        for f in items:
            spans[f.coding.document_id].append(f.coding.span)
        characters = sum(covered_length(s) for s in spans.values())
        out.append(
            CodeFrequency(
                code_id=code.id,
                path=code.path_str,
                codings=len(items),
                documents=len(spans),
                cases=len({f.case for f in items if f.case is not None}),
                coders=len({f.coding.coder for f in items}),
                characters=characters,
                share=characters / total_characters if total_characters else 0.0,
            )
        )
    return out


def code_by_document(
    facts: Iterable[CodingFacts], document_names: Mapping[int, str]
) -> dict[int, dict[str, int]]:
    """Codings per code and document."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f in facts:
        out[f.coding.code_id][document_names[f.coding.document_id]] += 1
    return {cid: dict(v) for cid, v in out.items()}


def code_by_attribute(
    facts: Iterable[CodingFacts], cases: Mapping[str, Case], *, measure: str = "codings"
) -> dict[str, dict[int, dict[str, int]]]:
    """Per case attribute, per code, per value: codings (or distinct cases, ``measure="cases"``).

    Codings without a case, or whose case lacks the attribute, are left out of
    that attribute's table.
    """
    counts: dict[str, dict[int, dict[str, set[Any] | int]]] = {}
    for f in facts:
        if f.case is None or f.case not in cases:
            continue
        for attribute, value in cases[f.case].attributes.items():
            if value is None:
                continue
            cell = counts.setdefault(attribute, {}).setdefault(f.coding.code_id, {})
            key = format_attribute(value)
            if measure == "cases":
                cell.setdefault(key, set()).add(f.case)  # type: ignore[union-attr]
            else:
                cell[key] = int(cell.get(key, 0)) + 1  # type: ignore[arg-type]
    return {
        attr: {
            cid: {v: (len(n) if isinstance(n, set) else n) for v, n in values.items()}
            for cid, values in per_code.items()
        }
        for attr, per_code in counts.items()
    }


def _pair(a: int, b: int, order: Mapping[int, int]) -> tuple[int, int]:
    return (a, b) if order.get(a, a) <= order.get(b, b) else (b, a)


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """:func:`normalise_spans` on (start, end) pairs: sorted, those that overlap or touch
    merged, empty ones gone; statistics merge a million spans, objects cost."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if start == end:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _overlapping_pairs(per_code: Mapping[int, Sequence[Span]]) -> dict[tuple[int, int], int]:
    """For one document, per pair of code ids (smaller first): the stretches where the
    unions of their codings overlap."""
    return _sweep(
        {
            code_id: [(span.start, span.end) for span in normalise_spans(spans)]
            for code_id, spans in per_code.items()
        }
    )


def _sweep(merged_by_code: Mapping[int, Sequence[tuple[int, int]]]) -> dict[tuple[int, int], int]:
    """:func:`_overlapping_pairs` of codes whose spans are merged already. A sweep over
    the spans sorted by start, keeping those still open: the work grows with the spans
    and the overlaps, not with the pairs of codes."""
    return _sweep_sorted(
        sorted(
            (start, end, code_id)
            for code_id, spans in merged_by_code.items()
            for start, end in spans
        )
    )


def _sweep_sorted(merged: Sequence[tuple[int, int, int]]) -> dict[tuple[int, int], int]:
    """:func:`_sweep` of the merged spans as (start, end, code id), sorted."""
    out: dict[tuple[int, int], int] = defaultdict(int)
    open_spans: list[tuple[int, int]] = []  # (end, code id)
    for start, end, code_id in merged:
        # A code's own merged spans neither overlap nor touch: what is still open
        # past ``start`` belongs to other codes, and each is one common stretch.
        if open_spans:
            open_spans = [(e, c) for e, c in open_spans if e > start]
            for _, other in open_spans:
                out[(other, code_id) if other < code_id else (code_id, other)] += 1
        open_spans.append((end, code_id))
    return out


def cooccurrence_passage(
    facts: Iterable[CodingFacts], order: Mapping[int, int] | None = None
) -> dict[tuple[int, int], int]:
    """Passages coded with both codes of a pair: the stretches of text where their codings
    overlap, counted once whatever the number of coders (intersection of the codes' unions)."""
    order = order or {}
    spans: dict[int, dict[int, list[Span]]] = defaultdict(lambda: defaultdict(list))
    for f in facts:
        spans[f.coding.document_id][f.coding.code_id].append(f.coding.span)
    out: dict[tuple[int, int], int] = defaultdict(int)
    for per_code in spans.values():
        _add_pairs(out, _overlapping_pairs(per_code), order)
    return dict(out)


def _add_pairs(
    out: dict[tuple[int, int], int], found: Mapping[tuple[int, int], int], order: Mapping[int, int]
) -> None:
    # In the order of the pairs of ids, as the tables have always listed them.
    for (a, b), n in sorted(found.items()):
        out[_pair(a, b, order)] += n


def cooccurrence_unit(
    facts: Iterable[CodingFacts], order: Mapping[int, int] | None = None
) -> dict[tuple[int, int], int]:
    """Units (answer, turn, paragraph or sentence) touched by codings of both codes of a pair."""
    order = order or {}
    codes_in_unit: dict[int, set[int]] = defaultdict(set)
    for f in facts:
        for unit_id in f.units:
            codes_in_unit[unit_id].add(f.coding.code_id)
    out: dict[tuple[int, int], int] = defaultdict(int)
    for codes in codes_in_unit.values():
        for a, b in combinations(sorted(codes), 2):
            out[_pair(a, b, order)] += 1
    return dict(out)


def pick_unit_kind(
    units: Sequence[Unit], preference: Sequence[str] = UNIT_PREFERENCE
) -> str | None:
    """The kind of unit co-occurrence is counted in for one document."""
    kinds = {u.kind for u in units}
    return next((k for k in preference if k in kinds), None)


def touched_units(span: Span, units: Sequence[Unit], starts: Sequence[int]) -> tuple[int, ...]:
    """Ids of the units (sorted by start, not nested) that share a code point with ``span``."""
    out = []
    # units are not nested within one kind, so the first candidate is the last starting
    # at or before the span's start
    i = max(bisect.bisect_right(starts, span.start) - 1, 0)
    while i < len(units) and units[i].start < span.end:
        unit = units[i]
        if unit.id is not None and unit.start < span.end and span.start < unit.end:
            out.append(unit.id)
        i += 1
    return tuple(out)


def gather_facts(
    project: Project,
    documents: Sequence[DocumentInfo],
    codings: Sequence[Coding],
    *,
    unit_preference: Sequence[str] = UNIT_PREFERENCE,
    progress: Progress | None = None,
) -> tuple[list[CodingFacts], dict[str, Case], dict[str, str]]:
    """Attach a case and the touched units to each coding, one document at a time.

    Returns the facts, the cases met (by name) and the unit kind used per document.
    """
    by_doc: dict[int, list[Coding]] = defaultdict(list)
    for c in codings:
        by_doc[c.document_id].append(c)
    facts: list[CodingFacts] = []
    cases: dict[str, Case] = {}
    kinds: dict[str, str] = {}
    for n, doc in enumerate(documents, 1):
        mine = by_doc.get(doc.id, [])
        if mine:
            units = project.units(doc.id)
            kind = pick_unit_kind(units, unit_preference)
            grain = [u for u in units if u.kind == kind]
            grain_starts = [u.start for u in grain]
            if kind:
                kinds[doc.name] = kind
            find_case = case_finder(project, doc.id, units)
            for c in mine:
                case = find_case(c.span)
                if case is not None:
                    cases[case.name] = case
                facts.append(
                    CodingFacts(
                        c,
                        case.name if case else None,
                        touched_units(c.span, grain, grain_starts) if kind else (),
                    )
                )
        if progress is not None:
            progress(n, len(documents))
    return facts, cases, kinds


def compute_stats(
    project: StatsSource,
    *,
    code_ids: Iterable[int] | None = None,
    document_ids: Iterable[int] | None = None,
    coders: Iterable[str] | None = None,
    unit_preference: Sequence[str] = UNIT_PREFERENCE,
    progress: Progress | None = None,
) -> Stats:
    """Frequencies, crosstabs and co-occurrence of a project's codings, filtered as asked.

    The share of text is over the characters of the documents in scope. Read one
    document at a time (its codings as plain rows, the bounds of its co-occurrence
    units once) and tallied as it goes: the whole project's codings are never held,
    whatever its size. The tables are those :func:`stats_from` makes of
    :func:`gather_facts`, in the same order.
    """
    codes = project.codes()
    if code_ids is not None:
        wanted_codes = set(code_ids)
        codes = [c for c in codes if c.id in wanted_codes]
    documents = project.documents()
    if document_ids is not None:
        wanted_docs = set(document_ids)
        documents = [d for d in documents if d.id in wanted_docs]
    code_set = {c.id for c in codes}
    coder_list = None if coders is None else list(coders)
    # Asked once for the project, rather than reading every unit of every document:
    # which kinds of unit a document has, and which documents have cases at all.
    unit_kinds = project.unit_kinds()
    with_cases = project.documents_with_cases()
    tally = _Tally(codes)
    # Each document's kind of co-occurrence unit: the first of the preference it has.
    plan = [
        (doc.id, next((k for k in unit_preference if k in unit_kinds.get(doc.id, ())), None))
        for doc in documents
    ]
    read = project.spans_by_document(
        plan, code_ids=None if code_ids is None else code_set, coders=coder_list
    )
    for n, (doc, (_, kind), (rows, grain)) in enumerate(zip(documents, plan, read, strict=True), 1):
        if rows:
            find_case = _case_of(project, doc.id) if doc.id in with_cases else None
            if kind:
                tally.kinds[doc.name] = kind
            tally.add(doc.name, rows, grain, find_case)
        if progress is not None:
            progress(n, len(documents))
    return tally.stats(documents)


class StatsCollector:
    """:func:`compute_stats`'s tables, added up from a pass over the codings another
    reader makes (the workbook's export): the codings are read once, not a second time
    for its statistics sheets (issue 20). Given to the selection stream as its
    ``observer`` (see :class:`codage.services.selection_rows.DocumentObserver`), which
    hands it each document's codings in scope and the units of :meth:`unit_kind`;
    :meth:`stats` then equals :func:`compute_stats` with the same filters."""

    def __init__(
        self,
        project: Project,
        codes: Sequence[Code],
        documents: Sequence[DocumentInfo],
        code_ids: Iterable[int] | None,
        unit_preference: Sequence[str] = UNIT_PREFERENCE,
    ) -> None:
        if code_ids is not None:
            wanted = set(code_ids)
            codes = [c for c in codes if c.id in wanted]
        self._documents = list(documents)
        self._kinds = project.unit_kinds()
        self._with_cases = project.documents_with_cases()
        self._preference = tuple(unit_preference)
        self._tally = _Tally(codes)
        self._pairs: tuple[Any, Any] | None = None  # (passages, units): see stats_arrays

    def unit_kind(self, document: DocumentInfo) -> str | None:
        """The kind of unit co-occurrence is counted in for this document."""
        kinds = self._kinds.get(document.id, ())
        return next((k for k in self._preference if k in kinds), None)

    def add(
        self,
        document: DocumentInfo,
        rows: Sequence[tuple[int, str, int, int]],
        grain: Sequence[tuple[int, int, int]],
        find_case: Callable[[Span], Case | None] | None,
        document_case: Case | None,
    ) -> None:
        """Count one document's codings (code id, coder, start, end) in text order, with
        ``grain`` its units of :meth:`unit_kind` (id, start, end) in the order of
        ``Project.units``, ``find_case`` the case of a passage when some of its units
        have one (else None, the passages being ``document_case``'s)."""
        if not rows:
            return
        # counted by arrays (see stats_arrays), imported here: numpy loads only for
        # the export that counts on its pass
        from codage.analysis.stats_arrays import PairCounts, add_document

        if self._pairs is None:
            self._pairs = (PairCounts(self._tally.codes), PairCounts(self._tally.codes))
        if document.id not in self._with_cases:
            find_case = document_case = None
        kind = self.unit_kind(document)
        if kind:
            self._tally.kinds[document.name] = kind
        add_document(
            self._tally, document.name, rows, grain, find_case, document_case, *self._pairs
        )

    def stats(self) -> Stats:
        """The tables of every document added."""
        if self._pairs is not None:
            passages, units = self._pairs
            passages.fold(self._tally.passage, self._tally.order)
            units.fold(self._tally.unit, self._tally.order)
        return self._tally.stats(self._documents)


def _case_of(project: StatsSource, document_id: int) -> Callable[[Span], Case | None]:
    """What :func:`case_finder` finds, reading a document's units only if some of them
    have a case of their own (survey answers); an interview has at most its own case."""
    unit_cases = project.unit_cases(document_id)
    document_case = project.document_case(document_id)
    if not unit_cases:
        return lambda _span: document_case
    return case_locator(project.units(document_id), unit_cases, document_case)


class _Tally:
    """Every table of :class:`Stats`, added up one document's codings at a time, in the
    order :func:`stats_from` lists them when given all the facts at once."""

    def __init__(self, codes: Sequence[Code]) -> None:
        self.codes = list(codes)
        self.order = {c.id: i for i, c in enumerate(codes)}
        self.codings: dict[int, int] = defaultdict(int)
        self.documents: dict[int, int] = defaultdict(int)
        self.cases: dict[int, set[str]] = defaultdict(set)
        self.coders: dict[int, set[str]] = defaultdict(set)
        self.characters: dict[int, int] = defaultdict(int)
        self.by_document: dict[int, dict[str, int]] = {}
        self.by_attribute: dict[str, dict[int, dict[str, int]]] = {}
        self.case_sets: dict[str, dict[int, dict[str, set[str]]]] = {}
        self.passage: dict[tuple[int, int], int] = defaultdict(int)
        self.unit: dict[tuple[int, int], int] = defaultdict(int)
        self.kinds: dict[str, str] = {}
        # case name -> its (attribute, value as text), computed once per case
        self._values: dict[str, list[tuple[str, str]]] = {}

    def add(
        self,
        name: str,
        rows: Sequence[tuple[int, str, int, int]],
        grain: Sequence[tuple[int, int, int]],
        find_case: Callable[[Span], Case | None] | None,
    ) -> None:
        """Count one document's codings in scope, (code id, coder, start, end) in text
        order; ``grain`` its co-occurrence units (id, start, end) in the order of
        ``Project.units``; ``find_case`` the case of a passage, None if it has none."""
        spans: dict[int, list[tuple[int, int]]] = {}
        starts = [start for _, start, _ in grain]
        count = len(grain)
        after = bisect.bisect_right
        codes_in_unit: dict[int, set[int]] = {}
        for code_id, _coder, start, end in rows:
            found = spans.get(code_id)
            if found is None:
                spans[code_id] = [(start, end)]
            else:
                found.append((start, end))
            if find_case is not None:
                case = find_case(Span(start, end))
                if case is not None:
                    self.count_case(code_id, case)
            if count:
                # the units (sorted by start, not nested) sharing a code point with the
                # coding: from the last one starting at or before its start
                i = max(after(starts, start) - 1, 0)
                while i < count:
                    unit_id, unit_start, unit_end = grain[i]
                    if unit_start >= end:
                        break
                    if start < unit_end:
                        held = codes_in_unit.get(unit_id)
                        if held is None:
                            codes_in_unit[unit_id] = {code_id}
                        else:
                            held.add(code_id)
                    i += 1
        # Per code, in the order the codes first appear (which orders the tables).
        by_document = self.by_document
        for code_id, found in spans.items():
            n = len(found)
            self.codings[code_id] += n
            per_doc = by_document.get(code_id)
            if per_doc is None:
                per_doc = by_document[code_id] = {}
            per_doc[name] = per_doc.get(name, 0) + n
        for code_id, coder in {(code_id, coder) for code_id, coder, _, _ in rows}:
            self.coders[code_id].add(coder)
        merged = {code_id: _merged(found) for code_id, found in spans.items()}
        for code_id, pieces in merged.items():
            self.documents[code_id] += 1
            self.characters[code_id] += sum(end - start for start, end in pieces)
        _add_pairs(self.passage, _sweep(merged), self.order)
        order, unit = self.order, self.unit
        for held in codes_in_unit.values():
            if len(held) > 1:
                for a, b in combinations(sorted(held), 2):
                    # _pair, inlined: a million codings make many pairs
                    unit[(a, b) if order.get(a, a) <= order.get(b, b) else (b, a)] += 1

    def count_case(self, code_id: int, case: Case, n: int = 1) -> None:
        """Count ``n`` codings of a code in a case (its attribute values)."""
        self.cases[code_id].add(case.name)
        values = self._values.get(case.name)
        if values is None:
            values = self._values[case.name] = [
                (attribute, format_attribute(value))
                for attribute, value in case.attributes.items()
                if value is not None
            ]
        for attribute, key in values:
            cell = self.by_attribute.setdefault(attribute, {}).setdefault(code_id, {})
            cell[key] = cell.get(key, 0) + n
            sets = self.case_sets.setdefault(attribute, {}).setdefault(code_id, {})
            sets.setdefault(key, set()).add(case.name)

    def stats(self, documents: Sequence[DocumentInfo]) -> Stats:
        total = sum(d.length for d in documents)
        return Stats(
            codes=self.codes,
            documents=[d.name for d in documents],
            total_characters=total,
            frequencies=[
                CodeFrequency(
                    code_id=code.id,
                    path=code.path_str,
                    codings=self.codings.get(code.id, 0),
                    documents=self.documents.get(code.id, 0),
                    cases=len(self.cases.get(code.id, ())),
                    coders=len(self.coders.get(code.id, ())),
                    characters=self.characters.get(code.id, 0),
                    share=self.characters.get(code.id, 0) / total if total else 0.0,
                )
                for code in self.codes
            ],
            by_document=self.by_document,
            by_attribute=self.by_attribute,
            cases_by_attribute={
                attr: {cid: {v: len(n) for v, n in values.items()} for cid, values in per.items()}
                for attr, per in self.case_sets.items()
            },
            cooccurrence_passage=dict(self.passage),
            cooccurrence_unit=dict(self.unit),
            unit_kinds=self.kinds,
        )


def stats_from(
    codes: Sequence[Code],
    documents: Sequence[DocumentInfo],
    facts: Sequence[CodingFacts],
    cases: Mapping[str, Case],
    unit_kinds: Mapping[str, str],
) -> Stats:
    """Assemble every table from facts already gathered (pure)."""
    order = {c.id: i for i, c in enumerate(codes)}
    names = {d.id: d.name for d in documents}
    total = sum(d.length for d in documents)
    return Stats(
        codes=list(codes),
        documents=[d.name for d in documents],
        total_characters=total,
        frequencies=frequencies(codes, facts, total),
        by_document=code_by_document(facts, names),
        by_attribute=code_by_attribute(facts, cases),
        cases_by_attribute=code_by_attribute(facts, cases, measure="cases"),
        cooccurrence_passage=cooccurrence_passage(facts, order),
        cooccurrence_unit=cooccurrence_unit(facts, order),
        unit_kinds=dict(unit_kinds),
    )
