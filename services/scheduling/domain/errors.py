"""What the scheduling rules refuse, in the domain's words."""
from shared.errors import DomainError, StateConflict


class UnknownSite(DomainError):
    """An enrollment at a site this deployment does not configure: nothing can be booked."""


class SessionNotOpen(StateConflict):
    """The session was cancelled or has started: it no longer takes this change."""


class TimeClash(StateConflict):
    """The new time overlaps another session of the patient or the therapist."""


class SeriesKeepsItsTime(StateConflict):
    """A group or education booking moves only with its series."""


class NotOnThisRoster(StateConflict):
    """The session does not take this patient: an appointment, full, booked already or outside
    the enrollment's program."""
