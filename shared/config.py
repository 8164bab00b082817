"""Configuration: one YAML file with ``${VAR:default}`` substitution, as ``nameko run`` reads it."""
from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from nameko.cli.main import setup_yaml_parser

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "config.yaml"


class ConfigurationError(KeyError):
    """A setting the kit needs is missing or malformed: every default lives in config.yaml."""

    def __str__(self) -> str:
        return f"configuration: {self.args[0]}"


def setting(config, *path: str):
    """``config[a][b]…``; a missing key is a configuration error that names its path."""
    value = config
    for depth, key in enumerate(path):
        try:
            value = value[key]
        except (KeyError, TypeError, IndexError):
            raise ConfigurationError(f"{'.'.join(path[:depth + 1])} is missing") from None
    return value


def load_config(path: str | os.PathLike | None = None) -> dict:
    """Load the platform configuration exactly as ``nameko run --config`` would."""
    setup_yaml_parser()
    with open(path or os.environ.get("IOP_CONFIG", DEFAULT_CONFIG)) as handle:
        return yaml.safe_load(handle)


ENVIRONMENTS = ("development", "test", "production")


def environment(config: dict) -> str:
    """IOP_ENV, one of ENVIRONMENTS: anything else (``prod``, ``Production ``) refuses to start,
    so a production deployment can never run with development keys by a typo."""
    value = config.get("IOP_ENV", "development")  # config.yaml's own default
    if value not in ENVIRONMENTS:
        raise ValueError(f"IOP_ENV is {value!r}; it must be one of {', '.join(ENVIRONMENTS)}.")
    return value


def is_production(config: dict) -> bool:
    return environment(config) == "production"


def data_dir(config: dict) -> Path:
    configured = setting(config, "DATA_DIR")
    if not configured:  # an empty IOP_DATA_DIR would otherwise mean the repository itself
        raise ConfigurationError("DATA_DIR is empty")
    path = Path(configured)
    return path if path.is_absolute() else ROOT / path


def database_url(config: dict, service_name: str) -> str:
    """The service's own database: ``DATABASE_URLS[service]``, else a SQLite file in the data dir."""
    url = (setting(config, "DATABASE_URLS") or {}).get(service_name)
    if url:
        return url
    folder = data_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / service_name}.db"


def site_zones(config: dict) -> dict[str, ZoneInfo]:
    """Each configured site's IANA time zone."""
    return {site_id: ZoneInfo(site["timezone"]) for site_id, site in config["SITES"].items()}
