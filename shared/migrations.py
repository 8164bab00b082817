"""Alembic, one migration history per service: ``python -m shared.migrations upgrade [service…]``.

Each service keeps ``migrations/`` beside its module (the registry, ``SERVICES`` in
config/config.yaml, says where), whose ``env.py`` calls :func:`run_env`.
"""
from __future__ import annotations

import argparse

from alembic import command, context
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine

from shared.config import database_url, load_config
from shared.db import kit_metadata
from shared.registry import migrations_folder, service_class, service_names


def alembic_config(service_name: str, url: str, config: dict | None = None) -> AlembicConfig:
    """Alembic's settings for a service (the platform configuration unless one is given)."""
    config = config or load_config()
    alembic = AlembicConfig()
    alembic.set_main_option("script_location", str(migrations_folder(config, service_name)))
    alembic.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    alembic.attributes["service_name"] = service_name
    alembic.attributes["platform_config"] = config
    return alembic


def upgrade(service_name: str, url: str, revision: str = "head", config: dict | None = None) -> None:
    command.upgrade(alembic_config(service_name, url, config), revision)


def service_metadata(config: dict, service_name: str):
    """The MetaData of the service's models: that of its ``db = Database(metadata)``."""
    return service_class(config, service_name).db.metadata


def run_env() -> None:
    """The body of every service's ``migrations/env.py``."""
    alembic = context.config
    service_name = alembic.attributes.get("service_name") or alembic.get_main_option("service_name")
    platform_config = alembic.attributes.get("platform_config") or load_config()
    engine = create_engine(alembic.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection,
                          target_metadata=service_metadata(platform_config, service_name),
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def create_kit_tables() -> None:
    """The kit's outbox, inbox and audit log, created by each service's first migration."""
    kit_metadata().create_all(context.get_bind())


def upgrade_kit_tables() -> None:
    """Add the kit's columns a database made by an older kit lacks (a service's later migration
    calls it when the kit's tables grow; a database created since has them already)."""
    from alembic import op
    from sqlalchemy import inspect

    bind = context.get_bind()
    inspector = inspect(bind)
    for table in kit_metadata().sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing = [column for column in table.columns if column.name not in present]
        if missing:
            with op.batch_alter_table(table.name) as batch:
                for column in missing:
                    batch.add_column(column.copy())


def drop_kit_tables() -> None:
    kit_metadata().drop_all(context.get_bind())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Migrate the services' databases.")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade")
    up.add_argument("services", nargs="*", help="default: every service of the registry")
    rev = sub.add_parser("revision", help="autogenerate a revision for one service")
    rev.add_argument("service")
    rev.add_argument("-m", "--message", required=True)
    parser.add_argument("--config", default=None)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    if args.command == "upgrade":
        for service_name in args.services or service_names(config):
            upgrade(service_name, database_url(config, service_name), config=config)
            print(f"{service_name}: migrated")
    else:
        alembic = alembic_config(args.service, database_url(config, args.service), config)
        command.upgrade(alembic, "head")
        command.revision(alembic, message=args.message, autogenerate=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
