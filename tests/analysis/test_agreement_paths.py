"""Agreement on a million codings (issue 20) goes through sparse counts, bit masks and
boundary sweeps; its reports must be those of the dense tables and per-segment sweeps of
before (kept in ``agreement_before.py``), byte for byte once written as JSON: on the demo
(two coders), on benchmarks/scale.py's smallest project (three coders), with codings
marked automatic or accepted from suggestions left out or not, with a fourth coder
(Krippendorff's weights 1/3: the dense path), with two of three coders, and at every unit.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.scale import build
from codage.analysis import agreement_service
from codage.analysis.agreement_service import compute_agreement
from codage.cli import app
from codage.demo import build_demo
from codage.domain import NewDocument, Unit
from codage.services import Project
from tests.conftest import ROOT

from .agreement_before import old_character_level, old_unit_level

UNITS = ("character", "sentence", "turn", "paragraph", "answer", "document")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scale")
    built = build("20k", folder)
    # Some codings automatic, some accepted from suggestions, some both: the options
    # that leave them out change what is compared.
    with sqlite3.connect(built) as db:
        db.execute("UPDATE codings SET suggested = 1 WHERE id % 7 = 0")
        db.execute("UPDATE codings SET automatic = 1 WHERE id % 5 = 0")
    return built


@pytest.fixture(scope="module")
def four_coders(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated project with a fourth coder who coded like the first, shifted."""
    copy = tmp_path_factory.mktemp("four") / "four.db"
    shutil.copy(generated, copy)
    with sqlite3.connect(copy) as db:
        db.execute("INSERT INTO coders (name) VALUES ('dora')")
        dora = db.execute("SELECT id FROM coders WHERE name = 'dora'").fetchone()[0]
        first = db.execute("SELECT min(id) FROM coders").fetchone()[0]
        # every other coding of the first coder, moved by three characters where it can
        db.execute(
            "INSERT INTO codings (document_id, code_id, coder_id, start, end, text, memo,"
            " created_at, updated_at, automatic, suggested)"
            " SELECT document_id, code_id, ?, start + 3, end, text, memo, created_at,"
            " updated_at, automatic, suggested FROM codings"
            " WHERE coder_id = ? AND id % 2 = 0 AND end - start > 3",
            (dora, first),
        )
    return copy


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = tmp_path_factory.mktemp("demo") / "demo.db"
    with Project.open(str(location)) as proj:
        build_demo(proj, sources=ROOT)
    return location


def _reports(location: Path, monkeypatch: pytest.MonkeyPatch, **options: object) -> tuple[str, str]:
    """The report as JSON, by the new path and by the old one."""
    with Project.open(str(location), create=False) as p:
        new = compute_agreement(p, **options).to_dict()  # type: ignore[arg-type]
        with monkeypatch.context() as patch:
            patch.setattr(agreement_service, "_unit_level", old_unit_level)
            patch.setattr(agreement_service, "_character_level", old_character_level)
            old = compute_agreement(p, **options).to_dict()  # type: ignore[arg-type]
    return (
        json.dumps(new, ensure_ascii=False, indent=2, default=str),
        json.dumps(old, ensure_ascii=False, indent=2, default=str),
    )


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("leave_out", ["", "suggested", "automatic", "both"])
def test_generated_project_reports_equal_those_of_before(
    generated: Path, monkeypatch: pytest.MonkeyPatch, unit: str, leave_out: str
) -> None:
    new, old = _reports(
        generated,
        monkeypatch,
        unit=unit,
        exclude_suggested=leave_out in ("suggested", "both"),
        exclude_automatic=leave_out in ("automatic", "both"),
    )
    assert new == old
    report = json.loads(new)
    assert report["per_code"] and len(report["coders"]) == 3
    if unit in ("character", "sentence", "turn"):
        assert report["disagreements"]
        assert report["overall"]["krippendorff_alpha" if unit != "character" else "u_alpha"]


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("exclude_suggested", [False, True])
def test_demo_reports_equal_those_of_before(
    demo: Path, monkeypatch: pytest.MonkeyPatch, unit: str, exclude_suggested: bool
) -> None:
    new, old = _reports(demo, monkeypatch, unit=unit, exclude_suggested=exclude_suggested)
    assert new == old
    report = json.loads(new)
    assert report["coders"] == ["amelie", "bastien"]
    if unit in ("character", "sentence", "turn"):
        # two coders: Cohen's kappa, over units or characters, and places they differ
        assert report["overall"]["cohen_kappa"] is not None and report["disagreements"]


@pytest.mark.parametrize("unit", ["character", "sentence", "document"])
def test_four_coders_and_two_of_three_equal_before(
    four_coders: Path, generated: Path, monkeypatch: pytest.MonkeyPatch, unit: str
) -> None:
    new, old = _reports(four_coders, monkeypatch, unit=unit)
    assert new == old and len(json.loads(new)["coders"]) == 4
    with Project.open(str(generated), create=False) as p:
        two = [c.name for c in p.coders()][:2]
    new, old = _reports(generated, monkeypatch, unit=unit, coders=two)
    assert new == old and json.loads(new)["coders"] == two


def test_a_code_filter_and_a_document_filter_equal_before(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Project.open(str(generated), create=False) as p:
        codes = [c.id for c in p.codes()][::3]
        documents = [d.id for d in p.documents()][::2]
    for unit in ("character", "sentence"):
        new, old = _reports(generated, monkeypatch, unit=unit, codes=codes, documents=documents)
        assert new == old


def test_many_codes_and_nested_units_equal_before(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seventy codes (sets of codes past 63 bits: masks as Python integers) and units of
    one kind nested in each other (the unit scan of before instead of the sweep)."""
    rng = random.Random(20)
    piece = len("Phrase numéro 000, assez longue pour tout. ")
    text = "".join(f"Phrase numéro {i:03d}, assez longue pour tout. " for i in range(60))
    spans = [(i * piece, i * piece + piece) for i in range(60)]
    nested = [*spans[:30], (10, 30), (100, 400), (1000, 1020)]
    documents = [
        project.add_document(NewDocument("flat", "text", text, units=_sentences(spans))),
        project.add_document(NewDocument("nested", "text", text, units=_sentences(nested))),
    ]
    codes = [project.create_code(f"C{i:02d}", coder="lead").id for i in range(70)]
    for coder in ("ana", "bruno", "chloe"):
        rows = []
        for doc in documents:
            for _ in range(150):
                start = rng.randrange(0, len(text) - 130)
                rows.append((doc.id, rng.choice(codes), start, start + rng.randrange(1, 120)))
        project.add_codings(rows, coder=coder)
    location = Path(project.location)
    for unit in ("sentence", "character", "document"):
        new, old = _reports(location, monkeypatch, unit=unit)
        assert new == old
        report = json.loads(new)
        assert len(report["per_code"]) == 70 and report["disagreements"]
        if unit == "sentence":
            # sets of codes as labels: many distinct ones, still one figure overall
            assert report["overall"]["krippendorff_alpha"] is not None


def _sentences(spans: list[tuple[int, int]]) -> list[Unit]:
    return [Unit("sentence", start, end) for start, end in spans]


@pytest.mark.parametrize("unit", ["sentence", "character"])
def test_json_written_item_by_item_is_the_text_of_before(generated: Path, unit: str) -> None:
    """``agreement --json`` writes its disagreements one at a time: the same text as the
    whole report dumped at once."""
    result = CliRunner().invoke(
        app, ["agreement", "--unit", unit, "--json", "-p", str(generated)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    with Project.open(str(generated), create=False) as p:
        report = compute_agreement(p, unit=unit).to_dict()
    assert report["disagreements"]
    assert result.stdout == json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n"
