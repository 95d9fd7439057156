"""The codage interface (Textual)."""

from __future__ import annotations

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Tree

from codage.domain import Code, DocumentInfo
from codage.services import open_project


class ProjectLoaded(Message):
    """The documents and codebook of the project, read in a worker."""

    def __init__(
        self, name: str, documents: list[DocumentInfo], codes: list[Code], counts: dict[int, int]
    ) -> None:
        super().__init__()
        self.name = name
        self.documents = documents
        self.codes = codes
        self.counts = counts


class CodageApp(App[None]):
    """Lists the documents and codes of a project."""

    TITLE = "codage"
    BINDINGS = [Binding("q", "quit", "Quit", id="quit")]

    def __init__(self, location: str, coder: str) -> None:
        super().__init__()
        self.location = location
        self.coder = coder

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield DataTable(id="documents", cursor_type="row")
            yield Tree("Codes", id="codebook")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#documents", DataTable)
        table.add_columns("Document", "Kind", "Words")
        self.load_project()

    @work(thread=True, exclusive=True)
    def load_project(self) -> None:
        project = open_project(self.location, create=False)
        try:
            self.post_message(
                ProjectLoaded(
                    project.name, project.documents(), project.codes(), project.coding_counts()
                )
            )
        finally:
            project.close()

    def on_project_loaded(self, message: ProjectLoaded) -> None:
        self.sub_title = f"{message.name} — {self.coder}"
        table = self.query_one("#documents", DataTable)
        for doc in message.documents:
            table.add_row(doc.name, doc.kind, str(doc.words))
        tree = self.query_one("#codebook", Tree)
        tree.root.expand()
        nodes = {None: tree.root}
        for code in message.codes:
            label = f"[{code.colour}]■[/] {code.name} ({message.counts.get(code.id, 0)})"
            nodes[code.id] = nodes[code.parent_id].add(label, data=code.id, expand=code.depth < 1)


def run(location: str, coder: str) -> None:
    CodageApp(location, coder).run()
