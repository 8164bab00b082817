"""One service of a bench scenario in a process of its own, as ``make run`` runs them.

``python -m bench.process <role> <config.yaml> [--target N]``; the parent (bench/__main__.py)
talks to it over stdin/stdout, one line each way:

- it prints ``ready`` once its container has started;
- a producer (``producer``, ``source``) waits for ``go <count> <writers>``, prints ``started <t>``,
  makes the state changes or dispatches, then prints ``committed <t>`` (wall clock, time.time());
- a ``sink`` prints ``done <t>`` when it has handled ``--target`` events;
- every role stops its container at end of input (the parent closes stdin) and prints ``cpu <s>``.
"""
import eventlet

eventlet.monkey_patch()  # first, before anything imports socket or threading

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import yaml  # noqa: E402
from eventlet import tpool  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402

from bench.services import (PROGRESS, DischargingService, LedgerService, NamekoSink,  # noqa: E402
                            NamekoSource)

ROLES = {"producer": (DischargingService, "discharge_many"), "ledger": (LedgerService, None),
         "source": (NamekoSource, "emit_many"), "sink": (NamekoSink, None)}


def say(*words) -> None:
    sys.stdout.write(" ".join(str(w) for w in words) + "\n")
    sys.stdout.flush()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.process")
    parser.add_argument("role", choices=sorted(ROLES))
    parser.add_argument("config")
    parser.add_argument("--target", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with open(args.config) as handle:
        config = yaml.safe_load(handle)
    service_cls, method = ROLES[args.role]
    container = ServiceContainer(service_cls, config)
    container.start()
    if args.target:
        PROGRESS.reset(args.target)
        eventlet.spawn(lambda: (PROGRESS.done.wait(), say("done", time.time())))
    say("ready")
    from bench.__main__ import run_concurrently  # the same concurrent writers as in-process
    while True:
        line = tpool.execute(sys.stdin.readline)  # reading stdin must not block the hub
        if not line:
            break
        words = line.split()
        if words and words[0] == "go" and method:
            count, writers = int(words[1]), int(words[2])
            say("started", time.time())
            run_concurrently(container, method, count, writers)
            say("committed", time.time())
    container.stop()
    say("cpu", time.process_time())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
