"""The two faces offer the same verbs (issue 13): every key binding of the interface that
changes a project has a command of the command line.

The interface's bindings are read from its classes (every ``BINDINGS`` under
``codage.tui``); each must be classified here, so that a new action fails this test until
someone says which command does the same, or that it changes nothing in the project.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import get_args

from textual.binding import Binding

import codage.tui
from codage.analysis.agreement_service import UNIT_CHOICES
from codage.analysis.consensus import RULES
from codage.cli import app
from codage.cli.agreement_cmds import RuleChoice, UnitChoice
from codage.cli.export_cmds import GroupChoice
from codage.exchange.docx_report import GROUPS

# binding id -> the command that does the same to a project
CHANGES: dict[str, tuple[str, ...]] = {
    "transcript.apply_code": ("code",),
    "codebook.apply": ("code",),
    "transcript.remove_coding": ("uncode",),
    "memo": ("memo", "add"),
    "undo": ("undo",),
    "compare.undo": ("undo",),
    "aside.undo": ("undo",),
    "redo": ("redo",),
    "codebook.create": ("codebook", "add"),
    "codebook.create_top": ("codebook", "add"),
    "picker.create": ("codebook", "add"),
    "codebook.rename": ("codebook", "rename"),
    "codebook.recolour": ("codebook", "recolour"),
    "codebook.describe": ("codebook", "describe"),
    "codebook.move_up": ("codebook", "move"),
    "codebook.move_down": ("codebook", "move"),
    "codebook.indent": ("codebook", "move"),
    "codebook.outdent": ("codebook", "move"),
    "codebook.merge": ("codebook", "merge"),
    "codebook.delete": ("codebook", "delete"),
    "pseudo.save": ("pseudonymise", "apply"),
    # a reviewer's decision on one disagreement writes the consensus layer, as
    # `consensus` does by rule for all of them
    **{f"compare.accept_{n}": ("consensus",) for n in range(1, 10)},
    "compare.union": ("consensus",),
    "compare.intersection": ("consensus",),
    "aside.place_match": ("aside", "place"),
    "aside.place_selection": ("aside", "place"),
    "aside.discard": ("aside", "discard"),
    "search_screen.code_hits": ("autocode",),
    "search_screen.code_units": ("autocode",),
    "search_screen.undo": ("undo",),
    # the editor on the open document's text, and saving it, correct the text as
    # `document replace` does (every coding re-anchored)
    "edit_text": ("document", "replace"),
    "edit.save": ("document", "replace"),
    # accepting a suggestion codes the passage, as `suggest --accept` does (issue 18)
    "assist.accept": ("suggest",),
    "assist.code": ("code",),
}
# Read-only views with a command of their own too (what the face shows, the other lists).
SHOWS: dict[str, tuple[str, ...]] = {
    "export.run": ("export", "docx"),
    "retrieval": ("segments",),
    "stats": ("stats",),
    "compare": ("agreement",),
    "aside": ("aside",),
    "corpus_search": ("search",),
    # the review screen opens on the stored map, or proposes one
    "pseudonyms": ("pseudonymise", "show"),
    "pseudo.propose": ("pseudonymise", "propose"),
    "transcript.similar": ("similar",),
    "transcript.suggest": ("suggest",),
}
# Moving, selecting, opening and closing: nothing in the project changes.
NO_CHANGE = {
    *(f"DocumentFilter:step({n})" for n in (-1, -10, 1, 10)),
    "aside.close",
    "assist.close",
    "edit.close",
    # a name kept or dropped, a replacement edited: the draft, stored only by pseudo.save
    "pseudo.toggle",
    "pseudo.edit",
    "pseudo.close",
    "choose_pair",
    "codebook.mark",
    "compare.close",
    "compare.coders",
    "compare.next",
    "dialog.cancel",
    "dialog.no",
    "dialog.save",
    "dialog.yes",
    "export",
    "export.close",
    "filter_answers",
    "focus_codebook",
    "focus_documents",
    "focus_transcript",
    "help",
    "help.close",
    "layers",
    "next_answer",
    "pair.cancel",
    "pair.confirm",
    "picker.cancel",
    "picker.down",
    "picker.page_down",
    "picker.page_up",
    "picker.up",
    "previous_answer",
    "quit",
    "retrieval.choose_code",
    "retrieval.close",
    "retrieval.down",
    "retrieval.first",
    "retrieval.jump",
    "retrieval.last",
    "retrieval.open",
    "retrieval.page_down",
    "retrieval.page_up",
    "retrieval.reset",
    "retrieval.subcodes",
    "retrieval.up",
    "search",
    "search_screen.close",
    "search_screen.query",
    "search_next",
    "search_previous",
    "stats.attribute",
    "stats.close",
    "stats.measure",
    "stats.reload",
    "stats.tab_1",
    "stats.tab_2",
    "stats.tab_3",
    "stats.tab_4",
    "toggle_codebook",
    "toggle_documents",
    *(
        f"transcript.{name}"
        for name in (
            "back_paragraph",
            "back_turn",
            "bottom",
            "clear",
            "down",
            "end",
            "extend_paragraph",
            "extend_sentence",
            "extend_turn",
            "home",
            "left",
            "page_down",
            "page_up",
            "right",
            "select_down",
            "select_end",
            "select_home",
            "select_left",
            "select_right",
            "select_up",
            "shrink_sentence",
            "top",
            "up",
        )
    ),
}


def interface_bindings() -> dict[str, str]:
    """Every binding of the interface: its id (else ``Class:action``) -> the class."""
    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(codage.tui.__path__, "codage.tui."):
        module = importlib.import_module(info.name)
        for name, cls in vars(module).items():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            for binding in cls.__dict__.get("BINDINGS", ()):
                if isinstance(binding, Binding):
                    found[binding.id or f"{name}:{binding.action}"] = name
    return found


def cli_commands() -> set[tuple[str, ...]]:
    """Every command path of the command line: ("code",), ("codebook", "add")..."""
    from typer.main import get_command

    out: set[tuple[str, ...]] = set()

    def walk(command: object, path: tuple[str, ...]) -> None:
        out.add(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(get_command(app), ())
    return out


def test_every_interface_binding_is_classified() -> None:
    bindings = interface_bindings()
    assert len(bindings) > 50  # the walk found the interface
    classified = set(CHANGES) | set(SHOWS) | NO_CHANGE
    new = sorted(set(bindings) - classified)
    assert not new, f"interface actions not classified in this test: {new}"
    gone = sorted(classified - set(bindings))
    assert not gone, f"classified here but no longer in the interface: {gone}"


def test_each_project_change_of_the_interface_has_its_command() -> None:
    commands = cli_commands()
    missing = {k: v for k, v in {**CHANGES, **SHOWS}.items() if v not in commands}
    assert not missing, f"interface actions without their command: {missing}"


def test_the_new_verbs_are_registered_and_have_help_panels() -> None:
    from codage.cli import COMMAND_MODULE, PANELS

    commands = cli_commands()
    for path in (
        [("memo", verb) for verb in ("add", "list", "edit", "delete")]
        + [("codebook", verb) for verb in ("add", "rename", "move", "merge", "delete", "recolour")]
        + [("document", verb) for verb in ("show", "rename", "delete")]
        + [("cases",), ("case", "set")]
    ):
        assert path in commands, path
        assert path[0] in COMMAND_MODULE, path
    placed = {name for _, names in PANELS for name in names}
    assert {"memo", "cases", "case", "document"} <= placed


def test_choices_are_the_services_own() -> None:
    """--unit, --rule and --group-by are Typer choices equal to what the services accept."""
    assert get_args(UnitChoice) == UNIT_CHOICES
    assert get_args(RuleChoice) == RULES
    assert get_args(GroupChoice) == GROUPS
