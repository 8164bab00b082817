"""The FHIR R4 gateway: one base URL (``/fhir``) over the four services' APIs.

nameko only, like the services, but with no database and no broker: each request reads the owning
services with the caller's own credential (shared/upstream.py) and maps their answers to
FHIR (domain/). Authentication here is the kit's (shared.http: the same keys and tokens); who may see
which record is the services' rule, and their audit logs record each read.
"""
from __future__ import annotations

import base64
import json

from nameko.dependency_providers import Config
from werkzeug.wrappers import Response

from shared.clinical import ClinicalRules
from shared.clock import utcnow
from shared.http import api

from services.interop.domain import resources as fhir
from services.interop.domain.capability import RESOURCES, capability_statement
from services.interop.exports import EXPORT_TYPES, ExportJobs
from services.interop.reader import Reader
from shared.upstream import Upstream, UpstreamError

FHIR_JSON = "application/fhir+json"
NDJSON = "application/fhir+ndjson"
VERSION = "1.0.0"


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(resource), status=status, headers=headers,
                    content_type=f"{FHIR_JSON}; charset=utf-8")


def outcome(status: int, diagnostics: str) -> Response:
    return fhir_response(fhir.operation_outcome(status, diagnostics), status)


class InteropService:
    name = "interop"
    config = Config()
    rules = ClinicalRules()
    exports = ExportJobs()

    # -- plumbing -------------------------------------------------------------------------------

    def _base(self, request) -> str:
        return request.host_url.rstrip("/") + "/fhir"

    def _reader(self, request) -> Reader:
        settings = self.config["INTEROP"]
        upstream = Upstream(self.config["SERVICE_URLS"], request.headers.get("Authorization"),
                            float(settings["upstream_timeout_s"]),
                            forwarded_for=request.remote_addr,
                            correlation_id=request.headers.get("X-Correlation-ID"))
        loinc = {name: dict(section.get("loinc") or {})
                 for name, section in self.rules["instruments"].items()}
        return Reader(upstream, loinc, self._base(request))

    @staticmethod
    def _owner(request) -> tuple:
        caller = request.caller
        return (caller.issuer, caller.subject or caller.key_id or caller.name)

    def _answer(self, produce):
        try:
            return produce()
        except UpstreamError as exc:
            return outcome(exc.status, exc.detail)

    # -- routes ---------------------------------------------------------------------------------

    @api("GET", "/health", public=True, summary="The process is up")
    def health(self, request):
        return {"status": "ok", "service": self.name}

    @api("GET", "/fhir/metadata", public=True, summary="The CapabilityStatement")
    def metadata(self, request):
        return fhir_response(capability_statement(self._base(request), VERSION,
                                                  utcnow().date().isoformat()))

    @api("GET", "/fhir/<string:kind>", summary="Search a resource type by patient")
    def search(self, request, kind):
        if kind not in RESOURCES:
            return outcome(404, f"This server has no {kind} resources.")
        unknown = sorted(set(request.args) - set(RESOURCES[kind]) - {"_format", "_count"})
        if unknown:
            return outcome(400, f"Unsupported search parameter(s): {', '.join(unknown)}.")
        patient = request.args.get("patient") or (request.args.get("_id") if kind == "Patient" else None)
        if not patient:
            return outcome(400, "Search by patient: ?patient=<id> (Patient: ?_id=<id>).")
        patient = patient.removeprefix("Patient/")

        def found():
            return fhir_response(fhir.searchset(self._base(request),
                                                self._reader(request).of_patient(kind, patient)))
        return self._answer(found)

    @api("GET", "/fhir/Binary/<string:resource_id>",
         summary="The discharge summary's PDF (FHIR JSON Binary when Accept asks for it)")
    def read_binary(self, request, resource_id):
        def found():
            pdf = self._reader(request).discharge_summary_pdf(resource_id)
            if "fhir+json" in request.headers.get("Accept", ""):
                return fhir_response(fhir.binary(resource_id, base64.b64encode(pdf).decode("ascii")))
            return Response(pdf, status=200, content_type=fhir.PDF, headers={
                "Content-Disposition": f'inline; filename="discharge-summary-{resource_id}.pdf"'})
        return self._answer(found)

    @api("GET", "/fhir/<string:kind>/<string:resource_id>", summary="Read a resource by id")
    def read(self, request, kind, resource_id):
        if kind not in RESOURCES:
            return outcome(404, f"This server has no {kind} resources.")
        return self._answer(lambda: fhir_response(self._reader(request).read(kind, resource_id)))

    @api("GET", "/fhir/CarePlan/<string:resource_id>/_history", summary="Every plan version")
    def care_plan_history(self, request, resource_id):
        return self._answer(lambda: fhir_response(fhir.history(
            self._base(request), self._reader(request).care_plan_versions(resource_id))))

    @api("GET", "/fhir/CarePlan/<string:resource_id>/_history/<string:version>",
         summary="One plan version")
    def care_plan_version(self, request, resource_id, version):
        def found():
            for plan in self._reader(request).care_plan_versions(resource_id):
                if plan["meta"]["versionId"] == version:
                    return fhir_response(plan)
            return outcome(404, "CarePlan version not found.")
        return self._answer(found)

    # -- bulk export ----------------------------------------------------------------------------

    @api("GET", "/fhir/Group/<string:site_id>/$export",
         summary="Kick off a bulk export of a site's patients (202, Content-Location)")
    def export_site(self, request, site_id):
        if request.headers.get("Prefer", "").lower() != "respond-async":
            return outcome(400, "A bulk export needs the header Prefer: respond-async.")
        output_format = request.args.get("_outputFormat", NDJSON)
        if output_format not in (NDJSON, "application/ndjson", "ndjson"):
            return outcome(400, f"_outputFormat {output_format} is not supported: use {NDJSON}.")
        types = [t for t in (request.args.get("_type") or ",".join(EXPORT_TYPES)).split(",") if t]
        unknown = [t for t in types if t not in EXPORT_TYPES]
        if unknown:
            return outcome(400, f"_type: not exported here: {', '.join(unknown)}.")
        reader = self._reader(request)

        def kick_off():
            patient_ids = reader.up.get("intake", f"/sites/{site_id}/patients")["patient_ids"]
            job = self.exports.begin(self._owner(request), site_id, request.url, types, reader,
                                     patient_ids)
            return Response(status=202, headers={
                "Content-Location": f"{self._base(request)}/$export-status/{job.job_id}"})
        return self._answer(kick_off)

    @api("GET", "/fhir/$export-status/<string:job_id>", summary="A bulk export's status")
    def export_status(self, request, job_id):
        job = self.exports.find(job_id, self._owner(request))
        if job is None:
            return outcome(404, "Export job not found.")
        if job.status == "in-progress":
            done = f"{job.done_patients}/{job.total_patients or 0} patients"
            return Response(status=202, headers={"X-Progress": done, "Retry-After": "1"})
        if job.status == "failed":
            return outcome(500, f"The export failed: {job.error}")
        base = self._base(request)
        return Response(json.dumps({
            "transactionTime": job.started.isoformat().replace("+00:00", "Z"),
            "request": job.request_url, "requiresAccessToken": True,
            "output": [{"type": kind, "url": f"{base}/$export-file/{job.job_id}/{kind}.ndjson",
                        "count": len(job.files[kind])} for kind in job.types if kind in job.files],
            "error": []}), status=200, content_type="application/json")

    @api("DELETE", "/fhir/$export-status/<string:job_id>", summary="Delete a bulk export")
    def export_delete(self, request, job_id):
        if self.exports.find(job_id, self._owner(request)) is None:
            return outcome(404, "Export job not found.")
        self.exports.delete(job_id)
        return Response(status=202)

    @api("GET", "/fhir/$export-file/<string:job_id>/<string:name>", summary="One NDJSON file")
    def export_file(self, request, job_id, name):
        job = self.exports.find(job_id, self._owner(request))
        kind = name.removesuffix(".ndjson")
        if job is None or job.status != "completed" or kind not in job.files:
            return outcome(404, "Export file not found.")
        return Response("\n".join(job.files[kind]) + "\n", status=200, content_type=NDJSON)
