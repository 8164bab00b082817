"""The browser itself: Debian's Chromium opens the development provider's sign-in form."""
import base64
import hashlib
import secrets
import urllib.parse

from tests.kit.identity_provider import CONSOLE, provider  # noqa: F401 (fixture)
from tests.support.browser import SERIOUS_IMPACTS, assert_accessible


def test_chromium_opens_the_providers_sign_in_form(chromium, provider):  # noqa: F811
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(secrets.token_urlsafe(48).encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode({
        "client_id": CONSOLE["client_id"], "redirect_uri": CONSOLE["redirect_uri"],
        "response_type": "code", "scope": "openid profile", "state": secrets.token_urlsafe(12),
        "code_challenge": challenge, "code_challenge_method": "S256"})
    page = chromium.context().new_page()
    response = page.goto(f"{provider.issuer}/auth?{query}")

    assert response.ok
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to IOP"
    assert page.get_by_label("Username").is_visible()
    assert page.get_by_label("Password").is_visible()
    assert page.get_by_role("button", name="Sign in").is_enabled()
    assert_accessible(page, SERIOUS_IMPACTS)  # a development-only page, not the console's
    chromium.close_contexts()
