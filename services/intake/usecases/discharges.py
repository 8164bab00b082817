"""What the discharge summary needs from intake, for the service that assembles it (outcomes)
and the one that delivers it (notifications): asked by RPC, never carried by an event."""
from __future__ import annotations

from dataclasses import dataclass

from services.intake.commands import FindDischargeDetails
from services.intake.domain.enrollments import DISCHARGED
from services.intake.models import Enrollment, Patient, Referral


@dataclass(frozen=True)
class DischargeDetails:
    enrollment: Enrollment
    patient: Patient
    referral: Referral


def find_discharge_details(command: FindDischargeDetails, uow) -> DischargeDetails | None:
    """None for an unknown enrollment or one not discharged yet: there is no summary before.
    The caller is a service, which sees every site; the read is audited as its."""
    enrollment = uow.enrollments.get(command.enrollment_id)
    if enrollment is None or enrollment.status != DISCHARGED:
        return None
    uow.audit(command.caller, "read", "discharge_details", enrollment.id,
              patient_id=enrollment.patient_id, site_id=enrollment.site_id)
    return DischargeDetails(enrollment, uow.patients.get(enrollment.patient_id),
                            uow.referrals.get(enrollment.referral_id))
