"""Case filters and output paths, checked once for both faces (issue 13)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codage.services.output import (
    CaseFilterError,
    OutputPathError,
    check_output_path,
    parse_case_filters,
)


def test_case_filters_group_values_by_key() -> None:
    assert parse_case_filters(["type=Commune", " grade = C ", "type=Région"]) == {
        "type": ["Commune", "Région"],
        "grade": ["C"],
    }
    assert parse_case_filters([]) is None


@pytest.mark.parametrize("item", ["type", "=Commune", "type=", "  ", "type= "])
def test_a_bad_case_filter_names_the_item(item: str) -> None:
    with pytest.raises(CaseFilterError) as caught:
        parse_case_filters(["grade=C", item])
    assert caught.value.item == item
    assert "KEY=VALUE" in str(caught.value)


def test_output_path_checks(tmp_path: Path) -> None:
    good = tmp_path / "d.docx"
    assert check_output_path(good, ".docx") == good
    assert check_output_path(tmp_path / "t.csv") == tmp_path / "t.csv"
    cases = [
        (tmp_path / "d.txt", ".docx", "suffix", "should end with .docx"),
        (tmp_path, None, "is_folder", "is a folder"),
        (tmp_path / "nope" / "d.docx", ".docx", "no_folder", "does not exist"),
    ]
    for path, suffix, reason, says in cases:
        with pytest.raises(OutputPathError) as caught:
            check_output_path(path, suffix)
        assert caught.value.reason == reason and says in str(caught.value)
    assert caught.value.folder == tmp_path / "nope"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes everywhere")
def test_output_path_in_a_read_only_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(OutputPathError) as caught:
            check_output_path(locked / "d.docx", ".docx")
        assert caught.value.reason == "not_writable"
    finally:
        locked.chmod(0o700)
