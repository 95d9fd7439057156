"""Passages named by text or offsets, and the codings of one coder they name."""

from __future__ import annotations

import pytest

from codage.domain import NewDocument, Unit
from codage.passages import AmbiguousPassage, PassageNotFound
from codage.services import Project
from codage.services.passages import own_codings, passage_span

TEXT = "Le serveur a brûlé. Puis le serveur a brûlé encore. Drapeau 🇫🇷 ici."


@pytest.fixture
def filled(project: Project) -> Project:
    doc = project.add_document(
        NewDocument("note", "text", TEXT, units=[Unit("paragraph", 0, len(TEXT))])
    )
    code = project.create_code("Incident", coder="ana")
    project.add_coding(doc.id, code.id, 28, 43, coder="ana")  # the second "serveur a brûlé"
    project.add_coding(doc.id, code.id, 3, 18, coder="ben")
    return project


def test_span_by_text_and_by_offsets(filled: Project) -> None:
    doc = filled.document("note")
    span = passage_span(filled, doc, text="Le  serveur a brûlé")
    assert span is not None and (span.start, span.end, span.widened) == (0, 18, False)
    flag = TEXT.index("🇫🇷")
    cut = passage_span(filled, doc, start=flag + 1, end=flag + 2)
    assert cut is not None and (cut.start, cut.end, cut.widened) == (flag, flag + 2, True)
    assert passage_span(filled, doc) is None
    with pytest.raises(PassageNotFound):
        passage_span(filled, doc, text="inondation")
    with pytest.raises(AmbiguousPassage):
        passage_span(filled, doc, text="serveur a brûlé")


def test_an_ambiguous_passage_is_resolved_by_the_coders_own_coding(filled: Project) -> None:
    doc = filled.document("note")
    code_id = filled.code("Incident").id
    found = own_codings(filled, doc, code_id, "ana", text="serveur a brûlé")
    assert [(c.start, c.end, c.coder) for c in found.codings] == [(28, 43, "ana")]
    # ben coded the first occurrence and ana the second: each names only their own
    found = own_codings(filled, doc, code_id, "ben", text="serveur a brûlé")
    assert [(c.start, c.end) for c in found.codings] == [(3, 18)]
    with pytest.raises(AmbiguousPassage):
        own_codings(filled, doc, code_id, "zoe", text="serveur a brûlé")
    everything = own_codings(filled, doc, code_id, "ana", every=True)
    assert len(everything.codings) == 1 and everything.span is None
