"""Delivery channels: email over SMTP, SMS through a provider's HTTP API, and the console.

Errors are described by type and status code only: an SMTP refusal or a provider answer may echo
the address or text, and those must not reach logs, events or the database.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import requests

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A delivery that did not happen; the message says why without contact details."""


class EmailChannel:
    name = "email"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0):
        self.host, self.port, self.sender, self.timeout = host, int(port), sender, timeout

    def send(self, address: str, subject: str, body: str, message_id: str, attachments=()) -> None:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.sender, address, subject
        # The notification id travels in a header, so a delivered copy can be traced to its row.
        email["Message-ID"] = make_msgid(idstring=message_id)
        email["X-IOP-Notification-ID"] = message_id
        email.set_content(body)
        for attachment in attachments:  # delivery.Attachment: the discharge summary's PDF
            maintype, subtype = attachment.content_type.split("/", 1)
            email.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                                 filename=attachment.filename)
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                smtp.send_message(email)
            finally:
                _hang_up(smtp)
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}") from None
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryError("SMTP recipient refused") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {type(exc).__name__}") from None


def _hang_up(smtp: smtplib.SMTP) -> None:
    """QUIT, ignoring its errors: once DATA was accepted the message is sent, and an error here
    must neither turn that into a failure (a resend) nor replace an exception already raised."""
    try:
        smtp.quit()
    except Exception:
        smtp.close()


class SmsChannel:
    """The provider adapter: POST {to, body} as JSON with a bearer token.

    The notification id goes as ``Idempotency-Key`` so a provider that honours it drops a copy."""

    name = "sms"

    def __init__(self, url: str, token: str, timeout: float = 10.0):
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, address: str, subject: str, body: str, message_id: str, attachments=()) -> None:
        if attachments:  # an SMS carries no file: what needs one is never routed here
            raise DeliveryError("SMS cannot carry an attachment")
        try:
            response = requests.post(self.url, json={"to": address, "body": body}, timeout=self.timeout,
                                     headers={"Authorization": f"Bearer {self.token}",
                                              "Idempotency-Key": message_id})
        except requests.RequestException as exc:
            raise DeliveryError(f"SMS provider {type(exc).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"SMS provider HTTP {response.status_code}")


class ConsoleChannel:
    """Development default: logs that a message would go, by id only. Messages it takes are
    recorded as sent by ``console``, so nobody mistakes them for real deliveries."""

    name = "console"

    def __init__(self, replaces: str):
        self.replaces = replaces

    def send(self, address: str, subject: str, body: str, message_id: str, attachments=()) -> None:
        log.info("notification %s delivered to the console in place of %s", message_id, self.replaces)


def channels_from_config(config: dict) -> dict:
    """``NOTIFICATION_CHANNEL: live`` sends for real; anything else (``console``) only logs."""
    if str(config["NOTIFICATION_CHANNEL"]).lower() != "live":
        return {"email": ConsoleChannel("email"), "sms": ConsoleChannel("sms")}
    channels = {}
    smtp = config["SMTP"]
    if smtp["host"]:  # an empty host or provider URL: that channel is off
        channels["email"] = EmailChannel(smtp["host"], smtp["port"], smtp["sender"])
    if config["SMS_PROVIDER_URL"]:
        channels["sms"] = SmsChannel(config["SMS_PROVIDER_URL"], config["SMS_PROVIDER_TOKEN"] or "")
    return channels
