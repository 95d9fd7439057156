"""The workbook's statistics counted on the export's own pass over the codings.

``StatsCollector`` fed by the selection stream must give exactly what ``compute_stats``
(a second read of the project) gives with the same filters, and the workbook the
command writes must be, part by part, the one written with ``compute_stats``' sheets.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from benchmarks.scale import build as build_scale
from codage.analysis.stats import StatsCollector, compute_stats
from codage.analysis.stats_tables import Stats
from codage.cli import app
from codage.cli.export_cmds import _sheet_labels
from codage.domain import Code, DocumentInfo, Pseudonym
from codage.exchange.tables import export_codings
from codage.services.pseudonyms import load_pseudonymiser
from codage.services.selection import stream_codings
from codage.store.project import Project

from .corpus import Corpus

FILTERS: list[dict[str, Any]] = [
    {},
    {"coders": ["bob"]},
    {"codes": ["Outils"]},
    {"codes": ["Outils"], "include_subcodes": False},
    {"documents": ["enquete", "entretien-b"]},
    {"cases": {"type": "Région"}},
    {"cases": {"grade": "A"}, "coders": ["alice"]},
]


def _on_pass(project: Project, **filters: Any) -> tuple[Stats, Stats]:
    """(the stats counted on the stream's pass, compute_stats with the same filters)."""
    made: list[StatsCollector] = []

    def observe(
        codes: list[Code], documents: list[DocumentInfo], code_ids: set[int] | None
    ) -> StatsCollector:
        made.append(StatsCollector(project, codes, documents, code_ids))
        return made[0]

    stream = stream_codings(project, **filters, observe=observe)
    records = sum(len(batch.records) for batch in stream.batches)
    assert records >= 0
    expected = compute_stats(
        project,
        code_ids=stream.code_ids,
        document_ids=[d.id for d in stream.documents],
        coders=filters.get("coders"),
    )
    return made[0].stats(), expected


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
def test_stats_on_the_pass_are_compute_stats(corpus: Corpus, filters: dict[str, Any]) -> None:
    got, expected = _on_pass(corpus.project, **filters)
    assert got == expected
    # the same tables in the same order, as the sheets show them
    assert got.sheets(_sheet_labels()) == expected.sheets(_sheet_labels())


def test_the_corpus_counts_cases_and_pairs(corpus: Corpus) -> None:
    got, _ = _on_pass(corpus.project)
    # the survey's answers carry their respondents' cases, the interviews theirs
    assert got.by_attribute and got.cooccurrence_passage and got.cooccurrence_unit
    assert any(f.cases > 1 for f in got.frequencies)


def test_a_generated_project_counts_the_same(tmp_path: Path) -> None:
    location = build_scale("20k", tmp_path)
    with Project.open(str(location), create=False) as project:
        for filters in ({}, {"coders": [project.coders()[0].name]}):
            got, expected = _on_pass(project, **filters)
            assert sum(f.codings for f in got.frequencies) >= 300
            assert got == expected
            assert got.sheets(_sheet_labels()) == expected.sheets(_sheet_labels())


_DATES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def _parts(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as package:
        # openpyxl stamps the time of writing in the core properties
        return [(name, _DATES.sub(b"", package.read(name))) for name in package.namelist()]


ARGS: list[list[str]] = [
    [],
    ["--coder", "bob"],
    ["--code", "Outils", "--no-subcodes"],
    ["--case", "type=Région"],
    ["--pseudonymised"],
]


@pytest.mark.parametrize("args", ARGS, ids=[" ".join(a) or "all" for a in ARGS])
def test_the_command_writes_the_workbook_of_compute_stats(
    corpus: Corpus, tmp_path: Path, args: list[str]
) -> None:
    if "--pseudonymised" in args:
        corpus.project.set_pseudonyms(
            [
                Pseudonym("garnier", "Garnier", "PER", "[Agent 1]"),
                Pseudonym("enquete", "enquete", "LOC", "zz-lieu"),
            ],
            coder="alice",
        )
    new = tmp_path / "new.xlsx"
    result = CliRunner().invoke(
        app, ["export", "xlsx", str(new), *args, "--project", str(corpus.path)]
    )
    assert result.exit_code == 0, result.output
    # the workbook as written before: compute_stats' sheets made before the rows
    filters: dict[str, Any] = {}
    if "--coder" in args:
        filters["coders"] = ["bob"]
    if "--code" in args:
        filters["codes"] = ["Outils"]
        filters["include_subcodes"] = False
    if "--case" in args:
        filters["cases"] = {"type": ["Région"]}
    pseudonymised = "--pseudonymised" in args
    project = corpus.project
    chosen = stream_codings(project, **filters, pseudonymised=pseudonymised)
    stats = compute_stats(
        project,
        code_ids=chosen.code_ids,
        document_ids=[d.id for d in chosen.documents],
        coders=filters.get("coders"),
    )
    sheets = stats.sheets(_sheet_labels())
    if pseudonymised:
        mapper = load_pseudonymiser(project)
        sheets = [(title, mapper.value(rows)) for title, rows in sheets]
    old = tmp_path / "old.xlsx"
    export_codings(chosen, old, "xlsx", sheets=sheets)
    assert _parts(new) == _parts(old)
    assert len(_parts(new)) >= 8
    if pseudonymised:
        with zipfile.ZipFile(new) as package:
            # the Code x document sheet names the survey by its pseudonym
            stats_text = package.read("xl/worksheets/sheet3.xml")
        assert b"zz-lieu" in stats_text and b"enquete" not in stats_text
