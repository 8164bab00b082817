"""A series' waitlist: positions and who a freed seat goes to."""
import pytest

from services.scheduling.domain.waitlist import Waiting, position, to_promote

LINE = [Waiting(7, "enr-c"), Waiting(3, "enr-a"), Waiting(5, "enr-b")]


def test_position_follows_arrival_not_list_order():
    assert [position(LINE, e) for e in ("enr-a", "enr-b", "enr-c")] == [1, 2, 3]


def test_freed_seats_go_to_the_first_in_line():
    assert [w.enrollment_id for w in to_promote(LINE, 2)] == ["enr-a", "enr-b"]


def test_no_free_seat_promotes_nobody():
    assert to_promote(LINE, 0) == []


def test_someone_not_waiting_has_no_position():
    with pytest.raises(ValueError):
        position(LINE, "enr-z")
