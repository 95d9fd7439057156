"""A team on a database server: whole projects copied between back ends, coders
who are database roles.

The command line and the interface call these; the work is the store's.
"""

from __future__ import annotations

from codage.store.copy import CopyReport, Progress, copy_project
from codage.store.engine import login_role

__all__ = ["CopyReport", "Progress", "copy_project", "login_role"]
