"""Fresh databases per test, without paying for migrations each time.

Migrating a service's database takes far longer than copying one, so each service is migrated once
per run into a template, and every test gets a copy: a file copy on SQLite (the default), or
``CREATE DATABASE … TEMPLATE`` on PostgreSQL when ``IOP_TEST_POSTGRES_URL`` is set.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from shared.migrations import upgrade


# Tests of PostgreSQL's own behaviour run on it in every run, the SQLite one included.
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432"


class DatabaseFactory:
    """Fresh databases per test, cloned from a template migrated once per service and run."""

    def __init__(self, folder: Path, postgres_url: str | None = None):
        self.folder = folder
        self.postgres_url = postgres_url or os.environ.get("IOP_TEST_POSTGRES_URL")
        self._templates: dict[str, str] = {}
        self._created: list[str] = []
        self.run_id = uuid.uuid4().hex[:8]

    @property
    def dialect(self) -> str:
        return "postgresql" if self.postgres_url else "sqlite"

    def create(self, service_name: str, metadata=None) -> str:
        """A migrated database for a platform service, or ``metadata.create_all`` for a test one."""
        name = f"iop_t_{service_name}_{uuid.uuid4().hex[:10]}"
        if metadata is not None:
            url = self._new_database(name)
            from sqlalchemy import create_engine
            engine = create_engine(url)
            metadata.create_all(engine)
            engine.dispose()
            return url
        template = self._template(service_name)
        if self.postgres_url:
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            self._created.append(name)
            return self._url(name)
        path = self.folder / f"{name}.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"

    def _template(self, service_name: str) -> str:
        if service_name not in self._templates:
            name = f"iop_tpl_{service_name}_{self.run_id}"
            url = self._new_database(name)
            upgrade(service_name, url)
            self._templates[service_name] = name if self.postgres_url else url.removeprefix("sqlite:///")
        return self._templates[service_name]

    def _new_database(self, name: str) -> str:
        if self.postgres_url:
            self._admin(f'CREATE DATABASE "{name}"')
            self._created.append(name)
            return self._url(name)
        return f"sqlite:///{self.folder / name}.db"

    def _url(self, name: str) -> str:
        return f"{self.postgres_url.rstrip('/')}/{name}"

    def _admin(self, statement: str) -> None:
        import psycopg2
        conn = psycopg2.connect(self._url("postgres"))
        conn.autocommit = True
        try:
            conn.cursor().execute(statement)
        finally:
            conn.close()

    def drop_all(self) -> None:
        for name in reversed(self._created):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.clear()
