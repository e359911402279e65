"""The register: numbered hazards, their history and number counters, with the guards.

Revision ID: 0001
Revises:
"""

from alembic import op

from riskmap.register.dialect import GUARDS_1, ddl, guard_statements, split_script
from riskmap.register.schema import _MIGRATIONS

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in split_script(_MIGRATIONS[0]):
        op.execute(ddl(statement, dialect))
    for statement in guard_statements(dialect, GUARDS_1):
        op.execute(statement)
