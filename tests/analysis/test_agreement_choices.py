"""Agreement as a team reads it: NVivo's character κ, codes nobody used, which coders."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codage.analysis.agreement import cohen_kappa, cohen_kappa_counts
from codage.analysis.agreement_service import compute_agreement
from codage.cli import app
from codage.domain import NewDocument, Unit
from codage.services import Project

TEXT = "Phrase 01.Phrase 02.Phrase 03.Phrase 04."  # 40 characters, four sentences
OTHER = "Autre phrase, un peu plus longue que la première."
SENTENCES = [Unit("sentence", i * 10, i * 10 + 10) for i in range(4)]
# A: X [2,5) [12,25) [20,24) (overlap, counted once), Y [35,38)
# B: X [0,10) [28,32), Y [30,40)
CODINGS = {
    "A": [("X", 2, 5), ("X", 12, 25), ("X", 20, 24), ("Y", 35, 38)],
    "B": [("X", 0, 10), ("X", 28, 32), ("Y", 30, 40)],
}
SECOND = {"A": [("X", 0, 12)], "B": [("X", 6, 20), ("Y", 30, 49)]}


def _marks(length: int, spans: list[tuple[int, int]]) -> list[int]:
    marks = [0] * length
    for start, end in spans:
        for i in range(start, end):
            marks[i] = 1
    return marks


@pytest.fixture
def coded(project: Project) -> Project:
    codes = {name: project.create_code(name, coder="lead").id for name in ("X", "Y", "Z")}
    for name, text, codings in (("d1", TEXT, CODINGS), ("d2", OTHER, SECOND)):
        doc = project.add_document(NewDocument(name, "text", text, units=SENTENCES))
        for coder, spans in codings.items():
            for code, start, end in spans:
                project.add_coding(doc.id, codes[code], start, end, coder=coder)
    return project


def _char_labels(code: str) -> tuple[list[int], list[int]]:
    """Each coder's coded/not-coded marks over d1 then d2, by hand."""
    a, b = [], []
    for text, codings in ((TEXT, CODINGS), (OTHER, SECOND)):
        for coder, out in (("A", a), ("B", b)):
            spans = [(s, e) for c, s, e in codings[coder] if c == code]
            out.extend(_marks(len(text), spans))
    return a, b


def test_the_counts_formula_equals_kappa_over_labels() -> None:
    a = _marks(40, [(2, 5), (12, 25)])
    b = _marks(40, [(0, 10), (28, 32)])
    both = sum(1 for x, y in zip(a, b, strict=True) if x and y)
    only_a = sum(a) - both
    only_b = sum(b) - both
    assert cohen_kappa_counts(both, only_a, only_b, 40) == pytest.approx(cohen_kappa(a, b))
    # by hand: p_o = 16/40, p_e = (16·14 + 24·26)/1600 = .53
    assert cohen_kappa_counts(both, only_a, only_b, 40) == pytest.approx((0.4 - 0.53) / 0.47)
    assert math.isnan(cohen_kappa_counts(0, 0, 0, 40))  # nobody coded: undefined, not 1
    assert math.isnan(cohen_kappa_counts(0, 0, 0, 0))


def test_character_kappa_per_code_per_document_and_pooled(coded: Project) -> None:
    report = compute_agreement(coded, unit="character")
    by_code = {f.code: f for f in report.per_code}
    for code in ("X", "Y"):
        a, b = _char_labels(code)
        assert by_code[code].cohen_kappa == pytest.approx(cohen_kappa(a, b))
    per_doc = {d["document"]: d["cohen_kappa"] for d in report.per_document}
    a = _marks(40, [(2, 5), (12, 25)])
    b = _marks(40, [(0, 10), (28, 32)])
    assert per_doc["d1"]["X"] == pytest.approx(cohen_kappa(a, b))
    a2 = _marks(len(OTHER), [(0, 12)])
    b2 = _marks(len(OTHER), [(6, 20)])
    assert per_doc["d2"]["X"] == pytest.approx(cohen_kappa(a2, b2))
    # Overall: every (code, character) one judgement.
    xa, xb = _char_labels("X")
    ya, yb = _char_labels("Y")
    assert report.overall.cohen_kappa == pytest.approx(cohen_kappa(xa + ya, xb + yb))


def test_no_character_kappa_with_three_coders(coded: Project) -> None:
    doc = coded.document("d1")
    coded.add_coding(doc.id, coded.code("X").id, 0, 5, coder="C")
    report = compute_agreement(coded, unit="character")
    assert report.overall.cohen_kappa is None
    assert all(f.cohen_kappa is None for f in report.per_code)


@pytest.mark.parametrize("unit", ["character", "sentence"])
def test_a_code_nobody_used_is_not_full_agreement(coded: Project, unit: str) -> None:
    ids = [coded.code("X").id, coded.code("Z").id]
    report = compute_agreement(coded, codes=ids, unit=unit)
    by_code = {f.code: f for f in report.per_code}
    z = by_code["Z"]
    assert z.used is False
    assert z.percent_agreement is None and z.krippendorff_alpha is None
    assert z.u_alpha is None and z.cohen_kappa is None
    assert by_code["X"].used is True and by_code["X"].percent_agreement is not None


def test_which_coders_were_taken_and_who_shrank_the_analysis(coded: Project) -> None:
    coded.add_coding(coded.document("d1").id, coded.code("X").id, 0, 5, coder="C")
    report = compute_agreement(coded, unit="character")
    assert report.coders_given is False
    assert report.documents_per_coder == {"A": 2, "B": 2, "C": 1}
    assert report.sparse_coders == ["C"]
    named = compute_agreement(coded, coders=["A", "B"], unit="character")
    assert named.coders_given is True and named.sparse_coders == []


def test_cli_says_which_coders_and_suggests_coders(coded: Project, project_path: Path) -> None:
    coded.add_coding(coded.document("d1").id, coded.code("X").id, 0, 5, coder="C")
    runner = CliRunner()
    result = runner.invoke(app, ["agreement", "-p", str(project_path)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Coders taken (all who coded these documents): A, B, C" in out
    assert "C coded 1 of 2 document(s)" in out
    assert "--coders A,B" in out
    named = runner.invoke(app, ["agreement", "-p", str(project_path), "--coders", "A,B"])
    assert named.exit_code == 0
    assert "Coders taken" not in named.stdout
    assert "Cohen κ" in named.stdout
    as_json = runner.invoke(app, ["agreement", "-p", str(project_path), "--json"])
    assert as_json.exit_code == 0
    assert "Coders taken" in as_json.stderr  # stdout stays one JSON document
    unused = runner.invoke(
        app, ["agreement", "-p", str(project_path), "--coders", "A,B", "--code", "Z"]
    )
    assert unused.exit_code == 0
    assert "not used by these coders" in unused.stdout
