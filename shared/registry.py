"""The platform's services, from one registry: ``SERVICES`` in config/config.yaml.

Each entry names a service and its nameko class as ``module:Class``
(``intake: services.intake.service:IntakeService``); the kit imports a service only through here,
and finds the service's ``migrations/`` beside that module.
"""
from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from shared.config import ConfigurationError, setting


def service_names(config: dict) -> list[str]:
    """Every service of the platform, in the order the registry lists them."""
    return list(setting(config, "SERVICES"))


def service_path(config: dict, service_name: str) -> tuple[str, str]:
    """The module and class name of a service: ``("services.intake.service", "IntakeService")``."""
    dotted = setting(config, "SERVICES", service_name)
    module, _, class_name = str(dotted).partition(":")
    if not module or not class_name:
        raise ConfigurationError(f"SERVICES.{service_name} ({dotted!r}) is not module:Class")
    return module, class_name


def service_class(config: dict, service_name: str) -> type:
    module, class_name = service_path(config, service_name)
    service_cls = getattr(importlib.import_module(module), class_name, None)
    if service_cls is None:
        raise ConfigurationError(f"SERVICES.{service_name}: {module} has no {class_name}")
    if getattr(service_cls, "name", None) != service_name:
        raise ConfigurationError(f"SERVICES.{service_name}: {module}:{class_name} is named "
                                 f"{getattr(service_cls, 'name', None)!r}")
    return service_cls


def service_package(config: dict, service_name: str) -> str:
    """The package holding the service's module (``services.intake``)."""
    return service_path(config, service_name)[0].rpartition(".")[0]


def migrations_folder(config: dict, service_name: str) -> Path:
    """The service's Alembic folder: ``migrations/`` in its package."""
    package = service_package(config, service_name)
    spec = importlib.util.find_spec(package) if package else None
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(f"SERVICES.{service_name}: {package!r} is not a package")
    return Path(list(spec.submodule_search_locations)[0]) / "migrations"


def edge_names(config: dict) -> list[str]:
    """The platform's edges (``EDGES``): clients of the services' APIs with no database and no
    broker, so topology and migrations leave them out."""
    return list(config.get("EDGES") or {})


def edge_path(config: dict, edge_name: str) -> str:
    """What ``nameko run`` starts for an edge: ``services.interop.service:InteropService``."""
    dotted = str(setting(config, "EDGES", edge_name))
    module, _, class_name = dotted.partition(":")
    if not module or not class_name:
        raise ConfigurationError(f"EDGES.{edge_name} ({dotted!r}) is not module:Class")
    return dotted
