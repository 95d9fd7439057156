"""The pseudonymiser: whole words, case and accents folded, titles with their name, longest
name first, offsets that follow the replacements; the YAML map read with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.domain import Pseudonym
from codage.services.pseudonyms import (
    Pseudonymiser,
    PseudonymMapError,
    name_key,
    number_pseudonyms,
    read_map,
    write_map,
)


def mapper() -> Pseudonymiser:
    return Pseudonymiser(
        [
            Pseudonym("durand", "Durand", "PER", "[Agent 1]"),
            Pseudonym("jean durand", "Jean Durand", "PER", "[Agent 2]"),
            Pseudonym("lannion", "Lannion", "LOC", "[Commune A]"),
            Pseudonym("cafe", "Café", "ORG", "[Organisation 1]", keep=False),
        ]
    )


def test_titles_are_kept_out_of_the_key() -> None:
    assert name_key("Mme Durand") == name_key("DURAND") == name_key(" durand ") == "durand"
    assert name_key("Monsieur  Jean   Durand") == "jean durand"
    assert name_key("M.") is None and name_key("Mme") is None


def test_whole_words_folded_longest_first_with_titles() -> None:
    text = "Mme Durand vit à LANNION ; Jean Durand aussi. Durandal et Lannionnais non. Café."
    assert mapper().text(text) == (
        "[Agent 1] vit à [Commune A] ; [Agent 2] aussi. Durandal et Lannionnais non. Café."
    )
    assert mapper().text("Élodie DURÁND") == "Élodie [Agent 1]"


def test_offsets_follow_the_replacements() -> None:
    text = "Le maire de Lannion, M. Durand, a signé."
    new, offsets = mapper().replace_with_offsets(text)
    assert new == "Le maire de [Commune A], [Agent 1], a signé."
    # a passage around a name, one inside a name, one after every name
    start, end = text.index("maire"), text.index(",") + 1
    assert new[offsets.start(start) : offsets.end(end)] == "maire de [Commune A],"
    inside = text.index("anni")
    assert new[offsets.start(inside) : offsets.end(inside + 2)] == "[Commune A]"
    tail = text.index("a signé")
    assert new[offsets.start(tail) : offsets.end(len(text))] == "a signé."


def test_numbering_per_kind_keeps_reviewed_replacements() -> None:
    found = [("b", "B", "PER", 3), ("a", "A", "PER", 9), ("x", "X", "LOC", 2), ("y", "Y", "LOC", 5)]
    named = {p.key: p.replacement for p in number_pseudonyms(found)}
    assert named == {"a": "[Agent 1]", "b": "[Agent 2]", "y": "[Commune A]", "x": "[Commune B]"}
    stored = [Pseudonym("b", "B", "PER", "[Agent 1]")]
    again = {p.key: p.replacement for p in number_pseudonyms(found, stored)}
    assert again["b"] == "[Agent 1]" and again["a"] == "[Agent 2]"


def test_the_yaml_map_round_trips_and_bad_maps_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    write_map(mapper().pseudonyms, path)
    assert {p.key for p in read_map(path)} == {"durand", "jean durand", "lannion"}
    cases = {
        "Durand: [unclosed\n": "not valid YAML",
        "- a list\n": "expected a mapping",
        "Durand: {kind: XYZ, replacement: '[A]'}\n": "kind 'XYZ'",
        "Mme Durand: '[A 1]'\nDURAND: '[A 2]'\n": "are the same name",
        "Durand: {keep: yes-please, replacement: x}\n": "keep must be true or false",
        "Durand: {replacement: ''}\n": "has no replacement",
    }
    for content, message in cases.items():
        path.write_text(content, "utf-8")
        with pytest.raises(PseudonymMapError, match=message):
            read_map(path)
