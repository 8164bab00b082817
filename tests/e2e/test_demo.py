"""`python -m demo` on a small network: it finishes and writes a self-contained HTML report."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def test_demo_writes_the_report(broker, tmp_path):
    report = tmp_path / "report.html"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AMQP_URI": broker.base_uri + "/",
           "AMQP_MANAGEMENT_URL": broker.management_url}
    done = subprocess.run([sys.executable, "-m", "demo", "--patients", "8", "--seed", "3", "--out", str(report)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Outcomes by site and track" in done.stdout

    page = report.read_text()
    assert '<table class="report">' in page and "<svg" in page
    assert all(site in page for site in ("riverside", "lakeside", "harbor"))
    assert not any(external in page for external in ("<link", "src=", "@import", "url("))  # self-contained

    if Path(CHROMIUM).exists():  # render it as a browser would, where Debian's chromium is installed
        png = tmp_path / "report.png"
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,2000",
                        f"--screenshot={png}", report.as_uri()], cwd=tmp_path, capture_output=True, timeout=120)
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
