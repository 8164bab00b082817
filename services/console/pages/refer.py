"""Refer (GET/POST /refer), the referral's triage (GET /referrals/<id>) and Enroll
(POST /referrals/<id>/enroll): intake's POST /referrals and POST /enrollments, as the person."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from shared.upstream import UpstreamError

from services.console.views import refer
from services.console.views.common import site_today


def show(page, instruments, values=None, errors=None, status=200):
    return page.render("refer.html", status, nav="refer", title=page.t("refer_title"),
                       form=refer.referral_form(page.sites(), instruments, values, errors))


def submit(page, instruments):
    try:
        created = page.up.post("intake", "/referrals", refer.referral_body(page.form, instruments))
    except UpstreamError as exc:
        if exc.status != 422:
            raise
        return show(page, instruments, page.form, exc.errors or {"_schema": [exc.detail]}, 422)
    return page.redirect(f"/referrals/{created['referral_id']}")


def _today(page, site_id: str):
    site = next((s for s in page.sites() if s["site_id"] == site_id), None)
    return site_today(ZoneInfo(site["timezone"]) if site else ZoneInfo("UTC"))


def result(page, referral_id, enroll_values=None, enroll_errors=None, status=200):
    referral = page.up.get("intake", f"/referrals/{referral_id}")
    patient = page.patient(referral["patient_id"])
    view = refer.referral_result(referral, patient, _today(page, referral["site_id"]),
                                 page.t("enroll_default_goal"))
    if enroll_values is not None or enroll_errors:
        view["enroll"] = refer.enroll_form(referral, _today(page, referral["site_id"]),
                                           enroll_values, enroll_errors)
    return page.render("referral.html", status, nav="refer", title=page.t("referral_title"),
                       referral=view)


def enroll(page, referral_id):
    try:
        enrollment = page.up.post("intake", "/enrollments", refer.enrollment_body(referral_id, page.form))
    except UpstreamError as exc:
        if exc.status != 422:
            raise
        return result(page, referral_id, page.form, exc.errors or {"_schema": [exc.detail]}, 422)
    return page.redirect(f"/patients/{enrollment['patient_id']}")
