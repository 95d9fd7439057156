"""The dossier's extracts, written one document at a time into a spill, and counted.

Identical spans of one code by several coders are one extract; its memos and its
overlapping codes are those of all its records, its context that of its first. Each
extract becomes its paragraphs (context, passage, attribution line, memos) as
WordprocessingML text, filed in a :class:`Spill` under its group and code with the
document's name as sort key, so that the body can be written in order afterwards (or
in a :class:`DeflatingSpill`, deflated as it comes, when the source is read in the
order of its documents' names: see :func:`comes_in_order`).

What repeats from one extract to the next (a place's label, a case's description, the
coders' part, the other codes' paths) is made once and reused, and the counts of the
title page and the summary are added up per code and passed on once: a dossier of a
million codings pays a few string operations per extract.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from codage.domain import Case, Code, format_attribute
from codage.exchange.deflate_ahead import DeflatingSpill
from codage.exchange.dossier_layout import ATTRIBUTION_STYLE, CONTEXT_STYLE, MEMO_STYLE
from codage.exchange.dossier_summary import BranchTally
from codage.exchange.dossier_xml import PLAIN_CLOSE, plain_open, plain_paragraph_xml
from codage.exchange.spill import Spill
from codage.exchange.tables import escape_text, format_timestamp
from codage.passages import place_label
from codage.services.selection import (
    Memo,
    Progress,
    Selection,
    SelectionStream,
)
from codage.services.selection_dossier import DossierBatch, DossierRow, dossier_rows

__all__ = ["Tally", "comes_in_order", "spill_extracts"]

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
        # keyed by speaker, time and the identities of the place and case (a case is
        # not hashable), each kept beside its text so that no identity is reused while
        # it is held; emptied with each document
        self._where: dict[tuple[object, ...], tuple[str, object, object]] = {}
        self._where_of: object = None

    def _where_part(self, r: DossierRow) -> str:
        document = r[17]
        if document is not self._where_of or len(self._where) >= _KEEP:
            self._where.clear()
            self._where_of = document
        parts = [document.name]
        if r[9]:
            parts.append(r[9])
        place = r[11]
        if place is not None:
            key = (place.kind, place.number)
            text = self._places.get(key)
            if text is None:
                if len(self._places) >= _KEEP:
                    self._places.clear()
                text = self._places[key] = place_label(place, self._label)
            parts.append(text)
        if r[10] is not None:
            parts.append(f"[{format_timestamp(r[10])}]")
        if r[12] is not None:
            parts.append(self._case(r[12]))
        where = " · ".join(parts)
        self._where[(r[9], id(place), r[10], id(r[12]))] = (where, place, r[12])
        return where

    def line(self, rows: list[DossierRow]) -> str:
        r = rows[0]
        # where the extract stands (document, speaker, place, time, case) is the same
        # for the extracts of one unit: made once while its objects are those of the row
        held = self._where.get((r[9], id(r[11]), r[10], id(r[12])))
        where = held[0] if held is not None and r[17] is self._where_of else self._where_part(r)
        parts = [where]
        if len(rows) == 1:
            # most extracts are one coder's: keyed by that coding's marks alone
            one = (r[3], r[6], r[7])
            coders = self._one_coder.get(one)
            if coders is None:
                coders = self._one_coder[one] = self._coders_part((one,))
        else:
            who = tuple((x[3], x[6], x[7]) for x in rows)
            coders = self._coders.get(who)
            if coders is None:
                if len(self._coders) >= _KEEP:
                    self._coders.clear()
                coders = self._coders[who] = self._coders_part(who)
        parts.append(coders)
        others = r[14] if len(rows) == 1 else frozenset().union(*(x[14] for x in rows))
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


# What makes rows one extract: one code, one span (the rows are one document's)
_SPAN = operator.itemgetter(0, 1, 2)


def _batches(source: Selection | SelectionStream) -> tuple[Iterable[DossierBatch], bool]:
    """The source's rows by document, and whether they came in order already (a
    selection, whose documents' runs are kept in its order: see :class:`DossierBatch`)."""
    if isinstance(source, Selection):
        return _selection_runs(source), True
    if source.dossier is not None:
        return source.dossier.batches, False
    return _record_batches(source), False


def comes_in_order(source: Selection | SelectionStream) -> bool:
    """Whether the source's extracts reach each bucket in their final order: a
    selection's (filed under no name, in its order) and plain rows' (read in the order
    of the documents' names); not a record stream's (read by document id)."""
    return isinstance(source, Selection) or source.dossier is not None


def _selection_runs(selection: Selection) -> Iterator[DossierBatch]:
    # a selection's records are in order already: each run of one document's records
    # is filed under no name, so that the spill keeps them in that order
    ranks = {c.id: i for i, c in enumerate(selection.codes)}
    for _, run in itertools.groupby(selection.records, key=lambda r: r.document.id):
        yield DossierBatch("", dossier_rows(run, selection.codes, ranks))


def _record_batches(stream: SelectionStream) -> Iterator[DossierBatch]:
    # records of one document (a pseudonymised stream's): within a document the
    # records' order (record_order) is the rows' order as tuples
    ranks = {c.id: i for i, c in enumerate(stream.codes)}
    for batch in stream.batches:
        rows = dossier_rows(batch.records, stream.codes, ranks)
        rows.sort()
        yield DossierBatch(batch.name, rows)


def spill_extracts(
    source: Selection | SelectionStream,
    spill: Spill | DeflatingSpill,
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
    total = len(source.documents)
    # the quote and the attribution line are plain runs but rarely: their paragraph's
    # opening made once, and plain_paragraph_xml called only for the others (whose
    # answer for a printable text is these same characters)
    quote_open, attribution_open = plain_open(quote_id), plain_open(attribution_id)
    line = attribution.line
    for n, batch in enumerate(batches, 1):
        pieces: dict[tuple[str | None, int], list[str]] = {}
        document = batch.rows[0][17]
        for _, grouped in itertools.groupby(batch.rows, _SPAN):
            group = list(grouped)
            first = group[0]
            code_id = first[5]
            case = first[12]
            if group_by == "code":
                bucket: str | None = None
            elif group_by == "document":
                bucket = document.name
            else:
                bucket = case.name if case is not None else None
                if bucket not in tally.cases:
                    tally.cases[bucket] = case
            counted = counts.get(code_id)
            if counted is None:
                counted = counts[code_id] = _CodeCounts()
            counted.extracts += 1
            if len(group) == 1:
                counted.codings += 1
                counted.coders.add(first[3])
                if case is not None:
                    counted.cases.add(case.name)
                memos: Iterable[Memo] = first[13]
            else:
                counted.codings += len(group)
                counted.coders.update(r[3] for r in group)
                counted.cases.update(r[12].name for r in group if r[12] is not None)
                memos = [memo for r in group for memo in r[13]]
            parts = pieces.get((bucket, code_id))
            if parts is None:
                parts = pieces[(bucket, code_id)] = []
            before, after = first[15], first[16]
            if before:
                parts.append(plain_paragraph_xml(context_id, "… " + before))
            text = first[8].strip("\n")
            if text.isprintable():
                parts.append(f"{quote_open}{escape_text(text)}{PLAIN_CLOSE}")
            else:
                parts.append(plain_paragraph_xml(quote_id, text))
            if after:
                parts.append(plain_paragraph_xml(context_id, after + " …"))
            text = line(group)
            if text.isprintable():
                parts.append(f"{attribution_open}{escape_text(text)}{PLAIN_CLOSE}")
            else:
                parts.append(plain_paragraph_xml(attribution_id, text))
            for author, memo in memos:
                who = f" ({author})" if author else ""
                parts.append(plain_paragraph_xml(memo_id, f"{memo_word}{who}: {memo.strip()}"))
        for bucket_key, xml in pieces.items():
            counts[bucket_key[1]].documents.add(document.id)
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
