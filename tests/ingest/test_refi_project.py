"""What a `.qdpx` brings besides codings: definitions, memos, cases and their members;
what it cannot bring, counted; and imports into a project that already has work in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from tests.ingest.refi_files import Code, Passage, Source, guid, write_qdc, write_qdpx

SURVEY = (
    "Le nouvel intranet est lent.\n\n"
    "Je ne sais pas où trouver les formulaires.\n\n"
    "La messagerie fonctionne bien."
)
INTERVIEW = "Enquêtrice : Et l'intranet ?\n\nM. Garnier : Personne ne le lisait avant la crise."
DEFINITION = (
    "Ce qui touche à l'intranet.\n\nInclusion: pages, recherche.\n\n"
    "Exclusion: la messagerie.\n\nExample: « je ne trouve rien »"
)


def run_json(*args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--json", "--coder", "importer"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def variable(name: str, kind: str) -> str:
    return f'<Variable guid="{guid("var-" + name)}" name="{name}" typeOfVariable="{kind}"/>'


def value(name: str, element: str, text: str) -> str:
    return (
        f'<VariableValue><VariableRef targetGUID="{guid("var-" + name)}"/>'
        f"<{element}>{text}</{element}></VariableValue>"
    )


def rich_project(path: Path) -> Path:
    answers = [
        Passage("Le nouvel intranet est lent.", "", key="r1"),
        Passage("Je ne sais pas où trouver les formulaires.", "", key="r2"),
        Passage("Je ne sais pas où trouver", "Intranet", key="c1", memo="Navigation."),
    ]
    interview = [Passage("Personne ne le lisait", "Intranet", user="bastien")]
    cases = (
        "<Variables>"
        + variable("service", "Text")
        + variable("agents", "Integer")
        + variable("cadre", "Boolean")
        + variable("part", "Float")
        + variable("depuis", "Date")
        + "</Variables><Cases>"
        f'<Case guid="{guid("case-R1")}" name="R1">'
        + value("service", "TextValue", "RH")
        + value("agents", "IntegerValue", "12")
        + value("cadre", "BooleanValue", "true")
        + value("part", "FloatValue", "0.25")
        + value("depuis", "DateValue", "2021-09-01")
        + f'<SelectionRef targetGUID="{guid("selection-r1")}"/></Case>'
        f'<Case guid="{guid("case-R2")}" name="R2">'
        + value("service", "TextValue", "Voirie")
        + f'<SelectionRef targetGUID="{guid("selection-r2")}"/></Case>'
        f'<Case guid="{guid("case-DSI")}" name="DSI-01">'
        + value("service", "TextValue", "DSI")
        + f'<SourceRef targetGUID="{guid("source-entretien")}"/></Case>'
        "</Cases>"
    )
    extra = (
        f'<PictureSource guid="{guid("pic")}" name="schéma.png" path="internal://x.png">'
        f'<PictureSelection guid="{guid("picsel")}" firstX="1" firstY="1" secondX="5" secondY="5">'
        f'<Coding guid="{guid("piccoding")}"><CodeRef targetGUID="{guid("code-Outils")}"/>'
        "</Coding></PictureSelection></PictureSource>"
        f'<AudioSource guid="{guid("audio")}" name="entretien.mp3">'
        f'<Transcript guid="{guid("tr")}" name="t"><PlainTextContent>x</PlainTextContent>'
        "</Transcript></AudioSource>"
        f'<VideoSource guid="{guid("video")}" name="reunion.mp4"/>'
        f'<PDFSource guid="{guid("pdf")}" name="rapport.pdf" path="internal://r.pdf">'
        f'<PDFSelection guid="{guid("pdfsel")}" page="1" firstX="0" firstY="0" secondX="9" '
        f'secondY="9"><Coding guid="{guid("pdfcoding")}"><CodeRef '
        f'targetGUID="{guid("code-Outils")}"/></Coding></PDFSelection>'
        f'<Representation guid="{guid("pdftext")}" name="rapport">'
        "<PlainTextContent>Rapport annuel : la dématérialisation avance.</PlainTextContent>"
        f'<PlainTextSelection guid="{guid("pdfts")}" startPosition="17" endPosition="37">'
        f'<Coding guid="{guid("pdftc")}"><CodeRef targetGUID="{guid("code-Outils")}"/>'
        "</Coding></PlainTextSelection></Representation></PDFSource>"
    )
    tail = (
        f'<Sets><Set guid="{guid("set")}" name="s"/></Sets>'
        f'<Graphs><Graph guid="{guid("graph")}" name="g"/></Graphs>'
    )
    path = write_qdpx(
        path,
        [
            Source("enquete", SURVEY, answers, memo="Questionnaire 2024."),
            Source("entretien", INTERVIEW, interview),
        ],
        [
            Code("Outils", "#123456", children=[Code("Intranet", description=DEFINITION)]),
            Code("Vide", memo="Un code sans codage."),
        ],
        cases_xml=cases,
        extra_xml=extra,
        project_memo="Notes de terrain.",
        notes={"orphan": "Une note liée à un graphe."},
    )
    # Sets and Graphs come after Notes in the schema: put them at the end of the project.
    import zipfile

    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    files["project.qde"] = files["project.qde"].replace(
        b"</Project>", tail.encode() + b"</Project>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_definitions_memos_cases_members_and_what_was_skipped(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    [row] = run_json("import", str(rich_project(tmp_path / "p.qdpx")), "-p", str(db))
    assert row["found"]["sources"] == 3  # two texts and the PDF's text representation
    assert row["found"]["cases"] == 3
    assert row["skipped"] == {
        "pictures sources": 1,
        "codings on pictures": 1,
        "audio sources": 1,
        "transcripts": 1,
        "video sources": 1,
        "PDF regions": 1,
        "codings on PDF regions": 1,
        "sets": 1,
        "graphs": 1,
    }
    assert row["merge"]["sources"][0]["source"] == "p.qdpx"
    with Project.open(str(db)) as project:
        intranet = project.code("Outils/Intranet")
        assert intranet.description == "Ce qui touche à l'intranet."
        assert intranet.inclusion == "pages, recherche."
        assert intranet.exclusion == "la messagerie."
        assert intranet.example == "« je ne trouve rien »"
        assert project.code("Outils").colour == "#123456"
        # memos: project, document, code and coding
        assert [m.text for m in project.memos("project")] == [
            "Notes de terrain.",
            "Une note liée à un graphe.",
        ]
        enquete = project.document("enquete")
        assert [m.text for m in project.memos("document", enquete.id)] == ["Questionnaire 2024."]
        vide = project.code("Vide")
        assert [m.text for m in project.memos("code", vide.id)] == ["Un code sans codage."]
        coded = {
            project.document(c.document_id).text[c.start : c.end]: c for c in project.codings()
        }
        assert coded["Je ne sais pas où trouver"].memo == "Navigation."
        assert coded["Personne ne le lisait"].coder == "bastien"
        assert coded["la dématérialisation"].code_id == project.code("Outils").id
        # cases with typed attributes, a document member and unit members
        r1 = project.case("R1")
        assert r1.attributes == {
            "service": "RH",
            "agents": 12,
            "cadre": True,
            "part": 0.25,
            "depuis": "2021-09-01",
        }
        entretien = project.document("entretien")
        assert project.document_case(entretien.id).name == "DSI-01"
        units = {u.id: u for u in project.units(enquete.id)}
        members = {
            case.name: enquete.text[units[uid].start : units[uid].end]
            for uid, case in project.unit_cases(enquete.id).items()
        }
        assert members == {
            "R1": "Le nouvel intranet est lent.",
            "R2": "Je ne sais pas où trouver les formulaires.",
        }


def test_import_into_an_existing_project_matches_and_reports(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    qdpx = rich_project(tmp_path / "p.qdpx")
    with Project.open(str(db)) as project:
        outils = project.create_code("Outils", colour="#654321", coder="amelie")
        project.create_code(
            "Intranet", parent_id=outils.id, description="Autre définition.", coder="amelie"
        )
    [first] = run_json("import", str(qdpx), "-p", str(db))
    merged = first["merge"]["sources"][0]
    assert merged["codes_matched"] == 2  # Outils and Outils/Intranet were there already
    assert merged["code_conflicts"] == ["Outils/Intranet: description differ (kept the target's)"]
    assert merged["codes_completed"] == ["Outils/Intranet"]  # inclusion... filled in
    assert len(merged["documents_added"]) == 3
    with Project.open(str(db)) as project:
        assert project.code("Outils").colour == "#654321"  # the target's is kept
        assert project.code("Outils/Intranet").description == "Autre définition."
        count = len(project.codings())
    # the same file again: documents match by text, codings are duplicates
    [again] = run_json("import", str(qdpx), "-p", str(db))
    merged = again["merge"]["sources"][0]
    assert merged["documents_added"] == [] and len(merged["documents_matched_sha"]) == 3
    assert merged["codings_added"] == 0 and merged["codings_duplicates"] == count
    with Project.open(str(db)) as project:
        assert len(project.codings()) == count
        # one import, one undo
        assert project.history(coder="importer")[0].action == "import_qdpx"


def test_the_report_as_a_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["import", str(rich_project(tmp_path / "p.qdpx")), "-p", str(tmp_path / "p.db")]
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "found: 3 source(s), 3 code(s), 3 coding(s), 5 memo(s), 3 case(s)" in out
    assert "positions counted as: code points (the standard)" in out
    assert "1 pictures sources" in out and "1 PDF regions" in out and "1 sets" in out


def test_codebook_import_of_a_qdc(tmp_path: Path) -> None:
    qdc = write_qdc(
        tmp_path / "livre.qdc",
        [
            Code("Outils", "#123", children=[Code("Intranet", "#00AA00", DEFINITION)]),
            Code("A/B", "#ABCDEF"),
        ],
    )
    db = tmp_path / "p.db"
    report = run_json("codebook", "import", str(qdc), "-p", str(db))
    assert sorted(report["added"]) == ["A∕B", "Outils", "Outils/Intranet"]
    with Project.open(str(db)) as project:
        assert project.code("Outils").colour == "#112233"
        intranet = project.code("Outils/Intranet")
        assert intranet.colour == "#00AA00"
        assert (intranet.description, intranet.exclusion) == (
            "Ce qui touche à l'intranet.",
            "la messagerie.",
        )


def test_a_bad_qdc_gets_one_line(tmp_path: Path) -> None:
    qdc = tmp_path / "bad.qdc"
    qdc.write_text('<!DOCTYPE x [<!ENTITY a "b">]><CodeBook><Codes/></CodeBook>')
    result = CliRunner().invoke(app, ["codebook", "import", str(qdc), "-p", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "DTD or entities" in result.output
    assert not (tmp_path / "p").exists()


def test_survey_answers_become_answer_units_of_their_respondents(tmp_path: Path) -> None:
    """A case's SelectionRef names its answer: the answer is one unit, exactly at its
    span, even when it holds a blank line (a table's answers are so)."""
    text = (
        "L'intranet est lent.\n\nEt la recherche ne trouve rien.\n\nLa messagerie fonctionne bien."
    )
    answers = [
        Passage("L'intranet est lent.\n\nEt la recherche ne trouve rien.", "", key="a1"),
        Passage("La messagerie fonctionne bien.", "", key="a2"),
        Passage("la recherche ne trouve rien", "Outils", key="c1"),
    ]
    cases = (
        "<Cases>"
        f'<Case guid="{guid("case-R1")}" name="R1">'
        f'<SelectionRef targetGUID="{guid("selection-a1")}"/></Case>'
        f'<Case guid="{guid("case-R2")}" name="R2">'
        f'<SelectionRef targetGUID="{guid("selection-a2")}"/></Case>'
        "</Cases>"
    )
    qdpx = write_qdpx(
        tmp_path / "p.qdpx", [Source("Q12", text, answers)], [Code("Outils")], cases_xml=cases
    )
    db = tmp_path / "p.db"
    [row] = run_json("import", str(qdpx), "-p", str(db))
    assert row["notes"] == []
    with Project.open(str(db)) as project:
        document = project.document("Q12")
        assert document.kind == "survey"
        units = [u for u in project.units(document.id) if u.kind != "sentence"]
        assert [(u.kind, text[u.start : u.end]) for u in units] == [
            ("answer", "L'intranet est lent.\n\nEt la recherche ne trouve rien."),
            ("answer", "La messagerie fonctionne bien."),
        ]
        members = project.unit_cases(document.id)
        assert [members[u.id].name for u in units] == ["R1", "R2"]


def test_a_qdpx_and_a_transcript_in_one_import(tmp_path: Path) -> None:
    transcript = tmp_path / "entretien-20.txt"
    transcript.write_text("Enquêteur : Et la visio ?\n\nMme Roy : On s'y est fait.\n", "utf-8")
    qdpx = write_qdpx(tmp_path / "p.qdpx", [Source("entretien", INTERVIEW, [])], [Code("Outils")])
    db = tmp_path / "p.db"
    result = CliRunner().invoke(app, ["import", str(qdpx), str(transcript), "-p", str(db)])
    assert result.exit_code == 0, result.output
    assert "REFI-QDA import: p.qdpx" in result.stdout and "1 imported" in result.stdout
    with Project.open(str(db)) as project:
        assert {d.name for d in project.documents()} == {"entretien", "entretien-20"}
    mixed = CliRunner().invoke(app, ["import", str(qdpx), str(transcript), "-p", str(db), "--json"])
    assert mixed.exit_code == 2 and "on their own" in mixed.output


def test_a_qdpx_inside_a_folder_is_imported_not_passed_over(tmp_path: Path) -> None:
    folder = tmp_path / "projet"
    (folder / "sous-dossier").mkdir(parents=True)
    write_qdpx(folder / "sous-dossier" / "p.qdpx", [Source("entretien", INTERVIEW, [])], [])
    (folder / "entretien-21.txt").write_text("Mme Roy : On s'y est fait.\n", "utf-8")
    db = tmp_path / "p.db"
    result = CliRunner().invoke(app, ["import", str(folder), "-p", str(db)])
    assert result.exit_code == 0, result.output
    assert "REFI-QDA import: p.qdpx" in result.stdout and "1 imported" in result.stdout
    with Project.open(str(db)) as project:
        assert {d.name for d in project.documents()} == {"entretien", "entretien-21"}
    # A folder holding nothing but projects is not also handed to the text import.
    only = tmp_path / "seuls-projets"
    only.mkdir()
    write_qdpx(only / "q.qdpx", [Source("autre", INTERVIEW, [])], [])
    alone = CliRunner().invoke(app, ["import", str(only), "-p", str(db)])
    assert alone.exit_code == 0, alone.output
    assert "no files to import" not in alone.output


def test_a_codebook_nested_too_deep_is_refused_in_one_line(tmp_path: Path) -> None:
    deep = Code("niveau 0")
    node = deep
    for level in range(1, 150):
        child = Code(f"niveau {level}")
        node.children.append(child)
        node = child
    qdc = write_qdc(tmp_path / "deep.qdc", [deep])
    result = CliRunner().invoke(app, ["codebook", "import", str(qdc), "-p", str(tmp_path / "p")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "nested more than 100 levels" in result.output
