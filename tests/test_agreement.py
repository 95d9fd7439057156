# Long because (over 600 lines): each published example sits beside the coefficient it
# checks, in the order of codage/analysis/agreement.py.
"""Tests of codage.analysis.agreement against published examples and references.

Published figures checked here:
- Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": the binary
  2-observer example (α = 0.095), the nominal 2-observer example (α = 0.692) and
  the 4-observer × 12-unit example with missing values (nominal 0.743, ordinal
  0.815, interval 0.849, ratio 0.797).
- Fleiss (1971) as worked on Wikipedia's "Fleiss' kappa" page: 10 subjects, 14
  raters, 5 categories, κ = 0.210.
- Wikipedia's "Cohen's kappa" examples: κ = 0.4 (50 proposals), 0.1304 and 0.2593.

The unitized family is checked against hand-derived values (formula written out
in the test) and against a literal, per-character reference implementation of
the definitions, on random cases.
"""

from __future__ import annotations

import itertools
import math
import random

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codage.analysis.agreement import (
    LEVELS,
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_labels,
    krippendorff_alpha,
    percent_agreement,
    reliability_matrix,
    weighted_kappa,
)
from codage.analysis.unitizing import unitized_alpha

N = None

# Krippendorff (2011), section C: 4 observers, 12 units, missing data.
KRIPPENDORFF_2011_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


# ---------------------------------------------------------------------------
# Krippendorff's alpha, published examples
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_krippendorff_2011_four_observers_missing_data(level: str, expected: float) -> None:
    assert krippendorff_alpha(KRIPPENDORFF_2011_C, level) == pytest.approx(expected, abs=5e-4)


def test_alpha_krippendorff_2011_binary_two_observers() -> None:
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert krippendorff_alpha(data) == pytest.approx(0.095, abs=5e-4)


def test_alpha_krippendorff_2011_nominal_two_observers_letters() -> None:
    ben = list("aabbdcccedda")
    gerry = list("babbbcccdddd".replace("cccd", "ccce", 1))
    assert "".join(gerry) == "babbbccceddd"
    assert krippendorff_alpha([ben, gerry]) == pytest.approx(0.692, abs=5e-4)


def test_alpha_nominal_does_not_depend_on_value_labels() -> None:
    relabelled = [[None if v is None else f"v{v}" for v in row] for row in KRIPPENDORFF_2011_C]
    assert krippendorff_alpha(relabelled) == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011_C))


def test_alpha_accepts_nan_and_numpy() -> None:
    arr = np.array(KRIPPENDORFF_2011_C, dtype=float)
    assert krippendorff_alpha(arr, "interval") == pytest.approx(0.849, abs=5e-4)
    rows = [[math.nan if v is None else v for v in row] for row in KRIPPENDORFF_2011_C]
    assert krippendorff_alpha(rows) == pytest.approx(0.743, abs=5e-4)


# ---------------------------------------------------------------------------
# Krippendorff's alpha against the krippendorff package
# ---------------------------------------------------------------------------


def _random_matrix(rng: np.random.Generator, m: int, n: int, v: int, p_missing: float):
    data = rng.integers(1, v + 1, size=(m, n)).astype(float)
    data[rng.random((m, n)) < p_missing] = np.nan
    return data


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", range(6))
def test_alpha_matches_krippendorff_package(level: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(2, 6))
    data = _random_matrix(rng, m, int(rng.integers(5, 60)), int(rng.integers(2, 8)), 0.3)
    # Skew agreement upwards so alpha is not always near 0.
    data[1:, ::2] = np.where(np.isnan(data[1:, ::2]), np.nan, data[0, ::2])
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(theirs, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 14),
    st.integers(3, 25),
    st.integers(2, 5),
    st.integers(0, 2**32 - 1),
    st.sampled_from(LEVELS),
)
def test_alpha_matches_krippendorff_package_hypothesis(
    m: int, n: int, v: int, seed: int, level: str
) -> None:
    # Up to 14 coders exercises both the pairwise and the matrix-product paths.
    rng = np.random.default_rng(seed)
    data = _random_matrix(rng, m, n, v, 0.25)
    ours = krippendorff_alpha(data, level)
    try:
        with np.errstate(all="ignore"):
            theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    except ValueError:
        # The package refuses a single value; alpha is undefined and we say nan.
        assert math.isnan(ours)
        return
    assert _close(ours, theirs), (ours, theirs)


# ---------------------------------------------------------------------------
# Krippendorff's alpha, edge cases
# ---------------------------------------------------------------------------


def test_alpha_single_category_is_nan() -> None:
    assert math.isnan(krippendorff_alpha([["a", "a", "a"], ["a", "a", None]]))


def test_alpha_all_missing_is_nan() -> None:
    assert math.isnan(krippendorff_alpha([[None, None], [None, None]]))


def test_alpha_no_pairable_unit_is_nan() -> None:
    assert math.isnan(krippendorff_alpha([[1, None], [None, 2]]))


def test_alpha_single_coder_raises() -> None:
    with pytest.raises(ValueError, match="at least two coders"):
        krippendorff_alpha([[1, 2, 3]])


def test_alpha_ragged_rows_raise() -> None:
    with pytest.raises(ValueError, match="different lengths"):
        krippendorff_alpha([[1, 2, 3], [1, 2]])


def test_alpha_unknown_level_raises() -> None:
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha([[1, 2], [1, 2]], "circular")


def test_alpha_strings_at_interval_level_raise() -> None:
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha([["a", "b"], ["a", "b"]], "interval")


def test_alpha_ratio_negative_raises() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        krippendorff_alpha([[-1, 2], [1, 2]], "ratio")


def test_alpha_perfect_agreement_is_one() -> None:
    assert krippendorff_alpha([["a", "b", "c"], ["a", "b", "c"]]) == pytest.approx(1.0)


def test_alpha_booleans_are_nominal_labels() -> None:
    data = [[True, False, True, True], [True, False, False, True]]
    ints = [[int(v) for v in row] for row in data]
    assert krippendorff_alpha(data) == pytest.approx(krippendorff_alpha(ints))


# ---------------------------------------------------------------------------
# Cohen's kappa (Wikipedia's worked examples) and weighted kappa
# ---------------------------------------------------------------------------


def _from_table(table: list[list[int]], labels: list[str]) -> tuple[list[str], list[str]]:
    a: list[str] = []
    b: list[str] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [labels[i]] * count
            b += [labels[j]] * count
    return a, b


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ([[20, 5], [10, 15]], 0.4),  # p_o = 0.7, p_e = 0.5
        ([[45, 15], [25, 15]], 0.1304),
        ([[25, 35], [5, 35]], 0.2593),
    ],
)
def test_cohen_kappa_wikipedia_examples(table: list[list[int]], expected: float) -> None:
    a, b = _from_table(table, ["yes", "no"])
    assert cohen_kappa(a, b) == pytest.approx(expected, abs=5e-5)


def test_cohen_kappa_formula_by_hand_three_categories() -> None:
    # p_o = (88 + 40 + 12)/200 = 0.70; p_e = (120·100 + 60·60 + 20·40)/200² = 0.41
    table = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]
    a, b = _from_table(table, ["x", "y", "z"])
    assert cohen_kappa(a, b) == pytest.approx((0.70 - 0.41) / (1 - 0.41))


def test_cohen_kappa_is_not_scott_pi() -> None:
    # QualCoder-style pooled marginals would give Scott's pi; Cohen's uses each coder's.
    a, b = _from_table([[45, 15], [25, 15]], ["yes", "no"])
    p_o = 0.6
    pooled = {"yes": (60 + 70) / 200, "no": (40 + 30) / 200}
    scott_pi = (p_o - sum(p * p for p in pooled.values())) / (
        1 - sum(p * p for p in pooled.values())
    )
    assert cohen_kappa(a, b) != pytest.approx(scott_pi, abs=1e-3)


def test_cohen_kappa_missing_labels_dropped_and_edge_cases() -> None:
    assert cohen_kappa(["a", None, "b"], ["a", "b", "b"]) == pytest.approx(1.0)
    assert math.isnan(cohen_kappa(["a", "a"], ["a", "a"]))
    with pytest.raises(ValueError, match="different lengths"):
        cohen_kappa(["a"], ["a", "b"])


def test_weighted_kappa_two_categories_equals_cohen() -> None:
    a, b = _from_table([[20, 5], [10, 15]], ["no", "yes"])
    for weights in ("linear", "quadratic"):
        assert weighted_kappa(a, b, weights) == pytest.approx(0.4)  # type: ignore[arg-type]


def test_weighted_kappa_by_hand() -> None:
    # Three ordered categories, 4 units: (1,1) (2,3) (3,3) (1,2).
    a, b = [1, 2, 3, 1], [1, 3, 3, 2]
    # Linear weights w = |i−j|/2; observed Σ w p = (0 + 0.5 + 0 + 0.5)/4 = 0.25.
    # Marginals a: (1/2, 1/4, 1/4); b: (1/4, 1/4, 1/2).
    pa, pb = [0.5, 0.25, 0.25], [0.25, 0.25, 0.5]
    lin = sum(pa[i] * pb[j] * abs(i - j) / 2 for i in range(3) for j in range(3))
    quad = sum(pa[i] * pb[j] * (abs(i - j) / 2) ** 2 for i in range(3) for j in range(3))
    assert weighted_kappa(a, b, "linear") == pytest.approx(1 - 0.25 / lin)
    assert weighted_kappa(a, b, "quadratic") == pytest.approx(1 - (0.25 / 2) / quad)


def test_weighted_kappa_categories_fix_the_scale() -> None:
    a, b = [1, 1, 2, 3, 3, 2, 1], [1, 2, 2, 3, 1, 3, 1]
    # Unused categories at the ends rescale linear weights uniformly (no change);
    # an unused category in the middle changes the distances.
    plain = weighted_kappa(a, b, "linear")
    assert weighted_kappa(a, b, "linear", categories=[0, 1, 2, 3, 4]) == pytest.approx(plain)
    assert weighted_kappa(a, b, "linear", categories=[1, 2, 2.5, 3]) != pytest.approx(plain)
    with pytest.raises(ValueError, match="not in categories"):
        weighted_kappa(a, b, categories=[1, 2])


# ---------------------------------------------------------------------------
# Fleiss' kappa
# ---------------------------------------------------------------------------

FLEISS_WIKIPEDIA = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_kappa_wikipedia_example() -> None:
    # P̄ = 0.378, P̄e = 0.213, κ = 0.210 on the page.
    assert fleiss_kappa(FLEISS_WIKIPEDIA) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_unequal_rows_raise() -> None:
    with pytest.raises(ValueError, match="same number of raters"):
        fleiss_kappa([[1, 2], [2, 2]])


def test_fleiss_kappa_edge_cases() -> None:
    assert math.isnan(fleiss_kappa([[3, 0], [3, 0]]))
    assert fleiss_kappa([[3, 0], [0, 3]]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="two raters"):
        fleiss_kappa([[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="whole numbers"):
        fleiss_kappa([[1.5, 0.5], [1, 1]])


def test_fleiss_kappa_two_raters_equals_scott_pi_via_alpha_limit() -> None:
    # For two raters and no missing data, Fleiss' kappa is Scott's pi, and
    # Krippendorff's α = 1 − (1 − π)·(2N − 1)/(2N) (Krippendorff 2011).
    rng = random.Random(3)
    a = [rng.choice("xyz") for _ in range(40)]
    b = [v if rng.random() < 0.6 else rng.choice("xyz") for v in a]
    table = [[(a[i] == c) + (b[i] == c) for c in "xyz"] for i in range(40)]
    pi = fleiss_kappa(table)
    alpha = krippendorff_alpha([a, b])
    assert alpha == pytest.approx(1 - (1 - pi) * 79 / 80)


# ---------------------------------------------------------------------------
# Percent agreement and the reliability matrix helper
# ---------------------------------------------------------------------------


def test_percent_agreement_two_coders() -> None:
    assert percent_agreement([["a", "b", "c", "d"], ["a", "b", "x", "d"]]) == pytest.approx(0.75)


def test_percent_agreement_pools_pairs_over_units() -> None:
    # Unit 1: 3 coders a,a,b -> 1 agreeing pair of 3. Unit 2: 2 coders c,c -> 1 of 1.
    data = [["a", "c"], ["a", "c"], ["b", None]]
    assert percent_agreement(data) == pytest.approx(2 / 4)
    assert math.isnan(percent_agreement([[1, None], [None, 2]]))
    with pytest.raises(ValueError):
        percent_agreement([[1, 2]])


def test_reliability_matrix() -> None:
    rm = reliability_matrix(
        [("ann", "u1", "x"), ("bob", "u1", "y"), ("ann", "u2", "x")], units=["u1", "u2", "u3"]
    )
    assert rm.coders == ("ann", "bob")
    assert rm.rows == [["x", "x", None], ["y", None, None]]
    with pytest.raises(ValueError, match="two values"):
        reliability_matrix([("ann", "u1", "x"), ("ann", "u1", "y")])


# ---------------------------------------------------------------------------
# Unitized alpha: a literal reference implementation of the definitions
# ---------------------------------------------------------------------------

GAP = object()


def _sections(length: int, segments: list[tuple[int, int, str]]) -> list[tuple[object, int, int]]:
    """A coder's sections: its segments and every gap character on its own."""
    covered = [False] * length
    for s, e, _ in segments:
        for p in range(s, e):
            covered[p] = True
    out: list[tuple[object, int, int]] = [(v, s, e) for s, e, v in segments]
    out += [(GAP, p, p + 1) for p in range(length) if not covered[p]]
    return out


def _alpha_from(l_mat: dict, sections: list[list[tuple[object, int, int]]]) -> float:
    """α = 1 − Σ_{c≠k} l_ck / Σ_{c≠k} e_ck with e_ck from the section lengths."""
    cats = {c for c, _ in l_mat} | {k for _, k in l_mat}
    n_c = {c: sum(v for (a, _), v in l_mat.items() if a == c) for c in cats}
    total = sum(n_c.values())
    squares = {c: 0.0 for c in cats}
    for coder_sections in sections:
        for value, s, e in coder_sections:
            squares[value] = squares.get(value, 0.0) + (e - s) ** 2
    s_all = sum(squares.values())
    observed = sum(v for (c, k), v in l_mat.items() if c != k)
    expected = sum(
        (n_c[c] * n_c[k]) / (total - s_all / total) for c in cats for k in cats if c != k
    )
    return 1 - observed / expected if expected else math.nan


def reference_unitized(length: int, codings: list[tuple[str, int, int, str]], coders: list[str]):
    """Per-character, pair-by-pair computation of uα, |uα and cuα (no overlaps)."""
    m = len(coders)
    segs = {c: [(s, e, v) for cc, s, e, v in codings if cc == c] for c in coders}
    secs = [_sections(length, segs[c]) for c in coders]
    l_u: dict = {}
    for i, j in itertools.permutations(range(m), 2):
        for vi, si, ei in secs[i]:
            for vj, sj, ej in secs[j]:
                overlap = max(0, min(ei, ej) - max(si, sj))
                if overlap:
                    l_u[vi, vj] = l_u.get((vi, vj), 0.0) + overlap / (m - 1)
    u = _alpha_from(l_u, secs)

    def binary(v: object) -> object:
        return GAP if v is GAP else "coded"

    l_b: dict = {}
    for (c, k), val in l_u.items():
        l_b[binary(c), binary(k)] = l_b.get((binary(c), binary(k)), 0.0) + val
    secs_b = [[(binary(v), s, e) for v, s, e in cs] for cs in secs]
    b = _alpha_from(l_b, secs_b)

    # cuα (Krippendorff 2019, §12.6.5): uα's coincidences without the gap row
    # and column, so a pair of coders who both coded a position counts
    # 1/(m − 1) there, as in uα; a segment weighs, per position, the share of
    # the other m − 1 coders who coded there too, and that weight is its
    # "length" in the self-pairing term.
    value_at = [[GAP] * length for _ in coders]
    for i, c in enumerate(coders):
        for s, e, v in segs[c]:
            for p in range(s, e):
                value_at[i][p] = v
    l_cu: dict = {}
    for p in range(length):
        coded = [i for i in range(m) if value_at[i][p] is not GAP]
        for i, j in itertools.permutations(coded, 2):
            key = (value_at[i][p], value_at[j][p])
            l_cu[key] = l_cu.get(key, 0.0) + 1 / (m - 1)
    secs_cu = []
    for i, c in enumerate(coders):
        own = []
        for s, e, v in segs[c]:
            weight = sum(
                sum(value_at[j][p] is not GAP for j in range(m) if j != i) / (m - 1)
                for p in range(s, e)
            )
            own.append((v, 0, weight))
        secs_cu.append(own)
    cu = _alpha_from(l_cu, secs_cu) if l_cu else math.nan
    return u, b, cu


def _random_codings(rng: random.Random, length: int, coders: list[str], values: str):
    """Non-overlapping codings per coder, often shared between coders."""
    anchors = []
    for _ in range(rng.randint(1, 4)):
        s = rng.randrange(length)
        anchors.append((s, min(length, s + rng.randint(1, 12)), rng.choice(values)))
    codings = []
    for c in coders:
        taken = [False] * length
        picks = [
            (
                max(0, s + rng.randint(-2, 2)),
                min(length, e + rng.randint(-2, 2)),
                v if rng.random() < 0.8 else rng.choice(values),
            )
            for s, e, v in anchors
            if rng.random() < 0.85
        ]
        for _ in range(rng.randint(0, 2)):
            s = rng.randrange(length)
            picks.append((s, min(length, s + rng.randint(1, 6)), rng.choice(values)))
        for s, e, v in picks:
            if e > s and not any(taken[s:e]):
                for p in range(s, e):
                    taken[p] = True
                codings.append((c, s, e, v))
    return codings


def _close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 4), st.integers(5, 40))
def test_unitized_matches_reference(seed: int, m: int, length: int) -> None:
    rng = random.Random(seed)
    coders = [f"c{i}" for i in range(m)]
    codings = _random_codings(rng, length, coders, "xyz")
    result = unitized_alpha(length, codings, coders=coders)
    u, b, cu = reference_unitized(length, codings, coders)
    assert result.overlap_length == 0
    assert _close(result.u_alpha, u), (result.u_alpha, u)
    assert _close(result.binary_u_alpha, b), (result.binary_u_alpha, b)
    assert _close(result.cu_alpha, cu), (result.cu_alpha, cu)
    # Each value's figure is the binary uα of its own continuum.
    for value, fig in result.per_value.items():
        own = [(c, s, e, "k") for c, s, e, v in codings if v == value]
        _, b_value, _ = reference_unitized(length, own, coders)
        assert _close(fig.alpha, b_value)


# ---------------------------------------------------------------------------
# Unitized alpha: hand-derived cases
# ---------------------------------------------------------------------------


def test_unitized_perfect_agreement_is_one() -> None:
    codings = [(c, s, e, v) for c in "AB" for s, e, v in [(0, 4, "x"), (10, 25, "y")]]
    r = unitized_alpha(40, codings)
    assert (r.u_alpha, r.binary_u_alpha, r.cu_alpha) == (1.0, 1.0, 1.0)
    assert r.per_value["x"].alpha == 1.0 and r.per_value["y"].alpha == 1.0
    assert r.u.observed_disagreement == 0.0


def test_unitized_two_coders_by_hand() -> None:
    # L = 10. A codes x on [0, 4), B codes x on [2, 6).
    # Positions 0-1: A x / B ∅; 2-3: x / x; 4-5: ∅ / x; 6-9: ∅ / ∅.
    # m = 2, so l_ck counts both ordered pairs of coders, divided by m − 1 = 1:
    #   l_xx = 2·2 = 4, l_∅∅ = 2·4 = 8, l_x∅ = l_∅x = 2 + 2 = 4; l.. = 20 = mL.
    #   n_x = 8, n_∅ = 12.
    # Self-pairing: segments 4² + 4² = 32, gaps count one per character: 6 + 6 = 12; S = 44.
    # D_o = l_x∅ + l_∅x = 8.
    # D_e = Σ_{c≠k} e_ck = 2 n_x n_∅ / (l.. − S/l..) = 2·8·12 / (20 − 44/20) = 192 / 17.8.
    r = unitized_alpha(10, [("A", 0, 4, "x"), ("B", 2, 6, "x")])
    d_e = 2 * 8 * 12 / (20 - 44 / 20)
    assert r.u.observed_disagreement == pytest.approx(8)
    assert r.u.expected_disagreement == pytest.approx(d_e)
    assert r.u.pairable_length == pytest.approx(20)
    assert r.u.self_pairing == pytest.approx(44)
    assert r.u_alpha == pytest.approx(1 - 8 / d_e)  # 0.2583
    # One value only: |uα = uα, the value's own figure is the same, and cuα has
    # no variation among coded values (nan).
    assert r.binary_u_alpha == pytest.approx(r.u_alpha)
    assert r.per_value["x"].alpha == pytest.approx(r.u_alpha)
    assert math.isnan(r.cu_alpha)
    assert r.cu.pairable_length == pytest.approx(4)  # [2, 4) pairable for each coder


def test_unitized_cu_alpha_by_hand() -> None:
    # L = 12. A: x [0, 4), y [4, 8). B: x [0, 4), x [4, 8), gap after.
    # Coded positions 0-7 for both; the values disagree on 4-7.
    # Coded coincidences (m = 2): l_xx = 2·4 = 8, l_xy = l_yx = 4; l*.. = 16.
    # n*_x = 12, n*_y = 4. Pairable lengths: every segment is fully pairable:
    # S* = 4² + 4² + 4² + 4² = 64.
    # D_o = 8; D_e = 2·12·4 / (16 − 64/16) = 96 / 12 = 8 -> cuα = 0.
    r = unitized_alpha(12, [("A", 0, 4, "x"), ("A", 4, 8, "y"), ("B", 0, 4, "x"), ("B", 4, 8, "x")])
    assert r.cu.observed_disagreement == pytest.approx(8)
    assert r.cu.expected_disagreement == pytest.approx(8)
    assert r.cu_alpha == pytest.approx(0.0)
    # Both coders agree perfectly on what is coded.
    assert r.binary_u_alpha == pytest.approx(1.0)


def test_unitized_single_character_units_reduce_to_ordinary_alpha() -> None:
    # When every section has length 1, S = l.. and e_ck = n_c(n_k − δ_ck)/(n − 1):
    # uα is Krippendorff's nominal α with "not coded" as one more value.
    rng = random.Random(7)
    length, coders = 60, ["a", "b", "c"]
    base = [rng.choice("xy-") for _ in range(length)]
    labels = [[v if rng.random() < 0.7 else rng.choice("xy-") for v in base] for _ in coders]
    codings = [(c, p, p + 1, labels[i][p]) for i, c in enumerate(coders) for p in range(length)]
    codings = [cd for cd in codings if cd[3] != "-"]
    r = unitized_alpha(length, codings, coders=coders)
    assert r.u_alpha == pytest.approx(krippendorff_alpha(labels))
    binary = [["-" if v == "-" else "coded" for v in row] for row in labels]
    assert r.binary_u_alpha == pytest.approx(krippendorff_alpha(binary))
    only_x = [["x" if v == "x" else "-" for v in row] for row in labels]
    assert r.per_value["x"].alpha == pytest.approx(krippendorff_alpha(only_x))


def test_unitized_overlapping_values_of_one_coder() -> None:
    # A codes x on [0, 6) and z on [4, 8): positions 4-5 carry two values, so
    # uα/|uα/cuα drop them for every coder; per-value figures keep them.
    codings = [("A", 0, 6, "x"), ("A", 4, 8, "z"), ("B", 0, 4, "x"), ("B", 6, 9, "z")]
    r = unitized_alpha(12, codings)
    assert r.overlap_length == 2
    # Same as the continuum with positions 4-5 cut out (A: x [0,4), z [4,6); B: x [0,4), z [4,7)).
    cut = unitized_alpha(
        10, [("A", 0, 4, "x"), ("A", 4, 6, "z"), ("B", 0, 4, "x"), ("B", 4, 7, "z")]
    )
    assert r.u_alpha == pytest.approx(cut.u_alpha)
    assert r.binary_u_alpha == pytest.approx(cut.binary_u_alpha)
    assert r.cu_alpha == pytest.approx(cut.cu_alpha)
    alone_x = unitized_alpha(12, [("A", 0, 6, "x"), ("B", 0, 4, "x")])
    assert r.per_value["x"].alpha == pytest.approx(alone_x.u_alpha)
    assert r.coded_length == {"x": 10, "z": 7}


def test_unitized_merges_same_value_overlaps_but_not_touching_units() -> None:
    merged = unitized_alpha(20, [("A", 0, 5, "x"), ("A", 3, 8, "x"), ("B", 0, 8, "x")])
    assert merged.u_alpha == pytest.approx(1.0)
    touching = unitized_alpha(20, [("A", 0, 4, "x"), ("A", 4, 8, "x"), ("B", 0, 8, "x")])
    # Same text covered, but A made two units where B made one: the
    # self-pairing term differs (4² + 4² vs 8²), observed disagreement is 0.
    assert touching.u.observed_disagreement == 0.0
    assert touching.u.self_pairing == pytest.approx(16 + 16 + 64 + 12 + 12)
    assert touching.u_alpha == pytest.approx(1.0)


def test_unitized_coder_without_codings_and_errors() -> None:
    r = unitized_alpha(10, [("A", 0, 5, "x")], coders=["A", "B"])
    assert r.u_alpha < 0.5 and r.coders == ("A", "B")
    assert math.isnan(r.cu_alpha)
    # Nobody coded anything: no variation, alpha undefined.
    empty = unitized_alpha(10, [], coders=["A", "B"])
    assert math.isnan(empty.u_alpha) and empty.per_value == {}
    with pytest.raises(ValueError, match="at least two coders"):
        unitized_alpha(10, [("A", 0, 5, "x")])
    with pytest.raises(ValueError, match="does not fit"):
        unitized_alpha(10, [("A", 0, 11, "x"), ("B", 0, 5, "x")])
    with pytest.raises(ValueError, match="does not fit"):
        unitized_alpha(10, [("A", 5, 4, "x"), ("B", 0, 5, "x")])
    with pytest.raises(ValueError, match="not in coders"):
        unitized_alpha(10, [("C", 0, 4, "x")], coders=["A", "B"])
    with pytest.raises(ValueError, match="positive"):
        unitized_alpha(0, [], coders=["A", "B"])


def test_unitized_empty_codings_are_ignored() -> None:
    a = unitized_alpha(10, [("A", 0, 4, "x"), ("B", 1, 4, "x"), ("B", 6, 6, "x")])
    b = unitized_alpha(10, [("A", 0, 4, "x"), ("B", 1, 4, "x")])
    assert a.u_alpha == pytest.approx(b.u_alpha)


def test_unitized_large_is_fast_enough() -> None:
    import time

    rng = np.random.default_rng(0)
    length, codings = 200_000, []
    for coder in ("a", "b", "c"):
        starts = np.sort(rng.integers(0, length - 50, size=4_000))
        for s, ln, v in zip(
            starts, rng.integers(5, 50, size=4_000), rng.integers(0, 50, size=4_000), strict=True
        ):
            codings.append((coder, int(s), int(s + ln), int(v)))
    t0 = time.perf_counter()
    r = unitized_alpha(length, codings)
    assert time.perf_counter() - t0 < 2.0
    assert -1.0 <= r.u_alpha <= 1.0
    assert len(r.per_value) == 50


@given(
    st.integers(2, 6).flatmap(
        lambda m: st.lists(
            st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=m, max_size=m),
            min_size=1,
            max_size=30,
        )
    )
)
def test_fleiss_from_labels_equals_fleiss_on_the_table(units: list[list[int | None]]) -> None:
    rows = [list(r) for r in zip(*units, strict=True)]
    complete = [u for u in units if None not in u]
    got = fleiss_kappa_labels(rows)
    if not complete:
        assert math.isnan(got)
        return
    table = [[u.count(c) for c in range(5)] for u in complete]
    expected = fleiss_kappa(table)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected, abs=1e-12)
