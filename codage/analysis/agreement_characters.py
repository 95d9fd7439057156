"""Character-level agreement over a project of any size: everything from the codings'
boundaries, never character by character nor segment by segment in Python.

A document is cut at every coding's start and end into elementary segments; over each,
a coder either has a code or not. Coverage is a cumulative sum of +1/−1 at those
boundaries, per coder and code, in numpy; the disagreeing pair-characters, the runs
of disagreement and the Cohen tables are sums of segment lengths, whole numbers, so
the figures are those of the segment-by-segment sweep of before, to the digit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from codage.analysis.agreement import cohen_kappa_counts
from codage.analysis.agreement_reads import DocumentCodings, DocumentTexts
from codage.analysis.unitizing import (
    UnitizedAlpha,
    UnitizedFigure,
    distinct,
    unitized_alpha_arrays,
)

__all__ = ["character_level"]

# Coverage cells (coders × codes × segments) worked on at once in one document.
_CELLS = 1 << 22


def _num(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _first_seen(code: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The codes in order of first appearance, and each coding's index in that list."""
    seen, first, where = np.unique(code, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(seen), dtype=np.int64)
    rank[order] = np.arange(len(seen))
    return seen[order].tolist(), rank[where.reshape(-1)]


class _Document:
    """One document's coverage sums: what the figures and the disagreements need."""

    def __init__(
        self,
        length: int,
        m: int,
        local: np.ndarray,
        code: np.ndarray,
        cs: np.ndarray,
        ce: np.ndarray,
    ) -> None:
        bounds = distinct(np.concatenate([[0, length], cs, ce]))
        size = np.diff(bounds)
        n_seg = len(size)
        si = np.searchsorted(bounds, cs)
        ei = np.searchsorted(bounds, ce)
        here, kk = np.unique(code, return_inverse=True)
        kk = kk.reshape(-1)
        self.here = here  # code ids coded in the document
        self.disagreeing = np.zeros(len(here), dtype=np.int64)
        self.differing = np.zeros(len(here), dtype=np.int64)
        self.both = np.zeros(len(here), dtype=np.int64)
        self.covered = np.zeros((m, len(here)), dtype=np.int64)
        self.runs: list[tuple[int, int, int, int]] = []  # (code id, start, end, coders mask)
        pairs = [(i, j) for i in range(m) for j in range(i + 1, m)]
        neq = np.zeros((len(pairs), n_seg), dtype=bool)
        step = max(1, _CELLS // max(m * (n_seg + 1), 1))
        for lo in range(0, len(here), step):
            hi = min(lo + step, len(here))
            mine = (kk >= lo) & (kk < hi)
            width = hi - lo
            cell = (local[mine] * width + kk[mine] - lo) * (n_seg + 1)
            total = m * width * (n_seg + 1)
            delta = np.bincount(cell + si[mine], minlength=total) - np.bincount(
                cell + ei[mine], minlength=total
            )
            applied = np.cumsum(delta.reshape(m, width, n_seg + 1), axis=2)[:, :, :-1] > 0
            for p, (i, j) in enumerate(pairs):
                neq[p] |= (applied[i] != applied[j]).any(axis=0)
            count = applied.sum(axis=0)
            mixed = (count > 0) & (count < m)
            self.disagreeing[lo:hi] = (count * (m - count) * size).sum(axis=1)
            self.differing[lo:hi] = np.where(mixed, size, 0).sum(axis=1)
            self.covered[:, lo:hi] = (applied * size).sum(axis=2)
            if m == 2:
                self.both[lo:hi] = ((applied[0] & applied[1]) * size).sum(axis=1)
            # The coders who have the code, as a bit mask (Python integers past 62 coders).
            kind = np.int64 if m < 63 else object
            who = (applied.astype(kind) << np.arange(m).astype(kind)[:, None, None]).sum(axis=0)
            value = np.concatenate(
                [np.where(mixed, who, -1), np.full((width, 1), -1)], axis=1
            ).reshape(-1)
            start = np.flatnonzero(np.r_[True, value[1:] != value[:-1]])
            stop = np.append(start[1:], len(value))
            keep = value[start] >= 0
            start, stop = start[keep], stop[keep]
            row = start // (n_seg + 1)
            first_seg = start % (n_seg + 1)
            last_seg = (stop - 1) % (n_seg + 1)
            self.runs.extend(
                zip(
                    here[lo + row].tolist(),
                    bounds[first_seg].tolist(),
                    bounds[last_seg + 1].tolist(),
                    value[start].tolist(),
                    strict=True,
                )
            )
        self.overall = int((neq * size).sum())


def character_level(
    report: Any,
    infos: Sequence[Any],
    texts: DocumentTexts,
    present: dict[int, list[str]],
    scoped: DocumentCodings,
    code_ids: list[int],
    paths: dict[int, str],
    names: list[str],
    excerpt: int,
) -> None:
    """Fill ``report`` with the character-level figures and disagreements."""
    from codage.analysis.agreement_service import OVERALL, Disagreement, Figures, _excerpt

    total_pairs = 0
    disagreeing: dict[int, int] = dict.fromkeys(code_ids, 0)
    differing_chars: dict[int, int] = dict.fromkeys(code_ids, 0)
    overall_disagreeing = 0
    coded: dict[int, dict[str, int]] = {cid: dict.fromkeys(names, 0) for cid in code_ids}
    code_of = np.zeros(max(code_ids, default=0) + 1, dtype=np.int64)
    code_of[code_ids] = np.arange(len(code_ids))
    both_coders = len(names) == 2
    tables: dict[int, dict[int, tuple[int, int, int]]] = {}
    continuum: list[tuple[np.ndarray, ...]] = []
    offset = 0
    for info in infos:
        coders_here = present[info.id]
        m = len(coders_here)
        if m < 2:
            continue
        coder, code, cs, ce = scoped[info.id]
        local_of = np.full(len(names), -1, dtype=np.int64)
        local_of[[names.index(n) for n in coders_here]] = np.arange(m)
        local = local_of[coder]
        lengths = np.zeros((len(code_ids), m), dtype=np.int64)
        np.add.at(lengths, (code_of[code], local), ce - cs)
        total_pairs += info.length * m * (m - 1) // 2
        doc = _Document(info.length, m, local, code, cs, ce)
        for i, cid in enumerate(doc.here.tolist()):
            disagreeing[cid] += int(doc.disagreeing[i])
            differing_chars[cid] += int(doc.differing[i])
            for r, n in enumerate(coders_here):
                coded[cid][n] += int(lengths[code_of[cid], r])
        overall_disagreeing += doc.overall
        if doc.runs:
            # Documents come in name order: sorted here, the list is in its final order.
            text = texts[info.id]
            doc.runs.sort(key=lambda run: (run[1], paths.get(run[0], str(run[0]))))
            coders_of: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
            for cid, start, end, mask in doc.runs:
                pair = coders_of.get(mask)
                if pair is None:
                    who = tuple(n for r, n in enumerate(coders_here) if mask >> r & 1)
                    pair = coders_of[mask] = (who, tuple(n for n in coders_here if n not in who))
                report.disagreements.append(
                    Disagreement(
                        info.name,
                        start,
                        end,
                        paths.get(cid, str(cid)),
                        pair[0],
                        pair[1],
                        _excerpt(text, start, end, excerpt),
                    )
                )
        values, vi = _first_seen(code)
        result = unitized_alpha_arrays(
            info.length, local, vi, cs, ce, tuple(coders_here), values, per_value=False
        )
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
        if m == len(names):
            if both_coders:
                # Per code: characters coded by both, by the first only, by the second only.
                table = dict.fromkeys(code_ids, (0, 0, 0))
                for i, cid in enumerate(doc.here.tolist()):
                    both = int(doc.both[i])
                    table[cid] = (
                        both,
                        int(doc.covered[0, i]) - both,
                        int(doc.covered[1, i]) - both,
                    )
                tables[info.id] = table
                report.per_document[-1]["cohen_kappa"] = {
                    paths.get(cid, str(cid)): _num(cohen_kappa_counts(*counts, info.length))
                    for cid, counts in table.items()
                }
            continuum.append((local, code, cs + offset, ce + offset))
            offset += info.length
    shared = sum(1 for info in infos if len(present[info.id]) == len(names))
    whole: UnitizedAlpha | None = None
    if offset:
        local, code, cs, ce = (np.concatenate(part) for part in zip(*continuum, strict=True))
        values, vi = _first_seen(code)
        whole = unitized_alpha_arrays(offset, local, vi, cs, ce, tuple(names), values)
    else:
        report.notes.append(
            "no document was coded by every chosen coder: no overall uα (see per document)"
        )
    del continuum
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
        "documents_in_continuum": shared,
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


def _unitized_counts(figure: UnitizedFigure) -> dict[str, float | None]:
    return {
        "observed_disagreement": _num(figure.observed_disagreement),
        "expected_disagreement": _num(figure.expected_disagreement),
        "pairable_length": _num(figure.pairable_length),
    }
