"""The code picker: fuzzy ranking on code paths, recent codes first, apply and create."""

from __future__ import annotations

import pytest
from textual.app import App

from codage.domain import Code
from codage.tui.widgets.code_picker import CodePicker, NewCode, PickedCode, rank_codes

pytestmark = pytest.mark.anyio

CODES = [
    Code(1, "Outils", ("Outils",), colour="#2E7D32"),
    Code(2, "Intranet", ("Outils", "Intranet"), parent_id=1, colour="#1565C0"),
    Code(3, "Messagerie", ("Outils", "Messagerie"), parent_id=1, colour="#6A1B9A"),
    Code(4, "Formation", ("Formation",), colour="#EF6C00"),
    Code(5, "Télétravail", ("Organisation", "Télétravail"), colour="#C62828"),
    Code(6, "Formation continue", ("Formation", "Formation continue"), parent_id=4),
]


def test_empty_query_lists_recent_codes_first() -> None:
    ranked = rank_codes(CODES, "", recent=[5, 3])
    assert [c.id for c in ranked[:2]] == [5, 3]
    assert len(ranked) == len(CODES)


def test_fuzzy_match_ignores_case_and_accents() -> None:
    assert rank_codes(CODES, "TELETRAV")[0].id == 5
    assert rank_codes(CODES, "messagrie")[0].id == 3  # a typo still finds it


def test_exact_name_beats_longer_names_and_recency_breaks_ties() -> None:
    assert rank_codes(CODES, "formation")[0].id == 4
    assert rank_codes(CODES, "formation", recent=[6])[0].id == 4
    assert rank_codes(CODES, "outils/intranet")[0].id == 2


def test_unrelated_query_finds_nothing() -> None:
    assert rank_codes(CODES, "zzzzqqq") == []


class PickerApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.result: PickedCode | NewCode | str | None = "unset"

    def on_mount(self) -> None:
        self.push_screen(CodePicker(CODES, recent=[3]), self._done)

    def _done(self, result: PickedCode | NewCode | None) -> None:
        self.result = result


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_enter_applies_the_highlighted_code(size: tuple[int, int]) -> None:
    app = PickerApp()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press(*"intra", "enter")
        await pilot.pause()
    assert app.result == PickedCode(2)


async def test_arrows_move_the_highlight_and_empty_enter_takes_the_recent_code() -> None:
    app = PickerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == PickedCode(3)
    app = PickerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
    assert isinstance(app.result, PickedCode) and app.result.code_id != 3


async def test_ctrl_n_creates_the_typed_name_under_the_highlighted_code() -> None:
    app = PickerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"Outils")
        picker = app.screen
        assert isinstance(picker, CodePicker)
        assert picker.highlighted is not None and picker.highlighted.id == 1
        hint = str(picker.query_one("#picker-create").render())
        assert hint == ""  # an exact name: nothing to create
        await pilot.press("space", *"libres")
        await pilot.pause()
        hint = str(picker.query_one("#picker-create").render())
        assert "Outils libres" in hint
        parent = picker.highlighted
        await pilot.press("ctrl+n")
        await pilot.pause()
    assert app.result == NewCode("Outils libres", parent.id if parent else None)


async def test_enter_with_no_match_creates_at_the_top_and_escape_cancels() -> None:
    app = PickerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"zzzzqqq", "enter")
        await pilot.pause()
    assert app.result == NewCode("zzzzqqq", None)
    app = PickerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None
