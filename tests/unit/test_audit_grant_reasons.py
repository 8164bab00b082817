"""The accounting CLI shows each entry made under a break-the-glass grant with the grant's reason."""
from datetime import timedelta

from shared.audit import with_grant_reasons

GRANT = timedelta(minutes=60)
REASON = "Seen at Lakeside ED in crisis"


def entry(service, at, subject, action="read", reason=None):
    return {"service": service, "at": f"2026-12-03T{at}:00+00:00", "who": {"subject": subject},
            "action": action, "resource_type": "patient", "reason": reason}


def reasons(entries):
    return [(e["service"], e["at"][11:16], e["who"]["subject"], e["action"], e["reason"])
            for e in with_grant_reasons(entries, GRANT)]


def test_reads_under_a_grant_recorded_from_intake_get_its_reason():
    shown = reasons([
        entry("scheduling", "09:00", "lee"),                               # before any grant
        entry("intake", "10:00", "lee", "break_glass", REASON),
        entry("scheduling", "10:00", "lee", "break_glass"),
        entry("scheduling", "10:05", "lee"),
        entry("scheduling", "10:06", "kim"),                               # another person
        entry("scheduling", "10:30", "lee", reason="Stated here"),         # its own reason kept
        entry("outcomes", "10:40", "lee"),                                 # no grant recorded there
        entry("scheduling", "11:00", "lee")])                              # the grant is over

    assert shown == [
        ("scheduling", "09:00", "lee", "read", None),
        ("intake", "10:00", "lee", "break_glass", REASON),
        ("scheduling", "10:00", "lee", "break_glass", REASON),
        ("scheduling", "10:05", "lee", "read", REASON),
        ("scheduling", "10:06", "kim", "read", None),
        ("scheduling", "10:30", "lee", "read", "Stated here"),
        ("outcomes", "10:40", "lee", "read", None),
        ("scheduling", "11:00", "lee", "read", None)]


def test_a_renewed_grant_lends_its_own_reason():
    shown = reasons([
        entry("intake", "10:00", "lee", "break_glass", REASON),
        entry("outcomes", "10:00", "lee", "break_glass"),
        entry("intake", "10:50", "lee", "break_glass", "Follow-up"),
        entry("outcomes", "10:50", "lee", "break_glass"),
        entry("outcomes", "11:20", "lee")])

    assert [s[4] for s in shown] == [REASON, REASON, "Follow-up", "Follow-up", "Follow-up"]
