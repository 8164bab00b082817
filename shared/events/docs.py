"""Write (or, with --check, verify) the catalog's JSON Schemas under docs/events/.

    python -m shared.events.docs           # after an additive change to the catalog
    python -m shared.events.docs --check   # CI: fails when the checked-in files are stale

The checked-in files are the published contract: the compatibility test compares the catalog
against them, so they change only through this command. When an event type moves to a new
version, its previous document is kept, frozen, as `<Type>.v<N>.json` (copy it before running
this command): the new version must still read what the old one published.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from shared.events.catalog import CATALOG, EventType
from shared.events.envelope import EnvelopeSchema
from shared.openapi import DIALECT, json_schema

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"
ENVELOPE_ID = "urn:iop:event:envelope:v1"
FROZEN = re.compile(r"^(?P<type>\w+)\.v(?P<version>\d+)\.json$")


def frozen_documents(directory: Path = DOCS_DIR) -> list[Path]:
    """The kept documents of earlier versions, `<Type>.v<N>.json`."""
    return sorted(path for path in directory.glob("*.json") if FROZEN.match(path.name))


def event_document(event: EventType) -> dict:
    return {
        "$schema": DIALECT,
        "$id": event.dataschema,
        "title": event.type,
        "description": event.summary,
        "x-producer": event.producer,
        "x-exchange": event.exchange,
        "x-routing-key": event.routing_key,
        **json_schema(event.schema),
    }


def envelope_document() -> dict:
    return {
        "$schema": DIALECT,
        "$id": ENVELOPE_ID,
        "title": "CloudEvents 1.0 envelope",
        "description": "Structured JSON body of every message on the <producer>.events exchanges.",
        **json_schema(EnvelopeSchema),
    }


def render_documents() -> dict[str, str]:
    """File name → content, for every file under docs/events/."""
    documents = {f"{name}.json": event_document(event) for name, event in CATALOG.items()}
    documents["envelope.json"] = envelope_document()
    return {name: json.dumps(doc, indent=2, ensure_ascii=False) + "\n" for name, doc in documents.items()}


def differences(directory: Path = DOCS_DIR) -> list[str]:
    expected = render_documents()
    found = {path.name for path in directory.glob("*.json") if not FROZEN.match(path.name)}
    problems = [f"missing: {name}" for name in sorted(expected.keys() - found)]
    problems += [f"not in the catalog: {name}" for name in sorted(found - expected.keys())]
    problems += [
        f"differs: {name}"
        for name in sorted(expected.keys() & found)
        if (directory / name).read_text(encoding="utf-8") != expected[name]
    ]
    return problems


def write_documents(directory: Path = DOCS_DIR) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in render_documents().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            written.append(name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.events.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/events/ is not up to date")
    parser.add_argument("--dir", type=Path, default=DOCS_DIR, help="default: %(default)s")
    args = parser.parse_args(argv)
    if args.check:
        problems = differences(args.dir)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python -m shared.events.docs", file=sys.stderr)
        return 1 if problems else 0
    for name in write_documents(args.dir):
        print(f"wrote {args.dir / name}")
    # A file left for a type no longer in the catalog is a removal: deleting it is a deliberate act.
    for problem in differences(args.dir):
        print(problem, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
