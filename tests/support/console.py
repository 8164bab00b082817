"""The staff console as `make run` starts it, over a running platform, and a browser for it.

``ConsoleRun`` picks the console's port first, writes a copy of the provider's seed whose
``iop-console`` redirect URI names that port (the provider refuses any other), starts the
development provider on it (``IOP_IDENTITY_SEED``), and — once the platform's services run with
that provider as their issuer (``provider_env``) — starts the console as an edge
(``Platform.start_edge``). ``ConsoleBrowser`` is what a person's browser does without
JavaScript: follows redirects, keeps cookies, signs in on the provider's form, and posts forms
with the CSRF token the page carries.
"""
from __future__ import annotations

import json
import re
import urllib.parse
from contextlib import contextmanager
from html import unescape
from pathlib import Path

import requests

from demo.launch import free_port
from demo.platform import Platform
from tests.kit.identity_provider import DevProvider, seed

PASSWORD = "dev-password"


def console_seed(path: Path, console_url: str, access_token_ttl_s: int | None = None) -> Path:
    """The development seed with the console's redirect and sign-out URIs at ``console_url``
    (and access tokens lasting ``access_token_ttl_s``, if given)."""
    data = seed()
    if access_token_ttl_s:
        data["access_token_ttl_s"] = access_token_ttl_s
    for client in data["clients"]:
        if client["client_id"] == "iop-console":
            client["redirect_uris"] = [*client["redirect_uris"], f"{console_url}/auth/callback"]
            client["post_logout_redirect_uris"] = [*client.get("post_logout_redirect_uris", []),
                                                   f"{console_url}/"]
    path.write_text(json.dumps(data, indent=1))
    return path


class ConsoleRun:
    """The provider for a console on a port of its own; ``start(platform)`` starts the console."""

    def __init__(self, folder: Path, access_token_ttl_s: int | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.provider = DevProvider(folder / "provider.log", console_seed(
            folder / "identity-seed.json", self.url, access_token_ttl_s))
        self.platform = None

    @property
    def provider_env(self) -> dict:
        """What every service and the console need to trust this provider."""
        return {"IOP_OIDC_ISSUER": self.provider.issuer, "CONSOLE_PUBLIC_URL": self.url}

    def start(self, platform):
        """The console over the platform's running services (their current ports)."""
        self.platform = platform
        return platform.start_edge("console", port=self.port, env=self.provider_env)

    def restart(self):
        """On the services' current ports (after ``platform.restart_service``), the same port and
        provider; everyone signs in again (sessions live in the console's memory)."""
        self.platform.stop_service("console")
        return self.start(self.platform)

    def browser(self, username: str | None = None) -> "ConsoleBrowser":
        browser = ConsoleBrowser(self.url)
        if username:
            browser.sign_in(username)
        return browser

    def stop(self):
        if self.platform is not None:
            self.platform.stop_service("console")
        self.provider.stop()


@contextmanager
def console_platform(console_run: ConsoleRun, broker, data_dir: Path, databases=None, env=None):
    """The four services on a vhost of their own, trusting the provider, and the console over them."""
    vhost = broker.create_vhost()
    platform = Platform(broker.uri(vhost), data_dir, databases,
                        env={**console_run.provider_env, **(env or {})})
    try:
        platform.prepare()
        platform.start()
        console_run.start(platform)
        yield platform
    finally:
        platform.stop()
        broker.delete_vhost(vhost)


class ConsoleBrowser:
    timeout = 30

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.last: requests.Response | None = None

    def get(self, path: str, **kwargs) -> requests.Response:
        self.last = self.http.get(urllib.parse.urljoin(self.base_url, path), timeout=self.timeout,
                                  **kwargs)
        return self.last

    def post(self, path: str, data=None, csrf: bool = True, **kwargs) -> requests.Response:
        """POST a form; with ``csrf`` the token of the last page (or a fresh /today) goes with it."""
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            fields.append(("csrf_token", self.csrf_token()))
        self.last = self.http.post(urllib.parse.urljoin(self.base_url, path), data=fields,
                                   timeout=self.timeout, **kwargs)
        return self.last

    def csrf_token(self) -> str:
        page = self.last if self.last is not None and 'name="csrf_token"' in self.last.text \
            else self.get("/today")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, "the page carries no CSRF token"
        return match.group(1)

    def sign_in(self, username: str, password: str = PASSWORD) -> requests.Response:
        """Through the real provider: the console's sign-in link, the provider's form, back."""
        login_page = self.get("/auth/login")
        assert login_page.status_code == 200, login_page.text
        action = re.search(r'<form method="post" action="([^"]+)"', login_page.text)
        assert action, f"no sign-in form at {login_page.url}: {login_page.text[:500]}"
        self.last = self.http.post(urllib.parse.urljoin(login_page.url, unescape(action.group(1))),
                                   data={"username": username, "password": password},
                                   timeout=self.timeout)
        # Another person signed in on this browser before: the provider ends their session with
        # a self-submitting form first (its <noscript> button, without JavaScript).
        for _ in range(3):
            if self.last.url.startswith(self.base_url):
                break
            form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', self.last.text, re.S)
            assert form, (self.last.url, self.last.status_code, self.last.text[:600])
            hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2))
            self.last = self.http.post(urllib.parse.urljoin(self.last.url, unescape(form.group(1))),
                                       data=[(k, unescape(v)) for k, v in hidden], timeout=self.timeout)
        assert self.last.url.startswith(self.base_url), (self.last.url, self.last.status_code, self.last.text[:600])
        return self.last

    @property
    def cookies(self):
        return self.http.cookies
