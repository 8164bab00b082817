"""The scheduling service's own dependency: the clock its decisions read "now" from."""
from __future__ import annotations

from datetime import datetime, timezone

from nameko.extensions import DependencyProvider

from shared.clock import utcnow
from shared.config import is_production

CLOCK_KEY = "CLOCK_NOW"


class Clock(DependencyProvider):
    """Injects ``now()``: real UTC time, or the ISO instant in config ``CLOCK_NOW``.

    The setting is read on every call, so a test can move time forward on a running container
    (for instance to record attendance on a session that has "started") without sleeping.
    """

    def setup(self):
        config = self.container.config
        if config.get(CLOCK_KEY) and is_production(config):
            raise RuntimeError(f"{CLOCK_KEY} fixes the clock for tests; refused with IOP_ENV=production.")

    def get_dependency(self, worker_ctx):
        return self.now

    def now(self) -> datetime:
        fixed = self.container.config.get(CLOCK_KEY)
        if not fixed:
            return utcnow()
        value = fixed if isinstance(fixed, datetime) else datetime.fromisoformat(str(fixed))
        if value.tzinfo is None:
            raise ValueError(f"{CLOCK_KEY} must carry a UTC offset")
        return value.astimezone(timezone.utc)
