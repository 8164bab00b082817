"""Clinical rules loaded from configuration (config/clinical.yaml).

The file is read once per process; set IOP_CLINICAL_CONFIG to load another file
(a network's own thresholds, or a test fixture). Treat the returned dict as read-only:
it is shared by every caller.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONFIG_ENV = "IOP_CLINICAL_CONFIG"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "clinical.yaml"
SECTIONS = ("instruments", "triage", "risk", "program", "measurement", "notifications")


def clinical_rules_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_PATH)


@lru_cache(maxsize=1)
def clinical_rules() -> dict[str, Any]:
    path = clinical_rules_path()
    with path.open(encoding="utf-8") as handle:
        rules = yaml.safe_load(handle)
    # Fail at load rather than on the first score that needs a missing section.
    missing = [section for section in SECTIONS if not isinstance(rules, dict) or section not in rules]
    if missing:
        raise ValueError(f"{path}: missing clinical rule sections: {', '.join(missing)}")
    return rules
