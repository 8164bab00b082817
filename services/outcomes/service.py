"""The outcomes service: entrypoints only; the rules live in plain modules beside it."""
from shared.db import Database
from shared.service import PlatformService

from services.outcomes.models import Base


class OutcomesService(PlatformService):
    name = "outcomes"
    db = Database(Base.metadata)
