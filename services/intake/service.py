"""The intake service: entrypoints only; the rules live in plain modules beside it."""
from shared.db import Database
from shared.service import PlatformService

from services.intake.models import Base


class IntakeService(PlatformService):
    name = "intake"
    db = Database(Base.metadata)
