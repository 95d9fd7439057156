"""Where a project is: what a person typed (a path or a URL) turned into an SQLAlchemy
URL, shown without its password, and the role a server URL logs in as.

SQLAlchemy's URL parser is imported only for URLs: a project named by its path (the
usual SQLite file) is located with the standard library alone, so that a command that
only reads it starts without loading the database layer (issues 13 and 19).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


def project_url(location: str) -> str:
    """Turn what a person types (a path or a URL) into an SQLAlchemy URL."""
    if "://" in location:
        return location
    return f"sqlite:///{Path(location).expanduser().resolve()}"


def parse_url(url: str) -> URL | None:
    """An SQLAlchemy URL parsed, or None when it is not one."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except ArgumentError:
        return None


def display_location(location: str) -> str:
    """A project's path or URL as it may be shown on screen: passwords masked."""
    if "://" not in location:
        return location
    parsed = parse_url(location)
    return location if parsed is None else parsed.render_as_string(hide_password=True)


def login_role(location: str) -> str | None:
    """The role a server URL logs in as, found as libpq finds it; None for a SQLite file."""
    if "://" not in location:
        return None  # a path: a SQLite file
    parsed = parse_url(location)
    if parsed is None or parsed.get_backend_name() == "sqlite":
        return None
    if parsed.username:
        return parsed.username
    if os.environ.get("PGUSER"):
        return os.environ["PGUSER"]
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def is_memory_location(location: str) -> bool:
    """An in-memory SQLite database: every connection would see a new, empty one."""
    stripped = location.strip()
    if stripped == ":memory:" or stripped.startswith("file::memory:"):
        return True
    if "://" not in stripped:
        return False
    url = parse_url(stripped)
    if url is None or url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return (
        database in ("", ":memory:")
        or database.startswith("file::memory:")
        or url.query.get("mode") == "memory"
    )


def sqlite_file_of(location: str) -> Path | None:
    """The file of a project named by its path (not a URL, not in memory), else None."""
    if "://" in location or is_memory_location(location):
        return None
    return Path(project_url(location).removeprefix("sqlite:///"))
