"""A series' waitlist: first in, first promoted when a seat frees."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Waiting:
    entry_id: int  # increasing with arrival: the order of the line
    enrollment_id: str


def in_line_order(entries: list[Waiting]) -> list[Waiting]:
    return sorted(entries, key=lambda entry: entry.entry_id)


def position(entries: list[Waiting], enrollment_id: str) -> int:
    """1-based place in the line (1 is next)."""
    for place, entry in enumerate(in_line_order(entries), start=1):
        if entry.enrollment_id == enrollment_id:
            return place
    raise ValueError("not on this waitlist")


def to_promote(entries: list[Waiting], free_seats: int) -> list[Waiting]:
    """Who gets the freed seats: the first ``free_seats`` in line."""
    return in_line_order(entries)[:max(free_seats, 0)]
