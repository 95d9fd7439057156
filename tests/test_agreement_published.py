"""codage's agreement figures against numbers printed in the publications.

Only published data and published expected values are used here; where the
source was read through a third party's transcription, the transcription is
named too. Figures are compared to the precision printed.
"""

from __future__ import annotations

import pytest

from codage.analysis.agreement import cohen_kappa, weighted_kappa
from codage.analysis.unitizing import unitized_alpha

# ---------------------------------------------------------------------------
# Krippendorff (2019), Content Analysis, 4th ed., §12.6, Figure 12.11 (p. 340)
# ---------------------------------------------------------------------------

# Three observers unitize a continuum of 60 positions with values 1-7.
# Segments as (first, last) positions, 1-based and inclusive, as printed;
# transcribed from the figure by the R package quallmer
# (cran/quallmer, tests/testthat/test-alpha_u.R, "make_book_example").
FIGURE_12_11 = {
    "Alex": [(1, 7, "1"), (8, 13, "2"), (31, 32, "5"), (33, 37, "6"), (38, 44, "6"), (45, 60, "7")],
    "Paul": [(1, 7, "1"), (8, 13, "3"), (14, 21, "5"), (33, 44, "6")],
    "Suzan": [
        (1, 7, "1"),
        (8, 13, "4"),
        (14, 21, "5"),
        (33, 37, "6"),
        (38, 41, "6"),
        (42, 44, "6"),
    ],
}


def _figure_12_11():
    codings = [
        (coder, first - 1, last, value)
        for coder, segments in FIGURE_12_11.items()
        for first, last, value in segments
    ]
    return unitized_alpha(60, codings)


def test_krippendorff_2019_figure_12_11_u_alpha() -> None:
    """uα = .510 (Krippendorff 2019, §12.6.3, example of Fig. 12.11, p. 340).

    Three coders, so this also checks the m − 1 normalisation of l_ck and the
    gaps' self-pairing term (their length, not its square) for more than two
    coders. codage: 0.50998.
    """
    r = _figure_12_11()
    assert r.u_alpha == pytest.approx(0.510, abs=5e-4)
    # l.. = m·L, and the observed disagreement in positions (3 coders × 60).
    assert r.u.pairable_length == pytest.approx(180)


def test_krippendorff_2019_figure_12_11_binary_u_alpha() -> None:
    """|uα = .413 (Krippendorff 2019, §12.6.4, Fig. 12.11 example).

    codage gives 0.41360, which rounds to .414: 0.0006 above the printed
    value. Merging adjacent coded segments into one "coded" section would
    give 0.438 instead, so the sections are kept as the coders drew them
    and the residue is taken to be the book's rounding of intermediate
    figures (the same transcription gives uα = .510 and cuα = .724 exactly);
    hence the tolerance of one unit in the third decimal.
    """
    assert _figure_12_11().binary_u_alpha == pytest.approx(0.413, abs=1e-3)


def test_krippendorff_2019_figure_12_11_cu_alpha() -> None:
    """cuα = .724 (Krippendorff 2019, §12.6.5, Fig. 12.11 example).

    The printed value is quoted in quallmer's test of the same example
    (whose own implementation lands between .72 and .73). codage: 0.72417.
    It discriminates the three-coder normalisation: uα's coincidences
    restricted to coded values (weight 1/(m − 1) per pair), each segment
    weighted by the share of the other coders who coded along it. Dividing
    each pair by the number of coders present minus one (codage's earlier
    reading) gave 0.756; weighting a segment by its plain pairable length
    gave 0.728.
    """
    r = _figure_12_11()
    assert r.cu_alpha == pytest.approx(0.724, abs=5e-4)
    # Only 2/3/4 on positions 8-13 disagree: 6 ordered pairs × 6 positions / (m − 1).
    assert r.cu.observed_disagreement == pytest.approx(18)


# ---------------------------------------------------------------------------
# Cohen (1960), "A coefficient of agreement for nominal scales",
# Educational and Psychological Measurement 20(1):37-46.
# Cell counts as transcribed in dkpro-statistics
# (org/dkpro/statistics/agreement/coding/Cohen1960Test.java).
# ---------------------------------------------------------------------------


def _from_table(table: list[list[int]]) -> tuple[list[int], list[int]]:
    a: list[int] = []
    b: list[int] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [i] * count
            b += [j] * count
    return a, b


def test_cohen_1960_table_1_below_chance() -> None:
    """Cohen (1960), Table 1 (p. 37): 100 units, p_o = .29 and p_e = .35.

    Cohen's own example of agreement below chance; κ = (.29 − .35)/(1 − .35)
    = −.092 follows from the printed proportions.
    """
    a, b = _from_table([[25, 12, 3], [13, 2, 15], [12, 16, 2]])
    assert cohen_kappa(a, b) == pytest.approx((0.29 - 0.35) / (1 - 0.35), abs=5e-4)


def test_cohen_1960_table_2() -> None:
    """Cohen (1960), Table 2 (p. 45): 200 units, p_o = .70, p_e = .41, κ = .492."""
    a, b = _from_table([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
    assert cohen_kappa(a, b) == pytest.approx(0.492, abs=5e-4)


# ---------------------------------------------------------------------------
# Cohen (1968), "Weighted kappa: nominal scale agreement with provision for
# scaled disagreement or partial credit", Psychological Bulletin 70:213-220.
# Proportions, weights and printed results as reproduced in the example of
# the R package psych (cohen.kappa: "data matrix taken from Cohen",
# "cohen reports .492 and .348", "Cohen reports kw = .353").
# ---------------------------------------------------------------------------

COHEN_1968_PROPORTIONS = [[0.44, 0.07, 0.09], [0.05, 0.20, 0.05], [0.01, 0.03, 0.06]]


def _cohen_1968_labels() -> tuple[list[int], list[int]]:
    # The proportions over 200 units are Cohen's (1960) Table 2 again.
    return _from_table([[round(p * 200) for p in row] for row in COHEN_1968_PROPORTIONS])


def test_cohen_1968_unweighted_kappa() -> None:
    """Cohen (1968): κ = .492 for the same table without weights."""
    a, b = _cohen_1968_labels()
    assert cohen_kappa(a, b) == pytest.approx(0.492, abs=5e-4)


def test_cohen_1968_weighted_kappa_symmetric_weights() -> None:
    """Cohen (1968): κw = .348 with disagreement weights 1 (1-2), 3 (1-3), 6 (2-3)."""
    a, b = _cohen_1968_labels()
    weights = [[0, 1, 3], [1, 0, 6], [3, 6, 0]]
    assert weighted_kappa(a, b, weights, categories=[0, 1, 2]) == pytest.approx(0.348, abs=5e-4)


def test_cohen_1968_weighted_kappa_asymmetric_weights() -> None:
    """Cohen (1968): κw = .353 with non-symmetric weights (rows: first judge)."""
    a, b = _cohen_1968_labels()
    weights = [[0, 1, 4], [1, 0, 6], [2, 2, 0]]
    assert weighted_kappa(a, b, weights, categories=[0, 1, 2]) == pytest.approx(0.353, abs=5e-4)
