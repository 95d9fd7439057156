"""A small real project on a SQLite file: three documents, five codes, two coders.

The counts the tests expect are worked out by hand in the docstrings below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from codage.domain import Code, Coding, NewDocument, Unit
from codage.services import Project

INTERVIEW_A = [
    ("ENQ", 0.0, "ENQ : Comment l'intranet a-t-il changé votre travail ?"),
    (
        "M. Garnier",
        65.0,
        "M. Garnier : Au début, personne ne le lisait. Puis la crise est arrivée. Tout a changé.",
    ),
    ("ENQ", 3725.0, "ENQ : Et la sécurité ?"),
    (
        "M. Garnier",
        3790.0,
        "M. Garnier : Nous avons subi une attaque en 2024. Le télétravail a compliqué les choses.",
    ),
]
TEXT_B = "La messagerie est saturée.\nL'intranet est peu utilisé.\n\nLe télétravail progresse."
ANSWERS = [
    ("R1", "Le télétravail me convient."),
    ("R2", "L'intranet est lent."),
    ("R3", "Rien à signaler."),
]
CASES = {
    "DSI-01": {"type": "Région", "taille": 1200},
    "DSI-02": {"type": "Commune", "taille": 80},
    "R1": {"type": "Commune", "grade": "A"},
    "R2": {"type": "Région", "grade": "B"},
    "R3": {"type": "Commune", "grade": "C"},
}


def _sentences(text: str, start: int, end: int) -> list[Unit]:
    out = []
    for m in re.finditer(r"[^.?!\n]+[.?!]?", text[start:end]):
        chunk = m.group()
        lead = len(chunk) - len(chunk.lstrip())
        body = chunk.strip()
        if body:
            s = start + m.start() + lead
            out.append(Unit("sentence", s, s + len(body)))
    return out


def _interview_a() -> NewDocument:
    text = "\n\n".join(turn for _, _, turn in INTERVIEW_A)
    units: list[Unit] = []
    pos = 0
    for speaker, stamp, turn in INTERVIEW_A:
        start = text.index(turn, pos)
        units.append(Unit("turn", start, start + len(turn), speaker=speaker, timestamp=stamp))
        body = start + len(speaker) + 3  # the sentences after "NAME : "
        units.extend(_sentences(text, body, start + len(turn)))
        pos = start + len(turn)
    return NewDocument(
        "entretien-a",
        "interview",
        text,
        units,
        case="DSI-01",
        cases={"DSI-01": CASES["DSI-01"]},
    )


def _interview_b() -> NewDocument:
    units = [Unit("paragraph", m.start(), m.end()) for m in re.finditer(r"[^\n]+", TEXT_B)]
    return NewDocument(
        "entretien-b", "text", TEXT_B, units, case="DSI-02", cases={"DSI-02": CASES["DSI-02"]}
    )


def _survey() -> NewDocument:
    text = "\n".join(answer for _, answer in ANSWERS)
    units, unit_cases, pos = [], {}, 0
    for i, (case, answer) in enumerate(ANSWERS):
        start = text.index(answer, pos)
        units.append(Unit("answer", start, start + len(answer)))
        unit_cases[i] = case
        pos = start + len(answer)
    return NewDocument(
        "enquete",
        "survey",
        text,
        units,
        unit_cases=unit_cases,
        cases={name: CASES[name] for name, _ in ANSWERS},
    )


@dataclass
class Corpus:
    """The project and handles on what was put in it."""

    project: Project
    path: Path
    codes: dict[str, Code] = field(default_factory=dict)  # by path
    docs: dict[str, int] = field(default_factory=dict)  # name -> id
    texts: dict[str, str] = field(default_factory=dict)
    codings: list[Coding] = field(default_factory=list)

    def code(
        self,
        doc: str,
        path: str,
        passage: str,
        coder: str,
        memo: str | None = None,
        occurrence: int = 0,
    ) -> Coding:
        text = self.texts[doc]
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(passage, start + 1)
        coding = self.project.add_coding(
            self.docs[doc],
            self.codes[path].id,
            start,
            start + len(passage),
            coder=coder,
            memo=memo,
        )
        self.codings.append(coding)
        return coding


def build_corpus(path: Path) -> Corpus:
    """Documents A (interview, case DSI-01), B (text, DSI-02), enquete (answers R1-R3).

    Codings (alice, bob):
      A  1 Outils/Intranet alice  "Au début, personne ne le lisait."
         2 Outils/Intranet bob    same span (one extract, two coders)
         3 Organisation alice     "Puis la crise est arrivée. Tout a changé." memo "crise = covid"
         4 Sécurité alice         "Nous avons subi une attaque en 2024." + memo "Rançongiciel"
         5 Organisation/Télétravail bob "attaque en 2024. Le télétravail a compliqué les choses."
      B  6 Outils/Messagerie alice "La messagerie est saturée."
         7 Outils/Intranet alice  "L'intranet est peu utilisé.\\n\\nLe télétravail progresse."
         8 Organisation/Télétravail alice "Le télétravail progresse."
      enquete 9 Télétravail bob "Le télétravail me convient." (R1)
         10 Intranet bob "L'intranet est lent." (R2)   11 same span alice
    """
    project = Project.open(str(path))
    corpus = Corpus(project, path)
    coder = "alice"
    outils = project.create_code(
        "Outils", coder=coder, description="Les outils numériques.", colour="#1565C0"
    )
    intranet = project.create_code(
        "Intranet",
        parent_id=outils.id,
        coder=coder,
        description="Usage de l'intranet.",
        inclusion="Portail interne",
        colour="#2E7D32",
    )
    messagerie = project.create_code(
        "Messagerie", parent_id=outils.id, coder=coder, colour="#F9A825"
    )
    organisation = project.create_code("Organisation", coder=coder, colour="#6A1B9A")
    teletravail = project.create_code(
        "Télétravail", parent_id=organisation.id, coder=coder, colour="#C62828"
    )
    securite = project.create_code(
        "Sécurité", coder=coder, description="Incidents et risques.", colour="#37474F"
    )
    for code in (outils, intranet, messagerie, organisation, teletravail, securite):
        corpus.codes[code.path_str] = code
    for new in (_interview_a(), _interview_b(), _survey()):
        info = project.add_document(new)
        corpus.docs[new.name] = info.id
        corpus.texts[new.name] = new.text
    c = corpus.code
    c("entretien-a", "Outils/Intranet", "Au début, personne ne le lisait.", "alice")
    c("entretien-a", "Outils/Intranet", "Au début, personne ne le lisait.", "bob")
    c(
        "entretien-a",
        "Organisation",
        "Puis la crise est arrivée. Tout a changé.",
        "alice",
        memo="crise = covid",
    )
    sec = c("entretien-a", "Sécurité", "Nous avons subi une attaque en 2024.", "alice")
    project.add_memo("coding", sec.id, "Rançongiciel", coder="alice")
    c(
        "entretien-a",
        "Organisation/Télétravail",
        "attaque en 2024. Le télétravail a compliqué les choses.",
        "bob",
    )
    c("entretien-b", "Outils/Messagerie", "La messagerie est saturée.", "alice")
    c(
        "entretien-b",
        "Outils/Intranet",
        "L'intranet est peu utilisé.\n\nLe télétravail progresse.",
        "alice",
    )
    c("entretien-b", "Organisation/Télétravail", "Le télétravail progresse.", "alice")
    c("enquete", "Organisation/Télétravail", "Le télétravail me convient.", "bob")
    c("enquete", "Outils/Intranet", "L'intranet est lent.", "bob")
    c("enquete", "Outils/Intranet", "L'intranet est lent.", "alice")
    return corpus
