"""Alembic, one migration history per service: ``python -m shared.migrations upgrade [service…]``.

Each service keeps ``services/<name>/migrations/`` whose ``env.py`` calls :func:`run_env`.
"""
from __future__ import annotations

import argparse
import importlib

from alembic import command, context
from alembic.config import Config as AlembicConfig

from shared.config import ROOT, database_url, load_config
from shared.db import kit_metadata

SERVICES = ("intake", "scheduling", "notifications", "outcomes")


def alembic_config(service_name: str, url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(ROOT / "services" / service_name / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["service_name"] = service_name
    return config


def upgrade(service_name: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service_name, url), revision)


def run_env() -> None:
    """The body of every service's ``migrations/env.py``."""
    from sqlalchemy import create_engine

    config = context.config
    service_name = config.attributes.get("service_name") or config.get_main_option("service_name")
    metadata = importlib.import_module(f"services.{service_name}.models").Base.metadata
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Migrate the services' databases.")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade")
    up.add_argument("services", nargs="*", default=list(SERVICES))
    rev = sub.add_parser("revision", help="autogenerate a revision for one service")
    rev.add_argument("service")
    rev.add_argument("-m", "--message", required=True)
    parser.add_argument("--config", default=None)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    if args.command == "upgrade":
        for service_name in args.services:
            upgrade(service_name, database_url(config, service_name))
            print(f"{service_name}: migrated")
    else:
        alembic = alembic_config(args.service, database_url(config, args.service))
        command.upgrade(alembic, "head")
        command.revision(alembic, message=args.message, autogenerate=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def create_kit_tables() -> None:
    """The kit's outbox, inbox and audit log, created by each service's first migration."""
    kit_metadata().create_all(context.get_bind())


def drop_kit_tables() -> None:
    kit_metadata().drop_all(context.get_bind())
