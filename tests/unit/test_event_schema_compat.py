"""Published event schemas only grow (ARCHITECTURE.md, "Schema evolution").

docs/events/*.json are what integrators built against. Within a version a field may be added,
as long as it is optional: events published before it existed (replays, dead letters, messages
in flight during a deploy) lack it. Removing, renaming or retyping a field, or requiring one, is
breaking and needs a new version of the event.
"""

import json

import pytest
from marshmallow import fields

from shared.events.catalog import CATALOG, PatientEnrolled
from shared.events.docs import DOCS_DIR, FROZEN, differences, frozen_documents, render_documents
from shared.openapi import json_schema

FROZEN_DOCS = frozen_documents()
PUBLISHED = sorted(set(DOCS_DIR.glob("*.json")) - set(FROZEN_DOCS), key=lambda path: path.name)
GENERATED = {name: json.loads(text) for name, text in render_documents().items()}


def breaking_changes(old: dict, new: dict, where: str = "") -> list[str]:
    """What in `new` breaks a consumer written against `old`, one line per problem."""
    problems = [
        f"{where or 'the document'}: {keyword} {old.get(keyword)!r} became {new.get(keyword)!r}"
        for keyword in ("type", "format")
        if old.get(keyword) != new.get(keyword)
    ]
    new_properties = new.get("properties", {})
    for name, old_property in old.get("properties", {}).items():
        if name in new_properties:
            problems += breaking_changes(old_property, new_properties[name], within(where, name))
        else:
            problems.append(f"{within(where, name)}: removed")
    if "items" in old:
        problems += breaking_changes(old["items"], new.get("items", {}), f"{where}[]")
    problems += [
        f"{within(where, name)}: became required"
        for name in new.get("required", [])
        if name not in old.get("required", [])
    ]
    return problems


def within(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def types_of(document: dict) -> set:
    kind = document.get("type")
    return set(kind) if isinstance(kind, list) else {kind}


def unreadable_changes(old: dict, new: dict, where: str = "") -> list[str]:
    """What keeps `new` (a later version) from loading data that `old` described: only widening
    is allowed across versions (a type made nullable, a field made optional, a field added)."""
    problems = [
        f"{where or 'the document'}: type {old.get('type')!r} became {new.get('type')!r}"
        for _ in [None]
        if not types_of(old) <= types_of(new)
    ]
    if old.get("format") != new.get("format"):
        problems.append(f"{where or 'the document'}: format {old.get('format')!r} became {new.get('format')!r}")
    new_properties = new.get("properties", {})
    for name, old_property in old.get("properties", {}).items():
        if name in new_properties:
            problems += unreadable_changes(old_property, new_properties[name], within(where, name))
        else:
            problems.append(f"{within(where, name)}: removed")
    if "enum" in old and not set(old["enum"]) - {None} <= set(new.get("enum", old["enum"])):
        problems.append(f"{where}: enum lost values")
    problems += [
        f"{within(where, name)}: became required"
        for name in new.get("required", [])
        if name not in old.get("required", [])
    ]
    return problems


def test_docs_are_published_for_every_event_type():
    assert {path.stem for path in PUBLISHED} >= set(CATALOG) | {"envelope"}


@pytest.mark.parametrize("published", PUBLISHED, ids=lambda path: path.stem)
def test_the_catalog_keeps_every_published_field_with_its_type(published):
    assert published.name in GENERATED, f"{published.stem} was removed from the catalog"
    old = json.loads(published.read_text(encoding="utf-8"))
    assert breaking_changes(old, GENERATED[published.name]) == []


@pytest.mark.parametrize("frozen", FROZEN_DOCS, ids=lambda path: path.stem)
def test_a_new_version_still_reads_what_its_earlier_version_published(frozen):
    name, version = FROZEN.match(frozen.name).group("type", "version")
    event = CATALOG[name]
    assert int(version) < event.version, f"{frozen.name} is kept for a version the catalog has not passed"
    old = json.loads(frozen.read_text(encoding="utf-8"))
    assert old["$id"] == f"urn:iop:event:{name}:v{version}"
    assert old["$id"] in event.dataschemas_read
    assert unreadable_changes(old, GENERATED[f"{name}.json"]) == []


def test_every_earlier_version_is_kept():
    kept = {frozen.name for frozen in FROZEN_DOCS}
    for event in CATALOG.values():
        for version in range(1, event.version):
            assert f"{event.type}.v{version}.json" in kept


def test_a_version_that_narrows_a_field_is_caught():
    old = json.loads((DOCS_DIR / "RiskFlagRaised.v1.json").read_text(encoding="utf-8"))
    narrowed = json.loads(json.dumps(GENERATED["RiskFlagRaised.json"]))
    narrowed["properties"]["enrollment_id"]["type"] = "integer"
    narrowed["required"].append("flag_id")
    assert unreadable_changes(old, narrowed) == [
        "enrollment_id: type 'string' became 'integer'",
        "flag_id: became required",
    ]


def test_checked_in_docs_are_the_generated_ones():
    assert differences() == [], "run: python -m shared.events.docs"


# -- the check itself, against changes made to a real event schema -------------------------

ENROLLED = GENERATED["PatientEnrolled.json"]


def generated_for(schema) -> dict:
    return json.loads(json.dumps(json_schema(schema)))


def test_an_added_optional_field_is_not_breaking():
    class WithAddedField(PatientEnrolled):
        interpreter_needed = fields.Boolean()

    assert breaking_changes(ENROLLED, generated_for(WithAddedField)) == []


def test_an_added_required_field_is_breaking():
    class WithRequiredField(PatientEnrolled):
        interpreter_needed = fields.Boolean(required=True)

    assert breaking_changes(ENROLLED, generated_for(WithRequiredField)) == ["interpreter_needed: became required"]


def test_a_removed_field_is_breaking():
    assert breaking_changes(ENROLLED, generated_for(PatientEnrolled(exclude=["age_band"]))) == ["age_band: removed"]


def test_a_renamed_field_is_breaking():
    class Renamed(PatientEnrolled):
        hours_per_week = fields.Float(required=True)

    problems = breaking_changes(ENROLLED, generated_for(Renamed(exclude=["weekly_hours"])))
    assert "weekly_hours: removed" in problems


@pytest.mark.parametrize(
    "retyped",
    [
        fields.String(required=True),
        fields.Integer(required=True, allow_none=True),
        fields.Float(required=True),
    ],
    ids=["to string", "to nullable", "to number"],
)
def test_a_retyped_field_is_breaking(retyped):
    Retyped = type("Retyped", (PatientEnrolled,), {"planned_weeks": retyped})
    problems = breaking_changes(ENROLLED, generated_for(Retyped))
    assert [problem.split(":")[0] for problem in problems] == ["planned_weeks"]


def test_a_changed_format_is_breaking():
    Retyped = type("Retyped", (PatientEnrolled,), {"start_date": fields.AwareDateTime(required=True)})
    assert breaking_changes(ENROLLED, generated_for(Retyped)) == [
        "start_date: format 'date' became 'date-time'"
    ]


def test_a_change_inside_a_nested_object_is_breaking():
    old = GENERATED["OutcomeSummaryComputed.json"]
    new = json.loads(json.dumps(old))
    del new["properties"]["measures"]["items"]["properties"]["remission"]
    assert breaking_changes(old, new) == ["measures[].remission: removed"]
