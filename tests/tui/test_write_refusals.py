"""The workbench's write jobs leave "whose coding is this" to the store (NotYours, naming
the owner) and say it as they always did: driven with Pilot on a real SQLite project, a
removal or a memo asked for another coder's coding (as a screen holding a stale coding
would ask) is refused with the interface's own line, in both languages, and changes
nothing; the coder's own coding goes as before."""

from __future__ import annotations

import pytest

from codage.services import Project
from codage.tui.app import CodageApp
from tests.tui.test_workbench import location, open_interview, settle, store
from tests.tui.workbench_project import ME, OTHER

# the fixtures this module takes from the workbench's tests
__all__ = ["location", "store"]

pytestmark = pytest.mark.anyio

REFUSED = {
    "en": (
        "Coded by bob: only they can remove it. Settle it in the comparison (v).",
        "Only bob can write the memo of their coding.",
    ),
    "fr": (
        "Codé par bob : seul ce codeur peut le retirer. Tranchez en comparaison (v).",
        "Seul bob peut écrire le mémo de son codage.",
    ),
}


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_another_coder_s_coding_is_refused_in_the_interface_s_words(
    location: str, store: Project, language: str
) -> None:
    theirs = next(c for c in store.codings() if c.coder == OTHER)
    mine = next(c for c in store.codings() if c.coder == ME)
    before = store.codings()
    journal = store.history(limit=1)
    app = CodageApp(location, ME, language=language)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_interview(pilot, store)
        screen = app.workbench
        shown = list(screen._codings)
        screen.remove_coding(theirs)
        await settle(pilot)
        screen.store_coding_memo(theirs, "pas le mien")
        await settle(pilot)
        notes = [str(n.message) for n in app._notifications]
        removal, memo = REFUSED[language]
        assert removal in notes and memo in notes
        assert store.codings() == before and store.history(limit=1) == journal
        assert screen._codings == shown
        # one's own: the memo written, then the coding removed, each journaled
        screen.store_coding_memo(mine, "le mien")
        await settle(pilot)
        assert next(c for c in store.codings() if c.id == mine.id).memo == "le mien"
        screen.remove_coding(mine)
        await settle(pilot)
        assert mine.id not in {c.id for c in store.codings()}
        assert mine.id not in {c.id for c in screen._codings}
        assert [e.action for e in store.history(coder=ME, limit=2)] == [
            "remove_coding",
            "memo_coding",
        ]
