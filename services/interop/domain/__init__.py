"""Pure mapping from the services' JSON to FHIR R4 (4.0.1) resources: no framework, no I/O."""
