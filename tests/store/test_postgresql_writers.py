"""On PostgreSQL, writers take turns as BEGIN IMMEDIATE makes them on SQLite: a write
that reads before it decides sees what the writer before it committed."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from codage.services import Conflict, Project
from codage.store.engine import WRITER_LOCK_KEY
from tests.conftest import sample_document


def test_a_writer_holds_the_lock_until_it_commits(pg_url: str) -> None:
    other = create_engine(pg_url, poolclass=NullPool)
    with Project.open(pg_url) as p:
        doc = p.add_document(sample_document())
        code = p.create_code("Intranet", coder="postgres")
        with p.batch(coder="postgres"):
            p.add_coding(doc.id, code.id, 0, 5, coder="postgres")
            with other.connect() as conn:
                taken = conn.scalar(text(f"SELECT pg_try_advisory_xact_lock({WRITER_LOCK_KEY})"))
            assert taken is False
        with other.connect() as conn:
            assert conn.scalar(text(f"SELECT pg_try_advisory_xact_lock({WRITER_LOCK_KEY})"))
    other.dispose()


def test_the_same_coding_written_at_once_twice_is_kept_once(pg_url: str) -> None:
    with Project.open(pg_url) as p:
        doc = p.add_document(sample_document())
        code = p.create_code("Intranet", coder="postgres")
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def write() -> None:
        with Project.open(pg_url, create=False) as mine:
            start.wait()
            try:
                mine.add_coding(doc.id, code.id, 3, 17, coder="postgres")
                outcomes.append("kept")
            except Conflict as exc:
                assert "already coded" in str(exc)
                outcomes.append("refused")

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["kept"] + ["refused"] * 7
    with Project.open(pg_url, create=False) as p:
        assert len(p.codings()) == 1
        assert len(p.history()) == 2  # the code, and the one coding: nothing journaled twice
