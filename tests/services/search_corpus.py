"""A small real project for the search tests: two interviews imported with the French
model (turns, sentences, lemmas), linked to cases by a CSV, with a few codings."""

from __future__ import annotations

from pathlib import Path

from codage.ingest import import_files
from codage.services import Project

INTERVIEW_A = (
    "Enquêtrice : Comment l'intranet a-t-il changé votre travail ?\n\n"
    "M. Garnier : Au début, personne ne lisait les intranets. "
    "Nous voulons dématérialiser les démarches.\n\n"
    "Enquêtrice : Et la sécurité ?\n\n"
    "M. Garnier : Nous avons subi une attaque par rançongiciel en 2024. "
    "La securite est une priorite pour les agents.\n"
)
INTERVIEW_B = (
    "Enquêteur : Parlez-moi des outils.\n\n"
    "Mme Roux : Les démarches sont dématérialisées depuis 2022. L'INTRANET est vieux. "
    "Nous dématérialisons aussi la paie.\n\n"
    "Enquêteur : Les agents ont-ils un outil commun ?\n\n"
    "Mme Roux : Jamais de ransongiciel ici, touchons du bois. "
    "Les agents utilisent l'intranet tous les jours.\n"
)
CASES = (
    "document,cas,type_collectivite,taille\n"
    "entretien-a,DSI-A,Région,4800\n"
    "entretien-b,DSI-B,Commune,300\n"
)


def build_project(folder: Path) -> Path:
    """Import the two interviews into a new project file and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entretien-a.txt").write_text(INTERVIEW_A, encoding="utf-8")
    (folder / "entretien-b.txt").write_text(INTERVIEW_B, encoding="utf-8")
    (folder / "cas.csv").write_text(CASES, encoding="utf-8")
    path = folder / "project.db"
    with Project.open(str(path)) as project:
        report = import_files(
            project,
            [folder / "entretien-a.txt", folder / "entretien-b.txt"],
            case_attributes=folder / "cas.csv",
        )
        assert all(f.status == "imported" for f in report.files), report
        project.create_codes(
            [(("Outils",), {}), (("Outils", "Intranet"), {}), (("Sécurité",), {})], coder="alice"
        )
    return path
