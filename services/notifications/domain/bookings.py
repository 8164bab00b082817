"""The booking projection: events of one booking arrive on separate queues, in any order.

The latest fact wins by its event time, and a cancellation is final. Bookings are taken
duck-typed (``status``, ``last_event_time``).
"""
from __future__ import annotations

from datetime import datetime

SCHEDULED, CANCELLED = "scheduled", "cancelled"
RESCHEDULED = "rescheduled"  # the skip reason of reminders a reschedule replaced


def is_superseded(booking, event_time: datetime) -> bool:
    """A later change (or a cancellation) was handled first: this event changes nothing."""
    return booking.status == CANCELLED or booking.last_event_time > event_time
