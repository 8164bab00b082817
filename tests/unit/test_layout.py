"""Nothing outside tests/ imports from tests/: the image ships shared/ and services/ only, and the
demo runs without the test suite, so what both need lives outside it (e.g. demo/launch.py)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bench", "demo", "examples", "load", "services", "shared")


def imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_code_outside_tests_imports_from_tests():
    sources = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    assert len(sources) > len(PACKAGES)
    offenders = [f"{path.relative_to(ROOT)}: {module}" for path in sources
                 for module in imported_modules(path) if module.split(".")[0] == "tests"]
    assert offenders == []


def test_locust_and_gevent_stay_in_the_load_generators_process():
    """gevent patches what eventlet patches: only load/locustfile.py (run by locust, never
    imported) may import them, and it imports nothing of the platform."""
    locustfile = ROOT / "load" / "locustfile.py"
    sources = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    offenders = [f"{path.relative_to(ROOT)}: {module}" for path in sources if path != locustfile
                 for module in imported_modules(path)
                 if module.split(".")[0] in ("locust", "gevent", "geventhttpclient")
                 or module == "load.locustfile"]
    assert offenders == []
    platform = {"shared", "services", "demo", "load", "eventlet", "nameko", "kombu"}
    assert {m.split(".")[0] for m in imported_modules(locustfile)} & platform == set()
    assert "locust" in {m.split(".")[0] for m in imported_modules(locustfile)}
