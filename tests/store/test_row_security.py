"""Lanes on PostgreSQL: a coder logged in as their own role cannot touch another
coder's codings or memos, not even with raw SQL; the owner can do what merges need."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Conflict, Project
from tests.conftest import postgres_admin_engine, postgres_admin_url, sample_document

Login = Callable[[str], str]


@pytest.fixture
def login(pg_url: str) -> Iterator[Login]:
    """``login(role)``: the project's URL as that role logs in; roles dropped afterwards."""
    made: list[str] = []

    def as_role(role: str) -> str:
        made.append(role)
        return make_url(pg_url).set(username=role).render_as_string(hide_password=False)

    yield as_role
    project = create_engine(pg_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    admin_url = postgres_admin_url()
    assert admin_url is not None
    admin = postgres_admin_engine(admin_url)
    try:
        for role in made:
            with project.connect() as conn:
                if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                    conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        project.dispose()
        admin.dispose()


def _name(who: str) -> str:
    # roles belong to the whole server: names of our own, never a real person's
    return f"{who}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def team(pg_url: str, login: Login) -> dict[str, object]:
    """A project with two coders, each with a coding and a memo, written as themselves."""
    alice, bob = _name("alice"), _name("bob")
    with Project.open(pg_url) as owner:
        doc = owner.add_document(sample_document())
        code = owner.create_code("Intranet", coder="postgres")
        assert owner.add_coder_role(alice, "s3cret:%(x)s'") is True
        assert owner.add_coder_role(bob, None) is True
    found: dict[str, object] = {"alice": alice, "bob": bob, "doc": doc.id, "code": code.id}
    for who, (start, end) in ((alice, (0, 10)), (bob, (12, 30))):
        with Project.open(login(who), create=False) as p:
            coding = p.add_coding(doc.id, code.id, start, end, coder=who)
            memo = p.add_memo("coding", coding.id, f"mémo de {who}", coder=who)
            found[f"{who}.coding"] = coding.id
            found[f"{who}.memo"] = memo.id
            found[f"{who}.id"] = p.coder(who).id
    return found


def _raw(url: str) -> psycopg.Connection:
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(conninfo, autocommit=True)


def test_raw_sql_cannot_alter_or_delete_another_coders_rows(
    team: dict[str, object], login: Login
) -> None:
    alice, bob = str(team["alice"]), str(team["bob"])
    with _raw(login(alice)) as conn:
        for statement in (
            "UPDATE codings SET start = 1 WHERE id = %s",
            "DELETE FROM codings WHERE id = %s",
        ):
            assert conn.execute(statement, (team[f"{bob}.coding"],)).rowcount == 0
        for statement in (
            "UPDATE memos SET text = 'effacé' WHERE id = %s",
            "DELETE FROM memos WHERE id = %s",
        ):
            assert conn.execute(statement, (team[f"{bob}.memo"],)).rowcount == 0
        assert conn.execute("UPDATE coders SET name = 'x' WHERE name = %s", (bob,)).rowcount == 0
        # taking someone's row over: moving one's own coding into their lane
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "UPDATE codings SET coder_id = %s WHERE id = %s",
                (team[f"{bob}.id"], team[f"{alice}.coding"]),
            )
        # but one's own rows, yes
        assert (
            conn.execute(
                "UPDATE memos SET text = 'revu' WHERE id = %s", (team[f"{alice}.memo"],)
            ).rowcount
            == 1
        )
    with Project.open(login(bob), create=False) as p:
        [mine] = [c for c in p.codings() if c.coder == bob]
        assert (mine.start, mine.end) == (12, 30)
        assert [m.text for m in p.memos() if m.author == bob] == [f"mémo de {bob}"]


def test_raw_sql_cannot_write_under_another_coders_name(
    team: dict[str, object], login: Login
) -> None:
    alice, bob = str(team["alice"]), str(team["bob"])
    with _raw(login(alice)) as conn:
        attempts = [
            (
                'INSERT INTO codings (document_id, code_id, coder_id, start, "end", text, '
                "created_at, updated_at) VALUES (%s, %s, %s, 40, 45, 'x', now(), now())",
                (team["doc"], team["code"], team[f"{bob}.id"]),
            ),
            (
                "INSERT INTO memos (target, target_id, text, author_id, created_at, updated_at)"
                " VALUES ('project', NULL, 'faux', %s, now(), now())",
                (team[f"{bob}.id"],),
            ),
            (
                "INSERT INTO journal (actor_id, at, action, summary, coders, ops, state) "
                "VALUES (%s, now(), 'code', 'faux', '[]', '[]', 'done')",
                (team[f"{bob}.id"],),
            ),
            ("INSERT INTO coders (name) VALUES (%s)", (_name("carol"),)),
        ]
        for statement, values in attempts:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement, values)


def test_the_project_api_refuses_another_name_in_one_line(
    team: dict[str, object], login: Login
) -> None:
    alice, bob = str(team["alice"]), str(team["bob"])
    with Project.open(login(alice), create=False) as p:
        with pytest.raises(Conflict, match=f"logged in as {alice}; you cannot write as {bob}"):
            p.add_coding(int(team["doc"]), int(team["code"]), 50, 60, coder=bob)
        with pytest.raises(Conflict, match="only the project's owner adds coders"):
            p.add_coder_role(_name("mallory"), None)
    result = CliRunner().invoke(
        app,
        ["code", "entretien-test", "Intranet", "--start", "50", "--end", "60",
         "-p", login(alice), "--coder", bob],
    )  # fmt: skip
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"--coder {bob}" in result.stderr and "log in as" in result.stderr
    result = CliRunner().invoke(
        app,
        ["code", "entretien-test", "Intranet", "--start", "50", "--end", "60",
         "-p", login(alice), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert '"coder": "' + alice + '"' in result.stdout


def test_the_owner_writes_any_layer_as_merges_and_consensus_need(
    team: dict[str, object], pg_url: str
) -> None:
    bob = str(team["bob"])
    with Project.open(pg_url, create=False) as owner:
        # an explicit decision of the owner's, in their journal (lanes: no one removes
        # another's coding by a plain remove_coding, see tests/store/test_lanes.py)
        with owner.batch(coder="postgres"):
            owner.remove_coding(int(team[f"{bob}.coding"]), coder=bob)
        assert [c.coder for c in owner.codings()] == [team["alice"]]
        assert owner.undo(coder="postgres") is not None
        assert sorted(c.coder for c in owner.codings()) == sorted([team["alice"], bob])


def test_team_add_coder_on_the_command_line(pg_url: str, login: Login) -> None:
    carol = _name("carol")
    login(carol)  # dropped afterwards
    assert CliRunner().invoke(app, ["init", pg_url]).exit_code == 0
    result = CliRunner().invoke(
        app, ["team", "add-coder", carol, "-p", pg_url], input="pa%ss:w'd\npa%ss:w'd\n"
    )
    assert result.exit_code == 0, result.stderr
    assert f"{carol} is a coder of" in result.stdout
    with create_engine(pg_url, poolclass=NullPool).connect() as conn:
        login_, secret = conn.execute(
            text("SELECT rolcanlogin, rolpassword IS NOT NULL FROM pg_authid WHERE rolname = :r"),
            {"r": carol},
        ).one()
    assert login_ and secret
    with Project.open(pg_url, create=False) as p:
        assert carol in [c.name for c in p.coders()]
    again = CliRunner().invoke(
        app, ["team", "add-coder", carol, "--no-password", "-p", pg_url, "--json"]
    )
    assert again.exit_code == 0, again.stderr
    assert '"role_created": false' in again.stdout


def test_team_add_coder_on_a_file_is_one_clear_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "solo.db"
    Project.open(str(path)).close()
    result = CliRunner().invoke(app, ["team", "add-coder", "ana", "-p", str(path)])
    assert result.exit_code == 2
    assert "PostgreSQL only" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_codebook_edit_that_would_delete_another_coders_codings_is_one_clear_line(
    team: dict[str, object], login: Login
) -> None:
    alice, bob = str(team["alice"]), str(team["bob"])
    with Project.open(login(alice), create=False) as p:
        with pytest.raises(Conflict, match=f"not {alice}'s .*nothing was changed"):
            p.delete_code(int(team["code"]), coder=alice)
        assert sorted(c.coder for c in p.codings()) == sorted([alice, bob])
        assert [c.name for c in p.codes()] == ["Intranet"]
