"""Auto-coding from a search: every hit, or the whole unit that holds it, coded with one
code as ONE journal step, so that one undo takes it all back. Codings made this way are
marked automatic."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codage import codebook
from codage.domain import Code
from codage.services.search.corpus import SearchHit, SearchResult
from codage.services.search.index import corpus_index

if TYPE_CHECKING:
    from codage.store.project import Project

__all__ = [
    "SCOPES",
    "UNIT_SCOPE",
    "AutocodePlan",
    "PlannedCoding",
    "apply_autocode",
    "plan_autocode",
]

# What is coded for each hit: the hit itself, or the unit of that kind holding it.
SCOPES = ("match", "sentence", "turn", "paragraph", "answer")
# The interface's "code every unit": the turn, answer or paragraph each hit is in, whatever
# its kind (the unit a hit comes with).
UNIT_SCOPE = "unit"


@dataclass(frozen=True, slots=True)
class PlannedCoding:
    """A span auto-coding would code (or codes), and the hit that brought it."""

    document_id: int
    document: str
    start: int
    end: int
    text: str

    def to_json(self) -> dict[str, object]:
        return {
            "document": self.document,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


@dataclass
class AutocodePlan:
    """What auto-coding a search does: the spans to code, those the coder already has,
    and the hits that have no unit of the asked scope (reported, not coded)."""

    code: Code
    coder: str
    scope: str
    hits: int
    new: list[PlannedCoding] = field(default_factory=list)
    already: list[PlannedCoding] = field(default_factory=list)
    without_unit: list[SearchHit] = field(default_factory=list)
    added: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code.path_str,
            "coder": self.coder,
            "scope": self.scope,
            "hits": self.hits,
            "to_code": len(self.new),
            "already_coded": len(self.already),
            "without_unit": [h.to_json() for h in self.without_unit],
            "added": self.added,
            "codings": [p.to_json() for p in self.new],
        }


def plan_autocode(
    project: Project, result: SearchResult, code_path: str, *, coder: str, scope: str = "match"
) -> AutocodePlan:
    """What auto-coding the hits of ``result`` with ``code_path`` would do, writing nothing.

    ``result`` should hold every hit (a search without a limit). At scope ``match``
    each hit is coded as found; otherwise the unit of that kind holding the hit's
    start, each unit once (``unit``: the unit each hit comes with). Spans the coder
    already has with this code are counted apart; hits with no unit of that kind are
    listed, not coded.
    """
    if scope not in (*SCOPES, UNIT_SCOPE):
        raise ValueError(f"unknown scope {scope!r}: one of {', '.join(SCOPES)}")
    code = codebook.resolve_path(project.codes(), code_path)
    plan = AutocodePlan(code=code, coder=coder.strip(), scope=scope, hits=len(result.hits))
    index = corpus_index(project)
    if scope == "sentence":
        index.load_sentences(project)
    by_id = {d.info.id: d for d in index.documents}
    seen: set[tuple[int, int, int]] = set()
    spans: list[tuple[int, int, int]] = []
    for hit in result.hits:
        if scope == "match":
            start, end = hit.start, hit.end
        elif scope == UNIT_SCOPE:
            if hit.unit is None:
                plan.without_unit.append(hit)
                continue
            start, end = hit.unit.start, hit.unit.end
        else:
            doc = by_id[hit.document_id]
            unit = next(
                (u for u in doc.units_of(scope) if u.start <= hit.start < u.end),
                None,
            )
            if unit is None:
                plan.without_unit.append(hit)
                continue
            start, end = unit.start, unit.end
        key = (hit.document_id, start, end)
        if key not in seen:
            seen.add(key)
            spans.append(key)
    held = {
        (c.document_id, c.start, c.end)
        for c in project.codings_bulk(document_ids={d for d, _, _ in spans}, coders=[plan.coder])
        if c.code_id == code.id
    }
    for document_id, start, end in sorted(spans, key=lambda k: (by_id[k[0]].position, k[1])):
        doc = by_id[document_id]
        planned = PlannedCoding(document_id, doc.info.name, start, end, doc.text[start:end])
        (plan.already if (document_id, start, end) in held else plan.new).append(planned)
    return plan


def apply_autocode(project: Project, plan: AutocodePlan, *, query: str, mode: str) -> AutocodePlan:
    """Code every new span of ``plan`` as the plan's coder, marked automatic, in one
    transaction and one journal entry (``codage undo`` removes them all)."""
    if plan.new:
        plan.added = project.add_codings(
            [(p.document_id, plan.code.id, p.start, p.end) for p in plan.new],
            coder=plan.coder,
            automatic=True,
            action="autocode",
            details={"code": plan.code.path_str, "query": query, "mode": mode, "scope": plan.scope},
        )
    return plan
