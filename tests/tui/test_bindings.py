"""One way to translate key bindings: each binding's id names a ``tui.key.<id>`` string, which
:func:`codage.tui.bindings.localize` puts in the footer, the help and the palette."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

from codage import i18n
from codage.tui.bindings import localize
from codage.tui.screens.compare import CompareScreen
from codage.tui.screens.export_dialog import ExportDialog
from codage.tui.screens.retrieval import RetrievalScreen
from codage.tui.screens.stats import StatsScreen
from codage.tui.widgets.codebook_tree import CodebookTree
from codage.tui.widgets.transcript_view import TranscriptView

SCREENS = [RetrievalScreen, CompareScreen, StatsScreen, ExportDialog, CodebookTree, TranscriptView]


def _declared(cls: type[DOMNode]) -> list[Binding]:
    return [b for b in cls.BINDINGS if isinstance(b, Binding)]


@pytest.fixture
def french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language(None)


@pytest.mark.parametrize("cls", SCREENS, ids=lambda c: c.__name__)
def test_every_described_binding_has_an_id_and_its_string_in_both_languages(
    cls: type[DOMNode],
) -> None:
    for binding in _declared(cls):
        if not binding.description:
            continue
        assert binding.id, f"{cls.__name__}: {binding.key} has no id"
        texts = i18n.CATALOG.get(f"tui.key.{binding.id}")
        assert texts is not None, f"no tui.key.{binding.id}"
        assert texts["en"] and texts["fr"]


def _described(node: DOMNode) -> dict[str, str]:
    return {
        b.id: b.description
        for group in node._bindings.key_to_bindings.values()
        for b in group
        if b.id and b.description
    }


@pytest.mark.usefixtures("french")
def test_screens_show_their_keys_in_french() -> None:
    retrieval = _described(RetrievalScreen())
    assert retrieval["retrieval.jump"] == "Ouvrir"
    assert retrieval["retrieval.reset"] == "Sans filtre"
    compare = _described(CompareScreen(1, ["a", "b"]))
    assert compare["compare.accept_1"] == "Prendre codeur 1-9"
    assert compare["compare.next"] == "Suivant"
    stats = _described(StatsScreen())
    assert stats["stats.reload"] == "Recompter"
    export = _described(ExportDialog())
    assert export["export.run"] == "Exporter"


def test_localize_keeps_an_undeclared_description_as_it_is() -> None:
    class Node(DOMNode):
        BINDINGS = [Binding("z", "noop", "Plain text", id="nowhere.noop")]

    node = Node()
    localize(node)
    assert _described(node) == {"nowhere.noop": "Plain text"}
