"""Who takes part in a family session, and which change of a related person is applied."""
from types import SimpleNamespace

import pytest

from services.scheduling.domain.family import is_newer, takes_part


@pytest.mark.parametrize("active, consent, expected", [(True, True, True), (True, False, False),
                                                        (False, True, False)])
def test_who_takes_part_in_family_sessions_active_and_consenting(active, consent, expected):
    assert takes_part(SimpleNamespace(active=active, consent_to_contact=consent)) is expected


def test_only_a_later_change_is_applied():
    member = SimpleNamespace(version=2)
    assert is_newer(None, 1) and is_newer(member, 3)
    assert not is_newer(member, 2) and not is_newer(member, 1)
