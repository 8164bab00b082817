"""Repositories: every query of a service lives in one, reached from the unit of work.

A service declares ``Database(Base.metadata, repositories={"referrals": Referrals, ...})`` and a
use case writes ``uow.referrals.get_visible(referral_id, caller)``: the use case says what it
needs, the repository says how it is found.
"""
from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from shared.errors import RecordNotFound


class Repository:
    model: ClassVar[type]  # the record type this repository finds and adds

    def __init__(self, session: Session):
        self.session = session

    def get(self, record_id: str) -> Any | None:
        return self.session.get(self.model, str(record_id))

    def get_visible(self, record_id: str, caller, what: str | None = None) -> Any:
        """The record, if it exists and the caller may see its site; another site's record is
        indistinguishable from a missing one."""
        record = self.get(record_id)
        if record is None or not caller.sees(record.site_id):
            raise RecordNotFound(f"{what or self.model.__name__} not found.")
        return record

    def add(self, record: Any) -> Any:
        self.session.add(record)
        return record

    def flush(self) -> None:
        self.session.flush()
