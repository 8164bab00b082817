"""Every alert reaches a person, against the real broker and channels: nobody on call → the site's
escalation contact; an unacknowledged alert escalates on the ops clock (no sleeping), tier by tier
up to the site lead; an alert that reached nobody is listed and counted; a delivery that keeps
failing escalates instead of going quiet."""
import time
from datetime import datetime, timedelta

from demo.launch import free_port, wait_until
from tests.integration.notifications.conftest import Clinic, live_channels
from tests.integration.notifications.events import risk_flag_raised

# The development escalation contacts of riverside (config/config.yaml ESCALATION).
DUTY_EMAIL, DUTY_PHONE = "duty@riverside.iop.example", "+15550100101"
LEAD_EMAIL = "lead@riverside.iop.example"


def alerted_at_level(alerted, alert_id, level, timeout=10.0):
    return alerted.wait_for("CareTeamAlerted", timeout=timeout, where=lambda e: (
        e["data"]["alert_id"] == alert_id and e["data"].get("escalation_level") == level))


def only_alert(clinic, query=""):
    [alert] = clinic.notifications.get(f"/alerts{query}").json()["alerts"]
    return alert


def test_high_alert_with_nobody_on_call_reaches_the_sites_escalation_contact_at_once(
        clinic, mailbox, sms_provider, subscriber):
    alerted = subscriber(("notifications", "CareTeamAlerted"))
    patient = clinic.refer_patient()  # not enrolled: no primary clinician; nobody on call either
    started = time.monotonic()

    risk_flag_raised(clinic.platform.amqp_uri, patient["patient_id"])

    first = alerted.wait_for("CareTeamAlerted", timeout=1.0)[0]
    assert time.monotonic() - started < 1.0
    assert first["data"]["escalation_level"] == 0 and first["data"]["level"] == "high"
    alert_id = first["data"]["alert_id"]
    alerted_at_level(alerted, alert_id, 1, timeout=2.0)
    [mail] = mailbox.wait_for(DUTY_EMAIL, timeout=5)
    assert alert_id in mail["body"] and "Ana" not in mail["body"]
    wait_until(lambda: sms_provider.to(DUTY_PHONE), timeout=5)
    assert mailbox.to(LEAD_EMAIL) == []
    alert = only_alert(clinic)
    assert (alert["escalation_level"], alert["recipients"], alert["unrouted_reason"]) == (1, 2, None)
    assert [(s["escalation_level"], s["reason"], s["recipients"], s["unreached_reason"])
            for s in alert["steps"]] == [(0, "raised", 0, "no_staff"), (1, "nobody_reached", 2, None)]
    assert clinic.notifications.get("/alerts?status=unrouted").json()["alerts"] == []


def test_unacknowledged_high_alert_escalates_at_15_minutes_on_the_ops_clock_up_to_the_site_lead(
        clinic, mailbox, subscriber):
    alerted = subscriber(("notifications", "CareTeamAlerted"))
    on_call = clinic.add_on_call_staff()
    patient = clinic.refer_patient()
    risk_flag_raised(clinic.platform.amqp_uri, patient["patient_id"])
    alert_id = alerted.wait_for("CareTeamAlerted")[0]["data"]["alert_id"]
    mailbox.wait_for(on_call["email"])
    alert = only_alert(clinic)
    created = datetime.fromisoformat(alert["created_at"])
    escalate_at = datetime.fromisoformat(alert["escalate_at"])
    assert escalate_at == created + timedelta(minutes=15)

    clinic.dispatch(escalate_at - timedelta(seconds=1))  # 14:59 after: not yet

    assert only_alert(clinic)["escalation_level"] == 0 and mailbox.to(DUTY_EMAIL) == []

    clinic.dispatch(escalate_at)  # 15:00 after: the escalation contact

    alerted_at_level(alerted, alert_id, 1)
    mailbox.wait_for(DUTY_EMAIL)
    second = only_alert(clinic)
    assert second["escalation_level"] == 1 and mailbox.to(LEAD_EMAIL) == []
    next_at = datetime.fromisoformat(second["escalate_at"])
    assert next_at == escalate_at + timedelta(minutes=15)

    clinic.dispatch(next_at)  # another window unacknowledged: the site lead, the last tier

    alerted_at_level(alerted, alert_id, 2)
    [mail] = mailbox.wait_for(LEAD_EMAIL)
    assert alert_id in mail["body"]
    last = only_alert(clinic)
    assert (last["escalation_level"], last["escalate_at"]) == (2, None)
    assert [s["reason"] for s in last["steps"]] == ["raised", "not_acknowledged", "not_acknowledged"]
    clinic.dispatch(next_at + timedelta(hours=2))
    assert only_alert(clinic)["escalation_level"] == 2 and len(mailbox.to(LEAD_EMAIL)) == 1


def test_an_acknowledged_alert_does_not_escalate(clinic, mailbox, subscriber):
    alerted = subscriber(("notifications", "CareTeamAlerted"))
    on_call = clinic.add_on_call_staff()
    patient = clinic.refer_patient()
    risk_flag_raised(clinic.platform.amqp_uri, patient["patient_id"])
    alert_id = alerted.wait_for("CareTeamAlerted")[0]["data"]["alert_id"]
    mailbox.wait_for(on_call["email"])
    escalate_at = datetime.fromisoformat(only_alert(clinic)["escalate_at"])

    acknowledged = clinic.notifications.post(f"/alerts/{alert_id}/acknowledge", key="riverside").json()
    clinic.dispatch(escalate_at + timedelta(minutes=30))

    assert acknowledged["escalate_at"] is None
    assert only_alert(clinic)["escalation_level"] == 0 and mailbox.to(DUTY_EMAIL) == []
    assert [e["data"]["escalation_level"] for e in alerted.drain()] == [0]


def test_an_alert_that_reached_nobody_is_listed_as_unrouted_and_counted_in_metrics(
        platform, mailbox, sms_provider, subscriber):
    alerted = subscriber(("notifications", "CareTeamAlerted"))
    clinic = Clinic(platform, platform.start("intake"), platform.start("scheduling"),
                    platform.start("notifications", ESCALATION={}, **live_channels(mailbox, sms_provider)))
    patient = clinic.refer_patient()

    risk_flag_raised(clinic.platform.amqp_uri, patient["patient_id"], level="moderate")

    alert_id = alerted.wait_for("CareTeamAlerted")[0]["data"]["alert_id"]
    alerted_at_level(alerted, alert_id, 2)  # each tier tried and published, up to the lead
    unrouted = wait_until(lambda: clinic.notifications.get("/alerts?status=unrouted").json()["alerts"])
    assert [a["id"] for a in unrouted] == [alert_id]
    assert unrouted[0]["unrouted_reason"] == "no_contact_configured" and unrouted[0]["recipients"] == 0
    assert clinic.notifications.get("/alerts?status=unrouted", key="lakeside").json()["alerts"] == []
    metrics = clinic.notifications.get("/metrics", key=None).text
    assert "iop_alerts_unrouted_open 1.0" in metrics
    assert 'iop_alert_steps_unreached_total{reason="no_staff"} 1.0' in metrics
    assert 'iop_alert_steps_unreached_total{reason="no_contact_configured"} 2.0' in metrics
    assert mailbox.messages == [] and sms_provider.delivered == []

    clinic.notifications.post(f"/alerts/{alert_id}/acknowledge", key="riverside")

    assert clinic.notifications.get("/alerts?status=unrouted").json()["alerts"] == []
    assert "iop_alerts_unrouted_open 0.0" in clinic.notifications.get("/metrics", key=None).text


def test_a_delivery_that_keeps_failing_escalates_at_once_instead_of_going_quiet(
        platform, mailbox, sms_provider, subscriber):
    alerted = subscriber(("notifications", "CareTeamAlerted"), ("notifications", "NotificationFailed"))
    channels = live_channels(mailbox, sms_provider, max_attempts=2, backoff_s=[0.2])
    channels["SMTP"] = {**channels["SMTP"], "port": free_port()}  # nothing listens: every email fails
    clinic = Clinic(platform, platform.start("intake"), platform.start("scheduling"),
                    platform.start("notifications", **channels))
    on_call = clinic.add_on_call_staff()
    patient = clinic.refer_patient()
    sms_provider.fail_next(2)  # the on-call member's two SMS attempts fail too

    risk_flag_raised(clinic.platform.amqp_uri, patient["patient_id"])

    alert_id = alerted.wait_for("CareTeamAlerted")[0]["data"]["alert_id"]
    failed = alerted.wait_for("NotificationFailed", count=2)
    assert {e["data"]["recipient_id"] for e in failed} == {on_call["staff_id"]}
    alerted_at_level(alerted, alert_id, 1)
    [sms] = wait_until(lambda: sms_provider.to(DUTY_PHONE))
    assert alert_id in sms["body"] and sms_provider.to(on_call["phone"]) == []
    alert = only_alert(clinic)
    assert alert["escalation_level"] == 1 and alert["unrouted_reason"] is None
    assert [s["reason"] for s in alert["steps"]] == ["raised", "delivery_failed"]
