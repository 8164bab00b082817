"""Nothing outside tests/ imports from tests/: the image ships shared/ and services/ only, and the
demo runs without the test suite, so what both need lives outside it (e.g. demo/launch.py)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bench", "demo", "examples", "services", "shared")


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
