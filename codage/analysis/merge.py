"""Merging coders' projects into one: documents, codebook, cases, memos and codings.

Each source is merged in one transaction of the target (all or nothing) and
one journal entry of the person merging, so that one undo takes back the
codings, codes and memos it brought. Merging the same source again adds
nothing: documents match by text or name, codes by path, codings by
(document, code, coder, span), memos and codings kept aside by their content.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from codage.analysis.align import OffsetMap, Placement, align_texts, place_anchor
from codage.domain import (
    Code,
    CodePath,
    DocumentInfo,
    Memo,
    fold,
)
from codage.services.backups import back_up
from codage.store.engine import display_location
from codage.store.merging import CodingTuple, CodingWriter
from codage.store.project import Conflict, Project

__all__ = [
    "AsideRecord",
    "MergeError",
    "MergeReport",
    "Progress",
    "SourceReport",
    "merge_projects",
    "summary_rows",
]

# progress(stage, done, total): stages are "cases", "documents", "codes",
# "codings", "memos", in that order, per source.
Progress = Callable[[str, int, int], None]

_DEFINITION_FIELDS = ("description", "inclusion", "exclusion", "example")


class MergeError(Conflict):
    """A source that cannot be merged; the sources merged before it stay merged."""

    def __init__(self, message: str, report: MergeReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True, slots=True)
class AsideRecord:
    """A coding that could not be placed on the target's text, kept aside."""

    document: str
    code: str
    coder: str
    start: int
    end: int
    text: str
    reason: str


@dataclass
class SourceReport:
    """What merging one source did to the target."""

    source: str
    documents_added: list[str] = field(default_factory=list)
    documents_matched_sha: list[str] = field(default_factory=list)
    # source name -> target name: a text that differs, whose codings were re-anchored
    documents_matched_name: list[str] = field(default_factory=list)
    codes_added: list[str] = field(default_factory=list)
    codes_matched: int = 0
    codes_completed: list[str] = field(default_factory=list)
    code_conflicts: list[str] = field(default_factory=list)
    cases_added: list[str] = field(default_factory=list)
    cases_updated: list[str] = field(default_factory=list)
    case_conflicts: list[str] = field(default_factory=list)
    codings_added: int = 0
    codings_duplicates: int = 0
    codings_reanchored: int = 0
    codings_aside: list[AsideRecord] = field(default_factory=list)
    codings_aside_known: int = 0
    memos_added: int = 0
    memos_known: int = 0
    coders: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


@dataclass
class MergeReport:
    """One :class:`SourceReport` per source merged, in order."""

    target: str
    sources: list[SourceReport] = field(default_factory=list)
    # the copy of the target made before the merge (SQLite), None on a server
    backup: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "sources": [s.to_dict() for s in self.sources],
            "backup": None if self.backup is None else str(self.backup),
        }


def _match_code(
    by_path: dict[CodePath, Code], by_fold: dict[CodePath, list[Code]], path: CodePath
) -> tuple[Code | None, list[Code]]:
    """The target code a source path names: exact, else the one case/accent-folded match.

    This is the first two steps of ``codebook.resolve_path``; the prefix step
    is left out on purpose, since a merge must never take a code for another.
    Returns (code or None, ambiguous candidates).
    """
    exact = by_path.get(path)
    if exact is not None:
        return exact, []
    folded = by_fold.get(tuple(fold(level) for level in path), [])
    if len(folded) == 1:
        return folded[0], []
    return None, folded


def _merge_codes(
    target: Project, source: Project, coder: str, report: SourceReport
) -> dict[int, int]:
    """Bring the source codebook in; returns source code id -> target code id."""
    existing = target.codes()
    by_path = {c.path: c for c in existing}
    by_fold: dict[CodePath, list[Code]] = defaultdict(list)
    for c in existing:
        by_fold[tuple(fold(level) for level in c.path)].append(c)
    mapping: dict[int, int] = {}
    # Tree order: a parent is always mapped before its children.
    for code in source.codes():
        shown = code.path_str
        match, ambiguous = _match_code(by_path, by_fold, code.path)
        if match is None and ambiguous:
            report.code_conflicts.append(
                f"{shown}: matches several codes ({'; '.join(c.path_str for c in ambiguous)});"
                f" used {ambiguous[0].path_str}"
            )
            match = ambiguous[0]
        if match is None:
            parent_id = mapping.get(code.parent_id) if code.parent_id is not None else None
            created = target.create_code(
                code.name,
                parent_id=parent_id,
                coder=coder,
                description=code.description,
                inclusion=code.inclusion,
                exclusion=code.exclusion,
                example=code.example,
                colour=code.colour,
            )
            by_path[created.path] = created
            by_fold[tuple(fold(level) for level in created.path)].append(created)
            mapping[code.id] = created.id
            report.codes_added.append(created.path_str)
            continue
        mapping[code.id] = match.id
        report.codes_matched += 1
        fill: dict[str, str] = {}
        differs: list[str] = []
        for name in _DEFINITION_FIELDS:
            theirs, ours = getattr(code, name), getattr(match, name)
            if not theirs or theirs == ours:
                continue
            if ours:
                differs.append(name)
            else:
                fill[name] = theirs
        if differs:
            report.code_conflicts.append(
                f"{match.path_str}: {', '.join(differs)} differ (kept the target's)"
            )
        if fill:
            target.update_code(match.id, coder=coder, **fill)
            report.codes_completed.append(match.path_str)
    return mapping


def _merge_cases(target: Project, source: Project, report: SourceReport) -> None:
    ours = {c.name: c for c in target.cases()}
    # One bulk write, not one transaction per case: a survey brings hundreds of respondents.
    wanted: dict[str, dict[str, Any]] = {}
    for case in source.cases():
        mine = ours.get(case.name)
        if mine is None:
            wanted[case.name] = dict(case.attributes)
            report.cases_added.append(case.name)
            continue
        new: dict[str, Any] = {}
        for key, value in case.attributes.items():
            if key not in mine.attributes or mine.attributes[key] is None:
                if value is not None:
                    new[key] = value
            elif mine.attributes[key] != value and value is not None:
                report.case_conflicts.append(
                    f"{case.name}: {key} is {mine.attributes[key]!r} here, {value!r} in the"
                    " source (kept the target's)"
                )
        if new:
            wanted[case.name] = new
            report.cases_updated.append(case.name)
    target.set_cases(wanted)


@dataclass
class _DocPlan:
    target_id: int
    target_name: str
    offsets: OffsetMap | None  # None: the same text
    target_text: str = ""
    source_text: str = ""


def _merge_documents(
    target: Project, source: Project, report: SourceReport, progress: Progress | None
) -> dict[int, _DocPlan]:
    plans: dict[int, _DocPlan] = {}
    held = target.documents()
    by_name = {d.name: d for d in held}
    # read once, not asked per document (each asking read every document's case): the
    # first document of a text, as ``document_by_sha`` answers
    by_sha: dict[str, DocumentInfo] = {}
    for d in sorted(held, key=lambda d: d.id):
        by_sha.setdefault(d.sha256, d)
    docs = source.documents()
    for i, info in enumerate(docs):
        if progress:
            progress("documents", i, len(docs))
        same = by_sha.get(info.sha256)
        if same is not None:
            plans[info.id] = _DocPlan(same.id, same.name, None)
            report.documents_matched_sha.append(info.name)
            if _link_document_case(target, source, info, same):
                by_sha[info.sha256] = replace(same, case=info.case)
            continue
        named = by_name.get(info.name)
        if named is not None:
            theirs = source.document(info.id).text
            ours = target.document(named.id).text
            plans[info.id] = _DocPlan(named.id, named.name, align_texts(theirs, ours), ours, theirs)
            report.documents_matched_name.append(info.name)
            _link_document_case(target, source, info, named)
            continue
        added = target.copy_document(source, info)
        by_name[added.name] = added
        by_sha.setdefault(added.sha256, added)
        plans[info.id] = _DocPlan(added.id, added.name, None)
        report.documents_added.append(info.name)
    if progress:
        progress("documents", len(docs), len(docs))
    return plans


def _link_document_case(
    target: Project, source: Project, info: DocumentInfo, ours: DocumentInfo
) -> bool:
    """Whether the source's case was linked to the target's document."""
    # A matched document takes the source's case only when it has none: a case
    # already set in the target is the target's decision.
    if info.case and not ours.case:
        target.link_case(info.case, document_id=ours.id)
        return True
    return False


def _place_codings(
    writer: CodingWriter,
    source: Project,
    document_id: int,
    plan: _DocPlan,
    code_map: dict[int, int],
    report: SourceReport,
    coding_memos: dict[int, list[str]],
    result: dict[int, int | None],
    aside: list[tuple[CodingTuple, _DocPlan, str]],
) -> int:
    """Place one source document's codings row by row (re-anchored on a text that
    differs); returns how many the source holds there."""
    offsets = plan.offsets
    codings = source.coding_tuples(document_id, with_text=offsets is not None)
    count = len(codings)
    if offsets is None:
        # the same text: every coding keeps its span
        origins = [c[0] for c in codings]
        records = [
            (code_map[code], owner, start, end, memo, automatic, suggested)
            for _, code, owner, start, end, _, memo, automatic, suggested in codings
        ]
        reanchored = [False] * len(codings)
    else:
        origins, records, reanchored = [], [], []
        for coding in codings:
            origin, code, owner, start, end, text, memo, automatic, suggested = coding
            found = place_anchor(
                text, start, end, plan.target_text, offsets, source=plan.source_text
            )
            if not isinstance(found, Placement):
                _, score = found
                aside.append(
                    (
                        coding,
                        plan,
                        "the passage is not in the target's text "
                        f"(best match {round(score * 100)}%)",
                    )
                )
                continue
            moved = (found.start, found.end) != (start, end) or found.how != "exact"
            records.append(
                (code_map[code], owner, found.start, found.end, memo, automatic, suggested)
            )
            origins.append(origin)
            reanchored.append(moved)
    del codings
    placed = writer.add(plan.target_id, records)
    for origin, (new_id, added), moved in zip(origins, placed, reanchored, strict=True):
        if added:
            report.codings_added += 1
            report.codings_reanchored += moved
        else:
            # a duplicate: its memos follow onto the coding it repeats
            report.codings_duplicates += 1
        if origin in coding_memos:
            result[origin] = new_id
    return count


def _merge_codings(
    target: Project,
    source: Project,
    coder: str,
    plans: dict[int, _DocPlan],
    code_map: dict[int, int],
    report: SourceReport,
    progress: Progress | None,
    coding_memos: dict[int, list[str]],
) -> dict[int, int | None]:
    """Place every source coding, one document at a time; returns source coding id ->
    target coding id (None for codings kept aside) for the codings that carry memos
    (``coding_memos``, their texts): those of codings kept aside travel in the aside
    record's memo, since there is no coding for them to hang on."""
    paths = {c.id: c.path_str for c in target.codes()}
    counts = source.coded_documents()
    total = sum(counts.values())
    writer = target.coding_writer(actor=coder, expected=total)
    result: dict[int, int | None] = {}
    aside: list[tuple[CodingTuple, _DocPlan, str]] = []  # (coding, plan, reason)
    done = 0
    with target.linked_source(source, code_map, coding_memos) as link:
        for document_id in sorted(counts):
            plan = plans[document_id]
            if progress:
                progress("codings", done, total)
            if plan.offsets is None and link is not None:
                # the same text, SQLite to SQLite: SQLite moves the rows itself
                added, memo_targets = writer.add_linked(link, document_id, plan.target_id)
                done += counts[document_id]
                report.codings_added += added
                report.codings_duplicates += counts[document_id] - added
                result.update(memo_targets)
                continue
            done += _place_codings(
                writer, source, document_id, plan, code_map, report, coding_memos, result, aside
            )
    if progress:
        progress("codings", total, total)
    writer.close()
    # the coders whose codings the source holds, counted by its database
    report.coders = sorted(source.coding_counts_by_coder())
    # Codings kept aside: idempotent by content.
    known = {
        (a.document_name, a.code_id, a.coder, a.start, a.end, a.text)
        for a in target.codings_aside()
    }
    for coding, plan, reason in aside:
        origin, code, owner, start, end, text, memo, _, _ = coding
        code_id = code_map[code]
        key = (plan.target_name, code_id, owner, start, end, text)
        result[origin] = None
        kept = AsideRecord(plan.target_name, paths[code_id], owner, start, end, text, reason)
        report.codings_aside.append(kept)
        if key in known:
            report.codings_aside_known += 1
            continue
        known.add(key)
        extra = coding_memos.get(origin, [])
        target.set_aside(
            document_name=plan.target_name,
            document_id=plan.target_id,
            code_id=code_id,
            coder=owner,
            start=start,
            end=end,
            text=text,
            memo="\n\n".join([*([memo] if memo else []), *extra]) or None,
            source=report.source,
            reason=reason,
            actor=coder,
        )
    return result


def _merge_memos(
    target: Project,
    memos: list[Memo],
    coder: str,
    plans: dict[int, _DocPlan],
    code_map: dict[int, int],
    coding_map: dict[int, int | None],
    report: SourceReport,
) -> None:
    known = {(m.target, m.target_id, m.text, m.author) for m in target.memos()}
    for memo in memos:
        target_id: int | None = None
        if memo.target == "document" and memo.target_id in plans:
            target_id = plans[memo.target_id].target_id
        elif memo.target == "code" and memo.target_id in code_map:
            target_id = code_map[memo.target_id]
        elif memo.target == "coding":
            target_id = coding_map.get(memo.target_id or -1)
            if target_id is None:
                # Its coding is kept aside: the memo went into the aside record.
                continue
        key = (memo.target, target_id, memo.text, memo.author)
        if key in known:
            report.memos_known += 1
            continue
        known.add(key)
        target.add_memo(memo.target, target_id, memo.text, coder=memo.author or coder)
        report.memos_added += 1


def _same_database(a: Project, b: Project) -> bool:
    return str(a.engine.url) == str(b.engine.url)


def merge_projects(
    target: Project,
    sources: Iterable[Project],
    *,
    coder: str,
    progress: Progress | None = None,
    backup: bool = True,
) -> MergeReport:
    """Merge each source project into ``target`` and report what happened.

    Documents match by SHA-256 of their text, else by name; a document whose
    text differs (a corrected transcript) gets its codings re-anchored by
    aligning the two texts and checking each coding's anchor text; codings
    that cannot be placed are kept aside in the target (see
    ``Project.codings_aside``) and listed in the report. Codes match by path
    (exact, then without case and accents); new codes keep their colours and
    definitions, differing definitions are reported and the target's kept.
    Case attributes missing in the target are added, differing ones
    reported. Codings keep their coder; exact duplicates are skipped.

    Each source is one transaction and one journal entry of ``coder``, the
    person merging (whose ``undo`` takes it back), whatever coders' codings it
    brings. If a
    source fails, the target is left as the previous sources made it and a
    :class:`MergeError` carrying the report so far is raised. ``progress``,
    when given, is called as ``progress(stage, done, total)``; it runs in the
    calling thread, so a worker may post messages from it.

    A SQLite target is backed up first (see :mod:`codage.services.backups`)
    unless ``backup`` is False (a caller that backed it up already).
    """
    report = MergeReport(target=target.location)
    sources = list(sources)
    for source in sources:
        if _same_database(target, source):
            raise MergeError(f"{source.location}: a project cannot be merged into itself", report)
    if backup and sources:
        report.backup = back_up(target, "merge")
    for source in sources:
        name = source.location
        if _same_database(target, source):
            raise MergeError(f"{name}: a project cannot be merged into itself", report)
        part = SourceReport(source=name)
        try:
            dangling = source.dangling_key()
            if dangling is not None:
                raise MergeError(
                    f"{name}: the project is damaged ({dangling}); nothing of it was merged",
                    report,
                )
            shown = display_location(name)
            # The entry is the merging person's: their plain undo takes the merge back.
            # A merge only inserts rows (and fills codes' and cases' empty fields): its
            # rows' foreign keys are checked once at its end (see store.deferred_keys).
            with (
                target.batch(
                    coder=coder,
                    action="merge",
                    summary=f"merge {shown}",
                    details={"source": shown},
                    keys_at_end=True,
                ),
                target.roomy_cache(),
            ):
                # Cases first: adding a document links its cases by name.
                if progress:
                    progress("cases", 0, 1)
                _merge_cases(target, source, part)
                with target.index_rows_in_order(), target.index_copied_at_end(source):
                    plans = _merge_documents(target, source, part, progress)
                if progress:
                    progress("codes", 0, 1)
                code_map = _merge_codes(target, source, coder, part)
                memos = source.memos()
                coding_memos: dict[int, list[str]] = defaultdict(list)
                for memo in memos:
                    if memo.target == "coding" and memo.target_id is not None:
                        coding_memos[memo.target_id].append(memo.text)
                coding_map = _merge_codings(
                    target, source, coder, plans, code_map, part, progress, coding_memos
                )
                if progress:
                    progress("memos", 0, 1)
                _merge_memos(target, memos, coder, plans, code_map, coding_map, part)
        except MergeError:
            raise
        except Exception as exc:
            raise MergeError(
                f"{name}: merge abandoned, nothing of it was kept ({exc})", report
            ) from exc
        report.sources.append(part)
    return report


def summary_rows(report: MergeReport) -> list[dict[str, Any]]:
    """One flat row of counts per source, for tables."""
    return [
        {
            "source": s.source,
            "documents_added": len(s.documents_added),
            "documents_matched_sha": len(s.documents_matched_sha),
            "documents_matched_name": len(s.documents_matched_name),
            "codes_added": len(s.codes_added),
            "codes_matched": s.codes_matched,
            "code_conflicts": len(s.code_conflicts),
            "cases_added": len(s.cases_added),
            "cases_updated": len(s.cases_updated),
            "codings_added": s.codings_added,
            "codings_duplicates": s.codings_duplicates,
            "codings_reanchored": s.codings_reanchored,
            "codings_aside": len(s.codings_aside),
            "memos_added": s.memos_added,
        }
        for s in report.sources
    ]
