"""French and English strings of the coding interface (keys prefixed ``tui.``).

``tui.key.<binding id>`` keys name what a binding does: :func:`codage.tui.bindings.localize`
puts them in the footer and the help screen in the current language.
"""

from __future__ import annotations

from codage.i18n import register

STRINGS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------- panes and titles
    "tui.documents": {"en": "Documents", "fr": "Documents"},
    "tui.codebook": {"en": "Codebook", "fr": "Grille de codage"},
    "tui.codebook.title": {"en": "Codebook (here/all)", "fr": "Grille (ici/total)"},
    "tui.codebook.counts_help": {
        "en": "3/12 before a code: 3 codings in this document, 12 in the whole project "
        "(all coders).",
        "fr": "3/12 devant un code : 3 codages dans ce document, 12 dans tout le projet "
        "(tous codeurs).",
    },
    "tui.under_cursor": {"en": "Under the cursor", "fr": "Sous le curseur"},
    "tui.filter.placeholder": {
        "en": "Filter: name, key=value",
        "fr": "Filtre : nom, clé=valeur",
    },
    "tui.no_document": {
        "en": "Choose a document in the list (o) to start reading.",
        "fr": "Choisissez un document dans la liste (o) pour commencer la lecture.",
    },
    "tui.no_documents": {
        "en": "No document yet: import some with `codage import`.",
        "fr": "Aucun document : importez-en avec `codage import`.",
    },
    "tui.coded_share": {"en": "{share}% coded", "fr": "{share} % codé"},
    "tui.nothing_here": {"en": "No coding here.", "fr": "Aucun codage ici."},
    "tui.offset": {"en": "Offset {offset}", "fr": "Position {offset}"},
    "tui.document_memo": {"en": "Document memo", "fr": "Mémo du document"},
    "tui.counts": {"en": "{doc} here · {all} in all", "fr": "{doc} ici · {all} en tout"},
    "tui.layer.mine": {"en": "my codings", "fr": "mes codages"},
    "tui.layer.all": {"en": "all coders", "fr": "tous les codeurs"},
    "tui.layer.side": {"en": "{left} | {right}", "fr": "{left} | {right}"},
    "tui.layer.none_other": {
        "en": "No other coder has coded this document.",
        "fr": "Aucun autre codeur n'a codé ce document.",
    },
    "tui.answers": {
        "en": "{shown} of {total} answers",
        "fr": "{shown} réponses sur {total}",
    },
    "tui.answer_filter": {"en": "filter: {filter}", "fr": "filtre : {filter}"},
    "tui.no_answer_match": {
        "en": "No answer matches {filter}.",
        "fr": "Aucune réponse ne correspond à {filter}.",
    },
    "tui.not_survey": {
        "en": "This document has no survey answers.",
        "fr": "Ce document n'a pas de réponses d'enquête.",
    },
    "tui.marked": {
        "en": "Marked {code}: highlight the code to merge it into and press G.",
        "fr": "{code} marqué : sélectionnez le code cible et appuyez sur G.",
    },
    "tui.no_mark": {
        "en": "Mark a code first (M), then merge it into the highlighted one (G).",
        "fr": "Marquez d'abord un code (M), puis fusionnez-le dans le code sélectionné (G).",
    },
    "tui.no_code_here": {
        "en": "No code under the cursor or highlighted in the codebook.",
        "fr": "Aucun code sous le curseur ni sélectionné dans la grille.",
    },
    "tui.open_document_first": {
        "en": "Open a document first.",
        "fr": "Ouvrez d'abord un document.",
    },
    # ------------------------------------------------------------- notifications
    "tui.coded": {"en": "Coded with {code}", "fr": "Codé avec {code}"},
    "tui.uncoded": {"en": "Removed {code}", "fr": "{code} retiré"},
    "tui.memo_saved": {"en": "Memo saved", "fr": "Mémo enregistré"},
    "tui.code_created": {"en": "Code {code} created", "fr": "Code {code} créé"},
    "tui.code_changed": {"en": "Code {code} updated", "fr": "Code {code} modifié"},
    "tui.code_moved": {"en": "Code {code} moved", "fr": "Code {code} déplacé"},
    "tui.code_merged": {
        "en": "{source} merged into {target} ({count} codings moved)",
        "fr": "{source} fusionné dans {target} ({count} codages déplacés)",
    },
    "tui.code_deleted": {
        "en": "Code {code} deleted with {codings} codings",
        "fr": "Code {code} supprimé avec {codings} codages",
    },
    "tui.search_hits": {"en": "{count} hits for {query}", "fr": "{count} occurrences de {query}"},
    "tui.search_none": {"en": "No hit for {query}", "fr": "Aucune occurrence de {query}"},
    "tui.search_hit": {"en": "Hit {index} of {count}", "fr": "Occurrence {index} sur {count}"},
    # ------------------------------------------------------------- dialogs
    "tui.ok": {"en": "OK", "fr": "Valider"},
    "tui.cancel": {"en": "Cancel", "fr": "Annuler"},
    "tui.yes": {"en": "Yes", "fr": "Oui"},
    "tui.no": {"en": "No", "fr": "Non"},
    "tui.dialog.hint": {
        "en": "Enter: confirm · Escape: cancel",
        "fr": "Entrée : valider · Échap : annuler",
    },
    "tui.memo.hint": {
        "en": "Ctrl+S: save · Escape: cancel",
        "fr": "Ctrl+S : enregistrer · Échap : annuler",
    },
    "tui.memo.on_coding": {"en": "Memo on {code}", "fr": "Mémo sur {code}"},
    "tui.memo.on_document": {"en": "Memo on {document}", "fr": "Mémo sur {document}"},
    "tui.which_coding.remove": {
        "en": "Which coding to remove?",
        "fr": "Quel codage retirer ?",
    },
    "tui.which_coding.memo": {
        "en": "Memo on which coding?",
        "fr": "Mémo sur quel codage ?",
    },
    "tui.search.title": {"en": "Search in the document", "fr": "Chercher dans le document"},
    "tui.answer_filter.title": {
        "en": "Show answers where (e.g. grade=C type_collectivite=Région; empty: all)",
        "fr": "Réponses où (ex. grade=C type_collectivite=Région ; vide : toutes)",
    },
    "tui.code.new_name": {"en": "Name of the new code", "fr": "Nom du nouveau code"},
    "tui.code.new_under": {
        "en": "Name of the new code under {code}",
        "fr": "Nom du nouveau code sous {code}",
    },
    "tui.code.rename": {"en": "New name of {code}", "fr": "Nouveau nom de {code}"},
    "tui.code.recolour": {
        "en": "Colour of {code} (#rrggbb)",
        "fr": "Couleur de {code} (#rrvvbb)",
    },
    "tui.code.describe": {"en": "Definition of {code}", "fr": "Définition de {code}"},
    "tui.code.delete": {
        "en": "Delete {code}? {codings} codings and {subcodes} sub-codes go with it "
        "(Ctrl+Z brings them back).",
        "fr": "Supprimer {code} ? {codings} codages et {subcodes} sous-codes partent avec lui "
        "(Ctrl+Z les rétablit).",
    },
    "tui.code.delete_others": {
        "en": "Among them, other coders' codings: {coders}.",
        "fr": "Dont des codages d'autres codeurs : {coders}.",
    },
    "tui.code.merge_others": {
        "en": "Other coders' codings follow too: {coders}.",
        "fr": "Des codages d'autres codeurs suivent aussi : {coders}.",
    },
    "tui.code.merge": {
        "en": "Merge {source} into {target}? Its codings follow.",
        "fr": "Fusionner {source} dans {target} ? Ses codages suivent.",
    },
    # ------------------------------------------------------------- code picker
    "tui.picker.title": {"en": "Apply a code", "fr": "Appliquer un code"},
    "tui.picker.placeholder": {"en": "Type to find a code…", "fr": "Tapez pour trouver un code…"},
    "tui.picker.hint": {
        "en": "Enter: apply · Ctrl+N: create · Escape: cancel",
        "fr": "Entrée : appliquer · Ctrl+N : créer · Échap : annuler",
    },
    "tui.picker.create": {
        "en": "Ctrl+N creates {name} under {parent}",
        "fr": "Ctrl+N crée {name} sous {parent}",
    },
    "tui.picker.top": {"en": "the top of the codebook", "fr": "la racine de la grille"},
    "tui.picker.recent": {"en": "recent", "fr": "récent"},
    # ------------------------------------------------------------- coders' lanes
    "tui.lane.not_yours": {
        "en": "Coded by {coder}: only they can remove it. Settle it in the comparison (v).",
        "fr": "Codé par {coder} : seul ce codeur peut le retirer. Tranchez en comparaison (v).",
    },
    "tui.lane.memo_read_only": {
        "en": "Memo of {coder} on {code} (read only)",
        "fr": "Mémo de {coder} sur {code} (lecture seule)",
    },
    "tui.memo.read_only_hint": {"en": "Escape: close", "fr": "Échap : fermer"},
    "tui.lane.memo_refused": {
        "en": "Only {coder} can write the memo of their coding.",
        "fr": "Seul {coder} peut écrire le mémo de son codage.",
    },
    # ------------------------------------------------------------- the two coders
    "tui.pair.title": {
        "en": "Which two coders? (the first on the left)",
        "fr": "Quels deux codeurs ? (le premier à gauche)",
    },
    "tui.pair.option": {"en": "{coder} — {count} codings", "fr": "{coder} — {count} codages"},
    "tui.pair.hint": {
        "en": "Space: choose · Enter: keep · Escape: cancel",
        "fr": "Espace : choisir · Entrée : garder · Échap : annuler",
    },
    "tui.pair.need_two": {"en": "Choose exactly two coders.", "fr": "Choisissez deux codeurs."},
    "tui.pair.none": {
        "en": "Fewer than two coders have coded this document.",
        "fr": "Moins de deux codeurs ont codé ce document.",
    },
    "tui.pair.chosen": {
        "en": "Comparing {left} and {right} in this project",
        "fr": "Comparaison de {left} et {right} dans ce projet",
    },
    # ------------------------------------------------------------- codings kept aside
    "tui.aside.title": {
        "en": "Codings kept aside — {document}",
        "fr": "Codages mis de côté — {document}",
    },
    "tui.aside.hint": {
        "en": "p: on the match · s: on the selection · d: discard · ^z: undo · Esc",
        "fr": "p : correspondance · s : sélection · d : écarter · ^z : annuler · Échap",
    },
    "tui.aside.col.code": {"en": "Code", "fr": "Code"},
    "tui.aside.col.coder": {"en": "Coder", "fr": "Codeur"},
    "tui.aside.col.old": {"en": "Text then", "fr": "Texte d'origine"},
    "tui.aside.col.match": {"en": "Best match now", "fr": "Meilleure correspondance"},
    "tui.aside.no_match": {"en": "none close", "fr": "aucune proche"},
    "tui.aside.was": {"en": "Then:", "fr": "Avant :"},
    "tui.aside.now": {"en": "Now:", "fr": "Maintenant :"},
    "tui.aside.none": {
        "en": "No coding of this document is kept aside.",
        "fr": "Aucun codage de ce document n'est mis de côté.",
    },
    "tui.aside.no_match_here": {
        "en": "No close match: select the passage in the text, then press s here.",
        "fr": "Aucune correspondance proche : sélectionnez le passage, puis s ici.",
    },
    "tui.aside.no_selection": {
        "en": "Nothing was selected in the text when this list opened.",
        "fr": "Rien n'était sélectionné dans le texte à l'ouverture de cette liste.",
    },
    "tui.aside.placed": {
        "en": "Placed {coder}'s coding on [{start}, {end})",
        "fr": "Codage de {coder} placé sur [{start}, {end})",
    },
    "tui.aside.discarded": {"en": "Coding discarded", "fr": "Codage écarté"},
    # ------------------------------------------------------------- help
    "tui.help.title": {"en": "Keys", "fr": "Touches"},
    "tui.help.scope.app": {"en": "Everywhere", "fr": "Partout"},
    "tui.help.scope.workbench": {"en": "Workbench", "fr": "Poste de codage"},
    "tui.help.scope.transcript": {"en": "Transcript", "fr": "Transcription"},
    "tui.help.scope.codebook": {"en": "Codebook tree", "fr": "Arbre de la grille"},
    "tui.help.hint": {
        "en": "Keys can be remapped in the settings file, [keys] table, by binding id.",
        "fr": "Les touches se redéfinissent dans le fichier de réglages, table [keys], par id.",
    },
    "tui.help.col.key": {"en": "Key", "fr": "Touche"},
    "tui.help.col.action": {"en": "Action", "fr": "Action"},
    "tui.help.col.id": {"en": "Id", "fr": "Id"},
    # ------------------------------------------------------------- bindings
    "tui.key.quit": {"en": "Quit", "fr": "Quitter"},
    "tui.key.help": {"en": "Help", "fr": "Aide"},
    "tui.key.palette": {"en": "Commands", "fr": "Commandes"},
    "tui.key.undo": {"en": "Undo", "fr": "Annuler"},
    "tui.key.redo": {"en": "Redo", "fr": "Rétablir"},
    "tui.key.memo": {"en": "Memo", "fr": "Mémo"},
    "tui.key.search": {"en": "Search", "fr": "Chercher"},
    "tui.key.corpus_search": {"en": "Search the corpus", "fr": "Chercher dans le corpus"},
    "tui.key.search_next": {"en": "Next hit", "fr": "Occurrence suivante"},
    "tui.key.search_previous": {"en": "Previous hit", "fr": "Occurrence précédente"},
    "tui.key.toggle_documents": {"en": "Documents", "fr": "Documents"},
    "tui.key.toggle_codebook": {"en": "Codebook", "fr": "Grille"},
    "tui.key.focus_documents": {"en": "Open…", "fr": "Ouvrir…"},
    "tui.key.focus_codebook": {"en": "Go to codebook", "fr": "Aller à la grille"},
    "tui.key.focus_transcript": {"en": "Go to transcript", "fr": "Aller au texte"},
    "tui.key.layers": {"en": "Coders", "fr": "Codeurs"},
    "tui.key.next_answer": {"en": "Next answer", "fr": "Réponse suivante"},
    "tui.key.previous_answer": {"en": "Previous answer", "fr": "Réponse précédente"},
    "tui.key.filter_answers": {"en": "Filter answers", "fr": "Filtrer les réponses"},
    "tui.key.retrieval": {"en": "Retrieve", "fr": "Extraire"},
    "tui.key.export": {"en": "Export", "fr": "Exporter"},
    "tui.key.stats": {"en": "Statistics", "fr": "Statistiques"},
    "tui.key.compare": {"en": "Compare", "fr": "Comparer"},
    "tui.key.transcript.left": {"en": "Left", "fr": "Gauche"},
    "tui.key.transcript.right": {"en": "Right", "fr": "Droite"},
    "tui.key.transcript.up": {"en": "Up", "fr": "Haut"},
    "tui.key.transcript.down": {"en": "Down", "fr": "Bas"},
    "tui.key.transcript.home": {"en": "Line start", "fr": "Début de ligne"},
    "tui.key.transcript.end": {"en": "Line end", "fr": "Fin de ligne"},
    "tui.key.transcript.page_up": {"en": "Page up", "fr": "Page précédente"},
    "tui.key.transcript.page_down": {"en": "Page down", "fr": "Page suivante"},
    "tui.key.transcript.top": {"en": "Top", "fr": "Début"},
    "tui.key.transcript.bottom": {"en": "Bottom", "fr": "Fin"},
    "tui.key.transcript.select_left": {"en": "Select left", "fr": "Sélection à gauche"},
    "tui.key.transcript.select_right": {"en": "Select right", "fr": "Sélection à droite"},
    "tui.key.transcript.select_up": {"en": "Select up", "fr": "Sélection vers le haut"},
    "tui.key.transcript.select_down": {"en": "Select down", "fr": "Sélection vers le bas"},
    "tui.key.transcript.select_home": {
        "en": "Select to line start",
        "fr": "Sélection jusqu'au début de ligne",
    },
    "tui.key.transcript.select_end": {
        "en": "Select to line end",
        "fr": "Sélection jusqu'à la fin de ligne",
    },
    "tui.key.transcript.extend_sentence": {"en": "Sentence", "fr": "Phrase"},
    "tui.key.transcript.extend_turn": {"en": "Turn", "fr": "Tour"},
    "tui.key.transcript.extend_paragraph": {"en": "Paragraph", "fr": "Paragraphe"},
    "tui.key.transcript.shrink_sentence": {
        "en": "Sentence backward",
        "fr": "Phrase en arrière",
    },
    "tui.key.transcript.back_turn": {"en": "Turn backward", "fr": "Tour en arrière"},
    "tui.key.transcript.back_paragraph": {
        "en": "Paragraph backward",
        "fr": "Paragraphe en arrière",
    },
    "tui.key.transcript.clear": {"en": "Clear selection", "fr": "Effacer la sélection"},
    "tui.key.transcript.apply_code": {"en": "Code", "fr": "Coder"},
    "tui.key.transcript.similar": {"en": "Similar passages", "fr": "Passages semblables"},
    "tui.key.transcript.suggest": {"en": "Suggest codes", "fr": "Suggérer des codes"},
    "tui.key.assist.code": {"en": "Code it", "fr": "Le coder"},
    "tui.key.assist.accept": {"en": "Accept", "fr": "Accepter"},
    "tui.key.assist.close": {"en": "Close", "fr": "Fermer"},
    "tui.key.transcript.remove_coding": {"en": "Uncode", "fr": "Décoder"},
    "tui.key.codebook.create": {"en": "New sub-code", "fr": "Nouveau sous-code"},
    "tui.key.codebook.create_top": {"en": "New top code", "fr": "Nouveau code racine"},
    "tui.key.codebook.rename": {"en": "Rename", "fr": "Renommer"},
    "tui.key.codebook.recolour": {"en": "Colour", "fr": "Couleur"},
    "tui.key.codebook.describe": {"en": "Define", "fr": "Définir"},
    "tui.key.codebook.move_up": {"en": "Move up", "fr": "Monter"},
    "tui.key.codebook.move_down": {"en": "Move down", "fr": "Descendre"},
    "tui.key.codebook.indent": {"en": "Indent", "fr": "Indenter"},
    "tui.key.codebook.outdent": {"en": "Outdent", "fr": "Désindenter"},
    "tui.key.codebook.mark": {"en": "Mark for merge", "fr": "Marquer pour fusion"},
    "tui.key.codebook.merge": {"en": "Merge marked here", "fr": "Fusionner ici"},
    "tui.key.codebook.delete": {"en": "Delete", "fr": "Supprimer"},
    "tui.key.codebook.apply": {"en": "Apply to selection", "fr": "Appliquer à la sélection"},
    "tui.key.aside": {"en": "Kept aside", "fr": "Mis de côté"},
    "tui.key.pseudonyms": {"en": "Pseudonymise", "fr": "Pseudonymiser"},
    "tui.key.choose_pair": {"en": "Choose two coders", "fr": "Choisir deux codeurs"},
    "tui.key.aside.place_match": {"en": "Place on the match", "fr": "Placer sur la correspondance"},
    "tui.key.aside.place_selection": {
        "en": "Place on the selection",
        "fr": "Placer sur la sélection",
    },
    "tui.key.aside.discard": {"en": "Discard", "fr": "Écarter"},
    "tui.key.aside.undo": {"en": "Undo", "fr": "Annuler"},
    "tui.key.aside.close": {"en": "Close", "fr": "Fermer"},
    "tui.key.pair.confirm": {"en": "Keep", "fr": "Garder"},
    "tui.key.pair.cancel": {"en": "Cancel", "fr": "Annuler"},
    "tui.key.edit_text": {"en": "Correct the text", "fr": "Corriger le texte"},
    "tui.key.edit.save": {"en": "Save the correction", "fr": "Enregistrer la correction"},
    "tui.key.edit.close": {"en": "Close", "fr": "Fermer"},
    # ------------------------------------------------------------- palette
    "tui.cmd.open": {"en": "Open document {name}", "fr": "Ouvrir le document {name}"},
}

register(STRINGS)
