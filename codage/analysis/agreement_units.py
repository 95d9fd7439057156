"""Unit-level agreement (sentences, turns, paragraphs, answers, documents) over a
project of any size: the counts behind every figure, from sparse arrays.

At a million codings a units × coders × codes table holds tens of millions of cells,
almost all "not applied", and the set of codes of every unit as a row of that table
took most of the time to sort. Here a coding becomes the (unit, code, coder) cells it
touches (a sweep over the sorted unit bounds), every figure of one code is read from
how many units had how many coders present and applying it, and the sets of codes are
bit masks.

The figures are the pure functions' of ``agreement.py`` on the coders × units rows,
to the last digit: the counts are whole numbers, summed exactly, then put through the
same floating-point steps. Krippendorff's α weighs a unit by 1 / (coders there − 1);
when that weight is not a power of two (four coders in a unit, say) its sum is no
longer exact in any order, and that code's figures are computed from its rows, as
before.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

import numpy as np

from codage.analysis.agreement import (
    cohen_kappa,
    fleiss_kappa_labels,
    krippendorff_alpha,
    percent_agreement,
)
from codage.analysis.agreement_reads import DocumentCodings, DocumentTexts

__all__ = ["unit_level"]


def _num(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _touched(
    starts: np.ndarray, ends: np.ndarray, cs: np.ndarray, ce: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(coding index, unit index) of every unit each coding shares a character with."""
    if len(ends) > 1 and bool((np.diff(ends) < 0).any()):
        # Nested units of one kind (not what the readers make): the scan of before.
        ends_list, pairs = ends.tolist(), []
        for j, (s, e) in enumerate(zip(cs.tolist(), ce.tolist(), strict=True)):
            i = bisect_right(ends_list, s)
            while i < len(starts) and starts[i] < e:
                if max(int(starts[i]), s) < min(ends_list[i], e):
                    pairs.append((j, i))
                i += 1
        got = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        return got[:, 0], got[:, 1]
    # Units do not overlap: those a coding touches are one run of indices.
    lo = np.searchsorted(ends, cs, side="right")
    hi = np.searchsorted(starts, ce, side="left")
    count = np.where(ce > cs, np.maximum(hi - lo, 0), 0)
    which = np.repeat(np.arange(len(cs)), count)
    step = np.arange(len(which)) - np.repeat(np.cumsum(count) - count, count)
    index = lo[which] + step
    keep = ends[index] > starts[index]  # an empty unit shares no character
    return which[keep], index[keep]


def dense_figures(label: str, rows: np.ndarray, m: int) -> tuple[Any, np.ndarray]:
    """Figures of one coders × units array of labels (NaN: missing)."""
    from codage.analysis.agreement_service import Figures

    fig = Figures(label)
    n_cols = rows.shape[1]
    given = ~np.isnan(rows)
    pairable = given.sum(axis=0) >= 2
    with np.errstate(all="ignore"):
        low = np.where(given, rows, np.inf).min(axis=0)
        high = np.where(given, rows, -np.inf).max(axis=0)
    differ = pairable & (low != high)
    fig.counts = {
        "units": n_cols,
        "pairable_units": int(pairable.sum()),
        "units_agreed": int((pairable & ~differ).sum()),
    }
    if not pairable.any():
        return fig, differ
    fig.krippendorff_alpha = _num(krippendorff_alpha(rows))
    fig.percent_agreement = _num(percent_agreement(rows))
    if m == 2:
        fig.cohen_kappa = _num(cohen_kappa(rows[0], rows[1]))
    else:
        complete = given.all(axis=0)
        fig.counts["complete_units"] = int(complete.sum())
        if complete.any():
            fig.fleiss_kappa = _num(fleiss_kappa_labels(rows))
    return fig, differ


def _counted_figures(
    label: str, hist: np.ndarray, n_cols: int, m: int, kappa_table: tuple[int, ...] | None
) -> Any:
    """The figures of one code from ``hist[present, applying]``: how many units had so
    many coders present and so many of them applying the code (see the module's
    docstring for why these are the dense functions' values to the digit)."""
    from codage.analysis.agreement_service import Figures

    fig = Figures(label)
    mu = np.arange(m + 1)
    a = mu[None, :]
    b = mu[:, None] - a
    valid = b >= 0
    pair_h = np.where(valid & (mu[:, None] >= 2), hist, 0)
    agreed = int(pair_h[:, 0].sum()) + int(sum(pair_h[u, u] for u in range(2, m + 1)))
    pairable = int(pair_h.sum())
    fig.counts = {"units": n_cols, "pairable_units": pairable, "units_agreed": agreed}
    if not pairable:
        return fig
    # Krippendorff's α, nominal: as _nominal_alpha from the coincidences' diagonal.
    n_yes = int((pair_h * a).sum())
    n_no = int((pair_h * np.where(valid, b, 0)).sum())
    n_c = np.array([n_no, n_yes], dtype=np.float64)
    n = float(n_c.sum())
    same = np.where(valid, a * (a - 1) + b * (b - 1), 0)
    agreeing = 0.0
    for u in range(2, m + 1):
        agreeing += float(int((pair_h[u] * same[u]).sum())) * (1.0 / (u - 1.0))
    alpha = math.nan
    if n > 1:
        expected = (n * n - float((n_c**2).sum())) / (n - 1.0)
        if expected > 0.0:
            alpha = 1.0 - (n - agreeing) / expected
    fig.krippendorff_alpha = _num(alpha)
    all_h = np.where(valid, hist, 0)
    pairs = float(int((all_h.sum(axis=1) * (mu * (mu - 1) // 2)).sum()))
    fig.percent_agreement = _num(float(int((all_h * same // 2).sum())) / pairs)
    if m == 2:
        fig.cohen_kappa = _num(_kappa_of_table(kappa_table))
    else:
        complete = hist[m]
        n_units = int(complete.sum())
        fig.counts["complete_units"] = n_units
        if n_units:
            ratings = float(n_units * m)
            squares = float(int((complete * (mu * mu + (m - mu) ** 2)).sum()))
            p_bar = (squares - ratings) / (ratings * (m - 1))
            totals = [int((complete * (m - mu)).sum()), int((complete * mu).sum())]
            p_j = np.array(totals, dtype=np.float64) / ratings
            p_e = float((p_j**2).sum())
            kappa = math.nan if p_e >= 1.0 else float((p_bar - p_e) / (1.0 - p_e))
            fig.fleiss_kappa = _num(kappa)
    return fig


def _kappa_of_table(table: tuple[int, ...] | None) -> float:
    """Cohen's κ as ``cohen_kappa`` computes it, from (first label, n00, n01, n10, n11)
    over the units both coders coded; the labels in order of first appearance."""
    if table is None:
        return math.nan
    first, n00, n01, n10, n11 = table
    n = n00 + n01 + n10 + n11
    if n == 0:
        return math.nan
    counts = np.array([[n00, n01], [n10, n11]], dtype=np.int64)
    if first == 1:
        counts = counts[::-1, ::-1]  # the labels in order of first appearance: 1, then 0
    used = [i for i in range(2) if counts[i, :].sum() + counts[:, i].sum() > 0]
    k = len(used)
    counts = counts[np.ix_(used, used)]
    table_ = counts.reshape(k, k) / n
    p_o = float(np.trace(table_))
    p_e = float(table_.sum(axis=1) @ table_.sum(axis=0))
    if p_e >= 1.0:
        return math.nan
    return (p_o - p_e) / (1.0 - p_e)


def unit_level(
    report: Any,
    infos: Sequence[Any],
    texts: DocumentTexts,
    units: dict[int, np.ndarray],
    present: dict[int, list[str]],
    scoped: DocumentCodings,
    code_ids: list[int],
    paths: dict[int, str],
    names: list[str],
    excerpt: int,
) -> None:
    """Fill ``report`` with the unit-level figures and disagreements; ``units`` holds
    each document's sorted (start, end) rows of the chosen unit."""
    from codage.analysis.agreement_service import OVERALL

    m = len(names)
    row_of = {n: i for i, n in enumerate(names)}
    n_codes = max(len(code_ids), 1)
    code_of = np.zeros(max(code_ids, default=0) + 1, dtype=np.int64)
    code_of[code_ids] = np.arange(len(code_ids))
    sizes = [len(units[info.id]) for info in infos]
    bases = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)
    n_cols = int(bases[-1])
    coded = np.zeros((m, n_cols), dtype=bool)
    present_at = np.zeros(n_cols, dtype=np.int64)  # coders who coded the column's document
    cells: list[np.ndarray] = []
    for d, info in enumerate(infos):
        lo, hi = int(bases[d]), int(bases[d + 1])
        rows_here = [row_of[n] for n in present[info.id]]
        coded[rows_here, lo:hi] = True
        present_at[lo:hi] = len(rows_here)
        coder, code, cs, ce = scoped[info.id]
        if hi == lo or not len(coder):
            continue
        bounds = units[info.id]
        which, index = _touched(bounds[:, 0], bounds[:, 1], cs, ce)
        cells.append(((lo + index) * n_codes + code_of[code[which]]) * m + coder[which])
    # (column, code, coder) of every cell applied, sorted, each once
    key = np.unique(np.concatenate(cells)) if cells else np.zeros(0, dtype=np.int64)
    row = key % m
    pair = key // m  # column * n_codes + code
    col = pair // n_codes
    first = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]]) if len(key) else key
    g_col, g_code = col[first], pair[first] % n_codes
    g_size = np.diff(np.append(first, len(key)))
    g_present = present_at[g_col]

    hist = np.zeros((n_codes, m + 1, m + 1), dtype=np.int64)
    np.add.at(hist, (g_code, g_present, g_size), 1)
    base = np.bincount(present_at, minlength=m + 1)
    hist[:, :, 0] = base[None, :] - hist[:, :, 1:].sum(axis=2)
    applied_by = np.bincount(pair % n_codes * m + row, minlength=n_codes * m).reshape(n_codes, m)
    exact = all((u - 1) & (u - 2) == 0 for u in range(3, m + 1) if base[u])
    tables: dict[int, tuple[int, ...]] = {}
    if m == 2:
        tables = _kappa_tables(key, row, g_code, g_size, g_present, first, present_at, n_codes)

    for k, code_id in enumerate(code_ids):
        path = paths.get(code_id, str(code_id))
        if exact:
            fig = _counted_figures(path, hist[k], n_cols, m, tables.get(k))
        else:
            rows_k = np.where(coded, 0.0, np.nan)
            mine = pair % n_codes == k
            rows_k[row[mine], col[mine]] = 1.0
            fig, _ = dense_figures(path, rows_k, m)
        fig.counts["units_applied"] = {n: int(applied_by[k, row_of[n]]) for n in names}
        report.per_code.append(fig)
    differ_at = np.flatnonzero((g_present >= 2) & (g_size < g_present))
    bounds = (
        np.concatenate([units[info.id] for info in infos])
        if infos
        else np.zeros((0, 2), dtype=np.int64)
    )
    _disagreements(
        report,
        infos,
        texts,
        present,
        names,
        excerpt,
        bounds,
        bases,
        [paths.get(cid, str(cid)) for cid in code_ids],
        g_col[differ_at],
        g_code[differ_at],
        _coder_masks(row, first, g_size)[differ_at],
    )
    report.overall, _ = dense_figures(OVERALL, _code_set_labels(key, coded, n_codes, m), m)


def _coder_masks(row: np.ndarray, first: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Per (unit, code) group of sorted cells, its coders as a bit mask (bit r: coder r)."""
    if not len(first):
        return np.zeros(0, dtype=object)
    if int(row.max()) < 62:
        return np.add.reduceat(np.left_shift(1, row), first)
    ends = np.append(first[1:], len(row))
    return np.array(
        [
            sum(1 << r for r in row[s:e].tolist())
            for s, e in zip(first.tolist(), ends.tolist(), strict=True)
        ],
        dtype=object,
    )


def _disagreements(
    report: Any,
    infos: Sequence[Any],
    texts: DocumentTexts,
    present: dict[int, list[str]],
    names: list[str],
    excerpt: int,
    bounds: np.ndarray,
    bases: np.ndarray,
    code_paths: list[str],
    g_col: np.ndarray,
    g_code: np.ndarray,
    masks: np.ndarray,
) -> None:
    """The disagreements, made in their final order (document, start, code): each text
    is read once, the excerpt of a unit made once for all the codes it is disputed on,
    and the coders' tuples shared, for there can be a million of them."""
    from codage.analysis.agreement_service import Disagreement, _excerpt

    doc = np.searchsorted(bases, g_col, side="right") - 1
    start, end = bounds[g_col, 0], bounds[g_col, 1]
    rank = np.empty(len(code_paths), dtype=np.int64)
    rank[sorted(range(len(code_paths)), key=lambda k: code_paths[k])] = np.arange(len(code_paths))
    order = np.lexsort((g_col, rank[g_code], start, doc))
    yes_of: dict[Any, tuple[str, ...]] = {}
    no_of: dict[tuple[int, Any], tuple[str, ...]] = {}
    held: tuple[int, int, int, str] | None = None
    out = report.disagreements
    for d, s, e, k, mask in zip(
        doc[order].tolist(),
        start[order].tolist(),
        end[order].tolist(),
        g_code[order].tolist(),
        masks[order].tolist(),
        strict=True,
    ):
        info = infos[d]
        yes = yes_of.get(mask)
        if yes is None:
            yes = yes_of[mask] = tuple(n for r, n in enumerate(names) if mask >> r & 1)
        no = no_of.get((d, mask))
        if no is None:
            no = no_of[(d, mask)] = tuple(n for n in present[info.id] if n not in yes)
        if held is None or held[:3] != (d, s, e):
            held = (d, s, e, _excerpt(texts[info.id], s, e, excerpt))
        out.append(Disagreement(info.name, s, e, code_paths[k], yes, no, held[3]))


def _kappa_tables(
    key: np.ndarray,
    row: np.ndarray,
    g_code: np.ndarray,
    g_size: np.ndarray,
    g_present: np.ndarray,
    first: np.ndarray,
    present_at: np.ndarray,
    n_codes: int,
) -> dict[int, tuple[int, ...]]:
    """Per code, two coders: (first coder's label on the first unit both coded, n00,
    n01, n10, n11) over the units both coded."""
    both = g_present == 2
    paired = int((present_at == 2).sum())
    n11 = np.bincount(g_code[both & (g_size == 2)], minlength=n_codes)
    only = both & (g_size == 1)
    n10 = np.bincount(g_code[only & (row[first] == 0)], minlength=n_codes)
    n01 = np.bincount(g_code[only & (row[first] == 1)], minlength=n_codes)
    out: dict[int, tuple[int, ...]] = {}
    if not paired:
        return out
    first_col = int(np.argmax(present_at == 2))
    for k in range(n_codes):
        probe = (first_col * n_codes + k) * 2
        at = int(np.searchsorted(key, probe))
        first_label = int(at < len(key) and key[at] == probe)
        n00 = paired - int(n11[k] + n10[k] + n01[k])
        out[k] = (first_label, n00, int(n01[k]), int(n10[k]), int(n11[k]))
    return out


def _code_set_labels(key: np.ndarray, coded: np.ndarray, n_codes: int, m: int) -> np.ndarray:
    """Coders × units rows whose value is the unit's set of codes as a number (NaN where
    the coder did not code the document), numbered in the order of the sets' rows of
    "applied" flags, which is the order the figures were computed in before."""
    labels = np.where(coded, 0.0, np.nan)
    if not len(key):
        return labels
    row = key % m
    pair = key // m
    code = pair % n_codes
    cell = (pair // n_codes) * m + row  # column * m + coder
    order = np.lexsort((code, cell))
    cell, code = cell[order], code[order]
    first = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    if n_codes <= 63:
        # Code k is bit n_codes - 1 - k: masks compare as the rows of flags do.
        bits = np.left_shift(np.uint64(1), (n_codes - 1 - code).astype(np.uint64))
        masks = np.add.reduceat(bits, first)
        ranks = np.searchsorted(np.unique(np.append(masks, np.uint64(0))), masks)
    else:
        ends = np.append(first[1:], len(code))
        big = [
            sum(1 << (n_codes - 1 - k) for k in code[s:e].tolist())
            for s, e in zip(first.tolist(), ends.tolist(), strict=True)
        ]
        rank_of = {v: i for i, v in enumerate(sorted({0, *big}))}
        ranks = np.array([rank_of[v] for v in big], dtype=np.int64)
    labels[cell[first] % m, cell[first] // m] = ranks.astype(np.float64)
    return labels
