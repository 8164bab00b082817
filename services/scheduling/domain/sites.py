"""Which sites a caller may read (callers are duck-typed: ``sees(site_id)``); for writes the
kit's ``caller.require_site(site_id)`` refuses a site outside the caller's reach."""
from __future__ import annotations

from collections.abc import Collection

from shared.errors import InvalidFields, RecordNotFound


def require_known_site(site_id: str, sites: Collection[str]) -> None:
    # The schema checks config.yaml's sites; this container may run with another file.
    if site_id not in sites:
        raise InvalidFields({"site_id": ["Unknown site."]})


def require_visible_site(site_id: str, sites: Collection[str], caller) -> None:
    """Another site's records are indistinguishable from a missing site."""
    if site_id not in sites or not caller.sees(site_id):
        raise RecordNotFound("Site not found.")
