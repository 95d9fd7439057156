"""User settings: coder name, language, default project, key bindings.

Stored as TOML in the platform's config folder (``CODAGE_CONFIG`` overrides
the path, which tests use).
"""

from __future__ import annotations

import getpass
import locale
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_config_path

from codage.display import check_plain_name

LANGUAGES = ("en", "fr")


class SettingsError(ValueError):
    """A settings file that cannot be read; the message names the file."""


@dataclass
class Settings:
    coder: str | None = None
    language: str | None = None
    project: str | None = None
    # binding id -> keys, e.g. {"apply_code": "c"}
    keys: dict[str, str] = field(default_factory=dict)


def settings_path() -> Path:
    override = os.environ.get("CODAGE_CONFIG")
    if override:
        return Path(override)
    return user_config_path("codage") / "settings.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing file gives the defaults."""
    path = path or settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not a valid settings file ({exc})") from None
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise SettingsError(f"{path}: [keys] must map binding ids to key names")
    language = data.get("language")
    if language is not None and language not in LANGUAGES:
        raise SettingsError(f"{path}: language must be one of {', '.join(LANGUAGES)}")
    return Settings(
        coder=data.get("coder"), language=language, project=data.get("project"), keys=dict(keys)
    )


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings file (a handful of flat keys and one table)."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"{key} = {_toml_string(value)}"
        for key, value in (
            ("coder", settings.coder),
            ("language", settings.language),
            ("project", settings.project),
        )
        if value
    ]
    if settings.keys:
        lines += ["", "[keys]"]
        lines += [
            f"{_toml_string(k)} = {_toml_string(v)}" for k, v in sorted(settings.keys.items())
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def resolve_coder(explicit: str | None = None, settings: Settings | None = None) -> str:
    """--coder, else CODAGE_CODER, else the settings, else the login name.

    A name with control characters is refused (SettingsError): it would be written
    into the project and reach the terminal of everyone who lists the codings.
    """
    for candidate in (explicit, os.environ.get("CODAGE_CODER")):
        if candidate and candidate.strip():
            return _checked_coder(candidate.strip())
    settings = settings if settings is not None else load_settings()
    if settings.coder:
        return _checked_coder(settings.coder)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "coder"


def _checked_coder(name: str) -> str:
    problem = check_plain_name(name, "coder")
    if problem is not None:
        raise SettingsError(problem)
    return name


def resolve_language(settings: Settings | None = None) -> str:
    """CODAGE_LANG, else the settings, else the locale, else English."""
    env = os.environ.get("CODAGE_LANG")
    if env in LANGUAGES:
        return env
    try:
        settings = settings if settings is not None else load_settings()
    except SettingsError:
        settings = Settings()
    if settings.language in LANGUAGES:
        return settings.language
    for value in (os.environ.get("LC_ALL"), os.environ.get("LC_MESSAGES"), os.environ.get("LANG")):
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    loc = locale.getlocale()[0] or ""
    return "fr" if loc.lower().startswith("fr") else "en"
