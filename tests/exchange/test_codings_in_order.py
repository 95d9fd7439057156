"""Codings read document by document in a given order (``DocumentRows.codings(order=...)``).

The dossier reads its documents in the order of their names, each by a statement of its
own: the rows of each document must be those the one ordered statement gives, with the
same filters, documents without codings left out.
"""

from __future__ import annotations

from typing import Any

import pytest

from .corpus import Corpus

FILTERS: list[dict[str, Any]] = [
    {},
    {"code_ids": "Outils/Intranet"},
    {"coders": ["bob"]},
    {"utf8": True},
    {"coders": ["nobody"]},
]


@pytest.mark.parametrize("filters", FILTERS)
def test_each_document_s_rows_are_the_one_statement_s(corpus: Corpus, filters: Any) -> None:
    kw = dict(filters)
    if "code_ids" in kw:
        kw["code_ids"] = [corpus.codes[kw["code_ids"]].id]
    by_name = sorted(corpus.docs.items())
    order = [doc_id for _, doc_id in by_name]
    assert order != sorted(order)  # "enquete" was imported last
    with corpus.project.selection_rows() as rows:
        expected = dict(rows.codings(**kw))
        # a document asked for twice, one that does not exist: as asked, or left out
        got = list(rows.codings(order=[*order, order[0], 10_000], **kw))
    wanted = [doc_id for doc_id in [*order, order[0]] if doc_id in expected]
    assert [doc_id for doc_id, _ in got] == wanted
    for doc_id, found in got:
        assert [tuple(r) for r in found] == [tuple(r) for r in expected[doc_id]]
    if filters.get("coders") == ["nobody"]:
        assert got == []
    elif not filters:
        assert sum(len(found) for _, found in got[: len(order)]) == len(corpus.codings)
