"""A small real project for the workbench tests: an interview, a survey, codes, two coders."""

from __future__ import annotations

from pathlib import Path

from codage.domain import NewDocument, Unit
from codage.services import Project

ME, OTHER = "alice", "bob"

TURNS = (
    ("ENQ", "Comment l'intranet a-t-il changé votre travail ?"),
    (
        "Mme Durand",
        "Au début, personne ne le lisait. Puis la crise sanitaire est arrivée. "
        "Maintenant tout le monde le consulte chaque matin.",
    ),
    ("ENQ", "Et la formation ?"),
    (
        "Mme Durand",
        "Nous avons eu deux demi-journées de formation. C'est peu pour apprendre un outil. "
        "La messagerie déborde, nous recevons cent courriels par jour.",
    ),
    ("ENQ", "Et le télétravail ?"),
    ("Mme Durand", "Le télétravail a tout changé pour l'équipe. Les réunions sont en visio."),
)

ANSWERS = (
    ("R001", "Région", "C", "L'intranet est lent le lundi matin."),
    ("R002", "Commune", "A", "On ne nous a jamais formés aux outils numériques."),
    ("R003", "Région", "C", "La messagerie sature, l'intranet aussi, tout est lent."),
    ("R004", "Département", "B", "Le télétravail a changé notre façon de travailler."),
    ("R005", "Région", "A", "Les formations sont trop courtes."),
)


def interview() -> NewDocument:
    """Turns of one paragraph each, each split into sentences."""
    parts, units, position = [], [], 0
    for speaker, said in TURNS:
        line = f"{speaker} : {said}"
        units.append(Unit("turn", position, position + len(line), speaker=speaker))
        units.append(Unit("paragraph", position, position + len(line)))
        cursor = position + len(speaker) + 3
        for sentence in said.replace(". ", ".|").replace("? ", "?|").split("|"):
            units.append(Unit("sentence", cursor, cursor + len(sentence)))
            cursor += len(sentence) + 1
        parts.append(line)
        position += len(line) + 1
    return NewDocument(
        name="entretien-durand",
        kind="interview",
        text="\n".join(parts),
        units=units,
        case="DSI-01",
        cases={"DSI-01": {"type_collectivite": "Région", "role": "DSI"}},
    )


def survey() -> NewDocument:
    """Answers separated by blank lines, each linked to a respondent with attributes."""
    parts, units, unit_cases, cases, position = [], [], {}, {}, 0
    for respondent, kind, grade, answer in ANSWERS:
        unit_cases[len(units)] = respondent
        units.append(Unit("answer", position, position + len(answer)))
        cases[respondent] = {"type_collectivite": kind, "grade": grade}
        parts.append(answer)
        position += len(answer) + 2
    return NewDocument(
        name="enquete-q12",
        kind="survey",
        text="\n\n".join(parts),
        units=units,
        unit_cases=unit_cases,
        cases=cases,
    )


def build_project(path: Path) -> Path:
    """Create the project file and return its path."""
    project = Project.open(str(path))
    try:
        project.set_name("Étude test")
        doc = project.add_document(interview())
        project.add_document(survey())
        outils = project.create_code("Outils", coder=ME, colour="#2E7D32")
        intranet = project.create_code("Intranet", parent_id=outils.id, coder=ME, colour="#1565C0")
        project.create_code("Messagerie", parent_id=outils.id, coder=ME, colour="#6A1B9A")
        formation = project.create_code("Formation", coder=ME, colour="#EF6C00")
        project.create_code("Télétravail", coder=ME, colour="#C62828")
        text = project.document(doc.id).text
        start = text.index("Au début")
        project.add_coding(doc.id, intranet.id, start, start + 31, coder=ME)
        start = text.index("Nous avons eu")
        project.add_coding(doc.id, formation.id, start, start + 46, coder=OTHER)
    finally:
        project.close()
    return path
