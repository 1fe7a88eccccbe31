"""Alembic environment. The URL comes from the caller (``luukku migrate``) or from settings."""

from alembic import context
from sqlmodel import SQLModel

import server.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from server.db import make_engine
from server.settings import get_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one; with foreign keys on, that
            # drop fails once other tables' rows point at it. They are off while the migrations run
            # and checked when they are done (the pragma works only outside a transaction: on the
            # driver's connection, before SQLAlchemy begins one).
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=True,  # SQLite can only ALTER by copying the table
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
        if sqlite:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
    engine.dispose()


run_migrations_online()
