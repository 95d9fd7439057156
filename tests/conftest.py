"""Shared fixtures: a real SQLite project file, settings kept out of the user's home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codage import i18n
from codage.domain import NewDocument, Unit
from codage.services import Project

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never read or write the real user's settings; English unless a test asks."""
    home = tmp_path_factory.mktemp("settings")
    monkeypatch.setenv("CODAGE_CONFIG", str(home / "settings.toml"))
    monkeypatch.setenv("CODAGE_LANG", "en")
    monkeypatch.delenv("CODAGE_PROJECT", raising=False)
    monkeypatch.delenv("CODAGE_CODER", raising=False)
    i18n.set_language(None)


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    return tmp_path / "project.db"


@pytest.fixture
def project(project_path: Path) -> Iterator[Project]:
    proj = Project.open(str(project_path))
    yield proj
    proj.close()


SAMPLE_TEXT = (
    "Enquêtrice : Comment l'intranet a-t-il changé votre travail ?\n\n"
    "M. Garnier : Au début, personne ne le lisait. Puis la crise sanitaire est arrivée.\n\n"
    "Enquêtrice : Et la sécurité ?\n\n"
    "M. Garnier : Nous avons subi une attaque par rançongiciel en 2024."
)


def sample_document(name: str = "entretien-test", text: str = SAMPLE_TEXT) -> NewDocument:
    """A small interview with turn units found by hand."""
    units = []
    pos = 0
    for block in text.split("\n\n"):
        start = text.index(block, pos)
        speaker = block.split(" : ", 1)[0]
        units.append(Unit("turn", start, start + len(block), speaker=speaker))
        pos = start + len(block)
    return NewDocument(
        name=name,
        kind="interview",
        text=text,
        units=units,
        case="DSI-01",
        cases={"DSI-01": {"type_collectivite": "Région", "taille": 1200}},
    )
