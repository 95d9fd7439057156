"""Codebook edits asked from the tree: create, rename, move, merge, delete."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from textual import work

from codage import codebook
from codage.domain import (
    Code,
)
from codage.i18n import t
from codage.tui.messages import ApplyCodeRequested, CodebookEdit, EditCodeRequested
from codage.tui.screens.dialogs import Confirm, TextPrompt
from codage.tui.screens.workbench_support import (
    EXPECTED_ERRORS,
)
from codage.tui.widgets.codebook_tree import move_target

if TYPE_CHECKING:
    from codage.services import Project
    from codage.tui.screens.workbench_host import WorkbenchHost


# the code's field each of these edits asks a new value for
_FIELDS = {
    CodebookEdit.RENAME: "name",
    CodebookEdit.RECOLOUR: "colour",
    CodebookEdit.DESCRIBE: "description",
}
_MOVES = (CodebookEdit.MOVE_UP, CodebookEdit.MOVE_DOWN, CodebookEdit.INDENT, CodebookEdit.OUTDENT)


class CodebookEdits:
    """Mixed into :class:`~codage.tui.screens.workbench.WorkbenchScreen`."""

    def edit_code(self: WorkbenchHost, message: EditCodeRequested) -> None:
        """Do what the codebook tree asked (a dialog first where a name or a yes is needed)."""
        code, edit = message.code, message.edit
        me = self.coder
        if edit in (CodebookEdit.CREATE, CodebookEdit.CREATE_TOP):
            parent = code if edit is CodebookEdit.CREATE else None
            title = (
                t("tui.code.new_under", code=parent.path_str) if parent else t("tui.code.new_name")
            )

            def created(name: str | None) -> None:
                if name and name.strip():

                    def job(project: Project) -> tuple[str, int | None]:
                        made = project.create_code(
                            name, parent_id=parent.id if parent else None, coder=me
                        )
                        return t("tui.code_created", code=made.path_str), made.id

                    self.edit_codebook(job)

            self.app.push_screen(TextPrompt(title), created)
            return
        assert code is not None
        if edit in _FIELDS:
            field = _FIELDS[edit]
            value = {"name": code.name, "colour": code.colour, "description": code.description}

            def edited(text: str | None) -> None:
                if text is None or (field != "description" and not text.strip()):
                    return

                def job(project: Project) -> tuple[str, int | None]:
                    made = project.update_code(code.id, coder=me, **{field: text.strip()})
                    return t("tui.code_changed", code=made.path_str), made.id

                self.edit_codebook(job)

            prompt = t(f"tui.code.{edit.value}", code=code.path_str)
            self.app.push_screen(TextPrompt(prompt, value[field]), edited)
            return
        if edit in _MOVES:
            target = move_target(self._codes, code, edit)
            if target is None:
                return
            parent_id, position = target

            def move(project: Project) -> tuple[str, int | None]:
                project.move_code(code.id, parent_id, coder=me, position=position)
                return "", code.id

            self.edit_codebook(move)
            return
        if edit is CodebookEdit.MERGE:
            source = message.other
            if source is None or source.id == code.id:
                return

            self.ask_merge(source, code)
            return
        if edit is CodebookEdit.DELETE:
            self.ask_delete(code)

    def apply_code(self: WorkbenchHost, message: ApplyCodeRequested) -> None:
        """Code the transcript's selection with the code the tree asked for."""
        span = self.view.coding_span()
        if self._document is None or span is None:
            self.notify(t("tui.open_document_first"))
            return
        self.store_coding(self._document.id, message.code.id, span)

    def _others_codings(self: WorkbenchHost, code: Code) -> str:
        """Other coders' codings of a code and its sub-codes, named with their counts ("" when
        none): a codebook edit changes them too, so the question says whose they are."""
        subtree = codebook.subtree_ids(self._codes, code.id)
        me = self.coder
        others = Counter(c.coder for c in self.project.codings(code_ids=subtree) if c.coder != me)
        return ", ".join(f"{name} ({count})" for name, count in sorted(others.items()))

    @work(thread=True, group="ask")
    def ask_merge(self: WorkbenchHost, source: Code, code: Code) -> None:
        """Say whose codings follow the merged code, then ask."""
        me = self.coder
        try:
            others = self._others_codings(source)
        except EXPECTED_ERRORS as exc:
            self._fail(exc)
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return

            def job(project: Project) -> tuple[str, int | None]:
                moved = project.merge_codes(source.id, code.id, coder=me)
                note = t("tui.code_merged", source=source.name, target=code.name, count=moved)
                return note, code.id

            self.edit_codebook(job)

        question = t("tui.code.merge", source=source.path_str, target=code.path_str)
        if others:
            question += " " + t("tui.code.merge_others", coders=others)
        self.app.call_from_thread(self.app.push_screen, Confirm(question), answer)

    @work(thread=True, group="ask")
    def ask_delete(self: WorkbenchHost, code: Code) -> None:
        """Count what goes with the code, then ask (the count is a database read)."""
        me = self.coder
        try:
            usage = self.project.code_usage(code.id)
            others = self._others_codings(code)
        except EXPECTED_ERRORS as exc:
            self._fail(exc)
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return

            def job(project: Project) -> tuple[str, int | None]:
                gone = project.delete_code(code.id, coder=me)
                return t("tui.code_deleted", code=code.path_str, codings=gone["codings"]), None

            self.edit_codebook(job)

        question = t(
            "tui.code.delete",
            code=code.path_str,
            codings=usage["codings"],
            subcodes=usage["subcodes"],
        )
        if others:
            question += " " + t("tui.code.delete_others", coders=others)
        self.app.call_from_thread(self.app.push_screen, Confirm(question), answer)
