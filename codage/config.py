"""User settings: coder name, language, default project, key bindings.

Stored as TOML in the platform's config folder (``CODAGE_CONFIG`` overrides
the path, which tests use).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

# TOML, platformdirs, the locale and Rich (for names) load when a settings file is
# read or written or a name checked: every command resolves its language at start.
if TYPE_CHECKING:
    import tomllib

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
    # project location -> the two coders the interface compares there
    pairs: dict[str, list[str]] = field(default_factory=dict)
    # how many automatic backups of each project are kept (0: none are made)
    backups: int | None = None


def settings_path() -> Path:
    override = os.environ.get("CODAGE_CONFIG")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path("codage") / "settings.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing file gives the defaults."""
    path = path or settings_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except IsADirectoryError:
        raise SettingsError(f"{path}: is a folder, not a settings file") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read the settings file ({exc.strerror})") from None
    import tomllib

    try:
        source = raw.decode("utf-8")
        data = tomllib.loads(source)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SettingsError(f"{path}, line {line}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}, {_toml_problem(exc, source)}") from None
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise SettingsError(f"{path}: [keys] must map binding ids to key names")
    pairs = data.get("pairs", {})
    if not isinstance(pairs, dict) or not all(
        isinstance(v, list) and all(isinstance(n, str) for n in v) for v in pairs.values()
    ):
        raise SettingsError(f"{path}: [pairs] must map projects to lists of coder names")
    language = data.get("language")
    if language is not None and language not in LANGUAGES:
        raise SettingsError(f"{path}: language must be one of {', '.join(LANGUAGES)}")
    backups = data.get("backups")
    if backups is not None and (
        isinstance(backups, bool) or not isinstance(backups, int) or backups < 0
    ):
        raise SettingsError(f"{path}: backups must be a whole number, 0 or more")
    return Settings(
        backups=backups,
        coder=data.get("coder"),
        language=language,
        project=data.get("project"),
        keys=dict(keys),
        pairs={k: list(v) for k, v in pairs.items()},
    )


def _toml_problem(exc: tomllib.TOMLDecodeError, source: str) -> str:
    """'line N: what is wrong' from tomllib's 'what is wrong (at line N, column M)'."""
    message = str(exc)
    match = re.search(r"^(.*) \(at (?:line (\d+), column \d+|end of document)\)$", message)
    if match is None:
        return f"not valid TOML: {message}"
    line = match.group(2) or str(source.rstrip("\n").count("\n") + 1)
    return f"line {line}: not valid TOML ({match.group(1).lower()})"


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings file (a handful of flat keys and two tables)."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        key: value
        for key, value in (
            ("coder", settings.coder),
            ("language", settings.language),
            ("project", settings.project),
        )
        if value
    }
    if settings.backups is not None:
        data["backups"] = settings.backups
    if settings.keys:
        data["keys"] = dict(sorted(settings.keys.items()))
    if settings.pairs:
        data["pairs"] = {k: list(v) for k, v in sorted(settings.pairs.items())}
    import tomli_w

    try:
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
    except IsADirectoryError:
        raise SettingsError(f"{path}: is a folder, not a settings file") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot write the settings file ({exc.strerror})") from None
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
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "coder"


def _checked_coder(name: str) -> str:
    from codage.display import check_plain_name

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
    import locale

    loc = locale.getlocale()[0] or ""
    return "fr" if loc.lower().startswith("fr") else "en"
