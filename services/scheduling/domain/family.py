"""Who takes part in a family session.

Every active related person of the patient who consents to be contacted, by default, rather than
a choice per plan: the plan counts family sessions but names nobody, and the care team already
decides who belongs by the person's record (active flag), while the person decides by their own
consent. A person added, withdrawn or deactivated is added to or removed from the sessions still
to come; a session that has started keeps its list.
"""
from __future__ import annotations


def takes_part(member) -> bool:
    return bool(member.active and member.consent_to_contact)


def is_newer(member, version: int) -> bool:
    """An event's change is applied only when it is later than what the projection holds."""
    return member is None or version > member.version
