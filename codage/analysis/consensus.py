"""A consensus layer built from several coders' codings, per code and per character.

The consensus is written as the codings of a coder of its own (``as_coder``),
so that it can be compared, exported and retrieved like any coder's work, and
in one journal entry of the person who built it (``actor``), so that one plain
undo by that person takes it back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from codage.domain import CodingImport, Span, intersect_spans, normalise_spans
from codage.store.project import Conflict, Project

__all__ = ["RULES", "ConsensusError", "ConsensusReport", "build_consensus", "consensus_spans"]

Rule = Literal["union", "intersection", "majority"]
RULES: tuple[str, ...] = ("union", "intersection", "majority")


class ConsensusError(Conflict):
    """Consensus options that cannot work (unknown rule, too few coders, ...)."""


def consensus_spans(layers: Sequence[Iterable[Span]], rule: str, min_length: int = 1) -> list[Span]:
    """Combine the span sets of several coders by a rule; pure.

    - ``union``: characters any coder coded;
    - ``intersection``: characters every coder coded;
    - ``majority``: characters more than half of the coders coded (with two
      coders, that is both: the intersection).

    Spans that touch are joined; spans shorter than ``min_length`` are dropped
    after the rule is applied, so that a sliver where two coders' edges
    happen to overlap by a character or two does not survive.
    """
    normalised = [normalise_spans(layer) for layer in layers]
    if rule == "union":
        out = normalise_spans(span for layer in normalised for span in layer)
    elif rule == "intersection":
        if not normalised:
            return []
        out = normalised[0]
        for layer in normalised[1:]:
            out = intersect_spans(out, layer)
    elif rule == "majority":
        out = _majority(normalised)
    else:
        raise ConsensusError(f"unknown rule {rule!r}: choose one of {', '.join(RULES)}")
    return [s for s in out if len(s) >= max(1, min_length)]


def _majority(layers: Sequence[list[Span]]) -> list[Span]:
    # A sweep over the boundaries: each coder's spans are already disjoint, so
    # the running count is the number of coders covering the position.
    events: list[tuple[int, int]] = []
    for layer in layers:
        for span in layer:
            events.append((span.start, 1))
            events.append((span.end, -1))
    events.sort()
    need = len(layers) // 2 + 1
    out: list[Span] = []
    count = 0
    opened: int | None = None
    for offset, step in events:
        count += step
        if count >= need and opened is None:
            opened = offset
        elif count < need and opened is not None:
            if offset > opened:
                out.append(Span(opened, offset))
            opened = None
    return normalise_spans(out)


@dataclass
class ConsensusReport:
    """What building a consensus layer did."""

    rule: str
    as_coder: str
    coders: list[str]
    min_length: int
    documents: int = 0
    # codings of the consensus coder: written now, removed (replaced), left as they were
    added: int = 0
    replaced: int = 0
    kept: int = 0
    slivers_dropped: int = 0
    characters: int = 0
    # documents that fewer than two of the coders coded: no intersection or majority there
    skipped_documents: list[str] = field(default_factory=list)
    # (document, code path) -> number of consensus codings
    per_code: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_consensus(
    project: Project,
    *,
    coders: Sequence[str],
    rule: str = "union",
    as_coder: str,
    min_length: int = 3,
    codes: Iterable[int] | None = None,
    documents: Iterable[int] | None = None,
    actor: str | None = None,
) -> ConsensusReport:
    """Write the consensus of ``coders`` as the codings of ``as_coder``.

    Per document and per code, each coder's codings are taken as a set of
    characters and combined by ``rule`` (see :func:`consensus_spans`).
    ``codes`` and ``documents`` (ids) limit the work; by default every code
    and document. A coder who coded nothing at all in a document is missing
    there, not in disagreement: the rule runs over the coders present, and for
    ``intersection`` and ``majority`` a document needs two of them (others
    are listed in ``skipped_documents``; for ``union`` one suffices).

    Re-running replaces the earlier consensus of ``as_coder`` on those
    documents and codes: codings no longer in the consensus are removed,
    identical ones kept. All of it is one transaction and one journal entry
    of ``actor``, the person building the consensus (default: ``as_coder``),
    so one ``undo`` by that person takes it back.
    """
    names = [c.strip() for c in coders if c.strip()]
    names = list(dict.fromkeys(names))
    if rule not in RULES:
        raise ConsensusError(f"unknown rule {rule!r}: choose one of {', '.join(RULES)}")
    if len(names) < 2:
        raise ConsensusError("a consensus needs at least two coders")
    as_coder = as_coder.strip()
    if not as_coder:
        raise ConsensusError("the consensus layer needs a coder name (--as)")
    if as_coder in names:
        raise ConsensusError(
            f"{as_coder!r} is one of the coders compared: write the consensus under another name"
        )
    if min_length < 1:
        raise ConsensusError("the minimum length must be at least 1")
    known = {c.name for c in project.coders()}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConsensusError(f"no codings by {', '.join(unknown)} in this project")

    all_codes = project.codes()
    paths = {c.id: c.path_str for c in all_codes}
    code_ids = set(paths) if codes is None else set(codes)
    infos = project.documents()
    doc_ids = [d.id for d in infos] if documents is None else list(dict.fromkeys(documents))
    doc_names = {d.id: d.name for d in infos}
    report = ConsensusReport(rule=rule, as_coder=as_coder, coders=names, min_length=min_length)

    who = (actor or "").strip() or as_coder
    with project.batch(
        coder=who,
        action="consensus",
        summary=f"consensus ({rule}) of {', '.join(names)} as {as_coder}",
        details={"rule": rule, "coders": names, "layer": as_coder},
    ):
        wanted: list[CodingImport] = []
        stale: list[int] = []
        for doc_id in doc_ids:
            report.documents += 1
            # Every code counts for presence: a coder who coded anything here saw the document.
            layers: dict[str, dict[int, list[Span]]] = {n: defaultdict(list) for n in names}
            present: set[str] = set()
            previous: dict[tuple[int, int, int], int] = {}
            for coding in project.codings_bulk(document_ids=[doc_id], coders=[*names, as_coder]):
                if coding.coder == as_coder:
                    if coding.code_id in code_ids:
                        previous[(coding.code_id, coding.start, coding.end)] = coding.id
                    continue
                present.add(coding.coder)
                if coding.code_id in code_ids:
                    layers[coding.coder][coding.code_id].append(coding.span)
            voters = [n for n in names if n in present]
            result: set[tuple[int, int, int]] = set()
            if len(voters) >= (1 if rule == "union" else 2):
                touched = {cid for n in voters for cid in layers[n]}
                for code_id in sorted(touched):
                    raw = consensus_spans([layers[n][code_id] for n in voters], rule, 1)
                    kept = [s for s in raw if len(s) >= min_length]
                    report.slivers_dropped += len(raw) - len(kept)
                    if kept:
                        report.per_code.append(
                            {
                                "document": doc_names.get(doc_id, str(doc_id)),
                                "code": paths.get(code_id, str(code_id)),
                                "codings": len(kept),
                                "characters": sum(len(s) for s in kept),
                            }
                        )
                    for span in kept:
                        result.add((code_id, span.start, span.end))
                        report.characters += len(span)
            elif present or previous:
                report.skipped_documents.append(doc_names.get(doc_id, str(doc_id)))
            for key, coding_id in previous.items():
                if key in result:
                    report.kept += 1
                else:
                    stale.append(coding_id)
            for code_id, start, end in sorted(result):
                if (code_id, start, end) not in previous:
                    wanted.append(CodingImport(doc_id, code_id, as_coder, start, end))
        for coding_id in stale:
            project.remove_coding(coding_id, coder=as_coder)
        report.replaced = len(stale)
        ids = project.import_codings(wanted, actor=as_coder)
        report.added = sum(1 for i in ids if i is not None)
    return report
