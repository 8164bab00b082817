"""Debian's Chromium driven by Playwright's sync API, inside the eventlet-patched test process.

Nothing downloads a browser: Playwright launches ``/usr/bin/chromium`` (``IOP_CHROMIUM`` to point
elsewhere; scripts/ensure-chromium.sh installs the Debian package). axe-core comes from npm
(tests/browser/package-lock.json) and is injected into the page under test; contexts bypass the
page's CSP for that, since the console's policy forbids inline script.

Playwright's sync API runs its asyncio loop in a "dispatcher" greenlet. Under eventlet, a green
wait inside that greenlet re-parents it to the eventlet hub, so when the dispatcher ends (at stop)
it returns to the hub instead of to the caller, and the caller would wait forever. ``Chromium.stop``
has the hub hand control back once the dispatcher is gone.
"""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import eventlet
import eventlet.hubs
import greenlet
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("IOP_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "console"
# Bounds on every wait of the browser, in milliseconds: no step can hang the module.
ACTION_TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 30_000
LAUNCH_TIMEOUT_MS = 60_000
# axe-core's impacts: a console page fails on any; other pages (the development provider's form)
# on serious and critical ones.
EVERY_IMPACT = ("minor", "moderate", "serious", "critical")
SERIOUS_IMPACTS = ("serious", "critical")
TABLET_LANDSCAPE = {"width": 1024, "height": 768}
TABLET_PORTRAIT = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 900}


class Chromium:
    """One headless Chromium for a test module; ``context()`` gives each person a fresh profile.

    While it runs, Playwright keeps its asyncio loop marked as the thread's running loop, so no
    other asyncio loop can run in the test process: stop it at the end of the module."""

    def __init__(self):
        if not CHROMIUM.exists():
            raise AssertionError(f"no Chromium at {CHROMIUM}: run scripts/ensure-chromium.sh "
                                 "(apt-get install chromium)")
        if not AXE.exists():
            raise AssertionError(f"no axe-core at {AXE}: run `make install` "
                                 "(npm ci in tests/browser)")
        eventlet.sleep(0)  # the hub exists before the dispatcher greenlet first waits on it
        self._manager = sync_playwright()
        self.playwright = self._manager.start()
        self.contexts = []
        try:
            self.browser = self.playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                           timeout=LAUNCH_TIMEOUT_MS)
        except BaseException:
            self._stop_playwright()
            raise

    def context(self, viewport=DESKTOP, locale: str = "en-US", javascript: bool = True):
        context = self.browser.new_context(viewport=viewport, locale=locale, bypass_csp=True,
                                           timezone_id="UTC", java_script_enabled=javascript)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        self.contexts.append(context)
        return context

    def close_contexts(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()

    def stop(self) -> None:
        try:
            self.close_contexts()
            self.browser.close()
        finally:
            self._stop_playwright()

    def _stop_playwright(self, timeout: float = 30.0) -> None:
        caller, hub = greenlet.getcurrent(), eventlet.hubs.get_hub()
        dispatcher = self._manager._dispatcher_fiber
        deadline = time.monotonic() + timeout
        state = {"returned": False, "timer": None}

        def resume_caller():
            if state["returned"]:
                return
            if dispatcher.dead:
                if dispatcher.parent is hub.greenlet:  # it ended into the hub, not the caller
                    caller.switch()
                return
            if time.monotonic() > deadline:  # a driver that does not end: end it
                self._driver_process().kill()
            state["timer"] = hub.schedule_call_global(0.02, resume_caller)

        state["timer"] = hub.schedule_call_global(0.02, resume_caller)
        try:
            self._manager.__exit__()
        finally:
            state["returned"] = True
            state["timer"].cancel()
            # Between calls Playwright marks its loop as this thread's running loop; once it has
            # stopped nothing may stay marked, or later tests could not run an asyncio loop.
            asyncio._set_running_loop(None)

    def _driver_process(self):
        return self._manager._client._transport._proc


def axe_violations(page: Page, impacts=EVERY_IMPACT) -> list[dict]:
    """axe-core's violations on the page as it is now, of the given impacts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in impacts]


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['impact']} {v['id']}: {v['help']} — "
                     + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
                     for v in violations)


def assert_accessible(page: Page, impacts=EVERY_IMPACT) -> None:
    violations = axe_violations(page, impacts)
    assert not violations, f"axe-core on {page.url}:\n{describe(violations)}"


def assert_console_page(page: Page) -> None:
    """A console page: one <h1>, one <main>, a skip link to it, the language on <html>, and
    nothing axe-core finds at any impact."""
    structure = page.evaluate("""() => ({
        h1: document.querySelectorAll('h1').length,
        main: document.querySelectorAll('main').length,
        lang: document.documentElement.lang,
        skip: (document.querySelector('a[href="#main"]') || {}).textContent || ''})""")
    assert (structure["h1"], structure["main"]) == (1, 1), (page.url, structure)
    assert structure["lang"] in ("en", "es") and structure["skip"].strip(), (page.url, structure)
    assert_accessible(page)


def screenshot(page: Page, name: str) -> Path:
    """The page as it looks now, into docs/console/<name>.png (committed, refreshed by the tests)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path
