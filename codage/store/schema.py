"""ORM tables of a codage project. Only the store sees these rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Explicit constraint names keep Alembic's batch mode (SQLite) and PostgreSQL in step.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Rows the journal names by id must keep their id for good: on SQLite a plain
# INTEGER PRIMARY KEY hands the highest freed id out again, so an undo that puts
# a removed row back would find its id taken by someone else's row.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ProjectInfoRow(Base):
    __tablename__ = "project_info"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CoderRow(Base):
    __tablename__ = "coders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    length: Mapped[int] = mapped_column(Integer)
    words: Mapped[int] = mapped_column(Integer)
    source_path: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column()
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class UnitRow(Base):
    __tablename__ = "units"
    __table_args__ = (
        Index("ix_units_document_start", "document_id", "start"),
        # every column an export reads of a document's units (migration 0013)
        Index(
            "ix_units_document_places",
            "document_id",
            "start",
            "end",
            "position",
            "kind",
            "speaker",
            "timestamp",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str | None] = mapped_column(String(200))
    timestamp: Mapped[float | None] = mapped_column(Float)
    lemmas: Mapped[str | None] = mapped_column(Text)


class CodeRow(Base):
    __tablename__ = "codes"
    __table_args__ = NEVER_REUSE_IDS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    inclusion: Mapped[str] = mapped_column(Text, default="")
    exclusion: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    colour: Mapped[str] = mapped_column(String(9))
    position: Mapped[int] = mapped_column(Integer, default=0)


class CodingRow(Base):
    __tablename__ = "codings"
    __table_args__ = (
        UniqueConstraint(
            "document_id", "code_id", "coder_id", "start", "end", name="uq_codings_span"
        ),
        Index("ix_codings_document_start", "document_id", "start"),
        NEVER_REUSE_IDS,
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id"), index=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    memo: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    # Made by auto-coding from a search (migration 0005), not by a person's hand.
    automatic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Accepted by a person from a code suggestion (migration 0009).
    suggested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class MemoRow(Base):
    __tablename__ = "memos"
    __table_args__ = (Index("ix_memos_target", "target", "target_id"), NEVER_REUSE_IDS)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id"))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)


class CaseAttributeRow(Base):
    __tablename__ = "case_attributes"
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    type: Mapped[str] = mapped_column(String(10))
    value: Mapped[str | None] = mapped_column(Text)


class CaseLinkRow(Base):
    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("case_id", "document_id", "unit_id", name="uq_case_links_target"),
        Index("ix_case_links_document", "document_id", "unit_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))


class JournalRow(Base):
    """One change a person made, with the row-level operations that undo or redo it.

    ``actor_id`` is who ran the change, in whose history it is undone and redone;
    ``coders`` lists the ids of the coders whose codings it touched (a consensus
    or a merge writes other coders' layers). ``details`` holds what it takes to
    tell the change in words (document, code path, first words of the passage,
    counts); ``summary`` is the same told in English, for older readers.
    """

    __tablename__ = "journal"
    # id last: a coder's latest step (undo) is one step of the index (migration 0007)
    __table_args__ = (Index("ix_journal_actor_state", "actor_id", "state", "id"), NEVER_REUSE_IDS)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("coders.id"))
    at: Mapped[datetime] = mapped_column()
    action: Mapped[str] = mapped_column(String(50))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    coders: Mapped[list[int]] = mapped_column(JSON, default=list)
    ops: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # done: can be undone; undone: can be redone; dropped: undone then superseded
    state: Mapped[str] = mapped_column(String(10), default="done")
    undo_seq: Mapped[int | None] = mapped_column(Integer)


# ---------------------------------------------------------------------------
# Codings kept aside (merge): added by the team wing, migration 0002
# ---------------------------------------------------------------------------


class JournalCodingRow(Base):
    """A coding an undo took out of the project, kept for its redo (migration 0012).

    A bulk insert (a merge) is journaled as a range of coding ids, not as one
    operation per coding, so that the entry stays small; the rows themselves are the
    record while they are in ``codings``, and here, under their entry, while it is
    undone. No foreign keys but the entry's: like the journal's operations, a kept
    row may name a code or a document that has gone since (its redo then conflicts).
    """

    __tablename__ = "journal_codings"
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("journal.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document_id: Mapped[int] = mapped_column(Integer)
    code_id: Mapped[int] = mapped_column(Integer)
    coder_id: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    memo: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    suggested: Mapped[bool] = mapped_column(Boolean, default=False)


class CodingAsideRow(Base):
    """A coding a merge could not place on the target text, kept for a person to place.

    The document and code are held by name as well as by id so that the record
    survives the deletion of either (the ids are then set to NULL).
    """

    __tablename__ = "codings_aside"
    __table_args__ = (Index("ix_codings_aside_document_id", "document_id"), NEVER_REUSE_IDS)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    document_name: Mapped[str] = mapped_column(String(500))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="SET NULL"))
    code_path: Mapped[str] = mapped_column(Text)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    memo: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column()


# ---------------------------------------------------------------------------
# Pseudonyms (issue 17): the reviewed replacement map, migration 0006
# ---------------------------------------------------------------------------


class PseudonymRow(Base):
    """One name of the pseudonymisation map and what replaces it in what leaves the machine.

    ``key`` is the folded name (no title, case and accents folded): one row per key.
    A row with ``keep`` false is a reviewed false positive, kept so that it is not
    proposed again as new.
    """

    __tablename__ = "pseudonyms"
    __table_args__ = (UniqueConstraint("key", name="uq_pseudonyms_key"), NEVER_REUSE_IDS)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    replacement: Mapped[str] = mapped_column(String(500))
    keep: Mapped[bool] = mapped_column(default=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


# ---------------------------------------------------------------------------
# Search index (issue 16): what the corpus search reads instead of folding every
# text and decoding every lemma in each process, migration 0008. Derived data,
# rebuilt from a document's text and units whenever they change (see
# codage.store.search_index); never journaled.
# ---------------------------------------------------------------------------


class SearchTextRow(Base):
    """A document's text folded for case- and accent-blind matching.

    ``back`` maps folded offsets to stored ones (little-endian int32) when some
    character folds to more than one; ``sentences`` holds the sentences' bounds
    (start, end pairs) and ``containers`` the answers, turns, paragraphs and headings
    (start, end, unit id triples), little-endian int32, in text order. ``sha256`` is
    the text's the row was built from and ``version`` the format's: a row that differs
    is rebuilt.
    """

    __tablename__ = "search_texts"
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    folded: Mapped[str] = mapped_column(Text)
    back: Mapped[bytes | None] = mapped_column(LargeBinary)
    sentences: Mapped[bytes] = mapped_column(LargeBinary)
    containers: Mapped[bytes] = mapped_column(LargeBinary)


class SearchLemmaRow(Base):
    """Where a (folded) lemma occurs in a document: (ordinal, start, end) triples, where
    ordinals follow one another within a sentence only (packed by
    codage.store.search_index.pack_postings). Keyed by lemma first, without a rowid on
    SQLite: a lemma's rows lie together and need no second index."""

    __tablename__ = "search_lemmas"
    __table_args__ = {"sqlite_with_rowid": False}
    lemma: Mapped[str] = mapped_column(Text, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    postings: Mapped[bytes] = mapped_column(LargeBinary)


class SearchFormRow(Base):
    """A folded word form of a document and the lemma it was given there: a query made
    of known forms is lemmatised without loading the language model."""

    __tablename__ = "search_forms"
    __table_args__ = {"sqlite_with_rowid": False}
    form: Mapped[str] = mapped_column(Text, primary_key=True)
    lemma: Mapped[str] = mapped_column(Text, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )


# Assistance (issue 18): similar passages and code suggestions, migration 0009
# ---------------------------------------------------------------------------


class UnitVectorRow(Base):
    """One unit's vector for one method: float16 model vectors, or int32 lemma ids
    for TF-IDF. It goes with its unit (a corrected or deleted document)."""

    __tablename__ = "unit_vectors"
    __table_args__ = (Index("ix_unit_vectors_method_document", "method", "document_id"),)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    method: Mapped[str] = mapped_column(String(100), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class AssistTermRow(Base):
    """A lemma TF-IDF has met, numbered for good (the idf is recomputed at each load)."""

    __tablename__ = "assist_terms"
    __table_args__ = (UniqueConstraint("term", name="uq_assist_terms_term"), NEVER_REUSE_IDS)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(300))


class AssistRunRow(Base):
    """What produced one similarity or suggestion run, for a methods section."""

    __tablename__ = "assist_runs"
    __table_args__ = NEVER_REUSE_IDS
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column()
    coder: Mapped[str] = mapped_column(String(200))
    command: Mapped[str] = mapped_column(String(30))
    method: Mapped[str] = mapped_column(String(30))
    model: Mapped[str] = mapped_column(String(200))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    seconds: Mapped[float] = mapped_column(Float)
    units: Mapped[int] = mapped_column(Integer)
