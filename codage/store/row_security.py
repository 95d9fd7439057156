"""Lanes on PostgreSQL: each coder is the database role they log in as, and the
server itself refuses a write under someone else's name (row-level security).

A role may insert, change and delete only the codings, codings kept aside and
memos whose coder (author) is itself, journal entries it is the actor of, and
its own line in the coders table. The project's owner (the owner of the
database, or any role granted that role: "a role marked as such") may do what
merges, consensus and a placed-aside coding need on anyone's rows; those are
journaled like every change. Everyone may read everything: agreement and
consensus compare the layers.

SQLite has no roles: there the lanes are the Project API's alone.
"""

from __future__ import annotations

from sqlalchemy import Connection

# (table, the column that names the row's coder)
LANES = (
    ("codings", "coder_id"),
    ("codings_aside", "coder_id"),
    ("memos", "author_id"),
    ("journal", "actor_id"),
)
# What a coder may write besides their lanes: the codebook is open to everyone, and so
# are the assistance's derived vectors, its vocabulary and its record of runs (issue 18).
OPEN_TABLES = ("codes", "unit_vectors", "assist_terms", "assist_runs")

FUNCTIONS = """
CREATE OR REPLACE FUNCTION codage_is_owner() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT pg_has_role(current_user,
                       (SELECT datdba FROM pg_database WHERE datname = current_database()),
                       'MEMBER')
$$;
CREATE OR REPLACE FUNCTION codage_coder_id() RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT id FROM coders WHERE name = current_user
$$;
"""


def enable(conn: Connection) -> None:
    """Turn the lanes on (PostgreSQL only; nothing to do elsewhere)."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(FUNCTIONS)
    for table, column in LANES:
        conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        conn.exec_driver_sql(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (true)")
        rule = f"({column} = codage_coder_id() OR codage_is_owner())"
        conn.exec_driver_sql(
            f"CREATE POLICY {table}_own ON {table} FOR ALL USING {rule} WITH CHECK {rule}"
        )
    conn.exec_driver_sql("ALTER TABLE coders ENABLE ROW LEVEL SECURITY")
    conn.exec_driver_sql("CREATE POLICY coders_read ON coders FOR SELECT USING (true)")
    conn.exec_driver_sql(
        "CREATE POLICY coders_own ON coders FOR ALL "
        "USING (name = current_user OR codage_is_owner()) "
        "WITH CHECK (name = current_user OR codage_is_owner())"
    )


def disable(conn: Connection) -> None:
    """Undo :func:`enable` (a downgrade)."""
    if conn.dialect.name != "postgresql":
        return
    for table in (*(t for t, _ in LANES), "coders"):
        conn.exec_driver_sql(f"DROP POLICY IF EXISTS {table}_read ON {table}")
        conn.exec_driver_sql(f"DROP POLICY IF EXISTS {table}_own ON {table}")
        conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS codage_coder_id()")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS codage_is_owner()")


def grant_coder(conn: Connection, role: str) -> None:
    """What a coder's role needs on this project: read all, write the codebook and their lanes."""
    quoted = quote_role(role)
    database = conn.exec_driver_sql("SELECT current_database()").scalar()
    conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO {quoted}')
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {quoted}")
    conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {quoted}")
    writable = ", ".join((*(t for t, _ in LANES), *OPEN_TABLES, "coders"))
    conn.exec_driver_sql(f"GRANT INSERT, UPDATE, DELETE ON {writable} TO {quoted}")
    conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    # tables a later upgrade adds (run by the owner, as every upgrade is) are read too
    conn.exec_driver_sql(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {quoted}"
    )
    conn.exec_driver_sql(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}"
    )


def quote_role(role: str) -> str:
    """A role name as an SQL identifier (roles are named after people, any spelling)."""
    return '"' + role.replace('"', '""') + '"'
