"""demo.sinks' Mailbox (an aiosmtpd server on loopback) in a process of its own.

Playwright's sync API keeps its asyncio loop marked as running in the test's thread, and under
eventlet the Mailbox's server thread is a green thread of that same thread, whose loop asyncio
then refuses to run. Here the server runs in a child process; each recipient it accepts is a line
of a file the test reads. ``python -m tests.support.mailbox_process <file>`` prints its port.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class MailboxProcess:
    """What tests use of a Mailbox: ``port``, ``recipients``, ``start()``, ``stop()``."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "recipients.txt"
        self.path.touch()
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    def start(self) -> "MailboxProcess":
        self.process = subprocess.Popen([sys.executable, "-m", "tests.support.mailbox_process",
                                         str(self.path)], cwd=ROOT, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise AssertionError(f"the mailbox process did not start: {line!r}")
        self.port = int(line)
        return self

    @property
    def recipients(self) -> list[str]:
        return self.path.read_text().split()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main(path: str) -> None:
    from demo.sinks import Mailbox

    class FileMailbox(Mailbox):
        async def handle_DATA(self, server, session, envelope):
            with open(path, "a") as out:
                out.write("".join(f"{rcpt}\n" for rcpt in envelope.rcpt_tos))
            return await super().handle_DATA(server, session, envelope)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    # Its stdin closes when the test process ends, however it ends: stop then too.
    threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()), daemon=True).start()
    box = FileMailbox().start()
    print(box.port, flush=True)
    stopped.wait()
    box.stop()


if __name__ == "__main__":
    main(sys.argv[1])
