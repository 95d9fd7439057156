"""The guide runs: every command of docs/guide.md and docs/guide.fr.md, in order.

The two guides hold the same commands (checked here, so neither drifts from the other),
and they are run once, as the README's are (``tests/test_readme.py``: Typer's runner, in
a folder laid out like the repository's root), but as one study: each section builds on
the one before, from an empty folder to a merged, pseudonymised, exported project. An
``export NAME=VALUE`` line sets that variable for the lines after it, as a shell does;
``codage tui`` is checked by its help, never started. The section that moves the team to
PostgreSQL runs on the test server when one is given (``CODAGE_TEST_POSTGRES``), its
example server replaced by the test database, as the README's team block is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import docx
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from tests.conftest import ROOT, postgres_admin_engine, postgres_admin_url
from tests.test_readme import _with_sources, expand, sh_blocks, words

GUIDES = {"en": ROOT / "docs" / "guide.md", "fr": ROOT / "docs" / "guide.fr.md"}
SERVER_URL = re.compile(r"postgresql\+psycopg://(\w+)@db\.labo\.example/etude")
SERVER_OWNER = "amelie"
PICTURE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def lines_of(path: Path) -> list[str]:
    return [line for block in sh_blocks(path.read_text(encoding="utf-8")) for line in block]


LINES = lines_of(GUIDES["en"])
LOCAL = [line for line in LINES if not SERVER_URL.search(line)]
TEAM = [line for line in LINES if SERVER_URL.search(line)]


def _run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def run_line(line: str, root: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run one guide line as a reader would type it; its standard output."""
    command, *args = words(line)
    if command == "export":
        name, _, value = args[0].partition("=")
        monkeypatch.setenv(name, value)
        return ""
    assert command == "codage", line
    args = expand(args, root)
    if args == ["tui"]:
        args = ["tui", "--help"]
    code, out, err = _run(args)
    assert code == 0, (line, out, err)
    assert out.strip() or err.strip(), line
    assert "Traceback" not in out + err, line
    if "--json" in args:
        json.loads(out)  # one JSON document and nothing else
    return out


def test_both_guides_hold_the_same_commands() -> None:
    assert lines_of(GUIDES["fr"]) == LINES
    assert len(LOCAL) >= 40 and len(TEAM) >= 4
    verbs = {words(line)[1] for line in LINES if words(line)[0] == "codage"}
    study = {"init", "import", "tui", "code", "memo", "case", "search", "autocode", "export"}
    study |= {"copy", "merge", "agreement", "consensus", "pseudonymise", "team"}
    assert study <= verbs, study - verbs


@pytest.mark.parametrize("language", sorted(GUIDES))
def test_the_pictures_are_the_tests_snapshots(language: str) -> None:
    guide = GUIDES[language]
    pictures = PICTURE.findall(guide.read_text(encoding="utf-8"))
    assert len(pictures) >= 5
    for picture in pictures:
        path = (guide.parent / unquote(picture)).resolve()
        assert path.is_file(), picture
        assert path.is_relative_to(ROOT / "tests" / "tui" / "__snapshots__"), picture
        assert path.read_text(encoding="utf-8").lstrip().startswith("<svg"), picture
    other = [p for p in pictures if "%5Ben%5D" in p or "%5Bfr%5D" in p]
    assert all(f"%5B{language}%5D" in p for p in other), other


def test_the_readme_links_both_guides() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/guide.md" in readme and "docs/guide.fr.md" in readme


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The guide's study, every local line run in order in a fresh root."""
    root = _with_sources(tmp_path_factory.mktemp("guide") / "root")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(root)
        for name in ("CODAGE_PROJECT", "CODAGE_CODER"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CODAGE_LANG", "en")
        monkeypatch.setenv("CODAGE_CONFIG", str(root / "settings.toml"))
        for line in LOCAL:
            run_line(line, root, monkeypatch)
    yield root


def test_the_study_of_the_guide_runs(study: Path) -> None:
    with Project.open(str(study / "etude.db"), create=False) as etude:
        imported = len(etude.documents())
        assert imported == 9
    with Project.open(str(study / "equipe.db"), create=False) as team:
        coders = {c.coder for c in team.codings()}
        assert {"amelie", "bastien", "consensus"} <= coders
        assert len(team.documents()) == imported
    with Project.open(str(study / "reprise.db"), create=False) as again:
        assert len(again.documents()) == imported
    dossier = "\n".join(p.text for p in docx.Document(str(study / "dossier.docx")).paragraphs)
    assert "intranet qui date de 2014" in dossier
    shared = docx.Document(str(study / "dossier-pseudonymise.docx"))
    assert "intranet qui date de 2014" in "\n".join(p.text for p in shared.paragraphs)
    # the interviewee's name is in the project, and nowhere in its pseudonymised copy
    with (
        Project.open(str(study / "equipe.db"), create=False) as team,
        Project.open(str(study / "partage.db"), create=False) as shared_copy,
    ):
        assert "Garnier" in team.document("entretien-01-region").text
        texts = [shared_copy.document(d.id).text for d in shared_copy.documents()]
        assert len(texts) == imported and not any("Garnier" in t for t in texts)
    for made in ("codages.xlsx", "etude.qdpx", "livre-de-codes.qdc", "partage.db", "noms.yaml"):
        assert (study / made).stat().st_size > 0, made


@pytest.fixture
def team_roles(pg_url: str) -> Iterator[None]:
    """The guide's coders other than the owner become roles of the test server: dropped."""
    yield
    roles = {w for line in TEAM for w in words(line)[3:4] if "add-coder" in line}
    admin_url = postgres_admin_url()
    assert admin_url is not None
    project = postgres_admin_engine(pg_url)
    admin = postgres_admin_engine(admin_url)
    try:
        for role in roles - {SERVER_OWNER}:
            with project.connect() as conn:
                if conn.exec_driver_sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'").first():
                    conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        project.dispose()
        admin.dispose()


def test_the_team_section_runs_on_postgresql(
    study: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str, team_roles: None
) -> None:
    """The guide's server is the test server: the owner's URL is the test database's,
    each coder's the same database logging in as that coder."""
    monkeypatch.chdir(study)
    monkeypatch.setenv("CODAGE_LANG", "en")
    monkeypatch.delenv("CODAGE_CODER", raising=False)  # on a server the coder is the role
    monkeypatch.delenv("CODAGE_PROJECT", raising=False)
    server = make_url(pg_url)

    def on_test_server(match: re.Match[str]) -> str:
        role = match.group(1)
        url = server if role == SERVER_OWNER else server.set(username=role, password=None)
        return url.render_as_string(hide_password=False)

    for line in TEAM:
        run_line(SERVER_URL.sub(on_test_server, line), study, monkeypatch)
    with (
        Project.open(str(study / "equipe-sauvegarde.db"), create=False) as back,
        Project.open(str(study / "equipe.db"), create=False) as team,
    ):
        assert len(back.codings()) == len(team.codings()) + 1
