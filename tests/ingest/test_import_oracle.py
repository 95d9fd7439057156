"""The demo import stores and prints exactly what it did before the import was made
faster: every table row by row, and the command's messages (see
``demo_import_oracle.py`` for how the oracle was written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ingest.demo_import_oracle import import_demo, table_digests

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def demo_import(tmp_path_factory: pytest.TempPathFactory):
    return import_demo(tmp_path_factory.mktemp("demo-import"))


def test_the_demo_import_prints_what_it_printed(demo_import) -> None:
    _, done = demo_import
    assert done.returncode == 0, done.stderr
    assert done.stdout == (DATA / "demo-import.out").read_text(encoding="utf-8")
    assert done.stderr == (DATA / "demo-import.err").read_text(encoding="utf-8")


def test_the_demo_import_stores_the_rows_it_stored(demo_import) -> None:
    project, _ = demo_import
    expected = json.loads((DATA / "demo-import-tables.json").read_text(encoding="utf-8"))
    found = table_digests(project)
    # The oracle was written at schema 0009: the schema's version row differs since, and
    # the tables later migrations add (0012's journal_codings) hold nothing after an import.
    for name in set(found) - set(expected["tables"]):
        assert found.pop(name)["rows"] == 0, f"{name} written by an import"
    for tables in (found, expected["tables"]):
        assert tables.pop("alembic_version")["rows"] == 1
    assert sorted(found) == sorted(expected["tables"])
    differing = [name for name in found if found[name] != expected["tables"][name]]
    assert differing == [], f"tables whose rows changed: {differing}"
