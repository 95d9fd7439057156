"""Agreement of a project's coders: small cases worked by hand, cross-checked with agreement.py."""

from __future__ import annotations

import math

import pytest

from codage.analysis.agreement import (
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
)
from codage.analysis.agreement_service import AgreementError, compute_agreement
from codage.analysis.unitizing import unitized_alpha
from codage.domain import NewDocument, Unit
from codage.services import Project

TEXT = "Phrase 01.Phrase 02.Phrase 03.Phrase 04."  # four sentences of 10 characters
SENTENCES = [Unit("sentence", i * 10, i * 10 + 10) for i in range(4)]
# A: X [2,5) [12,25), Y [35,38)       B: X [0,10) [28,32), Y [30,40)
CODINGS = {
    "A": [("X", 2, 5), ("X", 12, 25), ("Y", 35, 38)],
    "B": [("X", 0, 10), ("X", 28, 32), ("Y", 30, 40)],
}


@pytest.fixture
def coded(project: Project) -> Project:
    doc = project.add_document(NewDocument("d1", "text", TEXT, units=SENTENCES))
    codes = {name: project.create_code(name, coder="lead").id for name in ("X", "Y")}
    for coder, spans in CODINGS.items():
        for code, start, end in spans:
            project.add_coding(doc.id, codes[code], start, end, coder=coder)
    return project


def _by_code(report) -> dict:
    return {f.code: f for f in report.per_code}


def test_sentence_level_by_hand(coded: Project) -> None:
    report = compute_agreement(coded, unit="sentence")
    assert report.coders == ["A", "B"]
    x, y = _by_code(report)["X"], _by_code(report)["Y"]
    # X applied: A [1,1,1,0], B [1,0,1,1]
    rows = [[1, 1, 1, 0], [1, 0, 1, 1]]
    assert x.percent_agreement == 0.5
    assert x.cohen_kappa == pytest.approx(-1 / 3)  # p_o .5, p_e .75²+.25² = .625
    assert x.krippendorff_alpha == pytest.approx(krippendorff_alpha(rows))
    assert x.fleiss_kappa is None
    assert x.counts["units"] == 4 and x.counts["units_agreed"] == 2
    assert x.counts["units_applied"] == {"A": 3, "B": 3}
    # Y: both only on sentence 4: full agreement
    assert y.percent_agreement == 1.0 and y.cohen_kappa == 1.0
    # Overall: code sets {X},{X},{X},{Y} against {X},∅,{X},{X,Y}
    labels_a, labels_b = ["X", "X", "X", "Y"], ["X", "∅", "X", "X | Y"]
    assert report.overall.percent_agreement == 0.5
    assert report.overall.cohen_kappa == pytest.approx(cohen_kappa(labels_a, labels_b))
    assert report.overall.krippendorff_alpha == pytest.approx(
        krippendorff_alpha([labels_a, labels_b])
    )
    where = [(d.code, d.start, d.coded_by, d.not_coded_by) for d in report.disagreements]
    assert where == [("X", 10, ("A",), ("B",)), ("X", 30, ("B",), ("A",))]
    assert report.disagreements[0].text == "Phrase 02."


def test_three_coders_get_fleiss_kappa(coded: Project) -> None:
    doc = coded.document_info("d1").id
    x = coded.code("X").id
    coded.add_coding(doc, x, 0, 15, coder="C")  # C applies X to sentences 1 and 2
    report = compute_agreement(coded, unit="sentence", codes=[x])
    fig = _by_code(report)["X"]
    # per sentence (not X, X): [0,3] [1,2] [1,2] [2,1]; P̄ = 1/2, P_e = 5/9, κ = -1/8
    assert fig.fleiss_kappa == pytest.approx(-0.125)
    assert fig.fleiss_kappa == pytest.approx(fleiss_kappa([[0, 3], [1, 2], [1, 2], [2, 1]]))
    rows = [[1, 1, 1, 0], [1, 0, 1, 1], [1, 1, 0, 0]]
    assert fig.krippendorff_alpha == pytest.approx(krippendorff_alpha(rows))
    assert fig.percent_agreement == pytest.approx(percent_agreement(rows))


def test_a_coder_who_did_not_code_a_document_is_missing_there(coded: Project) -> None:
    other = coded.add_document(NewDocument("d2", "text", "Un autre texte."))
    coded.add_coding(other.id, coded.code("X").id, 0, 5, coder="A")
    report = compute_agreement(coded, unit="document", codes=[coded.code("X").id])
    assert report.missing == {"d2": ["B"]}
    fig = _by_code(report)["X"]
    # X per document: A [1, 1], B [1, None]: one pairable unit, no variation
    assert fig.counts["pairable_units"] == 1
    assert fig.percent_agreement == 1.0
    assert fig.krippendorff_alpha is None  # undefined, not 1
    assert math.isnan(krippendorff_alpha([[1, 1], [1, None]]))


def test_character_level_by_hand(coded: Project) -> None:
    report = compute_agreement(coded, unit="character")
    x_id, y_id = coded.code("X").id, coded.code("Y").id
    x = _by_code(report)["X"]
    # X differs on [0,2) [5,10) [12,25) [28,32): 24 of 40 characters
    assert x.percent_agreement == pytest.approx(1 - 24 / 40)
    assert x.counts["characters_in_disagreement"] == 24
    assert x.counts["characters_coded"] == {"A": 16, "B": 14}
    reference = unitized_alpha(
        len(TEXT),
        [(c, s, e, {"X": x_id, "Y": y_id}[k]) for c, spans in CODINGS.items() for k, s, e in spans],
        coders=["A", "B"],
    )
    assert x.u_alpha == pytest.approx(reference.per_value[x_id].alpha)
    assert report.overall.u_alpha == pytest.approx(reference.u_alpha)
    assert report.overall.binary_u_alpha == pytest.approx(reference.binary_u_alpha)
    # code sets differ on 29 of 40 characters
    assert report.overall.percent_agreement == pytest.approx(11 / 40)
    where = [(d.code, d.start, d.end, d.coded_by) for d in report.disagreements]
    assert where == [
        ("X", 0, 2, ("B",)),
        ("X", 5, 10, ("B",)),
        ("X", 12, 25, ("A",)),
        ("X", 28, 32, ("B",)),
        ("Y", 30, 35, ("B",)),
        ("Y", 38, 40, ("B",)),
    ]
    assert report.per_document[0]["document"] == "d1"


def test_character_continuum_leaves_out_documents_some_coder_did_not_code(coded: Project) -> None:
    other = coded.add_document(NewDocument("d2", "text", "Un autre texte."))
    coded.add_coding(other.id, coded.code("X").id, 0, 5, coder="A")
    report = compute_agreement(coded, unit="character")
    assert report.overall.counts["documents_in_continuum"] == 1
    assert report.overall.counts["characters_in_continuum"] == len(TEXT)


def test_bad_options(coded: Project) -> None:
    with pytest.raises(AgreementError, match="unknown unit"):
        compute_agreement(coded, unit="word")
    with pytest.raises(AgreementError, match="two coders"):
        compute_agreement(coded, coders=["A"])
    with pytest.raises(AgreementError, match="Zed"):
        compute_agreement(coded, coders=["A", "Zed"])


def test_units_missing_from_a_document_are_noted(coded: Project) -> None:
    report = compute_agreement(coded, unit="turn")
    assert report.notes == ["d1: no turn units, left out"]
    assert report.overall.counts["units"] == 0
