"""The search index's lemma and form rows, written straight to SQLite's driver when a
merge or an import indexes a document, are the rows ``build_entry`` makes of its text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from benchmarks.scale import build
from codage.analysis.merge import merge_projects
from codage.services import Project
from codage.store.search_index import build_entry, pack_postings


def test_a_merged_document_is_indexed_with_the_rows_of_its_entry(tmp_path: Path) -> None:
    # the generated project has no index of its own: the merge builds the target's
    source = build("20k", tmp_path / "scale")
    target = tmp_path / "team.db"
    with Project.open(str(source), create=False) as s, Project.open(str(target)) as t:
        merge_projects(t, [s], coder="lead", backup=False)
    with sqlite3.connect(target) as conn:
        documents = conn.execute("SELECT id, text FROM documents ORDER BY id").fetchall()
        assert documents
        for document_id, text in documents:
            sentences = conn.execute(
                'SELECT start, "end", lemmas FROM units WHERE document_id = ? AND kind = '
                "'sentence' ORDER BY start, \"end\" DESC, position",
                (document_id,),
            ).fetchall()
            entry = build_entry(text, sentences)
            lemmas = conn.execute(
                "SELECT lemma, postings FROM search_lemmas WHERE document_id = ?",
                (document_id,),
            ).fetchall()
            forms = conn.execute(
                "SELECT form, lemma FROM search_forms WHERE document_id = ?", (document_id,)
            ).fetchall()
            assert entry.lemmas and entry.forms
            assert sorted(lemmas) == sorted(
                (lemma, pack_postings(p)) for lemma, p in entry.lemmas.items()
            )
            assert sorted(forms) == sorted(entry.forms)
