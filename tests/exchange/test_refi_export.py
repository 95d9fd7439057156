"""REFI-QDA export: ``.qdpx`` and ``.qdc`` of a real project, validated against the
schemas and read back from the zip."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from codage.cli import app
from codage.domain import Memo, NewDocument, Unit
from codage.exchange.refi_write import write_qdc, write_qdpx
from codage.services import Project
from codage.services.project_records import select_codebook_records, select_project_records

from .corpus import Corpus
from .refi_xsd import ROOT, assert_valid

runner = CliRunner()
P = "urn:QDA-XML:project:1.0"
C = "urn:QDA-XML:codebook:1.0"
NS = {"q": P, "c": C}


class Qdpx:
    """A written ``.qdpx`` read back: the XML, the zip's entries, and indexes by GUID."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as archive:
            self.entries = {info.filename: archive.read(info) for info in archive.infolist()}
            self.compression = {info.filename: info.compress_type for info in archive.infolist()}
        self.xml = self.entries["project.qde"]
        self.root = etree.fromstring(self.xml)
        self.users = {u.get("guid"): u.get("name") for u in self.root.iterfind(".//q:User", NS)}
        self.codes: dict[str, str] = {}  # guid -> path
        self.code_elements: dict[str, etree._Element] = {}
        for code in self.root.iterfind(".//q:Code", NS):
            names = [code.get("name")] + [a.get("name") for a in code.iterancestors(f"{{{P}}}Code")]
            self.codes[code.get("guid")] = "/".join(reversed(names))
            self.code_elements[self.codes[code.get("guid")]] = code
        self.notes = {n.get("guid"): n for n in self.root.iterfind("q:Notes/q:Note", NS)}
        self.sources = {s.get("name"): s for s in self.root.iterfind("q:Sources/q:TextSource", NS)}

    def text(self, source: str) -> str:
        path = self.sources[source].get("plainTextPath")
        assert path.startswith("internal://")
        data = self.entries["Sources/" + path.removeprefix("internal://")]
        assert not data.startswith(b"\xef\xbb\xbf")
        return data.decode("utf-8")

    def note_texts(self, element: etree._Element) -> list[str]:
        """Texts of the notes the element's own ``NoteRef`` children reach."""
        return [
            self.notes[ref.get("targetGUID")].findtext("q:PlainTextContent", namespaces=NS)
            for ref in element.iterfind("q:NoteRef", NS)
        ]


def _export(project: Project, out: Path) -> Qdpx:
    write_qdpx(select_project_records(project), out)
    return Qdpx(out)


def _memos(corpus: Corpus) -> None:
    project = corpus.project
    project.add_memo("project", None, "Étude des outils numériques.", coder="alice")
    project.add_memo("document", corpus.docs["entretien-b"], "Entretien court.", coder="bob")
    project.add_memo("code", corpus.codes["Sécurité"].id, "Voir aussi RGPD.", coder="alice")


def test_exports_validate_against_the_schemas(corpus: Corpus, tmp_path: Path) -> None:
    """Every part the exports can hold: memos on every target, typed variables, units of
    cases, descriptions with inclusion/exclusion/example, astral characters, controls."""
    _memos(corpus)
    corpus.project.set_case("DSI-01", {"budget": 1.5e-05, "pilote": True})
    corpus.project.update_code(corpus.codes["Outils/Messagerie"].id, coder="alice", example="x")
    text = "😀  fin"
    info = corpus.project.add_document(
        NewDocument("émoji", "text", text, [Unit("paragraph", 0, len(text))])
    )
    corpus.project.add_coding(info.id, corpus.codes["Sécurité"].id, 0, 4, coder="bob")
    qdpx = _export(corpus.project, tmp_path / "p.qdpx")
    assert_valid(qdpx.root, "Project.xsd")
    assert len(qdpx.notes) == 5 and len(qdpx.sources) == 4
    write_qdc(select_codebook_records(corpus.project), tmp_path / "p.qdc")
    assert_valid(etree.parse(str(tmp_path / "p.qdc")), "Codebook.xsd")


def test_qdpx_holds_the_stored_texts(corpus: Corpus, tmp_path: Path) -> None:
    _memos(corpus)
    qdpx = _export(corpus.project, tmp_path / "p.qdpx")
    assert qdpx.root.tag == f"{{{P}}}Project" and qdpx.root.nsmap[None] == P
    assert qdpx.root.get("origin").startswith("codage ")
    assert set(qdpx.entries) == {"project.qde"} | {
        "Sources/" + s.get("plainTextPath").removeprefix("internal://")
        for s in qdpx.sources.values()
    }
    assert set(qdpx.compression.values()) == {zipfile.ZIP_DEFLATED}
    assert sorted(qdpx.sources) == sorted(corpus.texts)
    for name, text in corpus.texts.items():
        assert qdpx.text(name) == corpus.project.document(name).text == text
    # users: one per coder, named after it; the project made by the first coder
    assert sorted(qdpx.users.values()) == ["alice", "bob"]
    assert qdpx.users[qdpx.root.get("creatingUserGUID")] == "alice"
    for guid in [*qdpx.users, *qdpx.codes, *qdpx.notes]:
        assert guid == guid.lower() and "{" not in guid


def test_every_coding_is_its_passage_with_code_and_coder(corpus: Corpus, tmp_path: Path) -> None:
    qdpx = _export(corpus.project, tmp_path / "p.qdpx")
    found = Counter()
    for name, source in qdpx.sources.items():
        text = qdpx.text(name)
        for selection in source.iterfind("q:PlainTextSelection", NS):
            codings = selection.findall("q:Coding", NS)
            if not codings:
                continue  # a unit of a case: see the case test
            assert len(codings) == 1
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert selection.get("name") == text[start:end]
            coding = codings[0]
            coder = qdpx.users[coding.get("creatingUser")]
            assert qdpx.users[selection.get("creatingUser")] == coder
            code = qdpx.codes[coding.find("q:CodeRef", NS).get("targetGUID")]
            found[(name, code, coder, text[start:end])] += 1
    names = {v: k for k, v in corpus.docs.items()}
    paths = {c.id: path for path, c in corpus.codes.items()}
    expected = Counter(
        (names[c.document_id], paths[c.code_id], c.coder, c.text) for c in corpus.codings
    )
    assert found == expected and sum(found.values()) == 11


def test_codebook_hierarchy_colours_and_descriptions(corpus: Corpus, tmp_path: Path) -> None:
    corpus.project.update_code(
        corpus.codes["Outils/Messagerie"].id,
        coder="alice",
        exclusion="Téléphone",
        example="« Ma boîte est pleine »",
    )
    qdpx = _export(corpus.project, tmp_path / "p.qdpx")
    assert list(qdpx.code_elements) == [c.path_str for c in corpus.project.codes()]
    top = [c.get("name") for c in qdpx.root.iterfind("q:CodeBook/q:Codes/q:Code", NS)]
    assert top == ["Outils", "Organisation", "Sécurité"]
    for code in corpus.project.codes():
        element = qdpx.code_elements[code.path_str]
        assert element.get("color") == code.colour
        assert element.get("isCodable") == "true"
    description = qdpx.code_elements["Outils/Intranet"].findtext("q:Description", namespaces=NS)
    assert description == "Usage de l'intranet.\n\nInclusion: Portail interne"
    description = qdpx.code_elements["Outils/Messagerie"].findtext("q:Description", namespaces=NS)
    assert description == "Exclusion: Téléphone\n\nExample: « Ma boîte est pleine »"
    assert qdpx.code_elements["Organisation"].find("q:Description", NS) is None


def test_memos_are_notes_reached_from_their_target(corpus: Corpus, tmp_path: Path) -> None:
    _memos(corpus)
    qdpx = _export(corpus.project, tmp_path / "p.qdpx")
    assert qdpx.note_texts(qdpx.root) == ["Étude des outils numériques."]
    assert qdpx.note_texts(qdpx.sources["entretien-b"]) == ["Entretien court."]
    assert qdpx.note_texts(qdpx.sources["entretien-a"]) == []
    assert qdpx.note_texts(qdpx.code_elements["Sécurité"]) == ["Voir aussi RGPD."]
    by_passage = {
        s.get("name"): qdpx.note_texts(s.find("q:Coding", NS))
        for s in qdpx.sources["entretien-a"].iterfind("q:PlainTextSelection", NS)
    }
    assert by_passage["Puis la crise est arrivée. Tout a changé."] == ["crise = covid"]
    assert by_passage["Nous avons subi une attaque en 2024."] == ["Rançongiciel"]
    assert by_passage["Au début, personne ne le lisait."] == []
    authors = {
        n.findtext("q:PlainTextContent", namespaces=NS): qdpx.users[n.get("creatingUser")]
        for n in qdpx.notes.values()
    }
    assert authors == {
        "Étude des outils numériques.": "alice",
        "Entretien court.": "bob",
        "Voir aussi RGPD.": "alice",
        "crise = covid": "alice",
        "Rançongiciel": "alice",
    }
    # every NoteRef reaches a Note, and every Note is reached once
    refs = [r.get("targetGUID") for r in qdpx.root.iter(f"{{{P}}}NoteRef")]
    assert sorted(refs) == sorted(qdpx.notes)


def test_cases_variables_sources_and_answer_units(corpus: Corpus, tmp_path: Path) -> None:
    corpus.project.set_case("DSI-01", {"budget": 1.5e-05, "pilote": True})
    corpus.project.set_case("DSI-02", {"budget": 3, "pilote": False})
    qdpx = _export(corpus.project, tmp_path / "p.qdpx")
    variables = {
        v.get("guid"): (v.get("name"), v.get("typeOfVariable"))
        for v in qdpx.root.iterfind("q:Variables/q:Variable", NS)
    }
    assert sorted(variables.values()) == [
        ("budget", "Float"),
        ("grade", "Text"),
        ("pilote", "Boolean"),
        ("taille", "Integer"),
        ("type", "Text"),
    ]
    source_names = {s.get("guid"): name for name, s in qdpx.sources.items()}
    selections = {
        s.get("guid"): (name, s)
        for name, source in qdpx.sources.items()
        for s in source.iterfind("q:PlainTextSelection", NS)
    }
    cases = {}
    for case in qdpx.root.iterfind("q:Cases/q:Case", NS):
        values = {}
        for held in case.iterfind("q:VariableValue", NS):
            name, kind = variables[held.find("q:VariableRef", NS).get("targetGUID")]
            value = held[1]
            assert value.tag == f"{{{P}}}{kind}Value"
            values[name] = value.text
        members = [source_names[r.get("targetGUID")] for r in case.iterfind("q:SourceRef", NS)]
        units = []
        for ref in case.iterfind("q:SelectionRef", NS):
            name, selection = selections[ref.get("targetGUID")]
            assert selection.find("q:Coding", NS) is None
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            units.append((name, qdpx.text(name)[start:end]))
        cases[case.get("name")] = (values, members, units)
    assert cases["DSI-01"] == (
        {"budget": "0.000015", "pilote": "true", "taille": "1200", "type": "Région"},
        ["entretien-a"],
        [],
    )
    assert cases["DSI-02"][0] == {
        "budget": "3",
        "pilote": "false",
        "taille": "80",
        "type": "Commune",
    }
    assert cases["DSI-02"][1] == ["entretien-b"]
    assert cases["R2"] == (
        {"grade": "B", "type": "Région"},
        [],
        [("enquete", "L'intranet est lent.")],
    )
    assert sorted(cases) == ["DSI-01", "DSI-02", "R1", "R2", "R3"]


def test_exporting_twice_gives_the_same_bytes(corpus: Corpus, tmp_path: Path) -> None:
    _memos(corpus)
    first, second = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    write_qdpx(select_project_records(corpus.project), first)
    write_qdpx(select_project_records(corpus.project), second)
    assert Qdpx(first).xml == Qdpx(second).xml
    assert first.read_bytes() == second.read_bytes()
    write_qdc(select_codebook_records(corpus.project), tmp_path / "a.qdc")
    write_qdc(select_codebook_records(corpus.project), tmp_path / "b.qdc")
    assert (tmp_path / "a.qdc").read_bytes() == (tmp_path / "b.qdc").read_bytes()
    code_guids = set(Qdpx(first).codes)
    book = etree.parse(str(tmp_path / "a.qdc"))
    assert {c.get("guid") for c in book.iterfind(".//c:Code", NS)} == code_guids


def test_astral_characters_count_as_one_and_controls_are_reported(tmp_path: Path) -> None:
    project = Project.open(str(tmp_path / "astral.db"))
    try:
        text = "Avant 😀👩‍💻 puis 𝄞 la clé\u0007 du café.\nFin."
        info = project.add_document(
            NewDocument("émoji\u0001", "text", text, [Unit("paragraph", 0, len(text))])
        )
        code = project.create_code("Musique", coder="alice", description="Le \u0002 signe")
        start = text.index("𝄞")
        coding = project.add_coding(
            info.id, code.id, start, start + len("𝄞 la clé\u0007"), coder="alice"
        )
        project.add_memo("coding", coding.id, "note\u001f ici", coder="alice")
        out = tmp_path / "astral.qdpx"
        report = write_qdpx(select_project_records(project), out)
        qdpx = Qdpx(out)
        assert report.removed_characters == 4  # name, description, memo, selection
        assert list(qdpx.sources) == ["émoji"]
        assert qdpx.text("émoji") == text  # the text file is stored whole, controls too
        selection = qdpx.sources["émoji"].find("q:PlainTextSelection", NS)
        assert int(selection.get("startPosition")) == len("Avant 😀👩‍💻 puis ") == 16
        assert int(selection.get("endPosition")) == 16 + 9
        assert selection.get("name") == "𝄞 la clé"
        assert list(qdpx.codes.values()) == ["Musique"]
        result = runner.invoke(
            app, ["export", "qdpx", str(tmp_path / "cli.qdpx"), "-p", str(tmp_path / "astral.db")]
        )
        assert result.exit_code == 0, result.output
        assert "REFI-QDA project written to" in result.stdout and "1 codings" in result.stdout
        assert "4 control character(s)" in result.stderr
    finally:
        project.close()


def _cli(corpus: Corpus, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [*args, "--project", str(corpus.path)])


def test_commands_write_qdpx_and_qdc(corpus: Corpus, tmp_path: Path) -> None:
    _memos(corpus)
    result = _cli(corpus, "export", "qdpx", str(tmp_path / "p.qdpx"), "--json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert {k: counts[k] for k in ("users", "codes", "sources", "codings", "notes", "cases")} == {
        "users": 2,
        "codes": 6,
        "sources": 3,
        "codings": 11,
        "notes": 5,
        "cases": 5,
    }
    assert counts["unit_selections"] == 3 and counts["removed_characters"] == 0
    for args in (("export", "qdc", "a.qdc"), ("codebook", "export", "b.qdc")):
        out = tmp_path / args[-1]
        result = _cli(corpus, *args[:-1], str(out))
        assert result.exit_code == 0, result.output
        book = etree.parse(str(out))
        paths = [
            "/".join(
                reversed([c.get("name")] + [a.get("name") for a in c.iterancestors(f"{{{C}}}Code")])
            )
            for c in book.iterfind(".//c:Code", NS)
        ]
        assert paths == [c.path_str for c in corpus.project.codes()]
    # YAML stays the default of codebook export
    result = _cli(corpus, "codebook", "export", str(tmp_path / "book.yaml"))
    assert result.exit_code == 0 and "Outils" in (tmp_path / "book.yaml").read_text()


def test_a_path_that_cannot_be_written_is_one_line_and_no_file(
    corpus: Corpus, tmp_path: Path
) -> None:
    for args in (
        ("export", "qdpx", str(tmp_path / "absent" / "p.qdpx")),
        ("export", "qdc", str(tmp_path / "absent" / "p.qdc")),
        ("codebook", "export", str(tmp_path / "absent" / "p.qdc")),
        ("export", "qdpx", str(tmp_path / "p.docx")),
    ):
        result = _cli(corpus, *args)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "absent").exists() and not (tmp_path / "p.docx").exists()


@contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """``folder`` made read-only: by its mode, or for root (whom modes do not stop) by the
    immutable attribute; skipped where neither holds."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if (
        chattr is None
        or subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode
    ):
        pytest.skip("running as root, and the folder cannot be made immutable (chattr +i)")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_a_read_only_folder_is_one_line_and_no_file(corpus: Corpus, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    with _read_only(locked):
        for args in (("export", "qdpx", "p.qdpx"), ("codebook", "export", "p.qdc")):
            result = _cli(corpus, *args[:-1], str(locked / args[-1]))
            assert result.exit_code == 2, result.output
            assert "permission denied" in result.stderr
            assert len(result.stderr.strip().splitlines()) == 1
        assert list(locked.iterdir()) == []


def test_a_write_failing_midway_leaves_no_file(corpus: Corpus, tmp_path: Path) -> None:
    """A real process whose writes fail past 4 kB (RLIMIT_FSIZE): a full disk, or a
    file system that refuses writes even to root."""
    out = tmp_path / "p.qdpx"
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from codage.cli import main\n"
        "sys.argv = ['codage'] + sys.argv[1:]\n"
        "main()\n"
    )
    # random hex does not compress: the zip grows past the limit
    corpus.project.add_document(
        NewDocument("long", "text", os.urandom(6000).hex(), [Unit("paragraph", 0, 12000)])
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "export", "qdpx", str(out), "-p", str(corpus.path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert [f.name for f in tmp_path.iterdir() if "qdpx" in f.name] == []


def test_an_empty_codebook_is_one_line_and_an_empty_project_a_valid_file(tmp_path: Path) -> None:
    project = Project.open(str(tmp_path / "vide.db"))
    project.close()
    args = ["--project", str(tmp_path / "vide.db")]
    result = runner.invoke(app, ["export", "qdc", str(tmp_path / "v.qdc"), *args])
    assert result.exit_code == 2 and "no codes" in result.stderr
    assert not (tmp_path / "v.qdc").exists()
    result = runner.invoke(app, ["export", "qdpx", str(tmp_path / "v.qdpx"), *args])
    assert result.exit_code == 0, result.output
    root = Qdpx(tmp_path / "v.qdpx").root
    assert len(root) == 0 and root.get("name") == "vide"
    assert_valid(root, "Project.xsd")  # last: skipped where the schemas are absent


def test_a_memo_whose_target_is_gone_is_kept_and_counted(corpus: Corpus, tmp_path: Path) -> None:
    records = select_project_records(corpus.project)
    lost = Memo(999, "code", 424242, "Un code supprimé.", "bob")
    report = write_qdpx(replace(records, memos=[*records.memos, lost]), tmp_path / "p.qdpx")
    qdpx = Qdpx(tmp_path / "p.qdpx")
    assert report.unlinked_notes == 1 and report.notes == len(qdpx.notes) == 3
    texts = [n.findtext("q:PlainTextContent", namespaces=NS) for n in qdpx.notes.values()]
    assert "Un code supprimé." in texts
    refs = {r.get("targetGUID") for r in qdpx.root.iter(f"{{{P}}}NoteRef")}
    assert len(refs) == 2  # the two coding memos; the lost one is written, reached by nothing
