import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app

from config import MIGRATION_LOCK_KEY

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    """The app's engine (Flask-SQLAlchemy 3)."""
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def render_item(type_, obj, autogen_context):
    """Write our column types as plain SQLAlchemy types, so migrations never import app code."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with (
        connectable.connect() as connection,
        foreign_keys_off_on_sqlite(connection),
        no_statement_limit_on_postgresql(connection),
        one_migration_at_a_time_on_postgresql(connection),
    ):
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            render_item=render_item,
            **conf_args,
        )

        with context.begin_transaction():
            context.run_migrations()


@contextmanager
def _around(connection, dialect, before, after):
    """`before` on a connection to this database, `after` once the block ends, each committed
    on its own (settings that take effect only outside a transaction, or must outlast the
    migrations' own transactions)."""
    if connection.dialect.name != dialect:
        yield
        return
    connection.exec_driver_sql(before)
    connection.commit()
    try:
        yield
    finally:
        connection.exec_driver_sql(after)
        connection.commit()


def foreign_keys_off_on_sqlite(connection):
    """SQLite changes a table's columns by copying it to a new table and dropping the old one.

    The app turns foreign keys on for every connection, and with them on, dropping the old table
    deletes every row that refers to it through ON DELETE CASCADE: dropping one column of
    consultation_group once emptied its sessions, members, attendance and apologies. The pragma
    only takes effect outside a transaction, so it is set before the migrations begin, and set
    back before the connection returns to the pool the app draws from.
    """
    return _around(connection, "sqlite", "PRAGMA foreign_keys=OFF", "PRAGMA foreign_keys=ON")


def no_statement_limit_on_postgresql(connection):
    """Migrations run without the app's limit on one statement's time (app._engine_options).

    Adding an index or a column to a large table may take longer than a page should, and a
    release stopped half-way by the limit would only roll back and fail. Set for this
    connection's session and reset (to the limit it was opened with) before it returns to the
    pool the app draws from.
    """
    return _around(connection, "postgresql", "SET statement_timeout = 0", "RESET statement_timeout")


def one_migration_at_a_time_on_postgresql(connection):
    """Two releases at once (two deploys, a retried job) take turns instead of both migrating.

    Both would read the same version and run the same steps, and the second would fail half-way
    on a table the first had already changed. The second waits for the first's advisory lock,
    then finds the database at head and does nothing. Held for the connection's session, so the
    migrations' own transactions do not let it go.
    """
    return _around(
        connection,
        "postgresql",
        f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})",
        f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})",
    )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
