"""``bin/iop audit patient <id> [--from …] [--to …]``: a patient's accounting of disclosures.

Asks every service of the registry for ``GET /audit?patient_id=…`` (privacy officers only) and
prints their entries merged in time order: when, who (display name and subject), what (action
and record), from where (the client address) and why (the reason the caller stated, if any).

A break-the-glass grant made at intake holds in every service, which records it in its own log
without the reason (events carry no free text, shared.access): each entry made there under the
grant, by that person within ``BREAK_GLASS.grant_minutes`` of it, is shown with the reason
intake recorded for the grant (:func:`with_grant_reasons`).

The credential is a privacy officer's access token or API key: ``--credential`` or the
environment's ``IOP_CREDENTIAL``. Each service's address: ``--service-url name=URL``, else
``IOP_<NAME>_URL``, else ``make run``'s (intake 8001, scheduling 8002, notifications 8003,
outcomes 8004, in the registry's order).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timedelta

import requests

from shared.access import GRANT_ACTION
from shared.config import load_config, setting
from shared.registry import service_names

FIRST_PORT = 8001


def service_urls(names: list[str], overrides: dict[str, str]) -> dict[str, str]:
    return {name: (overrides.get(name) or os.environ.get(f"IOP_{name.upper()}_URL")
                   or f"http://127.0.0.1:{FIRST_PORT + i}").rstrip("/")
            for i, name in enumerate(names)}


class AuditFailed(Exception):
    pass


def accounting(urls: dict[str, str], credential: str, patient_id: str, start: str | None = None,
               end: str | None = None, timeout: float = 30,
               grant: timedelta | None = None) -> list[dict]:
    """Every service's entries about the patient, each with its ``service``, in time order; with
    ``grant`` (the grant's length), entries under a break-the-glass grant carry its reason."""
    params = {"patient_id": patient_id}
    if start:
        params["from"] = start
    if end:
        params["to"] = end
    merged = []
    for name, url in urls.items():
        try:
            response = requests.get(f"{url}/audit", params=params, timeout=timeout,
                                    headers={"Authorization": f"Bearer {credential}"})
        except requests.RequestException as exc:
            raise AuditFailed(f"{name} ({url}): {type(exc).__name__}") from None
        if response.status_code != 200:
            try:
                problem = response.json()
                detail = problem.get("detail", "")
                if problem.get("errors"):
                    detail += " " + json.dumps(problem["errors"])
            except ValueError:
                detail = response.text[:200]
            raise AuditFailed(f"{name} ({url}): {response.status_code} {detail}".strip())
        merged.extend({"service": name, **entry} for entry in response.json()["entries"])
    # By the moment (sorted is stable: a service's own order breaks ties).
    merged = sorted(merged, key=_moment)
    return merged if grant is None else with_grant_reasons(merged, grant)


def _moment(entry: dict) -> datetime:
    return datetime.fromisoformat(entry["at"])


def with_grant_reasons(entries: list[dict], grant: timedelta) -> list[dict]:
    """The entries (in time order), those without a reason made under a break-the-glass grant
    with the grant's reason: the grant is the latest one recorded in the entry's service for the
    entry's person, at most ``grant`` before it; its reason is the one recorded with the same
    person and moment where it was made (intake)."""
    reasons = {(entry["who"].get("subject"), _moment(entry)): entry["reason"] for entry in entries
               if entry["action"] == GRANT_ACTION and entry.get("reason")}
    latest: dict[tuple[str, str], datetime] = {}
    shown = []
    for entry in entries:
        subject, at = entry["who"].get("subject"), _moment(entry)
        if subject and entry["action"] == GRANT_ACTION:
            latest[(entry["service"], subject)] = at
        granted = latest.get((entry["service"], subject))
        if subject and not entry.get("reason") and granted is not None and at < granted + grant:
            reason = reasons.get((subject, granted))
            if reason:
                entry = {**entry, "reason": reason}
        shown.append(entry)
    return shown


def line(entry: dict) -> str:
    who = entry["who"]
    person = (f"{who['name']} <{who['subject']}>" if who.get("subject") and who.get("name")
              and who["name"] != who["subject"] else who.get("subject") or who["actor"])
    text = (f"{entry['at']}  {person}  {entry['action']} {entry['resource_type']} "
            f"{entry['resource_id']} ({entry['service']}, site {entry['site_id'] or '-'})  "
            f"from {entry['from'] or '-'}")
    return text + (f"  reason: {entry['reason']}" if entry.get("reason") else "")


def main(argv=None, out=sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="iop audit", description="Accounting of disclosures.")
    parser.add_argument("--config", default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    patient = sub.add_parser("patient", help="every read and change of a patient's data, in time order")
    patient.add_argument("patient_id")
    patient.add_argument("--from", dest="start", help="ISO 8601 date/time (UTC if no offset)")
    patient.add_argument("--to", dest="end", help="ISO 8601 date/time, exclusive")
    patient.add_argument("--credential", default=os.environ.get("IOP_CREDENTIAL"),
                         help="a privacy officer's access token or API key (default $IOP_CREDENTIAL)")
    patient.add_argument("--service-url", action="append", default=[], metavar="NAME=URL")
    patient.add_argument("--json", action="store_true", help="one JSON entry a line")
    args = parser.parse_args(argv)
    if not args.credential:
        parser.error("a credential is needed: --credential or IOP_CREDENTIAL")
    config = load_config(args.config)
    names = service_names(config)
    overrides = {}
    for item in args.service_url:
        name, sep, url = item.partition("=")
        if not sep or name not in names:
            parser.error(f"--service-url: NAME=URL with NAME one of {', '.join(names)}")
        overrides[name] = url
    grant = timedelta(minutes=float(setting(config, "BREAK_GLASS", "grant_minutes")))
    try:
        entries = accounting(service_urls(names, overrides), args.credential, args.patient_id,
                             args.start, args.end, grant=grant)
    except AuditFailed as exc:
        print(f"iop audit: {exc}", file=sys.stderr)
        return 1
    for entry in entries:
        print(json.dumps(entry) if args.json else line(entry), file=out)
    if not args.json:
        print(f"{len(entries)} entries", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
