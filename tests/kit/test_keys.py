"""Machine API keys: ids, expiry, a successor valid beside its predecessor, `iop keys new`."""
import io
import re
import subprocess
from datetime import timedelta

import pytest
import yaml

from shared.auth import KeyRing, hash_key
from shared.clock import utcnow
from shared.keys import main as keys_main
from shared.problems import Unauthorized
from tests.integration.intake.scenario import refer
from tests.kit.identity_provider import ROOT


def new_key(*args) -> tuple[str, dict]:
    """Run `iop keys new` and return the printed secret and the parsed configuration line."""
    out = io.StringIO()
    assert keys_main(["new", *args], out=out) == 0
    text = out.getvalue()
    secret = re.search(r"^  (iop_\S+)$", text, re.M).group(1)
    line = next(l for l in text.splitlines() if l.startswith("  - {id:"))
    return secret, yaml.safe_load(line)[0]


def iso(moment):
    return moment.isoformat()


def test_keys_new_prints_the_secret_once_and_a_line_that_authenticates():
    secret, entry = new_key("--name", "billing-export", "--roles", "integrator",
                            "--sites", "riverside,lakeside", "--expires", "30d")

    caller = KeyRing([entry], production=True).authenticate(f"Bearer {secret}")

    assert entry["sha256"] == hash_key(secret) and secret not in str(entry)
    assert entry["id"].startswith("billing-export-")
    assert (caller.name, caller.key_id) == ("billing-export", entry["id"])
    assert caller.roles == {"integrator"} and caller.sites == {"riverside", "lakeside"}


def test_keys_new_refuses_unknown_roles_and_past_expiry(capsys):
    with pytest.raises(SystemExit):
        keys_main(["new", "--name", "x", "--roles", "wizard", "--sites", "*"])
    with pytest.raises(SystemExit):
        keys_main(["new", "--name", "x", "--roles", "ops", "--sites", "*", "--expires", "2020-01-01"])
    assert "unknown: wizard" in capsys.readouterr().err


def test_bin_iop_keys_new_runs_from_the_command_line():
    result = subprocess.run([str(ROOT / "bin" / "iop"), "keys", "new", "--name", "ops-script",
                             "--roles", "ops", "--sites", "*"],
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert 'sites: ["*"]' in result.stdout and "expires:" in result.stdout


def test_a_key_and_its_successor_both_work_until_each_expires_then_401(platform):
    now = utcnow()
    old_secret, old = new_key("--name", "ehr-feed", "--roles", "admin", "--sites", "*",
                              "--expires", iso(now + timedelta(days=3)), "--id", "ehr-feed-1")
    new_secret, successor = new_key("--name", "ehr-feed", "--roles", "admin", "--sites", "*",
                                    "--expires", iso(now + timedelta(days=90)), "--id", "ehr-feed-2")
    expired_secret, expired = new_key("--name", "ehr-feed", "--roles", "admin", "--sites", "*",
                                      "--id", "ehr-feed-0")
    expired["expires"] = iso(now - timedelta(days=1))
    dev_keys = platform.config("intake")["API_KEYS"]
    intake = platform.start("intake", API_KEYS=dev_keys + [old, successor, expired])
    patient = refer(intake)["patient_id"]

    with_old = intake.get(f"/patients/{patient}", key=old_secret)
    with_successor = intake.get(f"/patients/{patient}", key=new_secret)
    with_expired = intake.get(f"/patients/{patient}", key=expired_secret)
    with_dev_key = intake.get(f"/patients/{patient}", key="riverside")

    assert (with_old.status_code, with_successor.status_code) == (200, 200)
    assert with_dev_key.status_code == 200  # development keys keep working in development
    assert with_expired.status_code == 401
    assert with_expired.headers["Content-Type"] == "application/problem+json"
    assert with_expired.json()["detail"].startswith(
        f"This API key expired on {(now - timedelta(days=1)).isoformat()}")
    assert with_expired.json()["key_id"] == "ehr-feed-0"


def test_a_key_expires_at_the_moment_it_names(monkeypatch):
    import shared.auth
    secret, entry = new_key("--name", "n", "--roles", "ops", "--sites", "*",
                            "--expires", "2031-05-01")
    ring = KeyRing([entry], production=True)
    moment = entry["expires"]

    monkeypatch.setattr(shared.auth, "utcnow", lambda: _parse(moment) - timedelta(seconds=1))
    assert ring.authenticate(f"Bearer {secret}").name == "n"
    monkeypatch.setattr(shared.auth, "utcnow", lambda: _parse(moment))
    with pytest.raises(Unauthorized, match="expired on 2031-05-01T00:00:00"):
        ring.authenticate(f"Bearer {secret}")


def _parse(text):
    from shared.auth import parse_expiry
    return parse_expiry(text)


def test_production_needs_an_expiry_and_refuses_duplicate_ids():
    _, entry = new_key("--name", "n", "--roles", "ops", "--sites", "*")
    without_expiry = {k: v for k, v in entry.items() if k != "expires"}
    _, other = new_key("--name", "n", "--roles", "ops", "--sites", "*", "--id", entry["id"])

    with pytest.raises(RuntimeError, match="no expiry"):
        KeyRing([without_expiry], production=True)
    assert KeyRing([without_expiry], production=False)
    with pytest.raises(RuntimeError, match="listed twice"):
        KeyRing([entry, other], production=False)
