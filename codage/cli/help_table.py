"""What ``codage --help`` lists, without importing the modules of the commands.

The list of commands is most of what a person first asks of ``codage``, and importing
every command module to print it loaded SQLAlchemy, Word, spreadsheets and the analysis
wing (issue 19). Each command's help text is kept here as well as in its docstring;
``tests/cli/test_start_up.py`` checks that ``codage --help`` prints the same bytes from
this table as from the commands themselves, so that the two cannot drift apart. A command
missing here is still listed: ``codage --help`` then imports every module, as before.
"""

from __future__ import annotations

COMMAND = "command"
GROUP = "group"

# Top-level command or group -> (kind, its help as its docstring or Typer(help=...) says).
COMMAND_HELP: dict[str, tuple[str, str]] = {
    "init": (COMMAND, "Create a new project (a SQLite file by default)."),
    "demo": (COMMAND, "Build the demo study (first run) and open the interface on it."),
    "tui": (COMMAND, "Open the coding interface on a project."),
    "documents": (COMMAND, "List the documents of the project."),
    "cases": (COMMAND, "List the cases with their attributes and the documents they hold."),
    "history": (
        COMMAND,
        "List the journal, newest first: who changed what, when, and whether it was undone.",
    ),
    "import": (
        COMMAND,
        "Import transcripts, tables of open answers and REFI-QDA projects (.qdpx).",
    ),
    "code": (COMMAND, "Code a passage of a document (scriptable)."),
    "uncode": (COMMAND, "Remove the current coder's coding(s) of a code in a document."),
    "segments": (COMMAND, "List coded segments."),
    "search": (COMMAND, "Search the corpus: hits ranked, with their document, speaker and case."),
    "autocode": (
        COMMAND,
        "Code every hit of a search (or its unit) as one step, marked automatic.",
    ),
    "undo": (
        COMMAND,
        "Undo the last change you made, whoever's codings it touched; across sessions.",
    ),
    "redo": (COMMAND, "Redo the last change you undid."),
    "merge": (
        COMMAND,
        "Merge coders' projects into one: documents, codebook, cases, memos and codings.",
    ),
    "agreement": (COMMAND, "Inter-coder agreement per code and overall, with the disagreements."),
    "consensus": (
        COMMAND,
        "Build a consensus coder layer from several coders.",
    ),
    "copy": (
        COMMAND,
        "Copy a whole project between SQLite and PostgreSQL, ids and journal included.",
    ),
    "stats": (
        COMMAND,
        "Frequencies per code, code x document and code x attribute crosstabs, co-occurrence.",
    ),
    "document": (GROUP, "Show, rename, correct or delete one document."),
    "case": (GROUP, "Set the attributes of a case."),
    "codebook": (GROUP, "Show, import, export and edit the codebook."),
    "memo": (GROUP, "Memos on the project, a document, a code or a coding."),
    "aside": (GROUP, "List, place or discard the codings a merge could not place."),
    "team": (GROUP, "A team on PostgreSQL: each coder logs in as their own database role."),
    "export": (
        GROUP,
        "Export codings: Word quotation dossier, coded transcript, CSV or XLSX tables, "
        "REFI-QDA project (.qdpx) or codebook (.qdc).",
    ),
    "pseudonymise": (
        GROUP,
        "Pseudonymise: propose the names of people, places and organisations, store the "
        "reviewed replacement map, show it, write a pseudonymised copy of the project.",
    ),
    "backups": (
        COMMAND,
        "List the backups codage made of the project before risky changes, newest first.",
    ),
    "restore": (
        COMMAND,
        "Bring a backup back over the project; the project as it was is backed up first.",
    ),
    "similar": (
        COMMAND,
        "The units most like a passage across the corpus, with a similarity score.",
    ),
    "suggest": (
        COMMAND,
        "Codes suggested for each uncoded passage of a document, with the passages behind them.",
    ),
    "assist-runs": (
        COMMAND,
        "What produced each similarity and suggestion run: method, model, parameters.",
    ),
}
