"""Inter-coder agreement: pure functions, no database.

Two families live here.

*Unit-level* coefficients compare the values that coders gave to the same
predefined units (paragraphs, turns, survey answers): Krippendorff's alpha
(:func:`krippendorff_alpha`), Cohen's kappa (:func:`cohen_kappa`,
:func:`weighted_kappa`), Fleiss' kappa (:func:`fleiss_kappa`) and pairwise
percent agreement (:func:`percent_agreement`). :func:`reliability_matrix` turns
``(coder, unit, value)`` triples into the rows-per-coder layout they take.

*Unitizing* coefficients compare where coders placed codes on a continuum
(a document's text, in code points): :func:`unitized_alpha` computes
Krippendorff's uα family (Krippendorff, Mathet, Bouvry & Widlöcher 2016;
Krippendorff, *Content Analysis*, 4th ed., 2019, §12.6).

Conventions shared by every function:

- Malformed input (ragged rows, fewer than two coders, unknown level, a
  coding outside the continuum, rows of a Fleiss table with different sums)
  raises :class:`ValueError` with a message that says what is wrong.
- A coefficient that is mathematically undefined for well-formed data, that
  is 0/0 because there is nothing to compare (all values missing, no unit
  with two values) or no variation at all (a single category everywhere,
  every coder leaving the whole continuum uncoded), is returned as ``nan``.
  Krippendorff (2011) states that alpha is undefined when the expected
  disagreement is zero; we do not turn that into 1.0 or 0.0.

Only the standard library and numpy are imported.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

__all__ = [
    "LEVELS",
    "UnitizedAlpha",
    "UnitizedFigure",
    "cohen_kappa",
    "cohen_kappa_counts",
    "fleiss_kappa",
    "fleiss_kappa_labels",
    "krippendorff_alpha",
    "percent_agreement",
    "reliability_matrix",
    "unitized_alpha",
    "weighted_kappa",
]


# ---------------------------------------------------------------------------
# Missing values and value coding
# ---------------------------------------------------------------------------


def _is_missing(value: object) -> bool:
    """None and float NaN (numpy's included) mark a missing value."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return False


def _encode_rows(data: Any) -> tuple[np.ndarray, list[Any]]:
    """Turn rows-per-coder data into integer codes (-1 = missing) and the value list.

    Numeric input goes through numpy (``np.unique``); anything else (strings,
    mixed objects) through a dictionary, in order of first appearance.
    """
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
        arr = data
    else:
        rows = [list(row) for row in data]
        if not rows:
            raise ValueError("reliability data is empty: give one row per coder")
        width = len(rows[0])
        if any(len(row) != width for row in rows):
            lengths = sorted({len(row) for row in rows})
            raise ValueError(
                f"reliability data rows have different lengths {lengths}: "
                "every coder's row needs one entry per unit (None when missing)"
            )
        numeric = _numeric_or_none(rows)
        if numeric is None:
            return _encode_objects(rows)
        arr = numeric
    if arr.ndim != 2:
        raise ValueError(
            f"reliability data must be two-dimensional (coders × units), got {arr.ndim} dimensions"
        )
    arr = arr.astype(np.float64, copy=False)
    present = ~np.isnan(arr)
    values, inverse = np.unique(arr[present], return_inverse=True)
    codes = np.full(arr.shape, -1, dtype=np.int64)
    codes[present] = inverse
    return codes, [v.item() for v in values]


def _numeric_or_none(rows: list[list[Any]]) -> np.ndarray | None:
    """A float array when every entry is a real number or missing, else None.

    Booleans count as labels, not numbers, so they take the nominal path.
    """
    numeric = (int, float, np.integer, np.floating)
    for row in rows:
        for v in row:
            if v is not None and (isinstance(v, bool | np.bool_) or not isinstance(v, numeric)):
                return None
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=np.float64)


def _encode_objects(rows: list[list[Any]]) -> tuple[np.ndarray, list[Any]]:
    index: dict[Any, int] = {}
    codes = np.full((len(rows), len(rows[0])), -1, dtype=np.int64)
    for i, row in enumerate(rows):
        for u, v in enumerate(row):
            if _is_missing(v):
                continue
            try:
                code = index.setdefault(v, len(index))
            except TypeError:
                raise ValueError(f"value {v!r} (coder {i}, unit {u}) is not hashable") from None
            codes[i, u] = code
    values = list(index)
    # Sort the values when they can be ordered, so that results are stable.
    try:
        order = sorted(range(len(values)), key=lambda k: values[k])
    except TypeError:
        return codes, values
    remap = np.empty(len(values), dtype=np.int64)
    remap[order] = np.arange(len(values))
    codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    return codes, [values[k] for k in order]


# ---------------------------------------------------------------------------
# Krippendorff's alpha for predefined units
# ---------------------------------------------------------------------------


def _coincidences(codes: np.ndarray, n_values: int) -> np.ndarray:
    """Coincidence matrix o_ck of Krippendorff (2011).

    o_ck = Σ_u Σ_{i≠j} [v_iu = c][v_ju = k] / (m_u − 1), over units with at
    least two values (m_u = number of values in unit u).
    """
    m = codes.shape[0]
    present = codes >= 0
    m_u = present.sum(axis=0)
    pairable = m_u >= 2
    codes = codes[:, pairable]
    present = present[:, pairable]
    weight = 1.0 / (m_u[pairable] - 1.0)
    v = n_values
    n_pairs = m * (m - 1) // 2
    if n_pairs <= v:
        # Few coders: one bincount per pair of coders, linear in the units.
        flat = np.zeros(v * v)
        for i in range(m):
            for j in range(i + 1, m):
                both = present[i] & present[j]
                idx = codes[i, both] * v + codes[j, both]
                flat += np.bincount(idx, weights=weight[both], minlength=v * v)
        o = flat.reshape(v, v)
        return o + o.T
    # Many coders: per-unit value counts, then one matrix product.
    n_kept = codes.shape[1]
    unit_idx = np.broadcast_to(np.arange(n_kept), codes.shape)
    counts = np.bincount((unit_idx[present] * v + codes[present]), minlength=n_kept * v).reshape(
        n_kept, v
    )
    counts = counts.astype(np.float64)
    weighted = counts * weight[:, None]
    o = weighted.T @ counts
    o[np.diag_indices(v)] -= weighted.sum(axis=0)
    return np.asarray(o)


def _unit_value_counts(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse (unit, value, count) triples of the values present in each unit.

    Sparse because sets of codes used as nominal labels can number in the
    thousands: a dense units × values table would not fit in memory.
    """
    present = codes >= 0
    unit_idx = np.broadcast_to(np.arange(codes.shape[1]), codes.shape)[present]
    value_idx = codes[present]
    width = int(value_idx.max()) + 1 if value_idx.size else 1
    keys, counts = np.unique(unit_idx * width + value_idx, return_counts=True)
    return keys // width, keys % width, counts


def _nominal_alpha(codes: np.ndarray) -> float:
    """Nominal alpha from the diagonal and the marginals of the coincidence matrix.

    With δ²_ck = [c ≠ k], D_o ∝ n − Σ o_cc and D_e ∝ (n² − Σ n_c²)/(n − 1), so the
    full values × values matrix is never built.
    """
    m_u = (codes >= 0).sum(axis=0)
    codes = codes[:, m_u >= 2]
    if codes.shape[1] == 0:
        return math.nan
    units, values, counts = _unit_value_counts(codes)
    weight = 1.0 / (m_u[m_u >= 2][units] - 1.0)
    counts = counts.astype(np.float64)
    agreeing = float((counts * (counts - 1.0) * weight).sum())
    n_c = np.bincount(values, weights=counts)
    n = float(n_c.sum())
    if n <= 1:
        return math.nan
    expected = (n * n - float((n_c**2).sum())) / (n - 1.0)
    if expected <= 0.0:
        return math.nan
    return 1.0 - (n - agreeing) / expected


def _delta2(level: str, values: list[Any], n_c: np.ndarray) -> np.ndarray:
    """Squared difference δ²_ck between the values, for a level of measurement."""
    v = len(values)
    if level == "nominal":
        return 1.0 - np.eye(v)
    try:
        x = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"level {level!r} needs numeric values; got {values[:5]!r}: use level='nominal'"
        ) from None
    if level == "ordinal":
        # Krippendorff (2011): δ_ck = Σ_{g=c..k} n_g − (n_c + n_k)/2, the values
        # ranked by their numeric order and weighted by their marginal frequencies.
        order = np.argsort(x, kind="stable")
        n_sorted = n_c[order]
        cum = np.cumsum(n_sorted)
        lo = np.minimum.outer(np.arange(v), np.arange(v))
        hi = np.maximum.outer(np.arange(v), np.arange(v))
        d = cum[hi] - cum[lo] + n_sorted[lo] - (n_sorted[lo] + n_sorted[hi]) / 2.0
        d_sorted = d**2
        rank = np.empty(v, dtype=np.int64)
        rank[order] = np.arange(v)
        return np.asarray(d_sorted[np.ix_(rank, rank)])
    if level == "interval":
        return np.subtract.outer(x, x) ** 2
    # ratio
    if (x < 0).any():
        raise ValueError("level 'ratio' needs non-negative values")
    total = np.add.outer(x, x)
    diff = np.subtract.outer(x, x)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(total == 0, 0.0, (diff / np.where(total == 0, 1.0, total)) ** 2)
    return d


def krippendorff_alpha(data: Any, level: str = "nominal") -> float:
    """Krippendorff's alpha for predefined units, from its coincidence matrix.

    ``data`` holds one row per coder and one column per unit (a list of
    lists or a 2-D numpy array); ``None`` or NaN marks a value the coder did
    not give. Values may be any hashable for ``level="nominal"`` (strings,
    ints, tuples); for ``"ordinal"``, ``"interval"`` and ``"ratio"`` they must
    be numbers (non-negative for ratio).

    Computation follows Krippendorff (2011), *Computing Krippendorff's
    Alpha-Reliability*: units with fewer than two values are not pairable and
    are dropped; the coincidence matrix is
    ``o_ck = Σ_u Σ_{i≠j} [v_iu=c][v_ju=k] / (m_u − 1)`` with marginals
    ``n_c`` and total ``n``; ``α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck``.
    The ordinal metric is ``δ_ck = Σ_{g=c..k} n_g − (n_c + n_k)/2`` over the
    values in numeric order, weighted by the marginal frequencies; interval is
    ``(c − k)²``; ratio is ``((c − k)/(c + k))²``.

    Returns ``nan`` when alpha is undefined: no pairable values (e.g. all
    missing) or no variation (a single value everywhere), where the expected
    disagreement is 0. Raises ValueError for fewer than two coders, ragged
    rows, an unknown level, or non-numeric values at a numeric level.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: choose one of {', '.join(LEVELS)}")
    codes, values = _encode_rows(data)
    if codes.shape[0] < 2:
        raise ValueError(
            f"Krippendorff's alpha needs at least two coders (rows); got {codes.shape[0]}"
        )
    if not values:
        return math.nan
    if level == "nominal":
        return _nominal_alpha(codes)
    o = _coincidences(codes, len(values))
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    if n <= 1:
        return math.nan
    d2 = _delta2(level, values, n_c)
    observed = float((o * d2).sum())
    expected = float(n_c @ d2 @ n_c) / (n - 1.0)
    if expected <= 0.0:
        return math.nan
    return 1.0 - observed / expected


# ---------------------------------------------------------------------------
# Percent agreement
# ---------------------------------------------------------------------------


def percent_agreement(data: Any) -> float:
    """Pairwise percent agreement, as a proportion between 0 and 1.

    ``data`` has the layout of :func:`krippendorff_alpha`: one row per coder,
    one column per unit, ``None``/NaN for missing. For every unit, every pair
    of coders who both gave a value is one comparison; it agrees when the two
    values are equal. The result is the number of agreeing pairs over the
    number of pairs, pooled over all units (so a unit coded by four coders
    weighs six pairs, one coded by two weighs one). With two coders and no
    missing data this is the plain share of units on which they agree.

    Chance agreement is not removed: report it beside a chance-corrected
    coefficient, never instead of one. Returns ``nan`` when no unit has two
    values; raises ValueError for fewer than two coders.
    """
    codes, _ = _encode_rows(data)
    if codes.shape[0] < 2:
        raise ValueError(f"percent agreement needs at least two coders; got {codes.shape[0]}")
    present = codes >= 0
    m_u = present.sum(axis=0)
    pairs = float((m_u * (m_u - 1) // 2).sum())
    if pairs == 0:
        return math.nan
    _, _, counts = _unit_value_counts(codes)
    agreeing = float((counts * (counts - 1) // 2).sum())
    return agreeing / pairs


# ---------------------------------------------------------------------------
# Cohen's kappa, weighted kappa, Fleiss' kappa
# ---------------------------------------------------------------------------


def _paired(a: Sequence[Any], b: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    a, b = list(a), list(b)
    if len(a) != len(b):
        raise ValueError(
            f"the two label sequences have different lengths ({len(a)} and {len(b)}): "
            "give one label per unit for each coder"
        )
    keep = [i for i in range(len(a)) if not (_is_missing(a[i]) or _is_missing(b[i]))]
    return [a[i] for i in keep], [b[i] for i in keep]


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's (1960) kappa for two coders' labels of the same units.

    ``κ = (p_o − p_e) / (1 − p_e)`` with ``p_o`` the share of units on which
    the two labels agree and ``p_e = Σ_c p_a(c) p_b(c)`` the agreement
    expected from each coder's own marginal distribution (unlike Scott's pi
    or Krippendorff's alpha, which pool the marginals). Units where either
    label is ``None``/NaN are left out (Cohen's kappa has no notion of
    missing data). Returns ``nan`` when ``p_e = 1`` (both coders used one
    and the same label throughout) or no unit is left.
    """
    a, b = _paired(a, b)
    n = len(a)
    if n == 0:
        return math.nan
    labels = {v: i for i, v in enumerate(dict.fromkeys([*a, *b]))}
    k = len(labels)
    ia = np.fromiter((labels[v] for v in a), dtype=np.int64, count=n)
    ib = np.fromiter((labels[v] for v in b), dtype=np.int64, count=n)
    table = np.bincount(ia * k + ib, minlength=k * k).reshape(k, k) / n
    p_o = float(np.trace(table))
    p_e = float(table.sum(axis=1) @ table.sum(axis=0))
    if p_e >= 1.0:
        return math.nan
    return (p_o - p_e) / (1.0 - p_e)


def cohen_kappa_counts(both: int, only_a: int, only_b: int, total: int) -> float:
    """Cohen's kappa of two coders' yes/no judgements, from the 2 × 2 counts.

    ``both`` units (characters) coded by both, ``only_a`` and ``only_b`` by
    one of them, ``total`` units in all (the rest coded by neither). This is
    the figure NVivo's coding comparison reports per code and source, with
    characters as units. ``nan`` when ``p_e = 1`` (neither coder, or both,
    coded everything) or ``total`` is 0.
    """
    if total <= 0:
        return math.nan
    neither = total - both - only_a - only_b
    a_yes, b_yes = both + only_a, both + only_b
    p_o = (both + neither) / total
    p_e = (a_yes * b_yes + (total - a_yes) * (total - b_yes)) / (total * total)
    if p_e >= 1.0:
        return math.nan
    return (p_o - p_e) / (1.0 - p_e)


def weighted_kappa(
    a: Sequence[Hashable],
    b: Sequence[Hashable],
    weights: Literal["linear", "quadratic"] | Any = "linear",
    categories: Sequence[Hashable] | None = None,
) -> float:
    """Cohen's (1968) weighted kappa for ordered categories.

    ``κ_w = 1 − Σ w_ij p_ij / Σ w_ij p_i. p_.j`` with disagreement weights
    ``w_ij = |i − j| / (k − 1)`` (linear) or ``((i − j) / (k − 1))²``
    (quadratic), ``i, j`` the positions of the labels in ``categories``.
    ``categories`` gives the order and may list categories nobody used
    (which matters for the weights); by default it is the sorted set of
    labels present. With two categories both weightings equal Cohen's kappa.
    ``weights`` may also be a k × k matrix of disagreement weights ``v_ij``
    (row: the first coder's category, column: the second's, in the order of
    ``categories``, which is then required), as in Cohen's (1968) own
    examples; only ratios between the weights matter.
    Units with a missing label are left out. Returns ``nan`` when the
    expected weighted disagreement is 0.
    """
    matrix = None
    if isinstance(weights, str):
        if weights not in ("linear", "quadratic"):
            raise ValueError(f"unknown weights {weights!r}: choose 'linear' or 'quadratic'")
    else:
        matrix = np.asarray(weights, dtype=np.float64)
        if categories is None:
            raise ValueError("a weight matrix needs categories=[...] to fix its order")
        if matrix.shape != (len(categories), len(categories)):
            raise ValueError(
                f"the weight matrix is {matrix.shape}, but there are {len(categories)} categories"
            )
    a, b = _paired(a, b)
    n = len(a)
    if categories is None:
        try:
            categories = sorted(set(a) | set(b))
        except TypeError:
            raise ValueError(
                "labels cannot be sorted: pass categories=[...] in their order"
            ) from None
    index = {v: i for i, v in enumerate(categories)}
    if len(index) != len(categories):
        raise ValueError("categories contain duplicates")
    unknown = (set(a) | set(b)) - set(index)
    if unknown:
        raise ValueError(f"labels {sorted(map(repr, unknown))} are not in categories")
    k = len(index)
    if n == 0 or k < 2:
        return math.nan
    ia = np.fromiter((index[v] for v in a), dtype=np.int64, count=n)
    ib = np.fromiter((index[v] for v in b), dtype=np.int64, count=n)
    p = np.bincount(ia * k + ib, minlength=k * k).reshape(k, k) / n
    if matrix is not None:
        w = matrix
    else:
        dist = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / (k - 1)
        w = dist if weights == "linear" else dist**2
    observed = float((w * p).sum())
    expected = float(p.sum(axis=1) @ w @ p.sum(axis=0))
    if expected <= 0.0:
        return math.nan
    return 1.0 - observed / expected


def fleiss_kappa_labels(data: Any) -> float:
    """Fleiss' (1971) kappa from labels laid out as for :func:`krippendorff_alpha`.

    ``data`` holds one row per coder and one column per unit. Fleiss' kappa
    needs the same number of raters on every unit, so units with a missing
    label are left out. Equal to :func:`fleiss_kappa` on the units × categories
    table of the same labels, but counted sparsely: sets of codes used as
    labels can number in thousands, and that table would not fit in memory.
    Returns ``nan`` when no complete unit is left or when every label is the same.
    """
    codes, _ = _encode_rows(data)
    m = codes.shape[0]
    if m < 2:
        raise ValueError(f"Fleiss' kappa needs at least two raters; got {m}")
    codes = codes[:, (codes >= 0).all(axis=0)]
    n_units = codes.shape[1]
    if n_units == 0:
        return math.nan
    _, values, counts = _unit_value_counts(codes)
    counts = counts.astype(np.float64)
    ratings = float(n_units * m)
    p_bar = (float((counts**2).sum()) - ratings) / (ratings * (m - 1))
    p_j = np.bincount(values, weights=counts) / ratings
    p_e = float((p_j**2).sum())
    if p_e >= 1.0:
        return math.nan
    return float((p_bar - p_e) / (1.0 - p_e))


def fleiss_kappa(counts: Any) -> float:
    """Fleiss' (1971) kappa for many raters.

    ``counts`` is a table with one row per subject (unit) and one column per
    category; cell ``n_ij`` is how many raters put subject ``i`` in category
    ``j``. Every row must sum to the same number of raters ``n`` (the raters
    need not be the same people from one subject to the next).

    ``P_i = (Σ_j n_ij² − n) / (n(n − 1))``, ``P̄`` their mean,
    ``p_j = Σ_i n_ij / (N n)``, ``P_e = Σ_j p_j²``, ``κ = (P̄ − P_e)/(1 − P_e)``.
    Returns ``nan`` when ``P_e = 1`` (every rating in one category). Raises
    ValueError for rows with different sums, fewer than two raters, negative
    or non-integer counts, or an empty table.
    """
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] == 0:
        raise ValueError("Fleiss' kappa needs a non-empty table: subjects × categories")
    if (table < 0).any() or (table != np.round(table)).any():
        raise ValueError("Fleiss' kappa counts must be non-negative whole numbers")
    sums = table.sum(axis=1)
    if (sums != sums[0]).any():
        bad = int(np.flatnonzero(sums != sums[0])[0])
        raise ValueError(
            f"every subject must be rated by the same number of raters: row 0 sums to "
            f"{int(sums[0])} but row {bad} sums to {int(sums[bad])}"
        )
    n = sums[0]
    if n < 2:
        raise ValueError(f"Fleiss' kappa needs at least two raters per subject; got {int(n)}")
    n_subjects = table.shape[0]
    p_i = ((table**2).sum(axis=1) - n) / (n * (n - 1))
    p_bar = float(p_i.mean())
    p_j = table.sum(axis=0) / (n_subjects * n)
    p_e = float((p_j**2).sum())
    if p_e >= 1.0:
        return math.nan
    return (p_bar - p_e) / (1.0 - p_e)


# ---------------------------------------------------------------------------
# Helper for the service layer
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReliabilityMatrix:
    """Rows-per-coder data ready for :func:`krippendorff_alpha`."""

    coders: tuple[Hashable, ...]
    units: tuple[Hashable, ...]
    rows: list[list[Any]]


def reliability_matrix(
    triples: Iterable[tuple[Hashable, Hashable, Hashable]],
    coders: Sequence[Hashable] | None = None,
    units: Sequence[Hashable] | None = None,
    missing: Any = None,
) -> ReliabilityMatrix:
    """Arrange ``(coder, unit, value)`` triples as one row per coder.

    ``coders`` and ``units`` fix the order and may list coders or units that
    appear in no triple (their cells are ``missing``); by default they are
    taken in order of first appearance. A coder giving two different values
    to one unit is an error (unit-level alpha needs one value per coder per
    unit; use one binary variable per code for multi-coded units); the same
    triple given twice is tolerated.
    """
    cells: dict[tuple[Hashable, Hashable], Hashable] = {}
    seen_coders: dict[Hashable, None] = dict.fromkeys(coders or ())
    seen_units: dict[Hashable, None] = dict.fromkeys(units or ())
    for coder, unit, value in triples:
        if coders is not None and coder not in seen_coders:
            raise ValueError(f"coder {coder!r} is not in the given coders")
        if units is not None and unit not in seen_units:
            raise ValueError(f"unit {unit!r} is not in the given units")
        seen_coders.setdefault(coder, None)
        seen_units.setdefault(unit, None)
        key = (coder, unit)
        if key in cells and cells[key] != value:
            raise ValueError(
                f"coder {coder!r} gave unit {unit!r} two values ({cells[key]!r} and {value!r})"
            )
        cells[key] = value
    coder_list = tuple(seen_coders)
    unit_list = tuple(seen_units)
    rows = [[cells.get((c, u), missing) for u in unit_list] for c in coder_list]
    return ReliabilityMatrix(coder_list, unit_list, rows)


# ---------------------------------------------------------------------------
# Unitizing: Krippendorff's uα family
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitizedFigure:
    """One coefficient of the uα family and the counts behind it.

    ``observed_disagreement`` and ``expected_disagreement`` are the
    off-diagonal sums of the observed and expected coincidence matrices, in
    characters (coincidence-weighted lengths); ``alpha = 1 − observed /
    expected``. ``pairable_length`` is the total of the observed coincidence
    matrix, ``l..``: ``m × L`` for uα and |uα (every coder's whole continuum);
    for cuα, the coded text pairable with another coder's coded text, each
    position weighted by the share of the other coders who coded it too (so
    with two coders, the pairable length itself).
    ``self_pairing`` is the correction Σ (section length)² removed from the
    expected pairs (a section cannot be paired with itself); for cuα the
    sections' weights as just described stand for their lengths.
    """

    alpha: float
    observed_disagreement: float
    expected_disagreement: float
    pairable_length: float
    self_pairing: float


@dataclass(frozen=True, slots=True)
class UnitizedAlpha:
    """The uα family for one continuum (see :func:`unitized_alpha`)."""

    u: UnitizedFigure
    binary: UnitizedFigure
    cu: UnitizedFigure
    per_value: dict[Hashable, UnitizedFigure]
    coders: tuple[Hashable, ...]
    length: int
    overlap_length: int = 0
    coded_length: dict[Hashable, int] = field(default_factory=dict)

    @property
    def u_alpha(self) -> float:
        """uα: agreement on where units are and which value they carry."""
        return self.u.alpha

    @property
    def binary_u_alpha(self) -> float:
        """|uα: agreement on what is coded at all, whatever the value."""
        return self.binary.alpha

    @property
    def cu_alpha(self) -> float:
        """cuα: agreement on the values, where coded text of two coders meets."""
        return self.cu.alpha


def _figure(
    n_total: float,
    agree: float,
    marginals: np.ndarray,
    self_pairing: float,
) -> UnitizedFigure:
    """uα-type figure from the coincidence totals (nominal metric).

    With ``l..`` the total, ``Σ l_cc`` the agreement, ``n_c`` the marginals and
    ``S = Σ (section length)²`` (one per character for gaps):
    ``e_ck = (n_c n_k − [c=k] S_c) / (l.. − S / l..)``, whose off-diagonal sum
    is ``l.. (l..² − Σ n_c²) / (l..² − S)``.
    """
    observed = n_total - agree
    denom = n_total * n_total - self_pairing
    spread = n_total * n_total - float(marginals @ marginals)
    if n_total <= 0 or denom <= 0:
        return UnitizedFigure(
            math.nan, float(observed), math.nan, float(n_total), float(self_pairing)
        )
    expected = n_total * spread / denom
    # Rounding can leave a tiny positive or negative residue where the true
    # value is 0 (a single category): treat it as no variation.
    if expected <= 1e-9 * max(n_total, 1.0):
        return UnitizedFigure(
            math.nan, float(observed), float(expected), float(n_total), float(self_pairing)
        )
    alpha = 1.0 - observed / expected
    return UnitizedFigure(
        float(alpha), float(observed), float(expected), float(n_total), float(self_pairing)
    )


def _merge_runs(group: np.ndarray, start: np.ndarray, end: np.ndarray, span: int) -> np.ndarray:
    """Merge intervals of the same group that overlap (not those that only touch).

    Returns (group, start, end) rows of the merged intervals, sorted.
    """
    order = np.lexsort((start, group))
    group, start, end = group[order], start[order], end[order]
    offset = group.astype(np.int64) * (span + 1)
    s_off = start + offset
    e_off = end + offset
    run_max = np.maximum.accumulate(e_off)
    new = np.ones(len(start), dtype=bool)
    new[1:] = s_off[1:] >= run_max[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, len(start) - 1)
    merged_end = run_max[last] - offset[first]
    return np.stack([group[first], start[first], merged_end])


def unitized_alpha(
    length: int,
    codings: Iterable[tuple[Hashable, int, int, Hashable]],
    coders: Sequence[Hashable] | None = None,
) -> UnitizedAlpha:
    """Krippendorff's uα family for codings placed on one continuum.

    ``length`` is the length ``L`` of the continuum (a document, in code
    points); ``codings`` are ``(coder, start, end, value)`` with ``end``
    exclusive and ``0 ≤ start ≤ end ≤ length``. ``coders`` lists every coder
    who worked on the continuum, including any who coded nothing there
    (their whole continuum is then one gap); by default the coders are those
    found in ``codings``, in order of first appearance. Empty codings
    (``start == end``) are ignored.

    Definitions (Krippendorff, Mathet, Bouvry & Widlöcher 2016;
    Krippendorff 2019, §12.6). Each coder's continuum is cut into *sections*:
    the coded segments, each carrying a value, and the gaps between them,
    which carry the "not coded" category ∅. The observed coincidence of
    values ``c`` and ``k`` is the length over which one coder has ``c`` and
    another ``k``, summed over ordered pairs of coders and divided by
    ``m − 1``: ``l_ck = Σ_i Σ_{j≠i} |c-sections of i ∩ k-sections of j| / (m − 1)``,
    so that ``l.. = mL``. The expected coincidences pair every stretch with
    every stretch of another section:
    ``e_ck = (l_c. l_.k − [c=k] S_c) / (l.. − S/l..)``, where ``S_c`` sums the
    squared lengths of the segments of value ``c`` and ``S = Σ_c S_c``. Gaps
    are not units a coder delimited, so each character of a gap is its own
    section and ``S_∅`` is the total gap length. With the nominal metric,
    ``α = 1 − Σ_{c≠k} l_ck / Σ_{c≠k} e_ck``.

    - ``u`` (uα): all values and ∅ together: agreement on both where units
      are and which value they carry.
    - ``binary`` (|uα): the values merged into one "coded" category against
      ∅, the sections unchanged (two adjacent segments of different values
      stay two sections): agreement on what is relevant at all.
    - ``cu`` (cuα): only coded text meeting another coder's coded text.
      Its observed coincidences are uα's ``l_ck`` with the ∅ row and column
      left out (Krippendorff 2019, §12.6.5): every ordered pair of coders who
      both coded a position keeps uα's weight ``1/(m − 1)``, ``m`` being all
      the coders, whether or not the others coded there. A coded segment
      counts only for its *pairable* part, where another coder also coded
      something; its weight in the marginals is
      ``Σ_positions (coders other than its own coding there)/(m − 1)`` (its
      pairable length when ``m = 2``), and its self-pairing term is that
      weight squared. This reproduces the book's three-coder example
      (Fig. 12.11: cuα = .724); dividing each pair by the number of coders
      who coded there minus one instead (an earlier choice here) gave .756.
      cuα is ``nan`` when fewer than two coders' coded text ever meets or
      when all pairable coded text carries one value.
    - ``per_value[k]``: the value's own binary continuum, where each coder
      either coded ``k`` or not (everything else, including other values,
      is the gap of that continuum), as in the 2016 paper's per-value
      analyses; on two categories uα and |uα coincide, so one figure is
      given. A value nobody else used still gets its figure.

    Overlapping codings of one coder. Codings of the same coder and value
    that overlap are merged into one segment first (touching ones stay two
    segments, as the coder made two units). Codings of one coder with
    *different* values may overlap in codage (a passage can carry two
    codes). Per-value figures take them as they are: each value has its own
    continuum. uα, |uα and cuα need at most one value per coder per
    position, so they are computed on the positions where no coder has two
    values; the other positions are removed from the continuum for every
    coder (a segment crossing them keeps its remaining length as one
    section), and their number is reported as ``overlap_length``. When every
    position is such an overlap, those three figures are ``nan``.

    ``coded_length[k]`` is the total length coded with ``k`` over all coders.
    Computation sweeps over the sorted segment boundaries with numpy; no
    per-character work is done, so the cost grows with the number of
    codings, not with ``length``. Raises ValueError for fewer than two
    coders, a non-positive length or a coding outside ``[0, length]``.
    """
    length = int(length)
    if length <= 0:
        raise ValueError(f"the continuum length must be positive; got {length}")
    codings = list(codings)
    coder_index: dict[Hashable, int] = {}
    if coders is not None:
        for c in coders:
            coder_index.setdefault(c, len(coder_index))
        if len(coder_index) != len(coders):
            raise ValueError("coders contain duplicates")
    value_index: dict[Hashable, int] = {}
    n = len(codings)
    ci = np.empty(n, dtype=np.int64)
    vi = np.empty(n, dtype=np.int64)
    st = np.empty(n, dtype=np.int64)
    en = np.empty(n, dtype=np.int64)
    for idx, coding in enumerate(codings):
        try:
            coder, start, end, value = coding
        except (TypeError, ValueError):
            raise ValueError(
                f"coding {coding!r} is not a (coder, start, end, value) tuple"
            ) from None
        if coder not in coder_index:
            if coders is not None:
                raise ValueError(f"coder {coder!r} of coding {coding!r} is not in coders")
            coder_index[coder] = len(coder_index)
        ci[idx] = coder_index[coder]
        vi[idx] = value_index.setdefault(value, len(value_index))
        st[idx] = start
        en[idx] = end
    bad = (st < 0) | (en < st) | (en > length)
    if bad.any():
        first = codings[int(np.flatnonzero(bad)[0])]
        raise ValueError(
            f"coding {first!r} does not fit the continuum [0, {length}): "
            "it needs 0 <= start <= end <= length"
        )
    m = len(coder_index)
    if m < 2:
        raise ValueError(
            f"unitized alpha needs at least two coders; got {m}: pass coders=[...] to "
            "include coders who coded nothing"
        )
    values = list(value_index)
    k_values = len(values)
    keep = en > st
    ci, vi, st, en = ci[keep], vi[keep], st[keep], en[keep]

    # Merge one coder's overlapping codings of the same value.
    if len(st):
        g, st, en = _merge_runs(ci * k_values + vi, st, en, length)
        ci, vi = g // k_values, g % k_values
    seg_len = (en - st).astype(np.float64)

    per_value, coded_length = _per_value_figures(
        length, m, k_values, ci, vi, st, en, seg_len, values
    )
    u, binary, cu, overlap = _overall_figures(length, m, k_values, ci, vi, st, en)
    return UnitizedAlpha(
        u=u,
        binary=binary,
        cu=cu,
        per_value=per_value,
        coders=tuple(coder_index),
        length=length,
        overlap_length=overlap,
        coded_length=coded_length,
    )


def _ordered_values(values: list[Any]) -> list[int]:
    """Indices of the values in sorted order, or in first-seen order if unsortable."""
    indices = list(range(len(values)))
    try:
        return sorted(indices, key=lambda k: values[k])
    except TypeError:
        return indices


def _per_value_figures(
    length: int,
    m: int,
    k_values: int,
    ci: np.ndarray,
    vi: np.ndarray,
    st: np.ndarray,
    en: np.ndarray,
    seg_len: np.ndarray,
    values: list[Hashable],
) -> tuple[dict[Hashable, UnitizedFigure], dict[Hashable, int]]:
    """Binary uα of every value on its own continuum, all values in one sweep.

    Each value ``k`` gets its own copy of the continuum at offset ``k·L``;
    the number of coders covering each elementary stretch is a cumulative
    sum of +1/−1 at the segment boundaries (one coder's segments of a value
    never overlap after merging).
    """
    if k_values == 0:
        return {}, {}
    lo = vi * length + st
    hi = vi * length + en
    bounds = np.unique(np.concatenate([lo, hi, np.arange(k_values + 1) * length]))
    delta = np.bincount(np.searchsorted(bounds, lo), minlength=len(bounds)) - np.bincount(
        np.searchsorted(bounds, hi), minlength=len(bounds)
    )
    cover = np.cumsum(delta)[:-1].astype(np.float64)
    width = np.diff(bounds).astype(np.float64)
    which = bounds[:-1] // length
    n_k = np.bincount(which, weights=width * cover, minlength=k_values)
    agree_k = np.bincount(which, weights=width * cover * (cover - 1), minlength=k_values)
    agree_gap = np.bincount(
        which, weights=width * (m - cover) * (m - cover - 1), minlength=k_values
    )
    squares = np.bincount(vi, weights=seg_len**2, minlength=k_values)
    total = float(m * length)
    out: dict[Hashable, UnitizedFigure] = {}
    coded: dict[Hashable, int] = {}
    for k in _ordered_values(values):
        n_gap = total - n_k[k]
        fig = _figure(
            total,
            (agree_k[k] + agree_gap[k]) / (m - 1),
            np.array([n_k[k], n_gap]),
            squares[k] + n_gap,
        )
        out[values[k]] = fig
        coded[values[k]] = round(n_k[k])
    return out, coded


def _overall_figures(
    length: int,
    m: int,
    k_values: int,
    ci: np.ndarray,
    vi: np.ndarray,
    st: np.ndarray,
    en: np.ndarray,
) -> tuple[UnitizedFigure, UnitizedFigure, UnitizedFigure, int]:
    """uα, |uα and cuα over the positions where no coder carries two values."""
    bounds = np.unique(np.concatenate([st, en, [0, length]]))
    nb = len(bounds)
    si = np.searchsorted(bounds, st)
    ei = np.searchsorted(bounds, en)
    width = np.diff(bounds).astype(np.float64)

    # Per coder and elementary stretch: how many segments cover it, and the
    # sum of their value codes (1-based), which is the value when one covers it.
    flat_s = ci * nb + si
    flat_e = ci * nb + ei
    size = m * nb
    count = np.cumsum(
        (np.bincount(flat_s, minlength=size) - np.bincount(flat_e, minlength=size)).reshape(m, nb),
        axis=1,
    )[:, :-1]
    code_sum = np.cumsum(
        (
            np.bincount(flat_s, weights=vi + 1.0, minlength=size)
            - np.bincount(flat_e, weights=vi + 1.0, minlength=size)
        ).reshape(m, nb),
        axis=1,
    )[:, :-1]
    single = (count <= 1).all(axis=0)
    overlap = round(float(width[~single].sum()))
    w = np.where(single, width, 0.0)
    state = np.where(count == 1, np.rint(code_sum).astype(np.int64), 0)  # 0 = gap

    kv = k_values + 1
    coded_here = (state > 0).sum(axis=0)
    pair_full = np.zeros(kv * kv)
    for i in range(m):
        for j in range(i + 1, m):
            pair_full += np.bincount(state[i] * kv + state[j], weights=w, minlength=kv * kv)
    full = pair_full.reshape(kv, kv)
    full = (full + full.T) / (m - 1)
    # cuα's coincidences are uα's with the ∅ row and column left out
    # (Krippendorff 2019, §12.6.5): every pair keeps uα's weight 1/(m − 1).
    cu_m = full[1:, 1:]

    # Section lengths within the kept positions, and their pairable parts.
    kept_prefix = np.concatenate([[0.0], np.cumsum(w)])
    # A segment's weight in cuα's coincidences: at each position, the share
    # of the other m − 1 coders whose coded text it meets there.
    share = np.maximum(coded_here - 1, 0) / (m - 1)
    pairable_prefix = np.concatenate([[0.0], np.cumsum(w * share)])
    seg_kept = kept_prefix[ei] - kept_prefix[si]
    seg_pairable = pairable_prefix[ei] - pairable_prefix[si]

    kept_length = float(w.sum())
    total = m * kept_length
    marg = full.sum(axis=1)
    gap_total = float(marg[0])
    squares = float((seg_kept**2).sum())
    u = _figure(total, float(np.trace(full)), marg, squares + gap_total)
    coded_total = total - gap_total
    agree_bin = float(full[0, 0] + full[1:, 1:].sum())
    binary = _figure(total, agree_bin, np.array([gap_total, coded_total]), squares + gap_total)
    cu_marg = cu_m.sum(axis=1)
    cu = _figure(
        float(cu_marg.sum()), float(np.trace(cu_m)), cu_marg, float((seg_pairable**2).sum())
    )
    return u, binary, cu, overlap
