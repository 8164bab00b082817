"""The service's nameko dependencies: its channels, contact look-ups and the dispatch timer."""
from __future__ import annotations

import logging

import eventlet
from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy
from nameko.timer import Timer

from services.notifications.channels import channels_from_config


class Channels(DependencyProvider):
    """The delivery channels configured for this process, by name (``email``, ``sms``)."""

    def setup(self):
        self.channels = channels_from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.channels


class ContactsProxy(RpcProxy):
    """nameko's RpcProxy for services that answer with contact details. nameko.rpc logs every
    reply it receives at DEBUG; those replies are names and addresses, so that logger stays at
    INFO or above whatever LOG_LEVEL says."""

    def setup(self):
        rpc_log = logging.getLogger("nameko.rpc")
        if rpc_log.getEffectiveLevel() < logging.INFO:
            rpc_log.setLevel(logging.INFO)
        super().setup()


class ContactBook:
    """Contacts fetched by RPC at send time, remembered for one dispatch round only."""

    def __init__(self, intake, scheduling, timeout_s: float, outcomes=None):
        self._intake, self._scheduling, self._timeout_s = intake, scheduling, timeout_s
        self._outcomes = outcomes
        self._patients: dict = {}
        self._care_teams: dict = {}
        self._related: dict = {}

    def patient(self, patient_id: str) -> dict | None:
        if patient_id not in self._patients:
            with eventlet.Timeout(self._timeout_s, TimeoutError):
                self._patients[patient_id] = self._intake.get_contact(patient_id)
        return self._patients[patient_id]

    def related_person(self, related_person_id: str) -> dict | None:
        if related_person_id not in self._related:
            with eventlet.Timeout(self._timeout_s, TimeoutError):
                self._related[related_person_id] = self._intake.get_related_contact(related_person_id)
        return self._related[related_person_id]

    def family_participants(self, session_id: str) -> list[str]:
        """Asked each time: who takes part may change between two reminders."""
        with eventlet.Timeout(self._timeout_s, TimeoutError):
            return list(self._scheduling.get_family_participants(session_id) or [])

    def care_team(self, site_id: str, patient_id: str) -> dict | None:
        key = (site_id, patient_id)
        if key not in self._care_teams:
            with eventlet.Timeout(self._timeout_s, TimeoutError):
                self._care_teams[key] = self._scheduling.get_care_team(site_id, patient_id)
        return self._care_teams[key]


    def discharge_details(self, enrollment_id: str) -> dict | None:
        """Intake's: the referrer, their address and the patient's consent to share, now."""
        with eventlet.Timeout(self._timeout_s, TimeoutError):
            return self._intake.get_discharge_details(enrollment_id)

    def discharge_summary(self, enrollment_id: str) -> dict | None:
        """Outcomes': the summary PDF (base64), asked only once the referrer may have it."""
        with eventlet.Timeout(self._timeout_s, TimeoutError):
            return self._outcomes.get_discharge_summary(enrollment_id)


class DispatchTimer(Timer):
    """nameko's timer with its interval from ``NOTIFICATION_DELIVERY.dispatch_interval_s``."""

    def __init__(self, **kwargs):
        super().__init__(interval=None, **kwargs)  # known only once the configuration is

    def setup(self):
        self.interval = float(self.container.config["NOTIFICATION_DELIVERY"]["dispatch_interval_s"])
        super().setup()


dispatch_timer = DispatchTimer.decorator
