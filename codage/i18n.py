"""French and English strings of the interface and of the command line.

Strings are looked up by key: ``t("documents.title")``. A wing may add its
own strings with :func:`register` so that each keeps its words next to it;
every key must have both languages.
"""

from __future__ import annotations

from collections.abc import Mapping

from codage.config import LANGUAGES, resolve_language

_language: str | None = None

CATALOG: dict[str, dict[str, str]] = {
    # command line
    "error": {"en": "error", "fr": "erreur"},
    "cli.help": {
        "en": "Qualitative analysis of interviews and open survey answers, in the terminal.",
        "fr": "Analyse qualitative d'entretiens et de réponses ouvertes, dans le terminal.",
    },
    "init.done": {"en": "Project ready: {location}", "fr": "Projet prêt : {location}"},
    "init.exists": {
        "en": "Project already exists: {location}",
        "fr": "Le projet existe déjà : {location}",
    },
    "codebook.imported": {
        "en": "Codebook {name}: {added} codes added, {updated} updated, {unchanged} unchanged",
        "fr": "Grille {name} : {added} codes ajoutés, {updated} mis à jour, {unchanged} inchangés",
    },
    "codebook.conflict": {"en": "conflict", "fr": "conflit"},
    "codebook.exported": {"en": "Codebook written to {path}", "fr": "Grille écrite dans {path}"},
    "coded": {
        "en": "Coded {document} [{start}, {end}) with {code} ({coder})",
        "fr": "Codé {document} [{start}, {end}) avec {code} ({coder})",
    },
    "uncoded": {"en": "Removed {count} coding(s)", "fr": "{count} codage(s) retiré(s)"},
    "undo.done": {"en": "Undone: {summary}", "fr": "Annulé : {summary}"},
    "redo.done": {"en": "Redone: {summary}", "fr": "Rétabli : {summary}"},
    "undo.none": {"en": "Nothing to undo for {coder}", "fr": "Rien à annuler pour {coder}"},
    "redo.none": {"en": "Nothing to redo for {coder}", "fr": "Rien à rétablir pour {coder}"},
    "demo.building": {
        "en": "Building the demo project in {location}…",
        "fr": "Construction du projet de démonstration dans {location}…",
    },
    "demo.ready": {
        "en": "Demo project ready: {documents} documents, {codes} codes, {codings} codings",
        "fr": "Projet de démonstration prêt : {documents} documents, {codes} codes, "
        "{codings} codages",
    },
    "demo.reopen": {
        "en": "Reopening the demo project {location}",
        "fr": "Réouverture du projet de démonstration {location}",
    },
    # column titles
    "col.name": {"en": "Name", "fr": "Nom"},
    "col.kind": {"en": "Kind", "fr": "Type"},
    "col.words": {"en": "Words", "fr": "Mots"},
    "col.units": {"en": "Units", "fr": "Unités"},
    "col.speakers": {"en": "Speakers", "fr": "Locuteurs"},
    "col.case": {"en": "Case", "fr": "Cas"},
    "col.path": {"en": "Code", "fr": "Code"},
    "col.colour": {"en": "Colour", "fr": "Couleur"},
    "col.description": {"en": "Definition", "fr": "Définition"},
    "col.document": {"en": "Document", "fr": "Document"},
    "col.coder": {"en": "Coder", "fr": "Codeur"},
    "col.span": {"en": "Span", "fr": "Empan"},
    "col.text": {"en": "Text", "fr": "Texte"},
    "col.memo": {"en": "Memo", "fr": "Mémo"},
    "col.codings": {"en": "Codings", "fr": "Codages"},
    "title.documents": {"en": "Documents", "fr": "Documents"},
    "title.codebook": {"en": "Codebook", "fr": "Grille de codage"},
    "title.segments": {"en": "Coded segments", "fr": "Segments codés"},
}


def register(strings: Mapping[str, Mapping[str, str]]) -> None:
    """Add a wing's strings; each key needs every language."""
    for key, texts in strings.items():
        missing = [lang for lang in LANGUAGES if lang not in texts]
        if missing:
            raise ValueError(f"string {key!r} lacks {', '.join(missing)}")
        CATALOG[key] = dict(texts)


def language() -> str:
    global _language
    if _language is None:
        _language = resolve_language()
    return _language


def set_language(lang: str | None) -> None:
    """Force a language (None: back to settings and locale)."""
    global _language
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    _language = lang


def t(key: str, **values: object) -> str:
    """The string for ``key`` in the current language, formatted with ``values``."""
    texts = CATALOG.get(key)
    if texts is None:
        return key.format(**values) if values else key
    text = texts.get(language()) or texts["en"]
    return text.format(**values) if values else text
