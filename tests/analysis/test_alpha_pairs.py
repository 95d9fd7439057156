"""Nominal alpha of two or three coders counted by pairs (``alpha_pairs``) against the
general path it short-cuts, to the bit, and against the ``krippendorff`` package.

The general path (encoding, then (unit, value) counts) still serves four coders and
more, labels that are not numbers, and lists: it is the oracle here, called directly.
"""

from __future__ import annotations

import math
import struct
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from codage.analysis import agreement
from codage.analysis.agreement import krippendorff_alpha
from codage.analysis.alpha_pairs import pairwise_nominal_alpha
from tests.properties.profile import PROFILE


def general_path(arr: np.ndarray) -> float:
    """What ``krippendorff_alpha(arr, "nominal")`` computed before the pairs path."""
    codes, values = agreement._encode_rows(arr)
    if not values:
        return math.nan
    return agreement._nominal_alpha(codes)


def bits(x: float) -> bytes:
    """NaN as one pattern, every other float as its own eight bytes."""
    return b"nan" if math.isnan(x) else struct.pack("<d", x)


def package(arr: np.ndarray) -> float:
    """The package's alpha, nan where it refuses (a single value in the domain, or no
    unit with two values: alpha is undefined there and codage says nan)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return float(krippendorff.alpha(reliability_data=arr, level_of_measurement="nominal"))
    except ValueError:
        return math.nan


CELLS = st.sampled_from([np.nan, 0.0, -0.0, 1.0, 2.0, 3.0, 7.5, -4.0, 1e6, 2.0**40])


@PROFILE
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 3), st.integers(0, 40)),
        elements=CELLS,
    )
)
def test_pairs_path_equals_the_general_path_to_the_bit(arr: np.ndarray) -> None:
    assert bits(pairwise_nominal_alpha(arr)) == bits(general_path(arr))
    assert bits(krippendorff_alpha(arr)) == bits(general_path(arr))


@PROFILE
@given(
    hnp.arrays(
        np.int64,
        st.tuples(st.integers(2, 3), st.integers(1, 30)),
        elements=st.integers(0, 4),
    )
)
def test_whole_number_arrays_of_any_dtype_take_the_same_value(arr: np.ndarray) -> None:
    expected = general_path(arr.astype(np.float64))
    for dtype in (np.int64, np.int8, np.uint16, np.float32, np.float64):
        assert bits(krippendorff_alpha(arr.astype(dtype))) == bits(expected)
    assert bits(krippendorff_alpha(arr > 1)) == bits(general_path(arr > 1))


nan = np.nan
TABLES = {
    "all agree": [[1, 2, 3, 4, 1], [1, 2, 3, 4, 1]],
    "all agree, three coders": [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]],
    "one value only": [[2, 2, 2], [2, 2, 2]],
    "one value among pairable units": [[1, nan, 2], [1, 2, nan]],
    "all missing": [[nan, nan], [nan, nan]],
    "one coder missing throughout": [[nan, nan, nan], [1, 2, 3]],
    "no unit has two values": [[1, nan, 3], [nan, 2, nan], [nan, nan, nan]],
    "systematic disagreement": [[1, 2, 1, 2], [2, 1, 2, 1]],
    "missing values, two coders": [[1, 2, nan, 3, 3, 1], [1, 3, 2, nan, 3, 1]],
    "missing values, three coders": [
        [1, 2, nan, 3, 3, 1, nan],
        [1, 3, 2, nan, 3, 1, 4],
        [nan, 3, 2, 3, 3, 2, nan],
    ],
    # Krippendorff (2011), the two-observer binary example: alpha = 0.095.
    "published binary": [
        [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
        [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
    ],
    "one unit": [[1], [2]],
    "no units": np.empty((2, 0)).tolist(),
}


@pytest.mark.parametrize("name", list(TABLES))
def test_small_tables_against_the_package_and_the_general_path(name: str) -> None:
    arr = np.array(TABLES[name], dtype=np.float64).reshape(len(TABLES[name]), -1)
    ours = krippendorff_alpha(arr)
    assert bits(ours) == bits(general_path(arr))
    reference = package(arr) if arr.shape[1] else math.nan
    if math.isnan(reference):
        assert math.isnan(ours), f"{name}: {ours} where alpha is undefined"
    else:
        assert ours == pytest.approx(reference, abs=1e-12), name


def test_published_values() -> None:
    assert krippendorff_alpha(np.array(TABLES["published binary"], float)) == pytest.approx(
        0.095, abs=5e-4
    )
    assert krippendorff_alpha(np.array(TABLES["all agree, three coders"], float)) == 1.0


@PROFILE
@given(
    st.integers(2, 3),
    st.integers(2, 60),
    st.integers(2, 6),
    st.floats(0.0, 0.5),
    st.integers(0, 2**32 - 1),
)
def test_random_shapes_against_the_package(
    coders: int, units: int, values: int, missing: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, values + 1, size=units)
    noise = rng.integers(1, values + 1, size=(coders, units))
    arr = np.where(rng.random((coders, units)) < 0.7, truth, noise).astype(float)
    arr[rng.random((coders, units)) < missing] = np.nan
    ours = krippendorff_alpha(arr)
    reference = package(arr)
    if math.isnan(reference):
        assert math.isnan(ours)
    else:
        assert ours == pytest.approx(reference, abs=1e-12)


def test_what_the_pairs_path_leaves_to_the_general_path() -> None:
    four = np.array([[1, 2, 3], [1, 2, 2], [1, 3, 3], [nan, 2, 3]])
    assert bits(krippendorff_alpha(four)) == bits(general_path(four))
    with pytest.raises(ValueError, match="at least two coders"):
        krippendorff_alpha(np.array([[1.0, 2.0]]))
    with pytest.raises(ValueError, match="two-dimensional"):
        krippendorff_alpha(np.array([1.0, 2.0]))
    # Lists and labels keep their path and their value.
    rows = [[1, None, 2, 2], [1, 2, None, 3]]
    as_array = np.array([[1, nan, 2, 2], [1, 2, nan, 3]])
    assert bits(krippendorff_alpha(rows)) == bits(krippendorff_alpha(as_array))
