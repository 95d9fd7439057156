"""REFI-QDA records -> a (temporary) codage project.

Texts are split into units as a ``.txt`` import splits them; then come the
codebook, the codings placed on the stored text (positions converted with
:mod:`.offsets`), memos and cases. Codings that cannot be placed are handed
back as :class:`Unplaced` records, to be kept aside in the project the import
is merged into (see :mod:`.service`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from codage.display import visible
from codage.domain import CodePath, CodingImport, NewDocument, Unit, text_sha256
from codage.ingest.errors import IngestError
from codage.ingest.nlp import AnalysisError, stream_units
from codage.ingest.refi.model import RefiCode, RefiCoding, RefiProject, RefiSelection, RefiSource
from codage.ingest.refi.offsets import (
    STANDARD,
    Counting,
    Positions,
    detect,
    squash,
    stored_text,
)
from codage.ingest.refi.report import NotPlaced, RefiReport
from codage.ingest.structure import build_document, plain_blocks
from codage.store.project import Project


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A coding to keep aside in the target, once its document and code are there."""

    document: str
    sha: str
    code: CodePath
    coder: str
    start: int
    end: int
    text: str
    memo: str | None
    reason: str


@dataclass
class _Placed:
    """A source written into the temporary project."""

    source: RefiSource
    document_id: int
    name: str
    text: str
    mapping: list[int]
    positions: Positions


def place(positions: Positions, mapping: list[int], start: int, end: int) -> tuple[int, int] | str:
    """Stored offsets of a selection, or why it cannot be placed."""
    if start < 0 or end < 0:
        return "negative position"
    if start >= end:
        return "start is not before end"
    a = positions.index(start)
    b = positions.index(end)
    if a is None or b is None:
        return f"outside the text as counted ({positions.counting.describe()})"
    s, e = mapping[a[0]], mapping[b[0]]
    if s >= e:
        return "empty once the text is normalised"
    return s, e


class Builder:
    """Writes one :class:`RefiProject` into a project (see the module)."""

    def __init__(
        self, refi: RefiProject, project: Project, report: RefiReport, coder: str, n_process: int
    ) -> None:
        self.refi = refi
        self.project = project
        self.report = report
        self.importer = coder
        self.n_process = n_process
        self.asides: list[Unplaced] = []
        self.code_ids: dict[str, int] = {}
        self.code_paths: dict[str, CodePath] = {}
        # by the source record itself: a file may repeat a GUID (or give none)
        self.placed: dict[int, _Placed] = {}
        self.by_guid: dict[str, _Placed] = {}
        self.used_notes: set[str] = set()

    def build(self) -> None:
        refi, report = self.refi, self.report
        report.sources = len(refi.sources)
        report.codings = sum(
            len(s.whole) + sum(len(sel.codings) for sel in s.selections) for s in refi.sources
        )
        report.memos = (
            len(refi.notes)
            + sum(
                len(s.memo_texts)
                + sum(len(c.memo_texts) for sel in s.selections for c in sel.codings)
                for s in refi.sources
            )
            + len(refi.project_memo_texts)
            + sum(len(v) for v in refi.code_memo_texts.values())
        )
        report.cases = len(refi.cases)
        report.skipped.update(refi.skipped)
        report.notes.extend(refi.notes_for_report)
        counting = detect(
            [(s.text, [(x.start, x.end, x.name) for x in s.selections]) for s in refi.sources]
        )
        report.counting = counting.describe()
        self.project.set_name(visible(refi.name))
        with self.project.batch():
            self._codes()
            self._documents(counting)
            self._case_documents()
            self._codings(counting)
            self._memos()
        report.codes = len(self.code_ids)

    # -- users ----------------------------------------------------------------

    def _coder(self, *guids: str | None) -> str:
        users = self.refi.users
        for guid in guids:
            if guid and users.get(guid):
                return visible(users[guid])
        creator = self.refi.creating_user
        if creator and users.get(creator):
            self.report.coder_fallbacks["the project's creating user"] += 1
            return visible(users[creator])
        self.report.coder_fallbacks["the person importing"] += 1
        return self.importer

    def _author(self, guid: str | None) -> str:
        users = self.refi.users
        if guid and users.get(guid):
            return visible(users[guid])
        creator = self.refi.creating_user
        if creator and users.get(creator):
            return visible(users[creator])
        return self.importer

    # -- codebook -------------------------------------------------------------

    def _codes(self) -> None:
        new: list[tuple[CodePath, dict[str, Any]]] = []

        def walk(codes: list[RefiCode], prefix: CodePath) -> None:
            for code in codes:
                path = (*prefix, code.name)
                fields: dict[str, Any] = {
                    "description": code.description,
                    "inclusion": code.inclusion,
                    "exclusion": code.exclusion,
                    "example": code.example,
                }
                if code.colour:
                    fields["colour"] = code.colour
                new.append((path, fields))
                self.code_paths[code.guid] = path
                walk(code.children, path)

        walk(self.refi.codes, ())
        if new:
            ids = self.project.create_codes(new, coder=self.importer)
            self.code_ids = {guid: ids[path] for guid, path in self.code_paths.items()}

    # -- documents ------------------------------------------------------------

    def _documents(self, counting: Counting) -> None:
        names: set[str] = set()
        pending: list[tuple[RefiSource, NewDocument, list[int], Positions]] = []
        members = self._members()
        for source in self.refi.sources:
            text, mapping = stored_text(source.text)
            if not text.strip():
                self.report.skipped["text sources with an empty text"] += 1
                for selection in source.selections:
                    for coding in selection.codings:
                        self._not_placed(
                            source,
                            selection.guid,
                            coding,
                            selection.start,
                            selection.end,
                            0,
                            "the source has no text",
                            aside=False,
                        )
                continue
            name = visible(source.name) or "source"
            unique, n = name, 2
            while unique in names:
                unique = f"{name} ({n})"
                n += 1
            if unique != source.name:
                self.report.notes.append(f"source {source.name!r} is named {unique!r}")
            names.add(unique)
            document = build_document(
                unique,
                text,
                plain_blocks(text),
                metadata={"format": "qdpx", "origin": self.refi.origin, "text": source.origin},
            )
            positions = Positions(source.text, counting)
            spans = []
            for case, selection in members.get(id(source), []):
                where = place(positions, mapping, selection.start, selection.end)
                if isinstance(where, str):
                    self.report.notes.append(
                        f"case {case!r}: selection {selection.guid} of {unique!r} {where}"
                    )
                    continue
                spans.append((*where, case))
            if spans:
                document = self._with_answers(document, spans)
            pending.append((source, document, mapping, positions))
        attributes = {case.name: dict(case.attributes) for case in self.refi.cases}
        if pending:
            # The store writes the cases of a document in a handful of statements; one
            # set_case per case costs a transaction each (seconds for a survey's respondents).
            first = pending[0]
            pending[0] = (first[0], replace(first[1], cases=attributes), first[2], first[3])
        else:
            for name, values in attributes.items():
                self.project.set_case(name, values)
        try:
            for key, document, units in stream_units(
                ((i, item[1]) for i, item in enumerate(pending)), n_process=self.n_process
            ):
                source, _, mapping, positions = pending[key]
                info = self.project.add_document(replace(document, units=[], unit_cases={}), units)
                placed = _Placed(source, info.id, info.name, document.text, mapping, positions)
                self.placed[id(source)] = placed
                self.by_guid.setdefault(source.guid, placed)
        except AnalysisError as exc:
            raise IngestError(self.report.path, f"sentence analysis failed ({exc})") from None

    def _members(self) -> dict[int, list[tuple[str, RefiSelection]]]:
        """Source GUID -> (case, selection) for every unit a case names (``SelectionRef``)."""
        selections = {
            sel.guid: (source, sel) for source in self.refi.sources for sel in source.selections
        }
        out: dict[int, list[tuple[str, RefiSelection]]] = {}
        for case in self.refi.cases:
            for guid in case.selection_guids:
                found = selections.get(guid)
                if found is None:
                    self.report.notes.append(f"case {case.name!r}: no selection {guid} in the file")
                    continue
                out.setdefault(id(found[0]), []).append((case.name, found[1]))
        return out

    def _with_answers(
        self, document: NewDocument, spans: list[tuple[int, int, str]]
    ) -> NewDocument:
        """The units a case names become answers of that case, exactly at their spans
        (as a table's answers are), in place of the paragraphs they cover."""
        answers: list[tuple[int, int, str]] = []
        for start, end, case in sorted(spans):
            if answers and start < answers[-1][1]:
                self.report.notes.append(
                    f"case {case!r}: its unit [{start}, {end}) of {document.name!r} overlaps "
                    "another case's; linked to the first"
                )
                continue
            answers.append((start, end, case))
        kept = [
            u for u in document.units if not any(u.start < e and s < u.end for s, e, _ in answers)
        ]
        units = sorted(
            [*kept, *(Unit("answer", s, e) for s, e, _ in answers)],
            key=lambda u: (u.start, -u.end),
        )
        cases = {(s, e): case for s, e, case in answers}
        unit_cases = {
            i: cases[(u.start, u.end)]
            for i, u in enumerate(units)
            if u.kind == "answer" and (u.start, u.end) in cases
        }
        numbered = [replace(u, position=i) for i, u in enumerate(units)]
        kind = "survey" if all(u.kind == "answer" for u in numbered) else document.kind
        return replace(document, units=numbered, unit_cases=unit_cases, kind=kind)

    # -- codings ----------------------------------------------------------------

    def _place(self, placed: _Placed, start: int, end: int) -> tuple[int, int] | str:
        return place(placed.positions, placed.mapping, start, end)

    def _codings(self, counting: Counting) -> None:
        records: list[CodingImport] = []
        differ = 0
        for source in self.refi.sources:
            placed = self.placed.get(id(source))
            if placed is None:
                continue
            length = placed.positions.length
            for coding in source.whole:
                record = self._record(placed, coding, None, 0, len(placed.text))
                if record is not None:
                    records.append(record)
                    self.report.placed_exactly += 1
            for selection in source.selections:
                where = self._place(placed, selection.start, selection.end)
                for coding in selection.codings:
                    if isinstance(where, str):
                        self._not_placed(
                            source,
                            selection.guid,
                            coding,
                            selection.start,
                            selection.end,
                            length,
                            where,
                            name=selection.name,
                            user=selection.user_guid,
                        )
                        continue
                    record = self._record(placed, coding, selection.user_guid, *where)
                    if record is None:
                        continue
                    records.append(record)
                    self._count_conversion(placed, counting, selection.start, selection.end, where)
                    if selection.name.strip() and squash(selection.name) != squash(
                        placed.text[where[0] : where[1]]
                    ):
                        differ += 1
        if differ:
            # Placed where the positions say; the name (often shortened by its tool) disagrees.
            self.report.notes.append(
                f"{differ} coding(s) placed where a selection's name is not the text found there"
            )
        if records:
            ids = self.project.import_codings(records, actor=self.importer)
            repeated = sum(1 for i in ids if i is None)
            if repeated:
                self.report.notes.append(f"{repeated} coding(s) repeated in the file, kept once")

    def _count_conversion(
        self, placed: _Placed, counting: Counting, start: int, end: int, where: tuple[int, int]
    ) -> None:
        if where == (start, end) and not placed.source.had_bom:
            self.report.placed_exactly += 1
            return
        raw = (placed.positions.index(start), placed.positions.index(end))
        hows = []
        if counting != STANDARD and (raw[0] and raw[0][0], raw[1] and raw[1][0]) != (start, end):
            hows.append(counting.describe())
        if placed.source.had_bom:
            hows.append("BOM not counted")
        if (
            raw[0]
            and raw[1]
            and (placed.mapping[raw[0][0]], placed.mapping[raw[1][0]]) != (raw[0][0], raw[1][0])
        ):
            hows.append("text normalised (CRLF to newline, NFC, control characters)")
        self.report.converted["; ".join(hows) or "converted"] += 1

    def _record(
        self, placed: _Placed, coding: RefiCoding, selection_user: str | None, start: int, end: int
    ) -> CodingImport | None:
        code_id = self.code_ids.get(coding.code_guid)
        if code_id is None:
            self._not_placed(
                placed.source,
                coding.guid,
                coding,
                start,
                end,
                len(placed.text),
                f"its code {coding.code_guid or '(none)'} is not in the codebook",
                aside=False,
            )
            return None
        return CodingImport(
            placed.document_id,
            code_id,
            self._coder(coding.user_guid, selection_user),
            start,
            end,
            self._memo_text(coding.memo_texts, coding.memo_guids),
        )

    def _not_placed(
        self,
        source: RefiSource,
        selection: str,
        coding: RefiCoding,
        start: int,
        end: int,
        length: int,
        reason: str,
        *,
        aside: bool = True,
        name: str = "",
        user: str | None = None,
    ) -> None:
        path = self.code_paths.get(coding.code_guid)
        self.report.not_placed.append(
            NotPlaced(
                source.name, selection, "/".join(path) if path else "?", start, end, length, reason
            )
        )
        placed = self.placed.get(id(source))
        if aside and path is not None and placed is not None:
            self.asides.append(
                Unplaced(
                    placed.name,
                    text_sha256(placed.text),
                    path,
                    self._coder(coding.user_guid, user),
                    start,
                    end,
                    name,
                    self._memo_text(coding.memo_texts, coding.memo_guids),
                    f"REFI-QDA selection {selection} [{start}, {end}): {reason}",
                )
            )

    # -- memos ----------------------------------------------------------------

    def _memo_text(self, texts: list[str], guids: list[str]) -> str | None:
        parts = [t for t in texts if t.strip()]
        for guid in guids:
            note = self.refi.notes.get(guid)
            if note is not None and note.text:
                self.used_notes.add(guid)
                parts.append(note.text)
        return "\n\n".join(parts) or None

    def _add_memos(
        self, target: str, target_id: int | None, texts: list[str], guids: list[str]
    ) -> None:
        for text in texts:
            if text.strip():
                self.project.add_memo(target, target_id, text, coder=self._author(None))
        for guid in guids:
            note = self.refi.notes.get(guid)
            if note is None:
                self.report.notes.append(f"a NoteRef names a note {guid} that is not in the file")
                continue
            self.used_notes.add(guid)
            if note.text:
                self.project.add_memo(
                    target, target_id, note.text, coder=self._author(note.user_guid)
                )

    def _memos(self) -> None:
        refi = self.refi
        self._add_memos("project", None, refi.project_memo_texts, refi.project_memo_guids)
        for source in refi.sources:
            placed = self.placed.get(id(source))
            if placed is not None:
                self._add_memos(
                    "document", placed.document_id, source.memo_texts, source.memo_guids
                )
        for guid, code_id in self.code_ids.items():
            self._add_memos(
                "code",
                code_id,
                refi.code_memo_texts.get(guid, []),
                refi.code_memo_guids.get(guid, []),
            )
        # A note nothing points to is still the researcher's writing: a project memo.
        loose = [g for g, n in refi.notes.items() if g not in self.used_notes and n.text]
        if loose:
            self._add_memos("project", None, [], loose)
            self.report.notes.append(
                f"{len(loose)} note(s) linked to nothing codage holds became project memos"
            )

    # -- cases ----------------------------------------------------------------

    def _case_documents(self) -> None:
        for case in self.refi.cases:
            for guid in case.source_guids:
                placed = self.by_guid.get(guid)
                if placed is None:
                    self.report.notes.append(f"case {case.name!r}: source {guid} is not imported")
                    continue
                self.project.link_case(case.name, document_id=placed.document_id)
