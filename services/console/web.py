"""The console's plumbing: its process-wide state (sessions, sign-in, templates) and a page's
request context (the signed-in person, their language, the services called with their token).

Every answer carries a strict Content-Security-Policy (no inline script or style; every asset from
/static), is never cached, and every POST must carry the session's CSRF token (403 otherwise).
"""
from __future__ import annotations

import urllib.parse
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from nameko.extensions import DependencyProvider
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from shared.config import is_production, site_zones
from shared.http import api
from shared.problems import Problem
from shared.upstream import Upstream, UpstreamError

from services.console import i18n
from services.console.sessions import COOKIE, SessionStore, WebSession, csrf_ok
from services.console.signin import SignIn, SignInFailed

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
DEV_SECRET = "dev-console-session-secret-not-for-production"

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def route(method: str, url: str, **kwargs):
    """A console route: nameko's HTTP entrypoint with the kit's timing and error handling, but no
    bearer credential (the browser has a session cookie; the page checks it)."""
    return api(method, url, public=True, **kwargs)


def secured(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def redirect(location: str, status: int = 303) -> Response:
    return secured(Response("", status=status, headers={"Location": location}))


def local_time(value, zone: str | ZoneInfo | None, fmt: str = "%H:%M") -> str:
    """An ISO instant from a service, shown in the site's zone."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if zone:
        moment = moment.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))
    return moment.strftime(fmt)


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["local_time"] = local_time
    return env


def session_secret(config: dict) -> str:
    """CONSOLE.session_secret; the development value (or a short one) refused in production."""
    secret = str(config["CONSOLE"]["session_secret"])
    if is_production(config) and (secret == DEV_SECRET or len(secret) < 32):
        raise RuntimeError("CONSOLE.session_secret is the development value (or shorter than "
                           "32 characters); refused with IOP_ENV=production.")
    return secret


class Console(DependencyProvider):
    """What every request of the process shares: the session store, the sign-in client, the
    templates and where the services are."""

    def setup(self):
        config = self.container.config
        settings = config["CONSOLE"]
        secret = session_secret(config)
        self.public_url = str(settings["public_url"]).rstrip("/")
        self.secure_cookies = self.public_url.startswith("https://")
        self.sessions = SessionStore(secret, float(settings["session_idle_minutes"]) * 60)
        self.signin = SignIn(config, self.public_url + "/auth/callback")
        self.templates = environment()
        self.service_urls = dict(config["SERVICE_URLS"])
        self.timeout = float(settings["upstream_timeout_s"])
        self.max_body_bytes = int(config["HTTP"]["max_body_bytes"])
        self.zones = site_zones(config)

    def get_dependency(self, worker_ctx):
        return self

    # -- sessions and cookies --------------------------------------------------------------------

    def session_of(self, request) -> WebSession | None:
        return self.sessions.find(request.cookies.get(COOKIE))

    def set_session_cookie(self, response: Response, session: WebSession) -> Response:
        response.set_cookie(COOKIE, self.sessions.cookie_value(session), httponly=True,
                            samesite="Lax", secure=self.secure_cookies, path="/")
        return response

    def refresh(self, session: WebSession) -> None:
        """A fresh access token before this one ends, so a day's work is not cut every hour; a
        refused refresh leaves the session to expire (the person signs in again)."""
        with session.refresh_lock:
            if not session.expiring() or not session.refresh_token:
                return  # another request renewed it meanwhile
            try:
                renewed = self.signin.refresh(session.refresh_token, session.user["subject"])
            except (SignInFailed, Problem):
                session.refresh_token = None
                return
            for key, value in renewed.items():
                setattr(session, key, value)

    def clear_session_cookie(self, response: Response) -> Response:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax",
                               secure=self.secure_cookies)
        return response

    # -- pages -------------------------------------------------------------------------------------

    def render(self, request, template: str, status: int = 200,
               web_session: WebSession | None = None, **data) -> Response:
        lang = language_of(request)
        session = web_session
        user = session.user if session is not None and session.signed_in else None
        html = self.templates.get_template(template).render(
            t=i18n.Translator(lang), lang=lang, user=user, lang_links=language_links(request),
            csrf=session.csrf if session is not None else "",
            here=request.full_path.rstrip("?"), request=request, **data)
        response = secured(Response(html, status=status, content_type="text/html; charset=utf-8"))
        return remember_language(request, response)

    def page(self, request, view, *args) -> Response:
        """A signed-in page: the session checked (and a POST's CSRF token), then ``view(page,
        *args)``; a service's refusal is shown as an error page with its status."""
        session = self.session_of(request)
        if session is not None and session.expiring() and session.refresh_token:
            self.refresh(session)
        if session is None or not session.signed_in:
            if request.method == "GET":
                return redirect("/auth/login?" + urllib.parse.urlencode({"next": request.full_path}))
            return self.render(request, "error.html", 401, web_session=session,
                               title_key="error_signed_out", detail="")
        if request.method == "POST":
            request.max_content_length = self.max_body_bytes
            try:
                submitted = request.form.get("csrf_token")
            except RequestEntityTooLarge:
                return self.render(request, "error.html", 413, web_session=session,
                                   title_key="error_too_large", detail="")
            if not csrf_ok(session, submitted):
                return self.render(request, "error.html", 403, web_session=session,
                                   title_key="error_forbidden", detail="")
        page = Page(self, request, session)
        try:
            return view(page, *args)
        except UpstreamError as exc:
            if exc.status == 401:  # the token expired or was revoked: sign in again
                self.sessions.end(session)
                return self.clear_session_cookie(redirect("/"))
            title = {403: "error_forbidden", 404: "error_not_found"}.get(exc.status, "error_upstream")
            return self.render(request, "error.html", exc.status, web_session=session, title_key=title,
                               detail=exc.detail)


def language_of(request) -> str:
    return i18n.choose(request.args.get("lang"), request.cookies.get(i18n.COOKIE),
                       request.accept_languages)


def language_links(request) -> dict[str, str]:
    """This page in each language (a form's answer links to the start page: a POST is not a page)."""
    if request.method != "GET":
        return {lang: f"/?lang={lang}" for lang in i18n.LANGUAGES}
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return {lang: request.path + "?" + urllib.parse.urlencode([*args, ("lang", lang)])
            for lang in i18n.LANGUAGES}


def remember_language(request, response: Response) -> Response:
    chosen = request.args.get("lang")
    if chosen in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, chosen, samesite="Lax", path="/", max_age=365 * 86400)
    return response


class Page:
    """One request of a signed-in person: their session, language and the services as them."""

    def __init__(self, console: Console, request, session: WebSession):
        self.console = console
        self.request = request
        self.session = session
        self.user = session.user
        self.lang = language_of(request)
        self.t = i18n.Translator(self.lang)
        self.up = Upstream(console.service_urls, f"Bearer {session.access_token}",
                           console.timeout, forwarded_for=request.remote_addr,
                           correlation_id=request.headers.get("X-Correlation-ID"))
        self._patients: dict[str, dict | None] = {}
        self._sites: list[dict] | None = None

    @property
    def form(self):
        return self.request.form

    def render(self, template: str, status: int = 200, **data) -> Response:
        return self.console.render(self.request, template, status, web_session=self.session, **data)

    def redirect(self, location: str) -> Response:
        return redirect(location)

    def has_role(self, *roles) -> bool:
        return bool(set(self.user["roles"]) & set(roles))

    def patient(self, patient_id: str) -> dict | None:
        """The patient's record from intake (an audited read), once per request; None when this
        person may not see it (another site's, or a role that reads no records)."""
        if patient_id not in self._patients:
            try:
                self._patients[patient_id] = self.up.get("intake", f"/patients/{patient_id}",
                                                         missing_ok=True)
            except UpstreamError as exc:
                if exc.status != 403:
                    raise
                self._patients[patient_id] = None
        return self._patients[patient_id]

    def patient_name(self, patient_id: str) -> str:
        patient = self.patient(patient_id)
        if patient is None:
            return self.t("patient_unnamed", short=patient_id[:8])
        return f"{patient['given_name']} {patient['family_name']}"

    def zone_of(self, site_id: str) -> ZoneInfo | None:
        return self.console.zones.get(site_id)

    def sites(self) -> list[dict]:
        """The sites the person may see, with their zones (scheduling's GET /sites)."""
        if self._sites is None:
            self._sites = self.up.get("scheduling", "/sites")["sites"]
        return self._sites

    def site(self, requested: str | None) -> dict:
        sites = self.sites()
        if not sites:
            raise UpstreamError(403, "You have no site.")
        return next((s for s in sites if s["site_id"] == requested), sites[0])
