"""The outcomes service's tables (its own database; the kit's outbox, inbox and audit tables included)."""
from sqlalchemy.orm import DeclarativeBase

from shared.db import kit_metadata


class Base(DeclarativeBase):
    metadata = kit_metadata()
