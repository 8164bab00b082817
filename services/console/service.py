"""The staff console: server-rendered pages over the four services' HTTP APIs.

An edge like the FHIR gateway (no database, no broker): staff sign in with the OpenID provider
(signin.py), the console keeps their tokens in a server-side session (sessions.py) and builds each
page from the services' answers to that person's own token (pages/), so each service applies its
roles and site rules and audits the read. Routes stay thin: a page's work is in pages/<page>.py.
"""
from __future__ import annotations

from nameko.dependency_providers import Config
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Response

from shared.clinical import ClinicalRules
from shared.metrics import CONTENT_TYPE, Metrics
from shared.roles import CARE_TEAM

from services.console import web
from services.console.pages import alerts, outcomes, patient, refer, session, today
from services.console.signin import SignInFailed
from services.console.web import Console, redirect, route


class ConsoleService:
    name = "console"
    config = Config()
    console = Console()
    metrics = Metrics()
    rules = ClinicalRules()  # the instruments' items, bands and scales for forms and charts

    @route("GET", "/health", summary="The process is up")
    def health(self, request):
        return {"status": "ok", "service": self.name}

    @route("GET", "/metrics", summary="Prometheus metrics: requests and their latency by route")
    def prometheus_metrics(self, request):
        return Response(self.metrics.render(), content_type=CONTENT_TYPE)

    @route("GET", "/static/<path:name>", summary="The console's stylesheet and images")
    def static(self, request, name):
        return web.secured(send_from_directory(web.STATIC, name, request.environ,
                                               max_age=3600))

    # -- signing in and out ---------------------------------------------------------------------

    @route("GET", "/", summary="Today's page when signed in, else the sign-in page")
    def home(self, request):
        session = self.console.session_of(request)
        if session is not None and session.signed_in:
            # Who reads no clinic records (a privacy officer) starts at the alerts they handle.
            care_team = set(session.user["roles"]) & set(CARE_TEAM)
            return redirect("/today" if care_team else "/alerts")
        return self.console.render(request, "signin.html", web_session=session)

    @route("GET", "/auth/login", summary="Start signing in with the OpenID provider")
    def login(self, request):
        session = self.console.session_of(request) or self.console.sessions.new()
        url = self.console.signin.start(session.pending, safe_next(request.args.get("next")))
        return self.console.set_session_cookie(redirect(url, 302), session)

    @route("GET", "/auth/callback", summary="The provider's answer: code, state")
    def callback(self, request):
        session = self.console.session_of(request)
        if session is None:
            return self.console.render(request, "signin.html", 400, failed=True)
        return_to = session.pending.get("return_to") or "/today"
        try:
            signed_in = self.console.signin.finish(session.pending, request.args)
        except SignInFailed:
            session.pending.clear()
            return self.console.render(request, "signin.html", 400, web_session=session, failed=True)
        for key, value in signed_in.items():
            setattr(session, key, value)
        session = self.console.sessions.renew(session)  # a fresh id and CSRF token once signed in
        return self.console.set_session_cookie(redirect(return_to), session)

    @route("POST", "/auth/logout", summary="Sign out: the session ends")
    def logout(self, request):
        def sign_out(page):
            self.console.sessions.end(page.session)
            return self.console.clear_session_cookie(redirect("/"))
        return self.console.page(request, sign_out)

    # -- pages ----------------------------------------------------------------------------------

    @route("GET", "/today", summary="The day at a site: sessions, rosters, census, alerts")
    def today(self, request):
        return self.console.page(request, today.show)

    @route("GET", "/sessions/<string:session_id>", summary="A session: roster, walk-ins, group note")
    def session(self, request, session_id):
        return self.console.page(request, session.show, session_id)

    @route("POST", "/sessions/<string:session_id>/attendance", summary="Mark the whole group")
    def record_attendance(self, request, session_id):
        return self.console.page(request, session.record_attendance, session_id)

    @route("POST", "/sessions/<string:session_id>/roster", summary="Add a walk-in or make-up")
    def add_to_roster(self, request, session_id):
        return self.console.page(request, session.add_to_roster, session_id)

    @route("GET", "/sessions/<string:session_id>/note", summary="The session's group note")
    def note(self, request, session_id):
        return self.console.page(request, session.show_note, session_id)

    @route("POST", "/sessions/<string:session_id>/note", summary="Save the group note's draft")
    def save_note(self, request, session_id):
        return self.console.page(request, session.save_note, session_id)

    @route("POST", "/sessions/<string:session_id>/note/sign", summary="Sign the group note")
    def sign_note(self, request, session_id):
        return self.console.page(request, session.sign_note, session_id)

    @route("POST", "/sessions/<string:session_id>/note/amend", summary="Amend the signed note")
    def amend_note(self, request, session_id):
        return self.console.page(request, session.amend_note, session_id)

    @route("GET", "/alerts", summary="Open alerts of my sites by level and age")
    def alerts(self, request):
        return self.console.page(request, alerts.show)

    @route("POST", "/alerts/<string:alert_id>/acknowledge", summary="Acknowledge, with a note")
    def acknowledge_alert(self, request, alert_id):
        return self.console.page(request, alerts.acknowledge, alert_id)

    @route("GET", "/refer", summary="The referral form with its screening")
    def refer_form(self, request):
        return self.console.page(request, refer.show, self.rules.instruments)

    @route("POST", "/refer", summary="Refer: intake triages the screening at once")
    def refer_submit(self, request):
        return self.console.page(request, refer.submit, self.rules.instruments)

    @route("GET", "/referrals/<string:referral_id>", summary="A referral's triage and risk flag")
    def referral_result(self, request, referral_id):
        return self.console.page(request, refer.result, referral_id)

    @route("POST", "/referrals/<string:referral_id>/enroll",
           summary="Enroll: track and start date (a past start is a late entry)")
    def enroll_referral(self, request, referral_id):
        return self.console.page(request, refer.enroll, referral_id)

    @route("GET", "/patients/<string:patient_id>", summary="A patient's chart")
    def patient_chart(self, request, patient_id):
        return self.console.page(request, patient.show, patient_id, self.rules.instruments)

    @route("POST", "/patients/<string:patient_id>/assessments", summary="Record an assessment")
    def record_assessment(self, request, patient_id):
        return self.console.page(request, patient.record_assessment, patient_id,
                                 self.rules.instruments)

    @route("GET", "/outcomes", summary="The outcomes report by site and track, with charts")
    def outcomes_report(self, request):
        return self.console.page(request, outcomes.show)


    @route("GET", "/<path:rest>", summary="Any other address: a page saying it is not found")
    def not_found(self, request, rest):
        session = self.console.session_of(request)
        return self.console.render(request, "error.html", 404, web_session=session,
                                   title_key="error_not_found", detail="")


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path of this console only (never another host)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/today"
