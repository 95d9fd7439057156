"""The YAML codebook: the bundled one, round trips, merges by path, and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage import codebook
from codage.codebook import CodebookError, PathError
from codage.services import Project, export_codebook, import_codebook
from tests.conftest import ROOT, sample_document

BUNDLED = ROOT / "codebooks" / "collectivites-numeriques.yaml"


def test_the_bundled_codebook_has_the_three_parts_and_nine_themes() -> None:
    book = codebook.load_codebook(BUNDLED)
    assert len(book.codes) == 3
    themes = [theme for part in book.codes for theme in part.children]
    assert len(themes) == 9
    for theme in themes:
        assert theme.definition and theme.include and theme.exclude and theme.example
        assert theme.children, f"{theme.name} has no sub-codes"
    intranet = next(t for t in themes if "intranet" in t.name.lower())
    assert {"Usages", "Gouvernance", "Obsolescence"} <= {c.name for c in intranet.children}
    colours = [spec.colour for _, spec in book.walk()]
    assert None not in colours
    assert len(set(colours)) == len(colours)


def test_import_export_round_trip(project: Project, tmp_path: Path) -> None:
    book = codebook.load_codebook(BUNDLED)
    report = import_codebook(project, book, coder="ana")
    assert len(report.added) == sum(1 for _ in book.walk())
    out = tmp_path / "export.yaml"
    export_codebook(project, out)
    again = codebook.load_codebook(out)
    assert [
        (p, s.colour, s.definition, s.include, s.exclude, s.example) for p, s in again.walk()
    ] == [(p, s.colour, s.definition, s.include, s.exclude, s.example) for p, s in book.walk()]


def test_importing_into_a_coded_project_merges_by_path_and_keeps_codings(project: Project) -> None:
    first = codebook.parse_codebook(
        """
name: v1
codes:
  - name: Intranet
    colour: "#112233"
    definition: ancienne définition
    codes:
      - name: Usages
""",
        "v1.yaml",
    )
    import_codebook(project, first, coder="ana")
    doc = project.add_document(sample_document())
    usages = project.code("Intranet/Usages")
    project.add_coding(doc.id, usages.id, 0, 10, coder="ana")
    second = codebook.parse_codebook(
        """
name: v2
codes:
  - name: Sécurité
  - name: intranet
    definition: nouvelle définition
    codes:
      - name: Usages
        definition: ce que font les agents
      - name: Gouvernance
""",
        "v2.yaml",
    )
    report = import_codebook(project, second, coder="ana")
    assert report.added == ["Sécurité", "Intranet/Gouvernance"]
    assert report.updated == ["Intranet/Usages"]
    assert report.conflicts == ["Intranet: description differ (kept the project's)"]
    assert project.code("Intranet").description == "ancienne définition"
    assert len(project.codings()) == 1
    assert project.codings()[0].code_id == usages.id


def test_a_conflicting_definition_is_reported_not_overwritten(project: Project) -> None:
    import_codebook(
        project, codebook.parse_codebook("codes: [{name: A, definition: un}]"), coder="x"
    )
    report = import_codebook(
        project, codebook.parse_codebook("codes: [{name: A, definition: deux}]"), coder="x"
    )
    assert report.conflicts and "description" in report.conflicts[0]
    assert project.code("A").description == "un"
    import_codebook(
        project,
        codebook.parse_codebook("codes: [{name: A, definition: deux}]"),
        coder="x",
        overwrite=True,
    )
    assert project.code("A").description == "deux"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("codes:\n  - name: A\n    colour: [", r"bad\.yaml:3: YAML syntax error"),
        ("codes:\n  - name: A\n  - name: A\n", r"bad\.yaml:3: duplicate code 'A'"),
        ("codes:\n  - name: A\n    color: '#FFFFFF'\n", r"bad\.yaml:3: unknown key 'color'"),
        ("codes:\n  - &a\n    name: A\n    codes:\n      - *a\n", r"bad\.yaml:\d+: .*cycle"),
        ("codes:\n  - name: A/B\n", r"bad\.yaml:2: .*'/'"),
        ("codes:\n  - name: A\n    colour: rouge\n", r"bad\.yaml:3: colour 'rouge'"),
        ("", r"bad\.yaml: the file is empty"),
    ],
)
def test_bad_codebooks_name_the_file_and_the_line(text: str, message: str) -> None:
    with pytest.raises(CodebookError, match=message):
        codebook.parse_codebook(text, "bad.yaml")


def test_typed_paths_exact_then_folded_then_prefix(project: Project) -> None:
    import_codebook(project, codebook.load_codebook(BUNDLED), coder="x")
    codes = project.codes()
    intranet = "Partie 1 : Le numérique au travail/Espace numérique de travail et intranet"
    assert codebook.resolve_path(codes, intranet).path_str == intranet
    assert codebook.resolve_path(codes, intranet.upper().replace("É", "E")).path_str == intranet
    assert codebook.resolve_path(codes, "partie 1/espace/usages").path_str == intranet + "/Usages"
    with pytest.raises(PathError, match="not a code path"):
        codebook.resolve_path(codes, "partie/")
    with pytest.raises(PathError, match="ambiguous") as info:
        codebook.resolve_path(codes, "partie")
    assert len(info.value.candidates) == 3
    with pytest.raises(PathError, match="no code"):
        codebook.resolve_path(codes, "Partie 9")
