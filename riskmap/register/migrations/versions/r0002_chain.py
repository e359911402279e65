"""The history's hash chain; rows written before it are chained in their order of writing.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from riskmap.register.chain import backfill
from riskmap.register.database import Conn
from riskmap.register.dialect import ddl, drop_guard, guard_statements, split_script
from riskmap.register.schema import _MIGRATIONS

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    for statement in split_script(_MIGRATIONS[1]):
        op.execute(ddl(statement, dialect))
    # Chain the rows written before: the append-only guard steps aside once.
    op.execute(drop_guard(dialect, "hazard_history_no_update"))
    backfill(Conn(bind, dialect))
    for statement in guard_statements(dialect, ("hazard_history_no_update",))[-1:]:
        op.execute(statement)
