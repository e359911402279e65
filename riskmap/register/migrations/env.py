"""Alembic's environment for the register database: migrations run on the connection
:class:`riskmap.register.database.Database` passes in, inside its write transaction."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
