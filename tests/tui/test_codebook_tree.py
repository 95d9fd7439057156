"""The codebook tree: moves computed from the tree, counts in labels, keys posting edits."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from codage.domain import Code
from codage.tui.messages import ApplyCodeRequested, CodebookEdit, EditCodeRequested
from codage.tui.widgets.codebook_tree import CodebookTree, move_target

pytestmark = pytest.mark.anyio

CODES = [
    Code(1, "Outils", ("Outils",), colour="#2E7D32"),
    Code(2, "Intranet", ("Outils", "Intranet"), parent_id=1, colour="#1565C0"),
    Code(3, "Messagerie", ("Outils", "Messagerie"), parent_id=1, colour="#6A1B9A"),
    Code(4, "Formation", ("Formation",), colour="#EF6C00"),
    Code(5, "Télétravail", ("Télétravail",), colour="#C62828"),
]


def code(code_id: int) -> Code:
    return next(c for c in CODES if c.id == code_id)


def test_move_up_and_down_among_siblings() -> None:
    assert move_target(CODES, code(4), CodebookEdit.MOVE_UP) == (None, 0)
    assert move_target(CODES, code(1), CodebookEdit.MOVE_UP) is None
    assert move_target(CODES, code(2), CodebookEdit.MOVE_DOWN) == (1, 1)
    assert move_target(CODES, code(3), CodebookEdit.MOVE_DOWN) is None


def test_indent_under_the_sibling_above_and_outdent_after_the_parent() -> None:
    assert move_target(CODES, code(4), CodebookEdit.INDENT) == (1, 2)  # last under Outils
    assert move_target(CODES, code(1), CodebookEdit.INDENT) is None
    assert move_target(CODES, code(3), CodebookEdit.OUTDENT) == (None, 1)  # right after Outils
    assert move_target(CODES, code(5), CodebookEdit.OUTDENT) is None


class TreeApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[EditCodeRequested] = []
        self.applied: list[ApplyCodeRequested] = []

    def compose(self) -> ComposeResult:
        yield CodebookTree()

    def on_mount(self) -> None:
        tree = self.query_one(CodebookTree)
        tree.set_codebook(CODES, {2: 1}, {2: 3, 4: 5})
        tree.focus()

    def on_edit_code_requested(self, message: EditCodeRequested) -> None:
        self.requests.append(message)

    def on_apply_code_requested(self, message: ApplyCodeRequested) -> None:
        self.applied.append(message)


def labels(tree: CodebookTree) -> dict[int, str]:
    return {cid: node.label.plain for cid, node in tree._code_nodes.items()}


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_labels_show_counts_here_and_in_all(size: tuple[int, int]) -> None:
    app = TreeApp()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        tree = app.query_one(CodebookTree)
        shown = labels(tree)
        assert shown[2] == "■ 1/3 Intranet"
        assert shown[4] == "■ 0/5 Formation"
        assert shown[3] == "■ Messagerie"
        tree.set_counts({2: 2}, {2: 4})
        assert labels(tree)[2] == "■ 2/4 Intranet"


async def test_keys_post_edit_requests_for_the_highlighted_code() -> None:
    app = TreeApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tree = app.query_one(CodebookTree)
        tree.select_code(4)
        await pilot.pause()
        assert tree.highlighted_code == code(4)
        await pilot.press("a", "R", "C", "E", "K", "J", "greater_than_sign", "less_than_sign")
        await pilot.press("delete")
        await pilot.pause()
        edits = [r.edit for r in app.requests]
        assert edits == [
            CodebookEdit.CREATE,
            CodebookEdit.RENAME,
            CodebookEdit.RECOLOUR,
            CodebookEdit.DESCRIBE,
            CodebookEdit.MOVE_UP,
            CodebookEdit.MOVE_DOWN,
            CodebookEdit.INDENT,
            CodebookEdit.OUTDENT,
            CodebookEdit.DELETE,
        ]
        assert all(r.code == code(4) for r in app.requests)


async def test_c_asks_to_apply_the_highlighted_code_not_to_edit_the_codebook() -> None:
    app = TreeApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tree = app.query_one(CodebookTree)
        tree.select_code(3)
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert [m.code for m in app.applied] == [code(3)]
        assert not app.requests


async def test_merge_needs_a_marked_code_then_names_both() -> None:
    app = TreeApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tree = app.query_one(CodebookTree)
        tree.select_code(2)
        await pilot.pause()
        await pilot.press("G")
        assert not app.requests  # nothing marked yet
        await pilot.press("M")
        assert tree.marked == 2
        tree.select_code(3)
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        assert app.requests[-1].edit is CodebookEdit.MERGE
        assert app.requests[-1].code == code(3) and app.requests[-1].other == code(2)


async def test_set_codebook_keeps_the_cursor_on_its_code() -> None:
    app = TreeApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tree = app.query_one(CodebookTree)
        tree.select_code(5)
        await pilot.pause()
        renamed = [*CODES[:4], Code(5, "Travail à distance", ("Travail à distance",))]
        tree.set_codebook(renamed, {}, {})
        await pilot.pause()
        assert tree.highlighted_code is not None and tree.highlighted_code.id == 5
        assert labels(tree)[5] == "■ Travail à distance"
