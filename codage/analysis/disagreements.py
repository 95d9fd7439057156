"""Where coders disagree in one document, and what a consensus decision changes.

Pure span algebra over domain codings, used by the comparison screen: for each code, a
maximal stretch of text that at least one coder coded and where the coders did not all code
the same characters is a disagreement; a decision makes the consensus layer read one version
(a coder's, the union or the intersection) inside the stretch.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from codage.domain import Coding, Span, intersect_spans, normalise_spans, subtract_spans

__all__ = ["INTERSECTION", "UNION", "Disagreement", "consensus_change", "find_disagreements"]

UNION = "union"
INTERSECTION = "intersection"


# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Where the coders did not code the same characters with one code.

    ``span`` is a maximal stretch coded by at least one coder; ``versions``
    holds each coder's coded parts of it, and ``parts`` the stretches inside it
    that only some coders coded, with who.
    """

    code_id: int
    span: Span
    versions: tuple[tuple[str, tuple[Span, ...]], ...]
    parts: tuple[tuple[Span, frozenset[str]], ...]

    @property
    def coders(self) -> list[str]:
        return [name for name, _ in self.versions]

    @property
    def coded_by(self) -> list[str]:
        """Coders who coded some of the stretch."""
        return [name for name, spans in self.versions if spans]

    def version(self, coder: str) -> list[Span]:
        return list(dict(self.versions)[coder])

    def union(self) -> list[Span]:
        return normalise_spans(s for _, spans in self.versions for s in spans)

    def intersection(self) -> list[Span]:
        layers = [list(spans) for _, spans in self.versions]
        out = layers[0]
        for layer in layers[1:]:
            out = intersect_spans(out, layer)
        return out

    def option(self, choice: str) -> list[Span]:
        """The consensus inside the stretch for a choice: a coder's name, union or
        intersection."""
        if choice == UNION:
            return self.union()
        if choice == INTERSECTION:
            return self.intersection()
        return self.version(choice)

    def matching(self, spans: Sequence[Span]) -> list[str]:
        """The choices whose result is ``spans`` (coders first, then union, intersection)."""
        wanted = normalise_spans(spans)
        return [
            choice
            for choice in [*self.coders, UNION, INTERSECTION]
            if self.option(choice) == wanted
        ]


def _covered(spans: Sequence[Span], starts: Sequence[int], offset: int) -> bool:
    i = bisect_right(starts, offset) - 1
    return i >= 0 and spans[i].start <= offset < spans[i].end


def find_disagreements(
    codings: Sequence[Coding], coders: Sequence[str], code_order: Sequence[int] = ()
) -> list[Disagreement]:
    """The disagreements between ``coders`` in codings of one document, in text order.

    Per code, each coder's spans are normalised; the stretches coded by anyone
    (touching spans joined) where the coders' versions differ are the
    disagreements. Codings of other coders are ignored.
    """
    wanted = list(dict.fromkeys(coders))
    per_code: dict[int, dict[str, list[Span]]] = defaultdict(lambda: defaultdict(list))
    for c in codings:
        if c.coder in wanted and c.end > c.start:
            per_code[c.code_id][c.coder].append(c.span)
    rank = {code_id: i for i, code_id in enumerate(code_order)}
    out: list[Disagreement] = []
    for code_id, layers in per_code.items():
        normal = {name: normalise_spans(layers.get(name, [])) for name in wanted}
        starts = {name: [s.start for s in spans] for name, spans in normal.items()}
        for stretch in normalise_spans(s for spans in normal.values() for s in spans):
            versions = tuple(
                (name, tuple(intersect_spans(normal[name], [stretch]))) for name in wanted
            )
            if len({spans for _, spans in versions}) == 1:
                continue  # every coder coded exactly these characters
            cuts = sorted(
                {stretch.start, stretch.end}
                | {edge for _, spans in versions for s in spans for edge in (s.start, s.end)}
            )
            parts: list[tuple[Span, frozenset[str]]] = []
            for a, b in pairwise(cuts):
                who = frozenset(n for n in wanted if _covered(normal[n], starts[n], a))
                if 0 < len(who) < len(wanted):
                    if parts and parts[-1][1] == who and parts[-1][0].end == a:
                        parts[-1] = (Span(parts[-1][0].start, b), who)
                    else:
                        parts.append((Span(a, b), who))
            out.append(Disagreement(code_id, stretch, versions, tuple(parts)))
    out.sort(key=lambda d: (d.span.start, rank.get(d.code_id, len(rank)), d.code_id, d.span.end))
    return out


def consensus_change(
    existing: Sequence[Coding], stretch: Span, target: Sequence[Span]
) -> tuple[list[int], list[Span]]:
    """What to remove (coding ids) and add (spans) so that the consensus codings of one
    code read ``target`` inside ``stretch`` and stay as they were outside it."""
    touched = [c for c in existing if c.start < stretch.end and c.end > stretch.start]
    outside = subtract_spans([c.span for c in touched], [stretch])
    after = normalise_spans([*outside, *target])
    keep = set(after)
    remove = [c.id for c in touched if c.span not in keep]
    present = {c.span for c in touched if c.span in keep}
    return remove, [s for s in after if s not in present]
