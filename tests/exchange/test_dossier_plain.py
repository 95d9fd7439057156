"""The dossier written from plain rows against the one written from records.

``stream_for_dossier(..., plain=True)`` reads the codings as the tuples the dossier
prints (no ``Coding`` and ``CodingRecord`` per coding); the record path is the oracle:
the rows read must be the records' own fields, document by document, and every part of
the Word package the same bytes, with each option of ``codage export docx`` (filters,
context, grouping, language, memos, several coders, automatic and accepted codings,
pseudonymised), on the corpus, a hostile project and through the command itself. The
generated project and the demo are compared in ``test_dossier_stream.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.domain import NewDocument, Pseudonym, Unit
from codage.exchange.docx_report import export_dossier
from codage.services import Project
from codage.services.selection import stream_for_dossier
from codage.services.selection_dossier import dossier_rows
from codage.store.copy import copy_project

from .corpus import Corpus, build_corpus
from .docx_parts import same_parts
from .test_sheet_rows import HOSTILE

FILTERS: list[dict[str, Any]] = [
    {},
    {"context": 2},
    {"coders": ["bob"]},
    {"codes": ["Outils"], "coders": ["alice"], "context": 1},
    {"codes": ["Outils/Intranet"], "include_subcodes": False},
    {"documents": ["enquete", "entretien-b"]},
    {"cases": {"type": "Région"}},
    {"cases": {"grade": ["A", "B"]}, "coders": ["alice"]},
    {"codes": ["Sécurité"], "coders": ["bob"]},  # nothing: the empty dossier
]
GROUPS = [("code", "en"), ("document", "fr"), ("case", "en")]


def _both(project: Project, tmp_path: Path, group_by: str, language: str, **kw: Any) -> Path:
    """Both paths' dossiers; the plain one's path once their parts are equal."""
    old, new = tmp_path / "records.docx", tmp_path / "rows.docx"
    records = stream_for_dossier(project, **kw)
    assert records.dossier is None
    before = export_dossier(records, old, group_by=group_by, language=language)
    rows = stream_for_dossier(project, plain=True, **kw)
    assert rows.dossier is not None
    assert list(rows.batches) == []  # the codings are in the rows, read once
    after = export_dossier(rows, new, group_by=group_by, language=language)
    assert (after.extracts, after.codings, after.codes, after.documents, after.coders) == (
        before.extracts,
        before.codings,
        before.codes,
        before.documents,
        before.coders,
    )
    assert same_parts(new, old)
    return new


def _quotes(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs if p.style.name == "Quote"]


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
@pytest.mark.parametrize(("group_by", "language"), GROUPS)
def test_rows_write_the_records_dossier(
    corpus: Corpus, tmp_path: Path, filters: dict[str, Any], group_by: str, language: str
) -> None:
    path = _both(corpus.project, tmp_path, group_by, language, **filters)
    quotes = _quotes(path)
    if filters.get("codes") == ["Sécurité"]:
        assert quotes == []
    else:
        assert quotes  # something was written, not two empty dossiers


def test_the_rows_are_the_records_fields(corpus: Corpus) -> None:
    """Document by document, the rows read are the records read, as rows, in order;
    the documents in the order of their names (the records': by id; the corpus's are
    not in the same order, "enquete" coming last by id)."""
    for kw in ({"context": 1}, {"codes": ["Outils"]}, {"cases": {"type": "Région"}}):
        records = stream_for_dossier(corpus.project, **kw)
        expected = []
        for batch in records.batches:
            rows = dossier_rows(batch.records, records.codes)
            rows.sort()
            expected.append((batch.name, rows))
        plain = stream_for_dossier(corpus.project, plain=True, **kw)
        assert plain.dossier is not None
        got = [(b.name, b.rows) for b in plain.dossier.batches]
        assert [name for name, _ in expected] != sorted(name for name, _ in expected)
        assert got == sorted(expected, key=lambda batch: batch[0])
        assert sum(len(rows) for _, rows in got) > 0
    # the memos, the other codes and the context are carried: the corpus has each
    rows = [r for b in stream_for_dossier(corpus.project, plain=True, context=1).dossier.batches
            for r in b.rows]  # fmt: skip
    assert any(r[13] for r in rows) and any(r[14] for r in rows) and any(r[15] for r in rows)


def test_progress_is_told_the_same(corpus: Corpus, tmp_path: Path) -> None:
    told: dict[bool, list[tuple[int, int]]] = {False: [], True: []}
    for plain in (False, True):
        stream = stream_for_dossier(
            corpus.project, plain=plain, progress=lambda d, t, p=plain: told[p].append((d, t))
        )
        export_dossier(stream, tmp_path / f"{plain}.docx", progress=lambda d, t: None)
    assert told[True] == told[False] and told[True][-1] == (3, 3)


def test_a_pseudonymised_stream_keeps_its_records(corpus: Corpus, tmp_path: Path) -> None:
    corpus.project.set_pseudonyms(
        [Pseudonym("garnier", "Garnier", "PER", "[Agent 1]")], coder="alice"
    )
    # the map applies to records: asked for plain rows, the stream reads records
    stream = stream_for_dossier(corpus.project, pseudonymised=True, plain=True)
    assert stream.dossier is None
    out = tmp_path / "p.docx"
    export_dossier(stream, out)
    texts = " ".join(_quotes(out))
    assert "Garnier" not in texts and texts


def _hostile(project: Project) -> None:
    """Text, names and memos that are not plain runs; several coders on one span with
    automatic and accepted codings; unit cases and sentences for context."""
    text = "\n\n".join(f"{h} Une phrase. Une autre phrase." for h in HOSTILE[:-1])
    units, pos = [], 0
    for i, block in enumerate(text.split("\n\n")):
        start = text.index(block, pos)
        units.append(
            Unit("turn", start, start + len(block), speaker=HOSTILE[i % 5], timestamp=-5.0 * i)
        )
        first = block.index(" Une phrase.") + 1
        units.append(Unit("sentence", start + first, start + first + len("Une phrase.")))
        pos = start + len(block)
    doc = project.add_document(NewDocument("=doc\x07", "interview", text, units=units))
    other = project.add_document(NewDocument("<b>", "interview", "sans tour\nligne deux"))
    code = project.create_code("-Code", coder="=ana", colour="#123456")
    child = project.create_code("#REF!", parent_id=code.id, coder="=ana")
    turns = [u for u in units if u.kind == "turn"]
    for i, unit in enumerate(turns):
        for coder in HOSTILE[:3]:
            coding = project.add_coding(
                doc.id, code.id, unit.start, unit.end, coder=coder, suggested=i % 2 == 0
            )
            project.set_coding_memo(coding.id, HOSTILE[(i + 3) % len(HOSTILE)], coder=coder)
            project.add_memo("coding", coding.id, f"note {i} {coder}", coder="zoé")
        shorter = unit.end - 1 if unit.end - unit.start > 1 else unit.end
        project.add_coding(doc.id, child.id, unit.start, shorter, coder=HOSTILE[i % 4])
    project.add_codings(
        [(doc.id, child.id, u.start, u.end) for u in turns[::2]], coder="auto", automatic=True
    )
    project.add_coding(other.id, child.id, 0, 4, coder="zoé")
    project.add_coding(other.id, code.id, 10, 15, coder="ana")
    project.set_case("@cas", {"rôle": "=DSI", "n": 3.0, "x": 2.5, "ok": True, "vide": None})
    project.link_case("@cas", document_id=doc.id)


@pytest.mark.parametrize(("group_by", "language"), GROUPS)
def test_a_hostile_project_gives_the_same_dossier(
    project: Project, tmp_path: Path, group_by: str, language: str
) -> None:
    _hostile(project)
    path = _both(project, tmp_path, group_by, language, context=1)
    assert len(_quotes(path)) > len(HOSTILE)
    _both(project, tmp_path, group_by, language, coders=["auto", "zoé"])


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--group-by", "case", "--context", "1", "--lang", "fr"],
        ["--group-by", "document", "--code", "Outils/Intranet", "--no-subcodes", "--lang", "en"],
        ["--coder", "alice", "--case", "type=Région", "--document", "entretien-a"],
        ["--pseudonymised", "--context", "2"],
    ],
)
def test_the_command_writes_the_records_dossier(
    corpus: Corpus, tmp_path: Path, options: list[str]
) -> None:
    out = tmp_path / "cli.docx"
    corpus.project.set_pseudonyms(
        [Pseudonym("garnier", "Garnier", "PER", "[Agent 1]")], coder="alice"
    )
    corpus.project.close()
    ran = CliRunner().invoke(
        app, ["export", "docx", str(out), *options, "-p", str(corpus.path), "--json"]
    )
    assert ran.exit_code == 0, ran.output
    kw: dict[str, Any] = {"group_by": "code", "language": None}
    filters: dict[str, Any] = {}
    for flag, value in zip(options, [*options[1:], None], strict=False):
        if flag == "--group-by":
            kw["group_by"] = value
        elif flag == "--lang":
            kw["language"] = value
        elif flag == "--context":
            filters["context"] = int(str(value))
        elif flag == "--code":
            filters["codes"] = [value]
        elif flag == "--no-subcodes":
            filters["include_subcodes"] = False
        elif flag == "--coder":
            filters["coders"] = [value]
        elif flag == "--document":
            filters["documents"] = [value]
        elif flag == "--case":
            key, _, wanted = str(value).partition("=")
            filters["cases"] = {key: [wanted]}
        elif flag == "--pseudonymised":
            filters["pseudonymised"] = True
    old = tmp_path / "records.docx"
    with Project.open(str(corpus.path), create=False) as project:
        export_dossier(stream_for_dossier(project, **filters), old, **kw)
    assert same_parts(out, old)
    assert _quotes(out)


def test_a_project_on_postgresql_gives_the_same_dossier(tmp_path: Path, pg_url: str) -> None:
    """A server gives text and flags as its driver does: the same dossier."""
    built = build_corpus(tmp_path / "dossier.db")
    built.project.close()
    copy_project(str(tmp_path / "dossier.db"), pg_url)
    with Project.open(pg_url, create=False) as project:
        assert _quotes(_both(project, tmp_path, "case", "fr", context=1))
        assert _quotes(_both(project, tmp_path, "code", "en", cases={"type": "Région"}))
