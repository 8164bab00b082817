"""Where the platform's live channels deliver during the demo and the e2e tests, on loopback:
an SMTP server (aiosmtpd) and a stand-in for the SMS provider's HTTP API."""
from __future__ import annotations

import json
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from demo.launch import free_port

SMS_TOKEN = "demo-sms-token"


class Mailbox:
    """Accepts every email and keeps its recipients, and each message as received (a test reads
    what it says: its language, its subject)."""

    def __init__(self):
        self.recipients: list[str] = []
        self.messages: list[EmailMessage] = []
        self._envelopes: list[tuple[str, ...]] = []  # each message's envelope recipients
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.recipients.extend(envelope.rcpt_tos)
        self._envelopes.append(tuple(envelope.rcpt_tos))
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content,
                                                policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages delivered to one address, in the order received."""
        return [m for m, to in zip(list(self.messages), list(self._envelopes)) if address in to]

    def start(self) -> "Mailbox":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


class SmsProvider:
    """POST {to, body} with the bearer token → 202, as the provider's API answers."""

    def __init__(self):
        self.delivered: list[str] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                authorised = self.headers.get("Authorization") == f"Bearer {SMS_TOKEN}"
                if authorised:
                    provider.delivered.append(body["to"])
                self.send_response(202 if authorised else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet: the demo prints its own progress
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/messages"

    def start(self) -> "SmsProvider":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def live_channels_env(mailbox: Mailbox, sms: SmsProvider | None = None) -> dict[str, str]:
    """The environment that makes notifications send for real to these sinks."""
    env = {"NOTIFICATION_CHANNEL": "live", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port)}
    if sms is not None:
        env.update({"SMS_PROVIDER_URL": sms.url, "SMS_PROVIDER_TOKEN": SMS_TOKEN})
    return env
