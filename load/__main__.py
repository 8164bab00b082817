"""`make load`: a fixed request rate against the platform on PostgreSQL, then its figures.

    .venv/bin/python -m load [--rate 20] [--duration 180] [--mix 1:3:1] [--interval 3]

It starts the four services as `make run` does (own vhost on the machine's RabbitMQ, fresh
PostgreSQL databases), seeds staff, series and a twelve-patient group through the APIs
(demo.drive), then runs locust as its own process, headless, on loopback, for the given time:
roster attendance posts, schedule reads and assessments at a fixed rate in the given mix. Every
few seconds it samples each service's outbox backlog (/metrics) and its handler queues' depth
(RabbitMQ's management API, AMQP_MANAGEMENT_URL). It prints per kind the throughput, p50/p99 and
errors, and the backlog over time, and writes the same to var/load/load-<time>.json. A benchmark:
it asserts no speed, and fails only when the platform cannot be started or seeded.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from load.run import run


def mix(text: str) -> tuple[float, ...]:
    shares = tuple(float(part) for part in text.split(":"))
    if len(shares) != 3 or any(s < 0 for s in shares) or not sum(shares):
        raise argparse.ArgumentTypeError("three shares, attendance:schedule:assessment, e.g. 1:3:1")
    return shares


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="requests/s offered in all (default 20)")
    parser.add_argument("--duration", type=int, default=180, help="seconds of load (default 180)")
    parser.add_argument("--mix", type=mix, default=(1, 3, 1),
                        help="shares of attendance:schedule:assessment (default 1:3:1)")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between backlog samples (default 3)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres-url", help="server of the fresh databases (default POSTGRES_URL, "
                                               "else postgresql://postgres@127.0.0.1:5432)")
    parser.add_argument("--out-dir", type=Path, help="where the JSON report goes (default var/load/)")
    args = parser.parse_args(argv)
    run(rate=args.rate, duration=args.duration, mix=args.mix, interval=args.interval,
        seed_value=args.seed, postgres_url=args.postgres_url, out_dir=args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
