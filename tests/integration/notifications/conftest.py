"""Real channels for the notifications tests: an SMTP server and an SMS provider stand-in on loopback,
and the real intake and scheduling services for contacts and care teams."""
import asyncio
import email
import json
import threading
import uuid
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from demo.launch import free_port, wait_until

SMS_TOKEN = "test-provider-token"


class Mailbox:
    """What the SMTP server accepted, parsed. ``held`` keeps a sender waiting inside DATA."""

    def __init__(self):
        self.messages = []
        self.held = False
        self.holding = 0

    async def handle_DATA(self, server, session, envelope):
        if self.held:
            self.holding += 1
            while self.held:
                await asyncio.sleep(0.02)
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "subject": parsed["Subject"],
                              "body": parsed.get_content(), "id": parsed["X-IOP-Notification-ID"]})
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if address in m["to"]]

    def wait_for(self, address, count=1, timeout=10.0):
        return wait_until(lambda: len(self.to(address)) >= count and self.to(address), timeout=timeout,
                          message=f"expected {count} email(s) to the test address")


class SmsProvider:
    """An SMS provider's HTTP API: bearer token required; can fail the next N requests."""

    def __init__(self):
        self.delivered, self.refused, self.failures_left = [], 0, 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.headers.get("Authorization") != f"Bearer {SMS_TOKEN}":
                    status = 401
                elif provider.failures_left > 0:
                    provider.failures_left -= 1
                    provider.refused += 1
                    status = 503
                else:
                    provider.delivered.append({**body, "key": self.headers.get("Idempotency-Key")})
                    status = 202
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def fail_next(self, count):
        self.failures_left = count

    def to(self, phone):
        return [m for m in self.delivered if m["to"] == phone]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mailbox():
    box = Mailbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def sms_provider():
    provider = SmsProvider()
    yield provider
    provider.close()


def live_channels(mailbox, sms_provider, **delivery):
    """Configuration that sends by the test's SMTP server and SMS provider, retrying quickly."""
    return {"NOTIFICATION_CHANNEL": "live",
            "SMTP": {"host": "127.0.0.1", "port": mailbox.port, "sender": "IOP <no-reply@iop.test>"},
            "SMS_PROVIDER_URL": sms_provider.url, "SMS_PROVIDER_TOKEN": SMS_TOKEN,
            "NOTIFICATION_DELIVERY": {"dispatch_interval_s": 0.3, "max_attempts": 5, "backoff_s": [1, 2, 4],
                                      "claim_timeout_s": 300, "rpc_timeout_s": 5, **delivery}}


@pytest.fixture
def clinic(platform, mailbox, sms_provider):
    """intake, scheduling and notifications running, notifications sending for real."""
    intake = platform.start("intake")
    scheduling = platform.start("scheduling")
    notifications = platform.start("notifications", **live_channels(mailbox, sms_provider))
    return Clinic(platform, intake, scheduling, notifications)


class Clinic:
    def __init__(self, platform, intake, scheduling, notifications):
        self.platform, self.intake, self.scheduling = platform, intake, scheduling
        self.notifications = notifications

    def refer_patient(self, *, language="en", email_consent=True, sms_consent=False, site_id="riverside"):
        tag = uuid.uuid4().hex[:8]
        response = self.intake.post("/referrals", {
            "site_id": site_id, "source": "primary_care",
            "patient": {"given_name": "Ana", "family_name": f"Test{tag}", "birth_date": "1990-04-02",
                        "email": f"patient-{tag}@example.test", "phone": f"+1555{int(tag, 16) % 10**7:07d}",
                        "preferred_language": language, "interpreter_needed": False},
            "screening": {"phq9": [2, 2, 2, 1, 1, 1, 1, 1, 0], "gad7": [1, 1, 1, 1, 1, 1, 1]},
            "consents": {"treatment": True, "email": email_consent, "sms": sms_consent}}, key="admin")
        assert response.status_code == 201, response.text
        patient_id = response.json()["patient_id"]
        return {"patient_id": patient_id, "referral_id": response.json()["referral_id"], "email": f"patient-{tag}@example.test",
                "phone": f"+1555{int(tag, 16) % 10**7:07d}"}

    def add_staff(self, roles, availability=(), site_id="riverside"):
        tag = uuid.uuid4().hex[:8]
        staff = {"site_id": site_id, "name": f"Staff {tag}", "roles": list(roles), "languages": ["en"],
                 "email": f"staff-{tag}@clinic.test", "phone": f"+1666{int(tag, 16) % 10**7:07d}",
                 "max_caseload": 10, "availability": list(availability)}
        response = self.scheduling.post("/staff", staff, key="admin")
        assert response.status_code == 201, response.text
        return {**staff, **response.json()}

    def add_on_call_staff(self, site_id="riverside"):
        return self.add_staff(["on_call"], site_id=site_id)

    def notifications_of(self, patient_id, key="admin"):
        response = self.notifications.get(f"/notifications?patient_id={patient_id}", key=key)
        assert response.status_code == 200, response.text
        return response.json()["notifications"]

    def wait_for_notifications(self, patient_id, count, status=None):
        def found():
            listed = [n for n in self.notifications_of(patient_id) if status in (None, n["status"])]
            return listed if len(listed) >= count else None
        return wait_until(found, message=f"expected {count} notification(s)")

    def dispatch(self, now):
        response = self.notifications.post("/notifications/dispatch", {"now": now.isoformat()}, key="ops")
        assert response.status_code == 200, response.text
        return response.json()["outcomes"]
