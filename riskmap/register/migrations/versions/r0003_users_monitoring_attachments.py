"""Users, monitoring readings and warnings, attachments; 'attach' in the history.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from riskmap.register.dialect import GUARDS_3, ddl, drop_guard, guard_statements, split_script
from riskmap.register.schema import _HISTORY_3, _HISTORY_3_PG, _MIGRATIONS

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_HISTORY_GUARDS = ("hazard_history_no_update", "hazard_history_no_delete")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in split_script(_MIGRATIONS[2]):
        op.execute(ddl(statement, dialect))
    if dialect == "postgresql":
        for statement in _HISTORY_3_PG:
            op.execute(statement)
    else:  # SQLite cannot change a CHECK constraint: the table is rebuilt, rows in order
        for name in _HISTORY_GUARDS:
            op.execute(drop_guard(dialect, name))
        for statement in split_script(_HISTORY_3):
            op.execute(statement)
        for statement in guard_statements(dialect, _HISTORY_GUARDS):
            op.execute(statement)
    for statement in guard_statements(dialect, GUARDS_3):
        op.execute(statement)
