"""The discharge summary to the referring provider: one message per summary, whatever
redelivers its event; whether it may go (the patient's consent) is asked at send time."""
from __future__ import annotations

from services.notifications.commands import SendDischargeSummary
from services.notifications.domain import delivery, templates
from services.notifications.domain.messages import REFERRER, SCHEDULED, Planned

EMAIL = "email"  # a secure or Direct address: the summary never goes by SMS


def plan_discharge_summary(command: SendDischargeSummary, uow) -> Planned:
    event = command.event
    data = event.data
    return Planned().add(uow.messages.plan(
        event, templates.DISCHARGE_SUMMARY, patient_id=data["patient_id"], send_at=command.now,
        now=command.now, recipient_type=REFERRER, recipient_id=data["enrollment_id"],
        channel=EMAIL, details={"enrollment_id": data["enrollment_id"],
                                "document_id": data["document_id"]}))


def resume_after_consent(command: SendDischargeSummary, uow) -> Planned:
    """ReferrerConsentChanged with consent given: a summary skipped for want of it is due again
    (the same message, so still once; its skipped attempt stays in the delivery attempts)."""
    data, planned = command.event.data, Planned()
    if not data["consent_to_share"] or data["enrollment_id"] is None:
        return planned
    for message in uow.messages.skipped(REFERRER, data["enrollment_id"], templates.DISCHARGE_SUMMARY,
                                        delivery.NO_CONSENT):
        uow.messages.set(message.id, status=SCHEDULED, skip_reason=None, next_attempt_at=command.now)
        planned.add(message)
    return planned
