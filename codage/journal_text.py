"""How a journaled change is told to a person, in French or English.

The journal keeps, beside each change, the names a person knows it by (the
document, the code's path, the first words of the passage, counts); this
module turns them into a sentence of the current language. Entries written
before those details existed are told by their English summary.
"""

from __future__ import annotations

from typing import Any

from codage.domain import JournalEntry
from codage.i18n import register, t

__all__ = ["change_record", "describe_change"]

register(
    {
        "change.coded": {
            "en": 'coded "{code}" on {document} « {passage} »',
            "fr": "codé « {code} » sur {document} « {passage} »",
        },
        "change.uncoded": {
            "en": 'uncoded "{code}" on {document} « {passage} »',
            "fr": "retiré « {code} » de {document} « {passage} »",
        },
        "change.memo_coding": {
            "en": 'memo on "{code}" in {document} « {passage} »',
            "fr": "mémo sur « {code} » dans {document} « {passage} »",
        },
        "change.owner": {"en": " (coding of {owner})", "fr": " (codage de {owner})"},
        "change.create_code": {"en": 'created code "{code}"', "fr": "créé le code « {code} »"},
        "change.update_code": {"en": 'edited code "{code}"', "fr": "modifié le code « {code} »"},
        "change.rename_code": {
            "en": 'renamed code "{was}" to "{code}"',
            "fr": "renommé le code « {was} » en « {code} »",
        },
        "change.move_code": {
            "en": 'moved code "{was}" to "{code}"',
            "fr": "déplacé le code « {was} » vers « {code} »",
        },
        "change.delete_code": {
            "en": 'deleted code "{code}"',
            "fr": "supprimé le code « {code} »",
        },
        "change.merge_codes": {
            "en": 'merged code "{code}" into "{into}"',
            "fr": "fusionné le code « {code} » dans « {into} »",
        },
        "change.add_memo": {"en": "wrote a memo", "fr": "écrit un mémo"},
        "change.update_memo": {"en": "edited a memo", "fr": "modifié un mémo"},
        "change.delete_memo": {"en": "deleted a memo", "fr": "supprimé un mémo"},
        "change.consensus": {
            "en": "consensus ({rule}) of {coders} as {layer}",
            "fr": "consensus ({rule}) de {coders} sous {layer}",
        },
        "change.merge": {"en": "merge of {source}", "fr": "fusion de {source}"},
        "change.set_aside": {"en": "set a coding aside", "fr": "mis un codage de côté"},
        "change.replace_text": {
            "en": "corrected the text of {document}, re-anchoring the codings of {coders}",
            "fr": "corrigé le texte de {document}, en réancrant les codages de {coders}",
        },
        "change.count.documents.update": {
            "en": "{n} text(s) replaced",
            "fr": "{n} texte(s) remplacé(s)",
        },
        "change.count.units.insert": {"en": "{n} unit(s) found", "fr": "{n} unité(s) trouvée(s)"},
        "change.count.units.delete": {
            "en": "{n} unit(s) replaced",
            "fr": "{n} unité(s) remplacée(s)",
        },
        "change.count.case_links.update": {
            "en": "{n} case link(s) carried over",
            "fr": "{n} lien(s) de cas reporté(s)",
        },
        "change.count.case_links.delete": {
            "en": "{n} case link(s) removed with their unit",
            "fr": "{n} lien(s) de cas retiré(s) avec leur unité",
        },
        "change.place_aside": {
            "en": "placed a coding kept aside",
            "fr": "placé un codage mis de côté",
        },
        "change.discard_aside": {
            "en": "discarded a coding kept aside",
            "fr": "abandonné un codage mis de côté",
        },
        "change.add_codings": {"en": "coded passages", "fr": "codé des passages"},
        "change.autocode": {
            "en": 'auto-coded "{code}" from the search {query} ({mode}, {scope})',
            "fr": "codé automatiquement « {code} » d'après la recherche {query} ({mode}, {scope})",
        },
        "change.import_codings": {"en": "added codings", "fr": "ajouté des codages"},
        "change.uncode": {"en": "uncoded passages", "fr": "retiré des codages"},
        "change.in_document": {"en": " in {document}", "fr": " dans {document}"},
        "change.count.codings.insert": {
            "en": "{n} coding(s) added",
            "fr": "{n} codage(s) ajouté(s)",
        },
        "change.count.codings.delete": {
            "en": "{n} coding(s) removed",
            "fr": "{n} codage(s) retiré(s)",
        },
        "change.count.codings.update": {
            "en": "{n} coding(s) changed",
            "fr": "{n} codage(s) modifié(s)",
        },
        "change.count.codes.insert": {"en": "{n} code(s) created", "fr": "{n} code(s) créé(s)"},
        "change.count.codes.delete": {
            "en": "{n} code(s) deleted",
            "fr": "{n} code(s) supprimé(s)",
        },
        "change.count.codes.update": {
            "en": "{n} code(s) changed",
            "fr": "{n} code(s) modifié(s)",
        },
        "change.count.memos.insert": {"en": "{n} memo(s) added", "fr": "{n} mémo(s) ajouté(s)"},
        "change.count.memos.delete": {
            "en": "{n} memo(s) deleted",
            "fr": "{n} mémo(s) supprimé(s)",
        },
        "change.count.memos.update": {
            "en": "{n} memo(s) changed",
            "fr": "{n} mémo(s) modifié(s)",
        },
        "change.count.codings_aside.insert": {
            "en": "{n} set aside",
            "fr": "{n} mis de côté",
        },
        "change.count.codings_aside.delete": {
            "en": "{n} taken from aside",
            "fr": "{n} repris de côté",
        },
        "change.count.codings_aside.update": {
            "en": "{n} kept aside changed",
            "fr": "{n} mis de côté modifié(s)",
        },
        "change.count.pseudonyms.insert": {
            "en": "{n} pseudonym(s) added",
            "fr": "{n} pseudonyme(s) ajouté(s)",
        },
        "change.count.pseudonyms.delete": {
            "en": "{n} pseudonym(s) removed",
            "fr": "{n} pseudonyme(s) retiré(s)",
        },
        "change.count.pseudonyms.update": {
            "en": "{n} pseudonym(s) changed",
            "fr": "{n} pseudonyme(s) modifié(s)",
        },
        "change.state.done": {"en": "done", "fr": "fait"},
        "change.state.undone": {"en": "undone", "fr": "annulé"},
        "change.state.dropped": {"en": "undone, replaced", "fr": "annulé, remplacé"},
    }
)

# Actions told by the one coding they touched.
_ONE_CODING = {"add_coding": "change.coded", "remove_coding": "change.uncoded"}
# Actions on one code or memo: their sentence says it all, without counts.
_ONE_THING = {
    "create_code",
    "update_code",
    "move_code",
    "merge_codes",
    "add_memo",
    "update_memo",
    "delete_memo",
}
# Actions told by their own sentence, counts after a colon when there are several rows.
_TOLD = {
    "create_code",
    "update_code",
    "move_code",
    "delete_code",
    "merge_codes",
    "add_memo",
    "update_memo",
    "delete_memo",
    "consensus",
    "merge",
    "set_aside",
    "replace_text",
    "place_aside",
    "discard_aside",
    "add_codings",
    "autocode",
    "import_codings",
    "uncode",
}


def _counts(details: dict[str, Any]) -> str:
    parts = []
    for key, n in (details.get("counts") or {}).items():
        if n:
            parts.append(t(f"change.count.{key}", n=n))
    return ", ".join(parts)


def _one_coding(key: str, details: dict[str, Any], actor: str) -> str:
    text = t(
        key,
        code=details.get("code", "?"),
        document=details.get("document", "?"),
        passage=details.get("passage", ""),
    )
    owner = details.get("owner")
    if owner and owner != actor:
        text += t("change.owner", owner=owner)
    return text


def describe_change(entry: JournalEntry) -> str:
    """The change in a sentence of the current language, e.g.
    ``coded "Partie 1/Intranet" on entretien-01-region « personne ne lisait… »``."""
    details = entry.details
    if not details:
        return entry.summary
    counts = details.get("counts") or {}
    rows = sum(counts.values()) - counts.get("memos.delete", 0)
    single = "passage" in details and rows == 1
    if entry.action in _ONE_CODING and "passage" in details:
        return _one_coding(_ONE_CODING[entry.action], details, entry.coder)
    if entry.action == "memo_coding" and "passage" in details:
        return _one_coding("change.memo_coding", details, entry.coder)
    if entry.action == "uncode" and single:
        return _one_coding("change.uncoded", details, entry.coder)
    told = True
    if entry.action == "update_code" and "was" in details:
        head = t("change.rename_code", code=details.get("code", "?"), was=details["was"])
    elif entry.action in _TOLD:
        values = {k: v for k, v in details.items() if isinstance(v, str)}
        coders = details.get("coders")
        if isinstance(coders, list):
            values["coders"] = ", ".join(str(c) for c in coders)
        try:
            head = t(f"change.{entry.action}", **values)
        except KeyError:
            # A batch of that name without the words its sentence needs (an
            # interface's "create a code and apply it"): its summary, then counts.
            head = entry.summary
            told = False
        if "document" in details and entry.action in ("add_codings", "import_codings", "uncode"):
            head += t("change.in_document", document=details["document"])
    elif single and counts.get("codings.insert"):
        return _one_coding("change.coded", details, entry.coder)
    elif single and counts.get("codings.delete"):
        return _one_coding("change.uncoded", details, entry.coder)
    else:
        head = entry.summary
    if told and entry.action in _ONE_THING and not counts.get("codings.insert"):
        return head
    tail = _counts(details)
    return f"{head}: {tail}" if tail else head


def change_record(entry: JournalEntry) -> dict[str, Any]:
    """A journal entry as plain JSON values, for ``--json`` output."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat() + "Z",
        "by": entry.coder,
        "action": entry.action,
        "description": describe_change(entry),
        "summary": entry.summary,
        "coders": list(entry.coders),
        "state": entry.state,
        "undone": entry.undone,
    }
