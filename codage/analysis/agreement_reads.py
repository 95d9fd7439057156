"""What agreement reads of a project (issue 20): a project of a lab's size holds a million
codings, never held here as objects. Their places are read once into integer arrays (five
numbers a coding, some 40 MB at a million), the texts one document at a time."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from codage.store.project import Project

_ROW = np.dtype(
    [
        ("document", np.int64),
        ("coder", np.int64),
        ("code", np.int64),
        ("start", np.int64),
        ("end", np.int64),
        ("id", np.int64),
    ]
)


class DocumentCodings:
    """Where the codings that count lie, per document: by the chosen coders, of the codes
    analysed, automatic ones or accepted suggestions left out when asked.

    ``self[document_id]`` gives ``(coder, code, start, end)`` arrays, ``coder`` being
    the coder's index in ``names``, in the order of ``Project.stream_codings``
    (start, end, id)."""

    def __init__(
        self,
        project: Project,
        names: list[str],
        code_ids: set[int],
        exclude_automatic: bool,
        exclude_suggested: bool = False,
    ) -> None:
        self.names, self.code_ids = names, code_ids
        self.project = project
        self.excluded = (exclude_automatic, exclude_suggested)
        rows = np.fromiter(
            project.coding_bounds(
                coders=names,
                exclude_automatic=exclude_automatic,
                exclude_suggested=exclude_suggested,
            ),
            dtype=_ROW,
        )
        row_of = {c.id: names.index(c.name) for c in project.coders() if c.name in names}
        coder_map = np.full(max(row_of, default=0) + 1, -1, dtype=np.int64)
        for coder_id, row in row_of.items():
            coder_map[coder_id] = row
        wanted = np.fromiter(code_ids, dtype=np.int64, count=len(code_ids))
        rows = rows[np.isin(rows["code"], wanted)]
        # The order of Project.stream_codings (document, start, end, id): the order in
        # which the uα family numbers the codes. Each document is then one slice.
        rows = rows[np.lexsort((rows["id"], rows["end"], rows["start"], rows["document"]))]
        self.document = np.ascontiguousarray(rows["document"])
        self.coder = coder_map[rows["coder"]]
        self.code = np.ascontiguousarray(rows["code"])
        self.start = np.ascontiguousarray(rows["start"])
        self.end = np.ascontiguousarray(rows["end"])
        del rows
        self._ids, first = np.unique(self.document, return_index=True)
        self._first = np.append(first, len(self.document))

    def __getitem__(
        self, document_id: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        i = int(np.searchsorted(self._ids, document_id))
        if i == len(self._ids) or self._ids[i] != document_id:
            lo = hi = 0
        else:
            lo, hi = int(self._first[i]), int(self._first[i + 1])
        return self.coder[lo:hi], self.code[lo:hi], self.start[lo:hi], self.end[lo:hi]


def unit_bounds(project: Project, kind: str, documents: Iterable[int]) -> dict[int, np.ndarray]:
    """Per document, the (start, end) rows of its units of this kind, sorted; read in one
    query. A document without any maps to an empty array."""
    rows = np.fromiter(
        project.unit_bounds(kind),
        dtype=np.dtype([("document", np.int64), ("start", np.int64), ("end", np.int64)]),
    )
    rows = rows[np.lexsort((rows["end"], rows["start"], rows["document"]))]
    ids, first = np.unique(rows["document"], return_index=True)
    first = np.append(first, len(rows))
    out: dict[int, np.ndarray] = {}
    for doc_id in documents:
        i = int(np.searchsorted(ids, doc_id))
        if i < len(ids) and ids[i] == doc_id:
            part = rows[first[i] : first[i + 1]]
            out[doc_id] = np.stack([part["start"], part["end"]], axis=1)
        else:
            out[doc_id] = np.zeros((0, 2), dtype=np.int64)
    return out


class DocumentTexts:
    """Document texts for excerpts, one held at a time: documents are visited in order."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.held: tuple[int, str] | None = None

    def __getitem__(self, document_id: int) -> str:
        if self.held is None or self.held[0] != document_id:
            self.held = (document_id, self.project.document_texts([document_id])[document_id])
        return self.held[1]
