"""The demo import as the import of codage 0009 stored and printed it: the oracle that a
faster import must equal (``test_import_oracle.py``).

The oracle files in ``tests/ingest/data/`` were written by the import before its
speed-up (branch import19's base, 56cc85e) with::

    PYTHONPATH=<that tree> python tests/ingest/demo_import_oracle.py tests/ingest/data

Every table of the project is dumped row by row (rowid order, or all columns' for
a table without rowid) into one SHA-256 per
table, leaving out only the moments things happened (``imported_at``, the journal's
``at``), which differ between any two runs, and the folder of the checkout the demo files
were read from, which names the machine rather than the import.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "transcripts"

# Columns holding a moment, not a result.
MOMENTS = {("documents", "imported_at"), ("journal", "at")}

# The command of the README, which imports the whole demo study.
IMPORT_ARGS = [
    *sorted(str(p) for p in DEMO.glob("entretien-*")),
    str(DEMO / "commentaires-agents.csv"),
    "--case-attributes",
    str(DEMO / "cas-entretiens.csv"),
]


def table_digests(db: Path) -> dict[str, dict[str, object]]:
    """Per table: its row count and the SHA-256 of its rows (moments left out)."""
    connection = sqlite3.connect(db)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        out: dict[str, dict[str, object]] = {}
        for table in tables:
            columns = [
                row[1]
                for row in connection.execute(f"PRAGMA table_info({table})")
                if (table, row[1]) not in MOMENTS
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            # tables WITHOUT ROWID (the search index's) are read in their key's order
            (sql,) = connection.execute(
                "SELECT sql FROM sqlite_master WHERE name = ?", (table,)
            ).fetchone()
            order = listed if "WITHOUT ROWID" in sql.upper() else "rowid"
            digest = hashlib.sha256()
            count = 0
            for row in connection.execute(f"SELECT {listed} FROM {table} ORDER BY {order}"):
                # the demo files' paths (``source_path``) name the checkout: left out
                digest.update(repr(row).replace(str(ROOT), "<checkout>").encode("utf-8"))
                digest.update(b"\n")
                count += 1
            out[table] = {"rows": count, "sha256": digest.hexdigest()}
        return out
    finally:
        connection.close()


def run_codage(args: list[str], project: Path, tree: Path = ROOT) -> subprocess.CompletedProcess:
    """``codage ARGS`` in a fresh process of the tree ``tree``, on ``project``."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "CODAGE_PROJECT": str(project),
        "CODAGE_CODER": "amelie",
        "COLUMNS": "100",
        "NO_COLOR": "1",
    }
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "codage", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=project.parent,
        check=False,
    )


def import_demo(folder: Path, tree: Path = ROOT) -> tuple[Path, subprocess.CompletedProcess]:
    """A project in ``folder`` with the demo codebook and the demo study imported."""
    project = folder / "demo.db"
    init = run_codage(
        ["init", "--codebook", str(ROOT / "codebooks" / "collectivites-numeriques.yaml")],
        project,
        tree,
    )
    if init.returncode != 0:
        raise RuntimeError(init.stderr)
    return project, run_codage(["import", *IMPORT_ARGS], project, tree)


def main() -> None:
    import tempfile

    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        project, done = import_demo(Path(tmp))
        (target / "demo-import.out").write_text(done.stdout, encoding="utf-8")
        (target / "demo-import.err").write_text(done.stderr, encoding="utf-8")
        digests = table_digests(project)
    (target / "demo-import-tables.json").write_text(
        json.dumps({"exit": done.returncode, "tables": digests}, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
