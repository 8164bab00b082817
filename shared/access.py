"""Break-the-glass: a clinician opens another site's patient by stating why.

The kit's site check makes another site's record indistinguishable from a missing one (404). A
route that opens a patient's record calls :func:`open_patient` instead: for a patient outside the
caller's sites, a clinician who sends ``X-Access-Reason: <why>`` is granted access to that
patient, as that person (token subject or key id), for ``BREAK_GLASS.grant_minutes``. The grant
is an audit entry (action ``break_glass``, with the reason): the audit log is where the privacy
officer reads it, and one table keeps both the grant and its accounting. Within the grant the
same person reads the patient again without restating the reason; every entry of those reads
carries the grant's reason. Without a reason and without a grant the answer stays 404. The route's
service announces a new grant (``EmergencyAccessGranted``), from which notifications raises the
``break_glass`` alert for the privacy officer of the patient's site.

``BreakGlass`` is a dependency of every service (``self.break_glass``): the settings and the
clock, which tests drive (``provider.clock``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from nameko.extensions import DependencyProvider

from shared.auth import Caller
from shared.clock import utcnow
from shared.config import setting
from shared.errors import RecordNotFound
from shared.roles import EMERGENCY_ACCESS

GRANT_ACTION = "break_glass"  # shared.db.EMERGENCY_ACCESS: the audit action of a grant


@dataclass(frozen=True)
class EmergencyAccess:
    grant: timedelta
    now: datetime


@dataclass(frozen=True)
class Opened:
    """How the caller may read the patient in this request."""

    caller: Caller                   # with the reason the reads are audited under, if any
    granted_now: bool = False        # a new grant was recorded: announce it
    granted_at: datetime | None = None
    expires_at: datetime | None = None


def open_patient(uow, caller: Caller, patient_id: str, site_id: str, access: EmergencyAccess,
                 what: str = "Patient") -> Opened:
    """The caller's access to a patient of ``site_id``, or RecordNotFound (as for a missing one)."""
    if caller.sees(site_id):
        return Opened(caller)
    # A clinician of some site, known by a subject: a token without sites is nobody's clinician.
    if not caller.has_role(*EMERGENCY_ACCESS) or not caller.subject or not caller.sites:
        raise RecordNotFound(f"{what} not found.")
    grant = uow.emergency_grant(caller, patient_id, since=access.now - access.grant)
    if grant is not None and grant["at"] <= access.now:
        reason = caller.access_reason or grant["reason"]
        return Opened(caller.stating(reason), granted_at=grant["at"],
                      expires_at=grant["at"] + access.grant)
    if not caller.access_reason:
        raise RecordNotFound(f"{what} not found.")
    uow.audit(caller, GRANT_ACTION, "patient", patient_id, patient_id=patient_id, site_id=site_id,
              at=access.now)
    return Opened(caller, granted_now=True, granted_at=access.now,
                  expires_at=access.now + access.grant)


class BreakGlass(DependencyProvider):
    """``BREAK_GLASS.grant_minutes`` and the time now; ``clock`` is replaced by tests."""

    def __init__(self):
        self.clock = utcnow

    def setup(self):
        minutes = setting(self.container.config, "BREAK_GLASS", "grant_minutes")
        self.grant = timedelta(minutes=float(minutes))

    def get_dependency(self, worker_ctx) -> EmergencyAccess:
        return EmergencyAccess(self.grant, self.clock())
