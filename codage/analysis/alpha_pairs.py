"""Nominal Krippendorff's alpha of two or three coders, counted by pairs of coders.

The general path (:func:`codage.analysis.agreement.krippendorff_alpha`) encodes the
values, then counts (unit, value) pairs through a sort: some forty numpy calls, which
on a small array (2 coders × 200 units) cost more than the arithmetic. With two or
three coders, alpha needs only three integers:

- ``agreeing = Σ_u Σ_c n_uc (n_uc − 1) / (m_u − 1)``: with ``m_u ≤ 3`` every term is
  a whole number (``n(n − 1)`` is even and the weight is 1 or 1/2). It is twice the
  number of agreeing pairs of coders on a unit of two values, and the number of
  agreeing pairs on a unit of three (0, 1 or 3);
- ``n``, the number of pairable values, and ``Σ_c n_c²``, from one sort of them.

Every quantity is a whole number held exactly in a float (below 2**53), so the
result is the general path's to the last bit, whatever the order of the sums. With
four coders or more the weights (1/3, ...) are not exact and the general path's order
of summation decides the last digit: it keeps those.
"""

from __future__ import annotations

import math

import numpy as np


def pairwise_nominal_alpha(arr: np.ndarray) -> float:
    """Nominal alpha of a 2 × units or 3 × units numeric array, NaN for missing.

    Equal, bit for bit, to the general path of ``krippendorff_alpha(arr, "nominal")``;
    ``nan`` when no unit holds two values or when a single value is used throughout.
    """
    arr = arr.astype(np.float64, copy=False)
    if arr.shape[0] == 2:
        first, second = arr[0], arr[1]
        # NaN equals nothing: only units where both coders gave a value can agree.
        agreeing = 2.0 * int(np.count_nonzero(first == second))
        pairable = ~(np.isnan(first) | np.isnan(second))
        given = arr.ravel() if pairable.all() else arr[:, pairable].ravel()
    else:
        present = ~np.isnan(arr)
        m_u = present.sum(axis=0)
        pairs = (arr[0] == arr[1]).astype(np.int64) + (arr[0] == arr[2]) + (arr[1] == arr[2])
        agreeing = float(2 * int(pairs[m_u == 2].sum()) + int(pairs[m_u == 3].sum()))
        pairable = m_u >= 2
        given = arr[:, pairable][present[:, pairable]]
    n_values = given.size
    if n_values == 0:
        return math.nan
    ordered = np.sort(given)
    # Runs of equal values in sorted order are the marginals n_c.
    edges = np.flatnonzero(ordered[1:] != ordered[:-1])
    runs = np.diff(edges, prepend=-1, append=n_values - 1)
    squares = float(int(runs @ runs))
    n = float(n_values)
    expected = (n * n - squares) / (n - 1.0)
    if expected <= 0.0:
        return math.nan
    return 1.0 - (n - agreeing) / expected
