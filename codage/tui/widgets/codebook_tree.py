"""CodebookTree: the codes with their colours and counts, and keys to edit the codebook.

Each code shows how many codings it has in the open document and in the whole project. Keys
ask for edits (create, rename, recolour, describe, move, merge, delete) by posting an
:class:`~codage.tui.messages.EditCodeRequested` (``c`` posts an
:class:`~codage.tui.messages.ApplyCodeRequested` instead); the screen asks what it needs, stores the
change through the project in a worker, and hands the tree the new codebook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from codage.display import visible
from codage.domain import Code
from codage.i18n import t
from codage.tui.bindings import localize
from codage.tui.messages import ApplyCodeRequested, CodebookEdit, EditCodeRequested


def siblings_of(codes: Sequence[Code], parent_id: int | None) -> list[Code]:
    """The codes directly under ``parent_id``, in codebook order."""
    return [c for c in codes if c.parent_id == parent_id]


def move_target(
    codes: Sequence[Code], code: Code, action: CodebookEdit
) -> tuple[int | None, int] | None:
    """Where ``action`` (a move up or down, an indent or an outdent) puts ``code``:
    ``(parent_id, position among the new siblings)``, or None when it cannot move."""
    siblings = siblings_of(codes, code.parent_id)
    index = next(i for i, c in enumerate(siblings) if c.id == code.id)
    if action is CodebookEdit.MOVE_UP:
        return (code.parent_id, index - 1) if index > 0 else None
    if action is CodebookEdit.MOVE_DOWN:
        return (code.parent_id, index + 1) if index + 1 < len(siblings) else None
    if action is CodebookEdit.INDENT:
        if index == 0:
            return None
        new_parent = siblings[index - 1]
        return new_parent.id, len(siblings_of(codes, new_parent.id))
    if action is CodebookEdit.OUTDENT:
        if code.parent_id is None:
            return None
        parent = next(c for c in codes if c.id == code.parent_id)
        uncles = siblings_of(codes, parent.parent_id)
        return parent.parent_id, next(i for i, c in enumerate(uncles) if c.id == parent.id) + 1
    raise ValueError(f"unknown move {action!r}")


class CodebookTree(Tree[int]):
    """The codebook as a tree whose node data are code ids."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "edit('create')", "New sub-code", id="codebook.create"),
        Binding("A", "edit('create_top')", "New top code", show=False, id="codebook.create_top"),
        Binding("R,f2", "edit('rename')", "Rename", id="codebook.rename"),
        Binding("C", "edit('recolour')", "Colour", show=False, id="codebook.recolour"),
        Binding("E", "edit('describe')", "Define", show=False, id="codebook.describe"),
        Binding("ctrl+up,K", "edit('move_up')", "Move up", show=False, id="codebook.move_up"),
        Binding(
            "ctrl+down,J", "edit('move_down')", "Move down", show=False, id="codebook.move_down"
        ),
        Binding(">,ctrl+right", "edit('indent')", "Indent", show=False, id="codebook.indent"),
        Binding("<,ctrl+left", "edit('outdent')", "Outdent", show=False, id="codebook.outdent"),
        Binding("M", "mark", "Mark for merge", show=False, id="codebook.mark"),
        Binding("G", "edit('merge')", "Merge marked here", show=False, id="codebook.merge"),
        Binding("delete", "edit('delete')", "Delete", id="codebook.delete"),
        Binding("c", "apply", "Apply to selection", show=False, id="codebook.apply"),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(t("tui.codebook"), id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 2
        self._codes: list[Code] = []
        self._by_id: dict[int, Code] = {}
        self._code_nodes: dict[int, TreeNode[int]] = {}
        self._document_counts: Mapping[int, int] = {}
        self._project_counts: Mapping[int, int] = {}
        self.marked: int | None = None
        # the pane's title says "here/all" in short; the tooltip says it whole
        self.tooltip = t("tui.codebook.counts_help")
        localize(self)

    # ------------------------------------------------------------------ content

    @property
    def codes(self) -> list[Code]:
        return self._codes

    @property
    def highlighted_code(self) -> Code | None:
        node = self.cursor_node
        if node is None or node.data is None:
            return None
        return self._by_id.get(node.data)

    def set_codebook(
        self,
        codes: Sequence[Code],
        document_counts: Mapping[int, int],
        project_counts: Mapping[int, int],
        *,
        select: int | None = None,
    ) -> None:
        """Show ``codes`` (tree order), keeping what was open and where the cursor was."""
        previous = self.highlighted_code
        wanted = select if select is not None else (previous.id if previous else None)
        expanded = {cid for cid, node in self._code_nodes.items() if node.is_expanded}
        first = not self._code_nodes
        self._codes = list(codes)
        self._by_id = {c.id: c for c in codes}
        self._document_counts, self._project_counts = document_counts, project_counts
        if self.marked not in self._by_id:
            self.marked = None
        self.clear()
        self._code_nodes = {}
        for code in codes:
            parent = self.root if code.parent_id is None else self._code_nodes.get(code.parent_id)
            if parent is None:
                parent = self.root
            node = parent.add(self._label(code), data=code.id)
            node.allow_expand = False
            if parent is not self.root:
                parent.allow_expand = True
            self._code_nodes[code.id] = node
        for code_id, node in self._code_nodes.items():
            if (first and self._by_id[code_id].depth < 1) or code_id in expanded:
                node.expand()
        if wanted is not None and wanted in self._code_nodes:
            node = self._code_nodes[wanted]
            ancestor = node.parent
            while ancestor is not None and ancestor is not self.root:
                ancestor.expand()
                ancestor = ancestor.parent
            self.call_after_refresh(self._move_to, wanted)

    def _move_to(self, code_id: int) -> None:
        node = self._code_nodes.get(code_id)
        if node is not None and node.line >= 0:
            self.cursor_line = node.line
            self.scroll_to_node(node, animate=False)

    def select_code(self, code_id: int) -> None:
        """Put the cursor on a code, opening its ancestors."""
        node = self._code_nodes.get(code_id)
        if node is None:
            return
        ancestor = node.parent
        while ancestor is not None and ancestor is not self.root:
            ancestor.expand()
            ancestor = ancestor.parent
        self.call_after_refresh(self._move_to, code_id)

    def set_counts(
        self, document_counts: Mapping[int, int], project_counts: Mapping[int, int]
    ) -> None:
        """New counts: only the labels whose counts changed are redrawn."""
        old_here, old_all = self._document_counts, self._project_counts
        self._document_counts, self._project_counts = document_counts, project_counts
        for code_id, node in self._code_nodes.items():
            if old_here.get(code_id, 0) != document_counts.get(code_id, 0) or old_all.get(
                code_id, 0
            ) != project_counts.get(code_id, 0):
                node.set_label(self._label(self._by_id[code_id]))

    def render_label(self, node: TreeNode[int], base_style: Style, style: Style) -> Text:
        """The label cut to the room its depth leaves, ending with an ellipsis when cut
        (the tree itself would crop it mid-word)."""
        label = super().render_label(node, base_style, style)
        code = self._by_id.get(node.data) if node.data is not None else None
        width = self.scrollable_content_region.width
        if code is None or width <= 0:
            return label
        room = width - code.depth * self.guide_depth
        if label.cell_len > room > 0:
            label.truncate(room, overflow="ellipsis")
        return label

    def _label(self, code: Code) -> Text:
        """``■ 3/12 Name``: counts first, so that a narrow pane cuts the name, not them."""
        label = Text(no_wrap=True, overflow="ellipsis")
        label.append("■ ", style=code.colour)
        here = self._document_counts.get(code.id, 0)
        total = self._project_counts.get(code.id, 0)
        if here or total:
            label.append(f"{here}/{total} ", style="dim")
        label.append(visible(code.name), style="bold reverse" if code.id == self.marked else "")
        return label

    # ------------------------------------------------------------------ actions

    def action_edit(self, action: str) -> None:
        """Ask for a codebook edit (``action`` is a :class:`CodebookEdit` value)."""
        edit = CodebookEdit(action)
        code = self.highlighted_code
        if code is None and edit not in (CodebookEdit.CREATE, CodebookEdit.CREATE_TOP):
            return
        other = self._by_id.get(self.marked) if self.marked is not None else None
        if edit is CodebookEdit.MERGE and other is None:
            self.notify(t("tui.no_mark"))
            return
        self.post_message(EditCodeRequested(edit, code, other))

    def action_apply(self) -> None:
        """Ask to code the transcript's selection with the highlighted code."""
        code = self.highlighted_code
        if code is not None:
            self.post_message(ApplyCodeRequested(code))

    def action_mark(self) -> None:
        code = self.highlighted_code
        if code is None:
            return
        before = self.marked
        self.marked = None if before == code.id else code.id
        for code_id in {before, self.marked} - {None}:
            assert code_id is not None
            node = self._code_nodes.get(code_id)
            if node is not None:
                node.set_label(self._label(self._by_id[code_id]))
        if self.marked is not None:
            self.notify(t("tui.marked", code=code.name))
