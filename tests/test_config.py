"""Settings: where the coder, the language and key bindings come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage import i18n
from codage.config import (
    Settings,
    SettingsError,
    load_settings,
    resolve_coder,
    resolve_language,
    save_settings,
    settings_path,
)


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


def test_coder_pairs_per_project_round_trip(tmp_path: Path) -> None:
    from codage.config import Settings, load_settings, save_settings

    path = tmp_path / "settings.toml"
    settings = Settings(coder="alice", pairs={'/data/é "x".db': ["bob", "chloé"]})
    save_settings(settings, path)
    assert load_settings(path).pairs == {'/data/é "x".db': ["bob", "chloé"]}
    path.write_text('[pairs]\n"/p.db" = "bob"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="pairs"):
        load_settings(path)
