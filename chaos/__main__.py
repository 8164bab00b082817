"""`make chaos`: the seeded clinic workload under faults, then every effect reconciled.

    .venv/bin/python -m chaos [--programs 40] [--faults 12] [--seed 7]

It starts its own RabbitMQ node and PostgreSQL cluster (never the machine's shared ones), two
instances of every service and of a test-only slow ledger, and the loopback SMTP and SMS sinks;
drives referrals to discharge through the HTTP APIs (demo.drive) while a fault thread injects
SIGKILLs (some aimed at the ledger's commit-to-ack window), broker and PostgreSQL restarts, a
cut broker connection through a loopback proxy and poison messages. The last line is exactly
``faults <n> lost <n> duplicated <n>``; the exit status is 0 only when both are 0.
"""
import eventlet

eventlet.monkey_patch()  # first: the proxy, the sinks and the drive's threads are green

import argparse  # noqa: E402
import sys  # noqa: E402

from chaos.run import run  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=40, help="programs to run (default 40)")
    parser.add_argument("--faults", type=int, default=12, help="faults to inject (default 12, ≥ 6)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the data folder and servers' files")
    args = parser.parse_args(argv)
    result = run(programs=args.programs, faults=args.faults, seed=args.seed, keep=args.keep)
    return 0 if result["faults"] and not result["lost"] and not result["duplicated"] else 1


if __name__ == "__main__":
    sys.exit(main())
