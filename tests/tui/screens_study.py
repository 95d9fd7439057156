"""A small real project and a host app for the interface's screens (retrieval, export,
statistics, comparison): what the workbench offers them, without the workbench."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from codage.domain import NewDocument, Unit
from codage.services import Project

SIZES = [(80, 24), (160, 48)]

INTERVIEW_A = (
    "ENQ : Comment l'intranet a-t-il changé votre travail ?\n"
    "Mme Durand : Au début, personne ne le lisait. Puis la crise sanitaire est arrivée "
    "et tout le monde s'est mis à le consulter chaque matin.\n"
    "ENQ : Et la messagerie ?\n"
    "Mme Durand : La messagerie déborde, nous recevons cent courriels par jour."
)
INTERVIEW_B = (
    "ENQ : Parlez-moi de la formation.\n"
    "M. Petit : Nous avons eu deux demi-journées de formation à l'intranet, c'est peu.\n"
    "ENQ : Et le télétravail ?\n"
    "M. Petit : Le télétravail a tout changé pour l'équipe, surtout la messagerie."
)
ANSWERS = (
    "L'intranet est lent le lundi matin.",
    "On ne nous a jamais formés aux outils.",
    "La messagerie sature, l'intranet aussi.",
)


def _turns(text: str) -> list[Unit]:
    units, position = [], 0
    for line in text.split("\n"):
        speaker = line.split(" : ", 1)[0]
        units.append(Unit("turn", position, position + len(line), speaker=speaker))
        position += len(line) + 1
    return units


def _survey() -> NewDocument:
    text = "\n".join(ANSWERS)
    units, position = [], 0
    for answer in ANSWERS:
        units.append(Unit("answer", position, position + len(answer)))
        position += len(answer) + 1
    return NewDocument(
        name="enquete-agents",
        kind="survey",
        text=text,
        units=units,
        unit_cases={0: "R1", 1: "R2", 2: "R3"},
        cases={
            "R1": {"grade": "C", "type": "Région"},
            "R2": {"grade": "A", "type": "Commune"},
            "R3": {"grade": "C", "type": "Commune"},
        },
    )


def span_of(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def build_project(path: Path) -> Project:
    """Three documents (two interviews with cases, one survey with respondents), a small
    codebook with sub-codes, and codings by amelie and bastien."""
    project = Project.open(str(path))
    a = project.add_document(
        NewDocument(
            name="entretien-a",
            kind="interview",
            text=INTERVIEW_A,
            units=_turns(INTERVIEW_A),
            case="DSI-01",
            cases={"DSI-01": {"type": "Région", "taille": 1200}},
        )
    )
    b = project.add_document(
        NewDocument(
            name="entretien-b",
            kind="interview",
            text=INTERVIEW_B,
            units=_turns(INTERVIEW_B),
            case="DSI-02",
            cases={"DSI-02": {"type": "Commune", "taille": 80}},
        )
    )
    survey = project.add_document(_survey())
    outils = project.create_code("Outils", coder="amelie", colour="#2e7d32")
    intranet = project.create_code("Intranet", parent_id=outils.id, coder="amelie")
    messagerie = project.create_code("Messagerie", parent_id=outils.id, coder="amelie")
    formation = project.create_code("Formation", coder="amelie", colour="#1565c0")
    survey_text = "\n".join(ANSWERS)
    plan = [
        (a.id, intranet.id, "amelie", INTERVIEW_A, "personne ne le lisait"),
        (a.id, intranet.id, "bastien", INTERVIEW_A, "Au début, personne ne le lisait"),
        (a.id, messagerie.id, "amelie", INTERVIEW_A, "La messagerie déborde"),
        (a.id, outils.id, "bastien", INTERVIEW_A, "nous recevons cent courriels par jour"),
        (b.id, formation.id, "amelie", INTERVIEW_B, "deux demi-journées de formation"),
        (b.id, intranet.id, "amelie", INTERVIEW_B, "formation à l'intranet"),
        (b.id, messagerie.id, "bastien", INTERVIEW_B, "surtout la messagerie"),
        (survey.id, intranet.id, "amelie", survey_text, "L'intranet est lent"),
        (survey.id, formation.id, "bastien", survey_text, "jamais formés aux outils"),
        (survey.id, messagerie.id, "amelie", survey_text, "La messagerie sature"),
        (survey.id, intranet.id, "bastien", survey_text, "l'intranet aussi"),
    ]
    for doc_id, code_id, coder, text, phrase in plan:
        start, end = span_of(text, phrase)
        project.add_coding(doc_id, code_id, start, end, coder=coder)
    return project


class HostApp(App[None]):
    """What the real app offers the screens: a project, a coder, open_document."""

    def __init__(self, project: Project, screen: Screen[Any] | None = None) -> None:
        super().__init__()
        self.project = project
        self.coder = "amelie"
        self.opened: list[tuple[int, tuple[int, int] | None]] = []
        self._first = screen

    def compose(self) -> ComposeResult:
        yield Static("workbench", id="workbench")

    def on_mount(self) -> None:
        if self._first is not None:
            self.push_screen(self._first)

    def open_document(self, document_id: int, span: tuple[int, int] | None = None) -> None:
        self.opened.append((document_id, span))


async def settle(pilot: Any, *_: Any) -> None:
    """Wait until the app's workers are done and their messages handled."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
