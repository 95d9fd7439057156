"""The store's tests run on every back end: the ``project`` they use is opened at
``backend_url`` (an SQLite file, then a PostgreSQL database when a server is named)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codage.services import Project


@pytest.fixture
def project(backend_url: str) -> Iterator[Project]:
    proj = Project.open(backend_url)
    yield proj
    proj.close()
