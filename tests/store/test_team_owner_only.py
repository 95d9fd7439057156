"""On a team project (PostgreSQL, each coder their own role), correcting a document's
text and storing the pseudonymisation map are the project owner's: a correction
moves every coder's codings and the map rewrites every export. A coder who tries
gets one clear line and nothing changes; the owner runs both, undoably."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.domain import Pseudonym
from codage.services import Project
from codage.services.pseudonyms import write_map
from tests.conftest import SAMPLE_TEXT
from tests.store.test_row_security import Login, login, team  # noqa: F401 (fixtures)

CORRECTED = SAMPLE_TEXT.replace("Au début", "Au tout début")


def _state(url: str) -> tuple[Any, ...]:
    with Project.open(url, create=False) as p:
        (doc,) = p.documents()
        return (
            p.document(doc.id).text,
            sorted((c.coder, c.start, c.end, c.text) for c in p.codings()),
            [(x.key, x.replacement) for x in p.pseudonyms()],
            len(p.history(limit=None)),
        )


def _files(tmp_path: Path) -> tuple[Path, Path]:
    corrected = tmp_path / "corrige.txt"
    corrected.write_text(CORRECTED, encoding="utf-8")
    names = tmp_path / "noms.yaml"
    write_map([Pseudonym("garnier", "Garnier", "PER", "M. A", True, 2)], names)
    return corrected, names


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("verb", ["replace", "pseudonymise"])
def test_a_coder_who_may_not_gets_one_clear_line_and_nothing_changes(
    verb: str, request: pytest.FixtureRequest, pg_url: str, tmp_path: Path
) -> None:
    found: dict[str, Any] = request.getfixturevalue("team")
    as_role: Login = request.getfixturevalue("login")
    alice = str(found["alice"])
    corrected, names = _files(tmp_path)
    before = _state(pg_url)
    where = as_role(alice)
    if verb == "replace":
        result = _run(
            "document", "replace", "entretien-test", str(corrected), "--coder", alice, "-p", where
        )
        what = "correct"
    else:
        result = _run("pseudonymise", "apply", str(names), "--coder", alice, "-p", where)
        what = "pseudonymisation map"
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert what in lines[0] and "owner" in lines[0] and alice in lines[0]
    assert "nothing was changed" in lines[0]
    assert _state(pg_url) == before
    # reading stays open to every coder
    shown = _run("pseudonymise", "show", "-p", where, "--json")
    assert shown.exit_code == 0, shown.stderr


def test_the_owner_corrects_and_pseudonymises_every_coders_layer_undoably(
    request: pytest.FixtureRequest, pg_url: str, tmp_path: Path
) -> None:
    found: dict[str, Any] = request.getfixturevalue("team")
    alice, bob = str(found["alice"]), str(found["bob"])
    corrected, names = _files(tmp_path)
    before = _state(pg_url)
    replaced = _run(
        "document", "replace", "entretien-test", str(corrected), "--coder", "postgres", "-p", pg_url
    )
    assert replaced.exit_code == 0, replaced.stderr
    applied = _run("pseudonymise", "apply", str(names), "--coder", "postgres", "-p", pg_url)
    assert applied.exit_code == 0, applied.stderr
    text, codings, pseudonyms, _ = _state(pg_url)
    assert text == CORRECTED
    assert pseudonyms == [("garnier", "M. A")]
    # both coders' codings followed the correction, their passages intact
    assert {c[0] for c in codings} == {alice, bob}
    assert [c[3] for c in codings] == [c[3] for c in before[1]]
    for _ in range(2):
        assert _run("undo", "--coder", "postgres", "-p", pg_url).exit_code == 0
    assert _state(pg_url)[:3] == before[:3]
