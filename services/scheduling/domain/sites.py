"""Which sites a caller may read or act for (callers are duck-typed: ``sees(site_id)``)."""
from __future__ import annotations

from collections.abc import Collection

from shared.errors import ActionForbidden, InvalidFields, RecordNotFound


def require_known_site(site_id: str, sites: Collection[str]) -> None:
    # The schema checks config.yaml's sites; this container may run with another file.
    if site_id not in sites:
        raise InvalidFields({"site_id": ["Unknown site."]})


def require_visible_site(site_id: str, sites: Collection[str], caller) -> None:
    """Another site's records are indistinguishable from a missing site."""
    if site_id not in sites or not caller.sees(site_id):
        raise RecordNotFound("Site not found.")


def require_site_access(caller, site_id: str) -> None:
    """For writes: a site outside the key's reach is forbidden."""
    if not caller.sees(site_id):
        raise ActionForbidden(f"This key may not act for site '{site_id}'.",
                              errors={"site_id": ["Not one of this key's sites."]})
