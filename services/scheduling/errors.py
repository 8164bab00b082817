"""The scheduling service's domain exceptions and the problems they answer as."""
from shared.problems import Conflict
from services.scheduling.domain.errors import (NotOnThisRoster, SeriesKeepsItsTime, SessionNotOpen,
                                              TimeClash)

ERRORS = {
    SessionNotOpen: Conflict,      # cancelled or already started
    TimeClash: Conflict,           # the patient or the therapist is busy then
    SeriesKeepsItsTime: Conflict,  # a group booking moves only with its series
    NotOnThisRoster: Conflict,     # an appointment, a full session, booked already
}
