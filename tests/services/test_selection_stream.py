"""The selection's records read from plain rows equal, field by field, those the read
side gave before (``tests/services/selection_before.py``, every unit read as a ``Unit``).

Three real projects: the small export corpus (memos, document and unit cases, an
answer sheet), the demo material imported with the French spaCy model (sentences that
carry their turn's speaker, subtitles with times, survey answers linked to
respondents) and a generated project of ``benchmarks.scale`` (given memos and cases
here). Each is read with memos, overlaps and context, and under every filter.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from benchmarks.scale import build as build_scale
from codage.demo import build_demo
from codage.domain import Pseudonym
from codage.services import Project
from codage.services.selection import CodingRecord, SelectionStream, stream_codings
from codage.store.copy import copy_project
from tests.conftest import ROOT
from tests.exchange.corpus import Corpus, build_corpus
from tests.services.selection_before import stream_before

RECORD_FIELDS = [f.name for f in fields(CodingRecord)]


def _read(stream: SelectionStream) -> tuple[dict[str, Any], list[tuple[str, list[CodingRecord]]]]:
    shown = {
        "project": stream.project,
        "codes": stream.codes,
        "code_ids": stream.code_ids,
        "include_subcodes": stream.include_subcodes,
        "documents": stream.documents,
        "attributes": stream.attributes,
        "filters": stream.filters,
    }
    return shown, [(b.name, b.records) for b in stream.batches]


def assert_same_records(project: Project, **asked: Any) -> int:
    """The new stream against the old one, batch by batch and field by field, with the
    progress each reports; returns the number of records compared."""
    told_before: list[tuple[int, int]] = []
    told_now: list[tuple[int, int]] = []
    before_head, before = _read(
        stream_before(project, progress=lambda *a: told_before.append(a), **asked)
    )
    now_head, now = _read(stream_codings(project, progress=lambda *a: told_now.append(a), **asked))
    assert now_head == before_head
    assert [name for name, _ in now] == [name for name, _ in before]
    count = 0
    for (name, old), (_, new) in zip(before, now, strict=True):
        assert len(new) == len(old), name
        for a, b in zip(old, new, strict=True):
            for field_name in RECORD_FIELDS:
                assert getattr(b, field_name) == getattr(a, field_name), (
                    name,
                    a.coding.id,
                    field_name,
                )
            assert b == a
            count += 1
    assert told_now == told_before
    return count


# What is asked of every project: (name, arguments); ``{code}``, ``{parent}``,
# ``{document}``, ``{coder}`` and ``{attribute}``/``{value}`` are filled per project.
ASKED: list[tuple[str, dict[str, Any]]] = [
    ("plain", {}),
    ("dossier", {"memos": True, "overlaps": True}),
    ("context 1", {"memos": True, "overlaps": True, "context": 1}),
    ("context 3", {"context": 3}),
    ("one code", {"codes": ["{code}"], "overlaps": True, "memos": True, "context": 1}),
    ("a branch", {"codes": ["{parent}"], "overlaps": True}),
    ("no sub-codes", {"codes": ["{code}"], "include_subcodes": False, "overlaps": True}),
    ("documents", {"documents": ["{document}"], "overlaps": True, "context": 1}),
    ("a coder", {"coders": ["{coder}"], "overlaps": True, "memos": True}),
    ("code and coder", {"codes": ["{parent}"], "coders": ["{coder}"], "overlaps": True}),
    ("cases", {"cases": {"{attribute}": "{value}"}, "overlaps": True, "context": 1}),
]


def _fill(asked: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    def one(value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**names)
        if isinstance(value, list):
            return [one(v) for v in value]
        if isinstance(value, dict):
            return {one(k): one(v) for k, v in value.items()}
        return value

    return {k: one(v) for k, v in asked.items()}


def _names(project: Project, attribute: str, value: str) -> dict[str, str]:
    """A code with codings, its parent, a document with codings and a coder of it."""
    codings = project.codings()
    counts: dict[int, int] = {}
    for c in codings:
        counts[c.code_id] = counts.get(c.code_id, 0) + 1
    codes = {c.id: c for c in project.codes()}
    busiest = max(counts, key=lambda i: (counts[i], -i))
    code = codes[busiest]
    parent = codes[code.parent_id] if code.parent_id is not None else code
    document = project.document_info(codings[len(codings) // 2].document_id)
    return {
        "code": code.path_str,
        "parent": parent.path_str,
        "document": document.name,
        "coder": codings[-1].coder,
        "attribute": attribute,
        "value": value,
    }


def _pseudonymise(project: Project, names: list[str], coder: str) -> None:
    project.set_pseudonyms(
        [
            Pseudonym(name.lower(), name, "PER", f"[Personne {i}]")
            for i, name in enumerate(names, 1)
        ],
        coder=coder,
    )


# ---------------------------------------------------------------------------
# The small corpus of the export tests
# ---------------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Corpus]:
    built = build_corpus(tmp_path / "selection.db")
    yield built
    built.project.close()


@pytest.mark.parametrize(("label", "asked"), ASKED, ids=[a[0] for a in ASKED])
def test_the_corpus_reads_as_before(corpus: Corpus, label: str, asked: dict[str, Any]) -> None:
    names = _names(corpus.project, "type", "Commune")
    assert assert_same_records(corpus.project, **_fill(asked, names)) > 0


def test_the_corpus_pseudonymised_reads_as_before(corpus: Corpus) -> None:
    _pseudonymise(corpus.project, ["Garnier", "Intranet"], "alice")
    n = assert_same_records(
        corpus.project, memos=True, overlaps=True, context=1, pseudonymised=True
    )
    assert n == 11


def test_edge_passages_read_as_before(corpus: Corpus) -> None:
    """Passages between two answers, across two, of one character, over a whole
    document, at its very end; a unit linked to two cases."""
    project = corpus.project
    survey = corpus.docs["enquete"]
    text = corpus.texts["enquete"]
    code = corpus.codes["Sécurité"].id
    other = corpus.codes["Organisation/Télétravail"].id
    gap = text.index("\n")
    edges = [
        (survey, code, gap, gap + 5),
        (survey, code, 3, len(text) - 3),
        (survey, other, 0, len(text)),
        (survey, code, len(text) - 1, len(text)),
    ]
    for doc_name, doc_text in corpus.texts.items():
        doc_id = corpus.docs[doc_name]
        edges += [(doc_id, other, 0, len(doc_text)), (doc_id, code, 2, 3)]
    added = project.add_codings(edges, coder="carol")  # one span given twice: once
    assert added == len(edges) - 1
    answer = next(u for u in project.units(survey) if u.kind == "answer")
    project.link_case("DSI-02", document_id=survey, unit_id=answer.id)
    assert assert_same_records(project) == 11 + added
    assert assert_same_records(project, memos=True, overlaps=True, context=2) == 11 + added
    assert assert_same_records(project, cases={"type": "Région"}) > 0


# ---------------------------------------------------------------------------
# The demo material, imported with the French spaCy model
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """Part of the demo study, imported and coded as ``codage demo`` does: two
    interviews (one from subtitles, with times), the case sheet, and the first forty
    respondents of the survey (two questions, answers linked to respondents)."""
    folder = tmp_path_factory.mktemp("demo")
    (folder / "transcripts").mkdir()
    shutil.copytree(ROOT / "codebooks", folder / "codebooks")
    for name in (
        "entretien-01-region.txt",
        "entretien-05-intercommunalite.vtt",
        "cas-entretiens.csv",
    ):
        shutil.copy(ROOT / "transcripts" / name, folder / "transcripts" / name)
    source = ROOT / "transcripts" / "commentaires-agents.csv"
    with source.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    with (folder / "transcripts" / source.name).open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";").writerows(rows[:41])
    project = Project.open(str(folder / "demo.db"))
    report = build_demo(project, sources=folder)
    assert report.failures == [] and report.codings > 100
    # memos of both kinds: a coding's own, and memos written on codings
    codings = project.codings()
    for c in codings[::17]:
        project.add_memo("coding", c.id, f"Relu : {c.text[:20]}", coder="bastien")
    yield project
    project.close()


@pytest.mark.parametrize(("label", "asked"), ASKED, ids=[a[0] for a in ASKED])
def test_the_demo_reads_as_before(demo: Project, label: str, asked: dict[str, Any]) -> None:
    names = _names(demo, "type_collectivite", "Département")
    assert assert_same_records(demo, **_fill(asked, names)) > 0


def test_the_demo_reads_with_speakers_times_and_respondents(demo: Project) -> None:
    """What the demo is here for: every kind of place is met, and read as before."""
    records = [r for b in stream_codings(demo, context=1).batches for r in b.records]
    assert any(r.timestamp is not None for r in records)
    assert any(r.speaker for r in records)
    assert {r.place.kind for r in records if r.place} >= {"turn", "answer"}
    assert any(r.case and r.case.name.startswith("R") for r in records)
    assert any(r.case and r.case.name.startswith("DSI") for r in records)
    assert sum(bool(r.before or r.after) for r in records) > len(records) // 2


def test_the_demo_pseudonymised_reads_as_before(demo: Project) -> None:
    speakers = sorted({s for names in demo.speakers().values() for s in names})
    _pseudonymise(demo, speakers[:3], "amelie")
    assert assert_same_records(demo, memos=True, overlaps=True, context=1, pseudonymised=True) > 100


# ---------------------------------------------------------------------------
# A generated project
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """``benchmarks.scale``'s smallest project, with cases (of documents and of turns)
    and memos added."""
    location = build_scale("20k", tmp_path_factory.mktemp("scale"))
    project = Project.open(str(location), create=False)
    project.set_cases(
        {
            "Agent A": {"service": "Finances"},
            "Agent B": {"service": "RH"},
            "Ville": {"service": "Direction"},
        }
    )
    docs = project.documents()
    for i, doc in enumerate(docs):
        if i % 2 == 0:
            project.link_case("Ville", document_id=doc.id)
        turns = project.units(doc.id, kinds=["turn"])
        for turn in turns[1::3]:
            project.link_case(
                "Agent A" if i % 3 else "Agent B", document_id=doc.id, unit_id=turn.id
            )
    codings = project.codings()
    for c in codings[::11]:
        project.add_memo("coding", c.id, f"memo {c.id}", coder=c.coder)
    yield project
    project.close()


@pytest.mark.parametrize(("label", "asked"), ASKED, ids=[a[0] for a in ASKED])
def test_a_generated_project_reads_as_before(
    generated: Project, label: str, asked: dict[str, Any]
) -> None:
    names = _names(generated, "service", "Finances")
    assert assert_same_records(generated, **_fill(asked, names)) > 0


def test_a_generated_project_pseudonymised_reads_as_before(generated: Project) -> None:
    speakers = sorted({s for names in generated.speakers().values() for s in names})
    _pseudonymise(generated, speakers[:2], "ana")
    assert assert_same_records(generated, overlaps=True, context=1, pseudonymised=True) > 500


# ---------------------------------------------------------------------------
# On PostgreSQL (skipped without a server)
# ---------------------------------------------------------------------------


def test_a_project_on_postgresql_reads_as_before(tmp_path: Path, pg_url: str) -> None:
    """The plain-row reads speak both back ends: the corpus copied to a server."""
    built = build_corpus(tmp_path / "selection.db")
    names = _names(built.project, "type", "Commune")
    built.project.close()
    copy_project(str(tmp_path / "selection.db"), pg_url)
    with Project.open(pg_url, create=False) as project:
        for _, asked in ASKED:
            assert assert_same_records(project, **_fill(asked, names)) >= 0
        assert assert_same_records(project, memos=True, overlaps=True, context=1) == 11
