"""A corrected text for a document already in a project, read like an import of its file.

The file goes through the reader of its format, normalised the same way, and its
units are found as at import (the readers' turns, paragraphs and answers, then
spaCy's sentences), so that a document corrected through ``export txt`` and an
editor has the units a fresh import of that text would have.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from codage.domain import NewDocument
from codage.ingest.encoding import decode_with_encoding
from codage.ingest.errors import IngestError
from codage.ingest.nlp import AnalysisError, stream_sentences
from codage.ingest.reader import ReadOptions, read_file
from codage.ingest.structure import build_document, plain_blocks

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["read_replacement", "text_replacement"]


def read_replacement(
    path: str | Path, options: ReadOptions | None = None, *, nlp: Language | None = None
) -> NewDocument:
    """The one document a file holds, with its units and sentences.

    Raises :class:`IngestError` (one line) when the file cannot be read, holds
    no text, or holds several documents (a table with several question columns).
    """
    path = Path(path)
    documents = read_file(path, options)
    if len(documents) != 1:
        raise IngestError(
            path,
            f"holds {len(documents)} documents; a corrected text must hold exactly one "
            "(save the one document's text on its own, e.g. with codage export txt)",
        )
    return _analysed(documents[0], path, nlp)


def text_replacement(name: str, text: str, *, nlp: Language | None = None) -> NewDocument:
    """A corrected text typed in the interface, read as the same text saved in a
    ``.txt`` file would be (normalised, paragraphs and speaker turns, sentences)."""
    where = Path(f"{name}.txt")
    decoded, encoding = decode_with_encoding(text.encode("utf-8"), where)
    document = build_document(
        name, decoded, plain_blocks(decoded), metadata={"format": "text", "encoding": encoding}
    )
    return _analysed(document, where, nlp)


def _analysed(document: NewDocument, path: Path, nlp: Language | None) -> NewDocument:
    if not document.text.strip():
        raise IngestError(path, "holds no text; a document cannot be emptied")
    try:
        ((_, analysed),) = list(stream_sentences([(0, document)], nlp=nlp))
    except AnalysisError as exc:
        raise IngestError(path, f"the language model failed: {exc}") from None
    return analysed
