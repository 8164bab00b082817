"""The notifications service: entrypoints only; the rules live in plain modules beside it."""
from shared.db import Database
from shared.service import PlatformService

from services.notifications.models import Base


class NotificationsService(PlatformService):
    name = "notifications"
    db = Database(Base.metadata)
