"""Machine API keys: ``bin/iop keys new --name … --roles … --sites … [--expires …] [--id …]``.

Prints the secret once (it is stored nowhere) and the line to add under ``API_KEYS`` in the
configuration, which holds only its SHA-256. To rotate a key, make a new one with the same
``--name``: the new line has a new id, both keys work until each expires, and the old line is
removed once the caller has moved to the new secret.
"""
from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
from datetime import datetime, timedelta

from shared.auth import ALL_SITES, hash_key, parse_expiry
from shared.clock import utcnow
from shared.enums import ROLES

DEFAULT_DAYS = 90
SECRET_PREFIX = "iop_"  # no dots: a credential of three dot-separated parts is read as a token


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def expiry(text: str | None, now: datetime) -> datetime:
    """``90d`` (days from now), an ISO date (the start of that day, UTC) or date/time."""
    if not text:
        return now + timedelta(days=DEFAULT_DAYS)
    match = re.fullmatch(r"(\d+)d", text.strip())
    if match:
        return now + timedelta(days=int(match.group(1)))
    return parse_expiry(text)


def config_line(*, key_id: str, name: str, secret: str, roles: list[str], sites: list[str],
                expires: datetime) -> str:
    def flow(values):
        return "[" + ", ".join(json.dumps(v) if v == ALL_SITES else v for v in values) + "]"
    stamp = expires.isoformat().replace("+00:00", "Z")
    return (f"  - {{id: {key_id}, name: {name}, sha256: {hash_key(secret)}, "
            f"roles: {flow(roles)}, sites: {flow(sites)}, expires: \"{stamp}\"}}")


def _list(text: str) -> list[str]:
    return [v for v in re.split(r"[,\s]+", text or "") if v]


def main(argv=None, out=sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="iop keys", description="Machine API keys.")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="make a key: prints its secret once and its config line")
    new.add_argument("--name", required=True, help="who uses it, e.g. billing-export")
    new.add_argument("--roles", required=True, help=f"comma-separated: {', '.join(ROLES)}")
    new.add_argument("--sites", required=True, help="comma-separated site ids, or '*' for every site")
    new.add_argument("--expires", help=f"ISO date or date/time, or Nd; default {DEFAULT_DAYS}d")
    new.add_argument("--id", dest="key_id", help="default: <name>-<yyyymmdd>-<random>")
    args = parser.parse_args(argv)

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", args.name):
        parser.error("--name: letters, digits, '.', '_' and '-' only")
    roles, sites = _list(args.roles), _list(args.sites)
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        parser.error(f"--roles: one or more of {', '.join(ROLES)}"
                     + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    if not sites:
        parser.error("--sites: one or more site ids, or '*'")
    if ALL_SITES in sites:
        sites = [ALL_SITES]
    elif not all(re.fullmatch(r"[a-z0-9][a-z0-9_-]*", s) for s in sites):
        parser.error("--sites: site ids are lower-case slugs, e.g. riverside")
    now = utcnow().replace(microsecond=0)
    try:
        expires = expiry(args.expires, now)
    except ValueError as exc:
        parser.error(f"--expires: {exc}")
    if expires <= now:
        parser.error("--expires: that is in the past")
    key_id = args.key_id or f"{args.name}-{now:%Y%m%d}-{secrets.token_hex(2)}"
    secret = new_secret()
    print(f"Secret for {args.name} (shown once, stored nowhere; give it to its user now):", file=out)
    print(f"  {secret}", file=out)
    print("Add this line under API_KEYS in config/config.yaml (or the deployment's configuration):",
          file=out)
    print(config_line(key_id=key_id, name=args.name, secret=secret, roles=roles, sites=sites,
                      expires=expires), file=out)
    print(f"It expires on {expires.isoformat()}. To rotate: run this again with the same --name, "
          "deploy both lines, move the caller to the new secret, then remove the old line.", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
