"""Clinical rules loaded from configuration (config/clinical.yaml).

``ClinicalRules`` is the one way a service reads them: a dependency that loads the file once per
service container at setup — the file named by ``CLINICAL_RULES`` in the service configuration,
else ``IOP_CLINICAL_CONFIG`` in the environment, else config/clinical.yaml — and injects a
read-only :class:`Rules` into each worker. Domain code receives the sections it needs as arguments.
"""
from __future__ import annotations

import os
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml
from nameko.extensions import DependencyProvider

from shared.scoring import Instruments

CONFIG_ENV = "IOP_CLINICAL_CONFIG"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "clinical.yaml"
SECTIONS = ("instruments", "triage", "risk", "program", "calendar", "measurement", "notifications",
            "deterioration")


class Rules(Mapping):
    """The clinical rules by section (``rules["program"]``), and the instruments they define."""

    def __init__(self, sections: Mapping[str, Any]):
        self._sections = MappingProxyType(dict(sections))
        self.instruments = Instruments(self._sections)

    def __getitem__(self, section: str):
        return self._sections[section]

    def __iter__(self):
        return iter(self._sections)

    def __len__(self):
        return len(self._sections)


def clinical_rules_path(config: Mapping | None = None) -> Path:
    configured = (config or {}).get("CLINICAL_RULES")
    return Path(configured or os.environ.get(CONFIG_ENV) or DEFAULT_PATH)


def load_clinical_rules(path: str | os.PathLike | None = None) -> Rules:
    path = Path(path or clinical_rules_path())
    with path.open(encoding="utf-8") as handle:
        sections = yaml.safe_load(handle)
    # Fail at load rather than on the first score that needs a missing section.
    missing = [s for s in SECTIONS if not isinstance(sections, dict) or s not in sections]
    if missing:
        raise ValueError(f"{path}: missing clinical rule sections: {', '.join(missing)}")
    return Rules(sections)


class ClinicalRules(DependencyProvider):
    """Injects the service's :class:`Rules`, read once when the container is set up."""

    def setup(self):
        self.rules = load_clinical_rules(clinical_rules_path(self.container.config))

    def get_dependency(self, worker_ctx) -> Rules:
        return self.rules
