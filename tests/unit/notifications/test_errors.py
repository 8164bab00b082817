"""The service's domain exceptions answer as the same problems as before."""
from datetime import datetime, timedelta, timezone

import pytest

from services.notifications.domain.delivery import ClockLocked, check_dispatch_clock
from services.notifications.errors import ERRORS
from shared.problems import KIT_ERRORS, problem_for


def test_production_clock_driven_forward_is_a_422_naming_now():
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with pytest.raises(ClockLocked) as refused:
        check_dispatch_clock(now + timedelta(hours=1), now, production=True, within_days=400)

    problem = problem_for(refused.value, ERRORS, KIT_ERRORS).to_dict()

    assert problem["status"] == 422 and problem["errors"] == {"now": ["Must not be in the future."]}
    assert problem["detail"] == "In production the clock cannot be driven forward."
