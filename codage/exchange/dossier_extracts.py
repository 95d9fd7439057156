"""The dossier's extracts, written one document at a time into a spill, and counted.

Identical spans of one code by several coders are one extract; its memos and its
overlapping codes are those of all its records, its context that of its first. Each
extract becomes its paragraphs (context, passage, attribution line, memos) as
WordprocessingML text, filed in a :class:`Spill` under its group and code with the
document's name as sort key, so that the body can be written in order afterwards.

What repeats from one extract to the next (a place's label, a case's description, the
coders' part, the other codes' paths) is made once and reused, and the counts of the
title page and the summary are added up per code and passed on once: a dossier of a
million codings pays a few string operations per extract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from codage.domain import Case, Code, format_attribute
from codage.exchange.dossier_layout import ATTRIBUTION_STYLE, CONTEXT_STYLE, MEMO_STYLE
from codage.exchange.dossier_summary import BranchTally
from codage.exchange.dossier_xml import plain_paragraph_xml
from codage.exchange.spill import Spill
from codage.exchange.tables import format_timestamp
from codage.passages import place_label
from codage.services.selection import (
    CodingRecord,
    DocumentBatch,
    Memo,
    Progress,
    Selection,
    SelectionStream,
    record_order,
)

__all__ = ["Tally", "spill_extracts"]

# Made-once parts kept, up to this many of each kind
_KEEP = 4096


@dataclass
class Tally:
    """What the title page and the report count, added up as extracts are written."""

    extracts: int = 0
    codings: int = 0
    documents: set[int] = field(default_factory=set)
    coders: set[str] = field(default_factory=set)
    codes: set[int] = field(default_factory=set)
    cases: dict[str | None, Case | None] = field(default_factory=dict)  # first seen, by name


@dataclass
class _CodeCounts:
    """One code's extracts as the summary counts them."""

    extracts: int = 0
    codings: int = 0
    documents: set[int] = field(default_factory=set)
    cases: set[str] = field(default_factory=set)
    coders: set[str] = field(default_factory=set)


class _Attribution:
    """The line under an extract: document, speaker, place, time, case, coders, other codes."""

    def __init__(self, codes: Sequence[Code], label: Callable[..., str]) -> None:
        self._label = label
        self._paths = {code.id: code.path_str for code in codes}
        self._order = {code.id: i for i, code in enumerate(codes)}
        self._places: dict[tuple[str, int], str] = {}
        self._cases: dict[int, tuple[Case, str]] = {}
        self._coders: dict[tuple[tuple[str, bool, bool], ...], str] = {}
        self._one_coder: dict[tuple[str, bool, bool], str] = {}
        self._others: dict[frozenset[int], str] = {}
        self._case_word = label("dossier.case")

    def line(self, records: list[CodingRecord]) -> str:
        r = records[0]
        parts = [r.document.name]
        if r.speaker:
            parts.append(r.speaker)
        place = r.place
        if place is not None:
            key = (place.kind, place.number)
            text = self._places.get(key)
            if text is None:
                if len(self._places) >= _KEEP:
                    self._places.clear()
                text = self._places[key] = place_label(place, self._label)
            parts.append(text)
        if r.timestamp is not None:
            parts.append(f"[{format_timestamp(r.timestamp)}]")
        if r.case is not None:
            parts.append(self._case(r.case))
        c = r.coding
        if len(records) == 1:
            # most extracts are one coder's: keyed by that coding's marks alone
            one = (c.coder, c.automatic, c.suggested)
            coders = self._one_coder.get(one)
            if coders is None:
                coders = self._one_coder[one] = self._coders_part((one,))
        else:
            who = tuple((x.coding.coder, x.coding.automatic, x.coding.suggested) for x in records)
            coders = self._coders.get(who)
            if coders is None:
                if len(self._coders) >= _KEEP:
                    self._coders.clear()
                coders = self._coders[who] = self._coders_part(who)
        parts.append(coders)
        others = (
            r.overlapping
            if len(records) == 1
            else frozenset().union(*(x.overlapping for x in records))
        )
        if others:
            also = self._others.get(others)
            if also is None:
                if len(self._others) >= _KEEP:
                    self._others.clear()
                paths = [self._paths[i] for i in sorted(others, key=self._order.__getitem__)]
                also = self._others[others] = f"{self._label('dossier.also')}: " + ", ".join(paths)
            parts.append(also)
        return "— " + " · ".join(parts)

    def _case(self, case: Case) -> str:
        # a case is named the same on each of its extracts: its words made once per case
        made = self._cases.get(id(case))
        if made is None or made[0] is not case:
            attrs = ", ".join(
                f"{k}: {format_attribute(v)}"
                for k, v in sorted(case.attributes.items())
                if v is not None
            )
            if len(self._cases) >= _KEEP:
                self._cases.clear()
            text = f"{self._case_word} {case.name}" + (f" ({attrs})" if attrs else "")
            made = self._cases[id(case)] = (case, text)
        return made[1]

    def _coders_part(self, who: tuple[tuple[str, bool, bool], ...]) -> str:
        label = self._label
        coders = sorted({coder for coder, _, _ in who})
        # codings made by auto-coding from a search are told apart from a coder's own
        # and so are those a coder accepted from a code suggestion
        marks: dict[str, list[str]] = {c: [] for c in coders}
        for coder, automatic, suggested in who:
            for flag, key in ((automatic, "dossier.automatic"), (suggested, "dossier.suggested")):
                if flag and label(key) not in marks[coder]:
                    marks[coder].append(label(key))
        word = label("dossier.coders_label" if len(coders) > 1 else "dossier.coder_label")
        named = (f"{c} ({', '.join(marks[c])})" if marks[c] else c for c in coders)
        return f"{word}: " + ", ".join(named)


def _groups(records: list[CodingRecord]) -> Iterable[list[CodingRecord]]:
    """Records (in selection order) grouped into extracts: one code, one span."""
    group: list[CodingRecord] = []
    last = None
    for record in records:
        c = record.coding
        key = (record.code.id, c.document_id, c.start, c.end)
        if key != last:
            if group:
                yield group
            group = [record]
            last = key
        else:
            group.append(record)
    if group:
        yield group


def _batches(source: Selection | SelectionStream) -> tuple[Iterable[DocumentBatch], bool]:
    """The source's records by document, and whether they are already in order."""
    if isinstance(source, Selection):
        # a selection's records are in order already: one batch keeps that order
        return [DocumentBatch("", source.records)], True
    return source.batches, False


def spill_extracts(
    source: Selection | SelectionStream,
    spill: Spill,
    group_by: str,
    ids: Callable[[str], str],
    label: Callable[..., str],
    progress: Progress | None,
) -> tuple[Tally, BranchTally]:
    """Read the source one document at a time; file each extract's paragraphs under its
    group and code, sorted by document name; count what the front matter shows."""
    tally = Tally()
    counts: dict[int, _CodeCounts] = {}
    attribution = _Attribution(source.codes, label)
    context_id, quote_id = ids(CONTEXT_STYLE), ids("Quote")
    attribution_id, memo_id = ids(ATTRIBUTION_STYLE), ids(MEMO_STYLE)
    memo_word = label("dossier.memo")
    batches, in_order = _batches(source)
    order = record_order(source.codes)
    total = len(source.documents)
    for n, batch in enumerate(batches, 1):
        records = batch.records if in_order else sorted(batch.records, key=order)
        pieces: dict[tuple[str | None, int], list[str]] = {}
        for group in _groups(records):
            first = group[0]
            code_id = first.code.id
            if group_by == "code":
                bucket: str | None = None
            elif group_by == "document":
                bucket = first.document.name
            else:
                bucket = first.case.name if first.case is not None else None
                if bucket not in tally.cases:
                    tally.cases[bucket] = first.case
            counted = counts.get(code_id)
            if counted is None:
                counted = counts[code_id] = _CodeCounts()
            counted.extracts += 1
            counted.codings += len(group)
            counted.documents.add(first.document.id)
            if len(group) == 1:
                counted.coders.add(first.coding.coder)
                if first.case is not None:
                    counted.cases.add(first.case.name)
                memos: Iterable[Memo] = first.memos
            else:
                counted.coders.update(r.coding.coder for r in group)
                counted.cases.update(r.case.name for r in group if r.case is not None)
                memos = [memo for r in group for memo in r.memos]
            parts = pieces.get((bucket, code_id))
            if parts is None:
                parts = pieces[(bucket, code_id)] = []
            if first.before:
                parts.append(plain_paragraph_xml(context_id, "… " + first.before))
            parts.append(plain_paragraph_xml(quote_id, first.coding.text.strip("\n")))
            if first.after:
                parts.append(plain_paragraph_xml(context_id, first.after + " …"))
            parts.append(plain_paragraph_xml(attribution_id, attribution.line(group)))
            for author, text in memos:
                who = f" ({author})" if author else ""
                parts.append(plain_paragraph_xml(memo_id, f"{memo_word}{who}: {text.strip()}"))
        for bucket_key, xml in pieces.items():
            spill.add(bucket_key, batch.name, "".join(xml).encode("utf-8"))
        if progress is not None and not in_order:
            progress(min(n, total), total)
    if progress is not None:
        progress(total, total)
    branches = BranchTally(source.codes, source.code_ids)
    for code_id, counted in counts.items():
        tally.extracts += counted.extracts
        tally.codings += counted.codings
        tally.codes.add(code_id)
        tally.documents |= counted.documents
        tally.coders |= counted.coders
        branches.add_code(
            code_id,
            counted.extracts,
            counted.codings,
            counted.documents,
            counted.cases,
            counted.coders,
        )
    return tally, branches
