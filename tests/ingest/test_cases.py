"""The --case-attributes file, CSV and YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.ingest.cases import load_case_table
from codage.ingest.errors import IngestError


def test_csv_case_table(tmp_path: Path) -> None:
    path = tmp_path / "cas.csv"
    path.write_text(
        "document,cas,type_collectivite,role,date_entretien,taille\n"
        "entretien-01-region,DSI-01,Région,DSI,2026-01-20,4800\n"
        "entretien-04-commune,DSI-04,Commune,secrétaire de mairie,2026-02-11,5\n",
        encoding="utf-8",
    )
    table = load_case_table(path)
    assert len(table) == 2
    found = table.get("Entretien-01-Region")
    assert found is not None
    assert found.case == "DSI-01"
    assert found.attributes == {
        "type_collectivite": "Région",
        "role": "DSI",
        "date_entretien": "2026-01-20",
        "taille": 4800,
    }
    assert table.get("entretien-04-commune.txt").case == "DSI-04"
    assert table.get("inconnu") is None


def test_csv_without_case_column_uses_the_document_name(tmp_path: Path) -> None:
    path = tmp_path / "cas.csv"
    path.write_bytes("document;ville\nentretien-02;Besançon\n".encode("cp1252"))
    found = load_case_table(path).get("entretien-02")
    assert found is not None
    assert (found.case, found.attributes) == ("entretien-02", {"ville": "Besançon"})


def test_yaml_mapping_and_list(tmp_path: Path) -> None:
    mapping = tmp_path / "cas.yaml"
    mapping.write_text(
        "entretien-01-region:\n  cas: DSI-01\n  taille: 4800\n  date_entretien: 2026-01-20\n",
        encoding="utf-8",
    )
    found = load_case_table(mapping).get("entretien-01-region")
    assert found.case == "DSI-01"
    assert found.attributes == {"taille": 4800, "date_entretien": "2026-01-20"}
    listing = tmp_path / "cas.yml"
    listing.write_text("- document: e1\n  case: C1\n  role: DSI\n", encoding="utf-8")
    assert load_case_table(listing).get("e1").attributes == {"role": "DSI"}


def test_bad_case_files(tmp_path: Path) -> None:
    broken = tmp_path / "cas.yaml"
    broken.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"cas\.yaml: this YAML file is malformed"):
        load_case_table(broken)
    other = tmp_path / "cas.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(IngestError, match=r"\.csv or \.yaml"):
        load_case_table(other)
    with pytest.raises(IngestError, match="cannot read"):
        load_case_table(tmp_path / "absent.csv")
