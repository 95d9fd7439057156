"""Settings: where the coder, the language and key bindings come from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codage import i18n
from codage.cli import app
from codage.config import (
    Settings,
    SettingsError,
    load_settings,
    resolve_coder,
    resolve_language,
    save_settings,
    settings_path,
)
from codage.services import Project
from tests.conftest import ROOT


def test_settings_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    saved = Settings(coder='Zoé "Z"', language="fr", project="/data/p.db", keys={"apply_code": "a"})
    save_settings(saved, path)
    assert load_settings(path) == saved


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "absent.toml") == Settings()


@pytest.mark.parametrize("text", ["coder = ", 'language = "de"', "[keys]\napply_code = 3"])
def test_bad_settings_name_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=r"s\.toml"):
        load_settings(path)


def test_coder_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    save_settings(Settings(coder="from-settings"))
    assert settings_path().exists()
    assert resolve_coder("explicit") == "explicit"
    monkeypatch.setenv("CODAGE_CODER", "from-env")
    assert resolve_coder(None) == "from-env"
    monkeypatch.delenv("CODAGE_CODER")
    assert resolve_coder(None) == "from-settings"
    save_settings(Settings())
    assert resolve_coder(None)  # the login name


def test_language_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODAGE_LANG")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert resolve_language() == "fr"
    save_settings(Settings(language="en"))
    assert resolve_language() == "en"
    monkeypatch.setenv("CODAGE_LANG", "fr")
    assert resolve_language() == "fr"


def test_every_string_has_both_languages() -> None:
    for key, texts in i18n.CATALOG.items():
        assert set(texts) >= {"en", "fr"}, key
    i18n.set_language("fr")
    assert i18n.t("undo.none", coder="x") == "Rien à annuler pour x"
    i18n.set_language("en")
    assert i18n.t("undo.none", coder="x") == "Nothing to undo for x"
    with pytest.raises(ValueError):
        i18n.register({"x": {"en": "only English"}})


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('coder = "Zoé"\nlanguage = \n', 2, "invalid value"),
        ('coder = "Zoé"\n\n[keys]\n[keys]\n', 4, "cannot declare"),
        ('coder = "Zoé\n', 1, "illegal character"),
    ],
)
def test_bad_toml_names_the_file_and_the_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}: ")
    assert words in message.lower()
    assert "\n" not in message


def test_settings_that_are_not_utf8_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b'coder = "a"\ncoder2 = "Zo\xe9"\n')
    with pytest.raises(SettingsError, match=r"settings\.toml, line 2: not UTF-8"):
        load_settings(path)


def test_a_settings_path_that_is_a_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="is a folder, not a settings file"):
        load_settings(tmp_path)
    with pytest.raises(SettingsError, match="is a folder, not a settings file"):
        save_settings(Settings(coder="x"), tmp_path)


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("codage: error: ")
    assert "Traceback" not in stderr
    return lines[0]


def test_settings_errors_on_the_command_line(
    tmp_path: Path, project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command that needs the coder reads the settings: a broken file is one line, exit 2."""
    Project.open(str(project_path)).close()
    runner = CliRunner()
    undo = ["undo", "-p", str(project_path)]
    monkeypatch.setenv("CODAGE_CONFIG", str(tmp_path))
    result = runner.invoke(app, undo)
    assert result.exit_code == 2
    assert f"{tmp_path}: is a folder" in _one_error_line(result.stderr)

    bad = tmp_path / "settings.toml"
    bad.write_text('coder = "Zoé"\nlanguage = \n', encoding="utf-8")
    monkeypatch.setenv("CODAGE_CONFIG", str(bad))
    result = runner.invoke(app, undo)
    assert result.exit_code == 2
    assert f"{bad}, line 2: not valid TOML" in _one_error_line(result.stderr)

    done = subprocess.run(
        [sys.executable, "-m", "codage", *undo],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 2
    assert f"{bad}, line 2: not valid TOML" in _one_error_line(done.stderr)


def test_coder_pairs_per_project_round_trip(tmp_path: Path) -> None:
    from codage.config import Settings, load_settings, save_settings

    path = tmp_path / "settings.toml"
    settings = Settings(coder="alice", pairs={'/data/é "x".db': ["bob", "chloé"]})
    save_settings(settings, path)
    assert load_settings(path).pairs == {'/data/é "x".db': ["bob", "chloé"]}
    path.write_text('[pairs]\n"/p.db" = "bob"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="pairs"):
        load_settings(path)


def test_settings_with_awkward_characters_round_trip(tmp_path: Path) -> None:
    # Quotes, backslashes, a control character and a newline in a project path:
    # the settings file is written by a TOML library, so all come back as they were.
    path = tmp_path / "settings.toml"
    awkward = 'C:\\projets\\"étude"\x01\nfin.db'
    settings = Settings(coder="Anne", project=awkward, pairs={awkward: ["a\tb", "c"]})
    save_settings(settings, path)
    assert load_settings(path) == settings
