"""What agreement reads of a project (issue 20): a project of a lab's size holds a million
codings, never held here as objects. Their places are read once into integer arrays (five
numbers a coding, some 40 MB at a million), the texts one document at a time."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from codage.store.project import Project

_FIELDS = ("document", "coder", "code", "start", "end", "id", "automatic", "suggested")
_ROW = np.dtype([(name, np.int64) for name in _FIELDS])


class CodingArrays:
    """Every coding (by the coders given) as integer arrays, read once: what agreement
    counts, filters and sweeps, some 64 bytes a coding."""

    def __init__(self, project: Project, coders: list[str] | None) -> None:
        self.project = project
        rows = np.fromiter(project.coding_bounds(coders=coders), dtype=_ROW)
        # The order of Project.stream_codings (document, start, end, id): the order in
        # which the uα family numbers the codes. Each document is then one slice.
        rows = rows[np.lexsort((rows["id"], rows["end"], rows["start"], rows["document"]))]
        self.fields = {name: np.ascontiguousarray(rows[name]) for name in _FIELDS}
        del rows
        self.coder_names = {c.id: c.name for c in project.coders()}

    def tally(self) -> list[tuple[int, str, int, bool, bool, int]]:
        """What ``Project.coding_tally`` gives: (document id, coder, code id, automatic,
        suggested, number of codings) for each such combination present."""
        f = self.fields
        if not len(f["id"]):
            return []
        # One integer per combination (a row-wise unique sorts a million rows slowly).
        n_coders = int(f["coder"].max()) + 1
        n_codes = int(f["code"].max()) + 1
        key = (f["document"] * n_coders + f["coder"]) * n_codes + f["code"]
        key = key * 4 + (f["automatic"] != 0) * 2 + (f["suggested"] != 0)
        found, counts = np.unique(key, return_counts=True)
        flags, rest = found % 4, found // 4
        code, rest = rest % n_codes, rest // n_codes
        coder, document = rest % n_coders, rest // n_coders
        return [
            (d, self.coder_names[c], k, bool(fl & 2), bool(fl & 1), n)
            for d, c, k, fl, n in zip(
                document.tolist(),
                coder.tolist(),
                code.tolist(),
                flags.tolist(),
                counts.tolist(),
                strict=True,
            )
        ]


class DocumentCodings:
    """Where the codings that count lie, per document: by the chosen coders, of the codes
    analysed, automatic ones or accepted suggestions left out when asked.

    ``self[document_id]`` gives ``(coder, code, start, end)`` arrays, ``coder`` being
    the coder's index in ``names``, in the order of ``Project.stream_codings``
    (start, end, id)."""

    def __init__(
        self,
        read: CodingArrays,
        names: list[str],
        code_ids: set[int],
        exclude_automatic: bool,
        exclude_suggested: bool = False,
    ) -> None:
        self.names, self.code_ids, self.project = names, code_ids, read.project
        self.excluded = (exclude_automatic, exclude_suggested)
        f = read.fields
        row_of = {i: names.index(n) for i, n in read.coder_names.items() if n in names}
        coder_map = np.full(max(read.coder_names, default=0) + 1, -1, dtype=np.int64)
        for coder_id, row in row_of.items():
            coder_map[coder_id] = row
        coder = coder_map[f["coder"]]
        wanted = np.fromiter(code_ids, dtype=np.int64, count=len(code_ids))
        keep = (coder >= 0) & np.isin(f["code"], wanted)
        if exclude_automatic:
            keep &= f["automatic"] == 0
        if exclude_suggested:
            keep &= f["suggested"] == 0
        self.document = f["document"][keep]
        self.coder = coder[keep]
        self.code = f["code"][keep]
        self.start = f["start"][keep]
        self.end = f["end"][keep]
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
