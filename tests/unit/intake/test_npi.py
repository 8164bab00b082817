"""The NPI check digit (CMS: Luhn over 80840 + the first nine digits)."""
import pytest

from services.intake.domain.referrals import npi_is_valid


@pytest.mark.parametrize("npi, valid", [
    ("1234567893", True),    # CMS's worked example
    ("1234567890", False),   # the same with a wrong check digit
    ("123456789", False), ("12345678930", False), ("12345678a3", False)])
def test_npi_check_digit(npi, valid):
    assert npi_is_valid(npi) is valid
