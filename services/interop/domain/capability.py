"""The CapabilityStatement: what this base URL serves (GET /fhir/metadata)."""
from __future__ import annotations

# Resource type → the search parameters it takes (besides _id reads).
RESOURCES = {
    "Patient": ["_id"],
    "RelatedPerson": ["patient"],
    "EpisodeOfCare": ["patient"],
    "CarePlan": ["patient"],
    "Goal": ["patient"],
    "Appointment": ["patient"],
    "Encounter": ["patient"],
    "QuestionnaireResponse": ["patient"],
    "Observation": ["patient"],
    "Flag": ["patient"],
    "DocumentReference": ["patient"],  # the discharge summary (LOINC 18842-5)
}
VERSIONED = {"CarePlan"}
# Read only, never searched: the discharge summary's PDF (DocumentReference.content.attachment.url).
READ_ONLY = ("Binary",)


def capability_statement(base_url: str, software_version: str, published: str) -> dict:
    resources = []
    for kind, params in RESOURCES.items():
        entry = {"type": kind, "interaction": [{"code": "read"}, {"code": "search-type"}],
                 "searchParam": [{"name": name, "type": "reference" if name == "patient" else "token"}
                                 for name in params]}
        if kind in VERSIONED:
            entry["interaction"] += [{"code": "vread"}, {"code": "history-instance"}]
            entry["versioning"] = "versioned"
        resources.append(entry)
    resources += [{"type": kind, "interaction": [{"code": "read"}]} for kind in READ_ONLY]
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": published,
        "kind": "instance", "fhirVersion": "4.0.1", "format": ["json"],
        "software": {"name": "IOP platform FHIR gateway", "version": software_version},
        "implementation": {"description": "Intensive outpatient programs: read-only FHIR R4",
                           "url": base_url},
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "rest": [{
            "mode": "server",
            "security": {"description": "Authorization: Bearer <access token or API key>, as for "
                                        "the platform's services; another site's record is 404."},
            "resource": resources,
            "operation": [{"name": "export",
                           "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"}],
        }],
    }
