"""Unexcused misses in a row, and what recording attendance again changes."""
import pytest

from services.scheduling.domain.attendance import Mark, consecutive_missed, recording_outcome


@pytest.mark.parametrize("history, expected", [
    (["absent"], 1),
    (["attended", "absent", "absent"], 2),
    (["absent", "absent", "attended"], 0),
    (["absent", "excused", "absent"], 2),     # an excused absence does not break the run
    (["absent", None, "absent"], 2),          # nor does a session not yet recorded
    (["absent", "attended", "absent"], 1),
    (["excused"], 0),
    ([], 0),
])
def test_consecutive_missed_counts_unexcused_misses_since_the_last_attendance(history, expected):
    assert consecutive_missed(history) == expected


def test_first_recording_is_recorded():
    assert recording_outcome(None, Mark("attended", 180)) == "recorded"


def test_the_same_recording_again_changes_nothing():
    assert recording_outcome(Mark("attended", 180), Mark("attended", 180)) == "unchanged"


@pytest.mark.parametrize("new", [Mark("attended", 120), Mark("absent"), Mark("excused")])
def test_a_different_recording_is_a_correction(new):
    assert recording_outcome(Mark("attended", 180), new) == "corrected"
