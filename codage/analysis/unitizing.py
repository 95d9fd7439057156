"""Unitizing agreement: Krippendorff's uα family, pure functions, no database.

Unitizing coefficients compare where coders placed codes on a continuum (a
document's text, in code points): :func:`unitized_alpha` computes Krippendorff's
uα family (Krippendorff, Mathet, Bouvry & Widlöcher 2016; Krippendorff,
*Content Analysis*, 4th ed., 2019, §12.6). The unit-level coefficients (alpha
on predefined units, the kappas) are in :mod:`codage.analysis.agreement`, with
the conventions both follow: malformed input raises :class:`ValueError` saying
what is wrong, and a coefficient that is undefined for well-formed data (0/0:
nothing to compare, no variation) is ``nan``, never turned into 1.0 or 0.0.

Only the standard library and numpy are imported.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["UnitizedAlpha", "UnitizedFigure", "unitized_alpha", "unitized_alpha_arrays"]


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


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an integer array: ``np.unique``'s answer, by sorting,
    which numpy 2's hashing ``np.unique`` is several times slower than on the few
    thousand boundaries of a document."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


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
    return unitized_alpha_arrays(length, ci, vi, st, en, tuple(coder_index), list(value_index))


def unitized_alpha_arrays(
    length: int,
    ci: np.ndarray,
    vi: np.ndarray,
    st: np.ndarray,
    en: np.ndarray,
    coders: tuple[Hashable, ...],
    values: Sequence[Hashable],
    per_value: bool = True,
) -> UnitizedAlpha:
    """:func:`unitized_alpha` on codings given as arrays, already checked: ``ci`` the
    coder's index in ``coders``, ``vi`` the value's index in ``values`` (numbered in
    order of first appearance, as :func:`unitized_alpha` numbers them), ``st`` and
    ``en`` the bounds. What agreement on a million codings passes, without a tuple each.
    Without ``per_value``, the per-value figures (a sweep of their own) are left out."""
    m = len(coders)
    k_values = len(values)
    keep = en > st
    ci, vi, st, en = ci[keep], vi[keep], st[keep], en[keep]

    # Merge one coder's overlapping codings of the same value.
    if len(st):
        g, st, en = _merge_runs(ci * k_values + vi, st, en, length)
        ci, vi = g // k_values, g % k_values
    seg_len = (en - st).astype(np.float64)

    by_value, coded_length = (
        _per_value_figures(length, m, k_values, ci, vi, st, en, seg_len, values)
        if per_value
        else ({}, {})
    )
    u, binary, cu, overlap = _overall_figures(length, m, k_values, ci, vi, st, en)
    return UnitizedAlpha(
        u=u,
        binary=binary,
        cu=cu,
        per_value=by_value,
        coders=coders,
        length=length,
        overlap_length=overlap,
        coded_length=coded_length,
    )


def _ordered_values(values: Sequence[Any]) -> list[int]:
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
    values: Sequence[Hashable],
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
    bounds = distinct(np.concatenate([lo, hi, np.arange(k_values + 1) * length]))
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
    bounds = distinct(np.concatenate([st, en, [0, length]]))
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
