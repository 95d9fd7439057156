"""The coded transcript: every coding a Word comment on exactly its passage."""

from __future__ import annotations

import re
from pathlib import Path

import docx

from codage.exchange.transcript_docx import export_transcript
from codage.services.selection import select_transcript

from .corpus import Corpus
from .docx_read import comment_ranges


def _as_word_text(passage: str) -> str:
    # one Word paragraph per line: runs of line breaks read back as one paragraph end
    return re.sub(r"\n+", "\n", passage)


def test_every_coding_is_a_comment_on_its_passage(corpus: Corpus, tmp_path: Path) -> None:
    for name in ("entretien-a", "entretien-b", "enquete"):
        out = tmp_path / f"{name}.docx"
        report = export_transcript(select_transcript(corpus.project, name), out)
        expected = [c for c in corpus.codings if c.document_id == corpus.docs[name]]
        assert report.comments == len(expected)
        assert report.skipped == 0
        doc = docx.Document(str(out))
        comments = list(doc.comments)
        assert len(comments) == len(expected)
        ranges = comment_ranges(doc)
        paths = {c.id: c.path_str for c in corpus.codes.values()}
        found = sorted(
            (
                ranges[c.comment_id],
                c.author,
                c.paragraphs[0].text,
                "\n".join(p.text for p in c.paragraphs[1:]),
            )
            for c in comments
        )
        wanted = sorted((_as_word_text(c.text), c.coder, paths[c.code_id]) for c in expected)
        assert [f[:3] for f in found] == wanted
        # the whole text is there, one paragraph per line
        texts = [p.text for p in doc.paragraphs[2:]]
        assert texts == [line for line in corpus.texts[name].split("\n") if line]


def test_comment_names_coder_and_memo(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "a.docx"
    export_transcript(select_transcript(corpus.project, corpus.docs["entretien-a"]), out)
    doc = docx.Document(str(out))
    by_code = {c.paragraphs[0].text: c for c in doc.comments}
    securite = by_code["Sécurité"]
    assert securite.author == "alice"
    body = [p.text for p in securite.paragraphs]
    assert "Coder: alice" in body
    assert "Memo: Rançongiciel" in body
    assert "Memo: crise = covid" in [p.text for p in by_code["Organisation"].paragraphs]


def test_overlapping_and_identical_codings_have_their_own_ranges(
    corpus: Corpus, tmp_path: Path
) -> None:
    out = tmp_path / "a.docx"
    export_transcript(select_transcript(corpus.project, "entretien-a"), out)
    doc = docx.Document(str(out))
    ranges = comment_ranges(doc)
    anchored = sorted(ranges.values())
    assert anchored.count("Au début, personne ne le lisait.") == 2  # alice and bob
    assert "Nous avons subi une attaque en 2024." in anchored
    assert "attaque en 2024. Le télétravail a compliqué les choses." in anchored


def test_coder_filter(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "a.docx"
    report = export_transcript(
        select_transcript(corpus.project, "entretien-a", coders=["bob"]), out
    )
    assert report.comments == 2
    assert {c.author for c in docx.Document(str(out)).comments} == {"bob"}


def test_comments_carry_the_codings_own_date_and_author(corpus: Corpus, tmp_path: Path) -> None:
    import sqlite3
    from datetime import UTC, datetime

    # Codings made long ago: the comments must say when, not when the export ran.
    with sqlite3.connect(corpus.path) as db:
        db.execute(
            "UPDATE codings SET created_at = '2025-03-04 05:06:07.000000', "
            "updated_at = '2025-03-04 05:06:07.000000'"
        )
    out = tmp_path / "t.docx"
    export_transcript(select_transcript(corpus.project, "entretien-a"), out)
    comments = list(docx.Document(str(out)).comments)
    assert comments
    for comment in comments:
        assert comment.timestamp == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert {c.author for c in comments} == {"alice", "bob"}
