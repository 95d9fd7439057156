"""A project full of text that looks like markup or carries terminal controls.

Built with the real readers (a text file, a CSV survey), a real YAML codebook and the
Project API. Two names carry a raw ESC that today's input checks refuse (a document
name and a coder name): they are written through the store's API, as an older version
or another tool would have, so that output must cope with them anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codage.codebook import load_codebook
from codage.ingest.service import import_files
from codage.services import Project, import_codebook

ESC = "\x1b"
DOC_NAME = f"[/oops] {ESC}[31mrouge"
DOC_SHOWN = "[/oops] ␛[31mrouge"
SURVEY_HEADER = "[/x] Commentaire"
SURVEY_NAME = f"enquete — {SURVEY_HEADER}"
CODER = "ana[/]"
CODER_ESC = f"bob{ESC}[31m"
CODER_ESC_SHOWN = "bob␛[31m"
CODE_RIRES = "[rires]"
CODE_BOLD = "[bold]x[/bold]"  # two levels: "[bold]x[" and its child "bold]"
CODE_DEFINITION = "[bold]défini[/bold] [@click=app.quit]clic[/]"
ATTRIBUTE = "[link=http://x]clic[/link]"
MEMO = "bip\x07 [i]memo[/i]"
MEMO_SHOWN = "bip␇ [i]memo[/i]"
PASSAGE = "[rires] on verra [/]"

INTERVIEW = (
    "Enquêtrice : Comment ça se passe depuis l'intranet ? [bold]Dites-moi[/bold].\n\n"
    f"M. Garnier : Très bien, {PASSAGE} la suite [/oops] vraiment.\n\n"
    "Enquêtrice : Et les [@click=app.quit]outils[/] ?\n\n"
    "M. Garnier : [link=http://x]Le lien[/link] ne marche pas toujours."
)

SURVEY = (
    f"id,{SURVEY_HEADER},service\n"
    "R1,Le nouvel intranet [rires] est bien plus lent que l'ancien outil,"
    f"{ATTRIBUTE}\n"
    "R2,Je ne trouve jamais les documents dont j'ai besoin [/] au travail,Finances\n"
    "R3,Les formations au logiciel de gestion sont arrivées bien trop tard,Finances\n"
)

CODEBOOK = f"""name: "[/book]"
codes:
  - name: "{CODE_RIRES}"
    definition: "{CODE_DEFINITION}"
  - name: "[bold]x["
    codes:
      - name: "bold]"
"""


@dataclass
class Hostile:
    """Where the hostile project is and the sources it was built from."""

    project: Path
    folder: Path


def build_hostile_project(folder: Path) -> Hostile:
    """Write the sources into ``folder`` and build ``folder/hostile.db`` from them."""
    folder.mkdir(parents=True, exist_ok=True)
    interview = folder / "entretien.txt"
    interview.write_text(INTERVIEW, encoding="utf-8")
    survey = folder / "enquete.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    book = folder / "codebook.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    location = folder / "hostile.db"
    with Project.open(str(location)) as project:
        import_codebook(project, load_codebook(book), coder=CODER)
        report = import_files(
            project,
            [interview, survey],
            id_column="id",
            text_columns=[SURVEY_HEADER],
            attribute_columns=["service"],
        )
        assert not report.failed, [f.message for f in report.failed]
        project.rename_document("entretien", DOC_NAME)
        codes = {c.path_str: c for c in project.codes()}
        docs = {d.name: d for d in project.documents()}
        text = project.document(docs[DOC_NAME].id).text
        start = text.index(PASSAGE)
        end = start + len(PASSAGE)
        rires, bold = codes[CODE_RIRES].id, codes[CODE_BOLD].id
        project.add_coding(docs[DOC_NAME].id, rires, start, end, coder=CODER, memo=MEMO)
        project.add_coding(docs[DOC_NAME].id, bold, start, end + 9, coder=CODER_ESC)
        project.add_coding(docs[DOC_NAME].id, rires, start, end, coder=CODER_ESC)
        survey_doc = project.document(docs[SURVEY_NAME].id)
        first = survey_doc.text.index("[rires]")
        project.add_coding(survey_doc.id, bold, first, first + 7, coder=CODER)
    return Hostile(location, folder)
