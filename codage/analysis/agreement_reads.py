"""What agreement reads of a project, one document at a time (issue 20): a project of a
lab's size holds a million codings, never held all at once here."""

from __future__ import annotations

from codage.domain import Coding
from codage.store.project import Project


class DocumentCodings:
    """The codings of one document that count: by the chosen coders, of the codes
    analysed, automatic ones or accepted suggestions left out when asked. Read from the
    store at each call, as plain rows without their text."""

    def __init__(
        self,
        project: Project,
        names: list[str],
        code_ids: set[int],
        exclude_automatic: bool,
        exclude_suggested: bool = False,
    ) -> None:
        self.project, self.names, self.code_ids = project, names, code_ids
        self.exclude_automatic = exclude_automatic
        self.exclude_suggested = exclude_suggested

    def __getitem__(self, document_id: int) -> list[Coding]:
        return [
            c
            for c in self.project.stream_codings(
                document_ids=[document_id], coders=self.names, with_text=False
            )
            if c.code_id in self.code_ids
            and not (self.exclude_automatic and c.automatic)
            and not (self.exclude_suggested and c.suggested)
        ]


class DocumentTexts:
    """Document texts for excerpts, one held at a time: documents are visited in order."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.held: tuple[int, str] | None = None

    def __getitem__(self, document_id: int) -> str:
        if self.held is None or self.held[0] != document_id:
            self.held = (document_id, self.project.document(document_id).text)
        return self.held[1]
