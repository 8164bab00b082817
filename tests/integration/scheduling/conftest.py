import pytest


@pytest.fixture
def events(subscriber):
    """Every event the scheduling service publishes, as a plain kombu subscriber sees them."""
    return subscriber(*[("scheduling", t) for t in (
        "SessionScheduled", "SessionRescheduled", "SessionCancelled", "SessionAttended",
        "SessionMissed", "PatientWaitlisted")])
