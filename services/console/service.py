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

from shared.metrics import CONTENT_TYPE, Metrics

from services.console import web
from services.console.pages import today
from services.console.signin import SignInFailed
from services.console.web import Console, redirect, route


class ConsoleService:
    name = "console"
    config = Config()
    console = Console()
    metrics = Metrics()

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
            return redirect("/today")
        return self.console.render(request, "signin.html", session=session)

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
            return self.console.render(request, "signin.html", 400, session=session, failed=True)
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


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path of this console only (never another host)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/today"
