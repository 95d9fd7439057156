"""Make a project look as an older codage left it, by running the real migrations down."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from codage.services import Project
from codage.store.engine import _alembic_config


def downgrade(path: Path, revision: str) -> None:
    """Take the project at ``path`` down to schema ``revision`` with Alembic's own downgrades."""
    with Project.open(str(path)) as project:
        config = _alembic_config()
        with project.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, revision)
