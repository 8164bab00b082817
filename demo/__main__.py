"""`make demo`: a seeded network of three sites through a compressed program, then its report.

    .venv/bin/python -m demo [--patients 60] [--seed 7] [--out var/reports/…html]

The platform runs as `make run` runs it, on its own broker vhost and data folder. Even when
`make run` already serves 8001–8004 the demo starts its own copy beside it: the program lies in the
past so that its sessions can be recorded, which needs scheduling to book on a clock set before
the program and only a service the demo starts can be given that clock.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

import requests

from demo import network
from demo.drive import Run
from demo.launch import Broker
from demo.platform import ROOT, Platform, ServiceClient
from demo.report import as_html, as_text, gather
from demo.sinks import Mailbox, SmsProvider, live_channels_env


def broker_urls() -> tuple[str, str]:
    """The broker of AMQP_URI (its vhost aside) and its management API, as `make run` uses them."""
    amqp = urllib.parse.urlsplit(os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    return (amqp._replace(path="").geturl(),
            os.environ.get("AMQP_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=60, help="referrals to make (default 60)")
    parser.add_argument("--seed", type=int, default=7, help="same seed, same figures (default 7)")
    parser.add_argument("--out", type=Path, help="the HTML report (default var/reports/demo-seed<seed>-<patients>.html)")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "var" / "reports" / f"demo-seed{args.seed}-{args.patients}.html"
    began = time.monotonic()

    if all(ServiceClient(f"http://127.0.0.1:{port}").healthy() for port in range(8001, 8005)):
        print("A platform answers on 8001-8004 (make run). It keeps the real clock, so the demo runs "
              "its own copy beside it (own vhost, own data) to book its past program.")
    broker = Broker(*broker_urls())
    vhost = f"iop-demo-{uuid.uuid4().hex[:8]}"
    try:
        broker.create_vhost(vhost)
    except requests.RequestException as exc:
        print(f"RabbitMQ's management API is not reachable ({type(exc).__name__}); start the broker "
              "(`rabbitmq-server -detached`, management plugin enabled) and try again.", file=sys.stderr)
        return 1
    (ROOT / "var").mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="demo-", dir=ROOT / "var"))
    mailbox, sms = Mailbox().start(), SmsProvider().start()
    platform = Platform(broker.uri(vhost), data_dir, env=live_channels_env(mailbox, sms))
    finished = False
    try:
        print(f"Starting the four services (vhost {vhost}, data in {data_dir.relative_to(ROOT)}) …")
        platform.prepare()
        platform.start(clock=network.BOOKING_CLOCK)
        run = Run(platform, network.patients(args.seed, args.patients))
        run.step("intake, scheduling, notifications and outcomes answer /health")
        run.open_clinics()
        run.refer()
        run.enroll()
        run.wait_for_bookings()
        platform.restart_service("scheduling")  # on the real clock: the program's sessions have happened
        run.step("scheduling restarted on the real clock")
        run.load_schedules()
        run.record_attendance()
        run.assess()
        run.discharge()
        run.send_notifications()
        data = gather(run)
        print("\n" + as_text(data) + "\n")
        print(f"Delivered on loopback: {len(mailbox.recipients)} emails to the demo's SMTP server, "
              f"{len(sms.delivered)} texts to its SMS provider stand-in.")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(as_html(data, args.seed, args.patients))
        print(f"Report: {out} ({time.monotonic() - began:.0f}s)")
        finished = True
        return 0
    finally:
        platform.stop()
        mailbox.stop()
        sms.stop()
        if not finished:
            for name in ("intake", "scheduling", "notifications", "outcomes"):
                tail = platform.log_tail(name, 15)
                if tail:
                    print(f"--- {name} log (last lines) ---\n{tail}", file=sys.stderr)
        broker.delete_vhost(vhost)
        if finished:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
