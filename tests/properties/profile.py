"""The Hypothesis settings of the property tests, chosen by ``HYPOTHESIS_PROFILE``.

``codage-ci`` (the default) is seeded (derandomised) and bounded so that the whole
property suite runs in well under a minute on a busy two-core machine;
``codage-thorough`` explores far more for a person hunting a bug:
``HYPOTHESIS_PROFILE=codage-thorough pytest tests/properties``. Applied test by
test (``@PROFILE``) rather than loaded globally, so that other tests keep theirs.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "codage-ci",
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "codage-thorough",
    max_examples=2_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "codage-ci"))


def fewer(share: int) -> settings:
    """The profile with ``1/share`` of its examples, for the slower properties."""
    return settings(PROFILE, max_examples=max(5, PROFILE.max_examples // share))
