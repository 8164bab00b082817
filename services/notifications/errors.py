"""The service's domain exceptions → the problems they answer as (the kit maps its four kinds)."""
from shared.problems import Unprocessable

from services.notifications.domain.delivery import ClockLocked

ERRORS = {ClockLocked: Unprocessable}
