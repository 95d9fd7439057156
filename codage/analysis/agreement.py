# Long because (over 600 lines): every statistic and its published-example checks stay side by side.
"""Inter-coder agreement: pure functions, no database.

Two families live here.

*Unit-level* coefficients compare the values that coders gave to the same
predefined units (paragraphs, turns, survey answers): Krippendorff's alpha
(:func:`krippendorff_alpha`), Cohen's kappa (:func:`cohen_kappa`,
:func:`weighted_kappa`), Fleiss' kappa (:func:`fleiss_kappa`) and pairwise
percent agreement (:func:`percent_agreement`). :func:`reliability_matrix` turns
``(coder, unit, value)`` triples into the rows-per-coder layout they take.

*Unitizing* coefficients compare where coders placed codes on a continuum
(a document's text, in code points): Krippendorff's uα family, in
:mod:`codage.analysis.unitizing` (:func:`~codage.analysis.unitizing.unitized_alpha`).

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
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from codage.analysis.alpha_pairs import pairwise_nominal_alpha

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

__all__ = [
    "LEVELS",
    "cohen_kappa",
    "cohen_kappa_counts",
    "fleiss_kappa",
    "fleiss_kappa_labels",
    "krippendorff_alpha",
    "percent_agreement",
    "reliability_matrix",
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


# Whole-number labels below this are encoded by counting (see _encode_rows).
_COUNTED_LABELS = 1 << 22


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
    given = arr[present]
    codes = np.full(arr.shape, -1, dtype=np.int64)
    if given.size and given.min() >= 0 and given.max() < _COUNTED_LABELS:
        whole = given.astype(np.int64)
        if np.array_equal(whole, given):
            # Small whole numbers (0/1 per code, numbered sets of codes): what np.unique
            # gives, by counting instead of sorting, which was most of the time of
            # unit-level agreement on a large project.
            seen = np.bincount(whole) > 0
            codes[present] = (np.cumsum(seen) - 1)[whole]
            return codes, [float(v) for v in np.flatnonzero(seen)]
    values, inverse = np.unique(given, return_inverse=True)
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
    if (
        level == "nominal"
        and isinstance(data, np.ndarray)
        and data.ndim == 2
        and data.shape[0] in (2, 3)
        and data.dtype.kind in "biuf"
    ):
        # Two or three coders: counted by pairs, without encoding (same value to the bit).
        return pairwise_nominal_alpha(data)
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


# Up to this many cells (32 MB) Cohen's kappa sums its table as it always has, so
# that the figures of ordinary projects stay the same to the last digit; past it the
# table is never built.
_DENSE_KAPPA_CELLS = 1 << 22


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
    if k * k <= _DENSE_KAPPA_CELLS:
        table = np.bincount(ia * k + ib, minlength=k * k).reshape(k, k) / n
        p_o = float(np.trace(table))
        p_e = float(table.sum(axis=1) @ table.sum(axis=0))
    else:
        # Only the diagonal and the marginals of the table count. Sets of codes as
        # labels number in tens of thousands on a large project, where the k × k table
        # asked for gigabytes (MemoryError at 27,670 labels). From the exact integer
        # counts, divided once: the same value as the table's to the last digit or two.
        agreed = int(np.count_nonzero(ia == ib))
        by_a = np.bincount(ia, minlength=k)
        by_b = np.bincount(ib, minlength=k)
        p_o = agreed / n
        p_e = int(by_a @ by_b) / (n * n)
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
