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

The grant holds for the patient's whole chart. Intake, which knows the patient and their site,
is the only service that grants (the catalog has one producer per event type); every other service
consumes ``EmergencyAccessGranted`` (``PlatformService.record_emergency_grant``, which the kit
gives every service but the producer) and records the same grant in its own audit log
(:func:`record_grant`), at the same moment, so :func:`open_patient` finds it there as it does at
intake. Its reads are audited under the grant; the reason stays in intake's audit log (events
carry no free text), and ``bin/iop audit patient`` shows each read under a grant with its reason
(``shared.audit``). A reason stated first at another service grants nothing: the answer is 404,
with a detail saying to open the patient at intake first (:data:`OPEN_AT_INTAKE`).

``BreakGlass`` is a dependency of every service (``self.break_glass``): the settings, the clock,
which tests drive (``provider.clock``), and whether this service grants (``grants``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from nameko.extensions import DependencyProvider

from shared.auth import Caller
from shared.clock import utcnow
from shared.config import setting
from shared.errors import RecordNotFound
from shared.events import CATALOG
from shared.roles import EMERGENCY_ACCESS

GRANT_ACTION = "break_glass"  # shared.db.EMERGENCY_ACCESS: the audit action of a grant
GRANTED = "EmergencyAccessGranted"
GRANTING_SERVICE = CATALOG[GRANTED].producer  # intake: the one service that grants
OPEN_AT_INTAKE = (f"To open another site's patient in an emergency, open the patient at "
                  f"{GRANTING_SERVICE} first (GET /patients/{{patient_id}} with X-Access-Reason); "
                  f"the grant then holds here too.")


@dataclass(frozen=True)
class EmergencyAccess:
    grant: timedelta
    now: datetime
    grants: bool = True  # this service records new grants (intake); others only honour them


@dataclass(frozen=True)
class Opened:
    """How the caller may read the patient in this request."""

    caller: Caller                   # with the reason the reads are audited under, if any
    granted_now: bool = False        # a new grant was recorded: announce it
    granted_at: datetime | None = None
    expires_at: datetime | None = None


def open_patient(uow, caller: Caller, patient_id: str, site_id: str | None,
                 access: EmergencyAccess | None,
                 what: str = "Patient") -> Opened:
    """The caller's access to a patient of ``site_id``, or RecordNotFound (as for a missing one).

    ``site_id`` None: the patient is not known here (the same answer as another site's);
    ``access`` None: no break-the-glass on this route."""
    if site_id is not None and caller.sees(site_id):
        return Opened(caller)
    # A clinician of some site, known by a subject: a token without sites is nobody's clinician.
    if (site_id is None or access is None or not caller.has_role(*EMERGENCY_ACCESS)
            or not caller.subject or not caller.sites):
        raise not_found(caller, access, what)
    grant = uow.emergency_grant(caller, patient_id, since=access.now - access.grant)
    if grant is not None and grant["at"] <= access.now:
        reason = caller.access_reason or grant["reason"]
        return Opened(caller.stating(reason), granted_at=grant["at"],
                      expires_at=grant["at"] + access.grant)
    if not caller.access_reason or not access.grants:
        raise not_found(caller, access, what)
    uow.audit(caller, GRANT_ACTION, "patient", patient_id, patient_id=patient_id, site_id=site_id,
              at=access.now)
    return Opened(caller, granted_now=True, granted_at=access.now,
                  expires_at=access.now + access.grant)


def open_listing(uow, caller: Caller, patient_id: str, site_id: str | None,
                 access: EmergencyAccess | None, sites: list[str]) -> tuple[Caller, list[str]]:
    """A listing narrowed to one patient (of ``site_id`` here; None: not known here): the caller
    to audit under and the sites it covers. Under a grant, the patient's site. Without one, as
    before: another site's patient lists nothing, unless a reason was stated (then 404, as
    :func:`open_patient` answers)."""
    if access is None or (site_id is None and not caller.access_reason) or (
            site_id is not None and caller.sees(site_id)):
        return caller, sites
    try:
        opened = open_patient(uow, caller, patient_id, site_id, access)
    except RecordNotFound:
        if caller.access_reason:
            raise
        return caller, sites
    return opened.caller, [site_id]


def not_found(caller: Caller, access: EmergencyAccess | None, what: str = "Patient") -> RecordNotFound:
    """Another site's patient, or a missing one: the same 404. A reason stated where no grant can
    be made (any service but intake) gets the way to one in the detail, whether or not the
    patient exists."""
    if caller.access_reason and access is not None and not access.grants:
        return RecordNotFound(f"{what} not found. {OPEN_AT_INTAKE}")
    return RecordNotFound(f"{what} not found.")


def record_grant(uow, event) -> None:
    """A grant announced by intake, recorded here as intake recorded it: the same person, patient,
    site and moment (no reason: it stays in intake's audit log). Within ``grant_minutes`` of that
    moment :func:`open_patient` lets that person read the patient's data here."""
    data = event.data
    granted_at = data["granted_at"]
    if isinstance(granted_at, str):
        granted_at = datetime.fromisoformat(granted_at)
    accessor = data["accessor"]  # a subject or key id of up to 255 characters; the actor holds 120
    name = accessor if len(accessor) <= 120 else accessor[:119] + "…"
    uow.audit(Caller(name=name, roles=frozenset(), sites=frozenset(), subject=accessor),
              GRANT_ACTION, "patient", data["patient_id"], patient_id=data["patient_id"],
              site_id=event.site_id, at=granted_at)


class BreakGlass(DependencyProvider):
    """``BREAK_GLASS.grant_minutes``, the time now, and whether this service grants (intake);
    ``clock`` is replaced by tests."""

    def __init__(self):
        self.clock = utcnow

    def setup(self):
        minutes = setting(self.container.config, "BREAK_GLASS", "grant_minutes")
        self.grant = timedelta(minutes=float(minutes))
        self.grants = self.container.service_name == GRANTING_SERVICE

    def get_dependency(self, worker_ctx) -> EmergencyAccess:
        return EmergencyAccess(self.grant, self.clock(), self.grants)
