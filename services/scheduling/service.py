"""The scheduling service: entrypoints only; the rules live in plain modules beside it."""
from shared.db import Database
from shared.service import PlatformService

from services.scheduling.models import Base


class SchedulingService(PlatformService):
    name = "scheduling"
    db = Database(Base.metadata)
