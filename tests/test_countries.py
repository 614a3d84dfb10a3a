"""Country names and codes to phone regions."""

from __future__ import annotations

import pytest

from crmdata.countries import region_of_country


@pytest.mark.parametrize(("country", "region"), [
    ("Germany", "DE"), ("Deutschland", "DE"), (" de ", "DE"), ("DEU", "DE"), ("UK", "GB"),
    ("United Kingdom", "GB"), ("USA", "US"), ("Vereinigte Staaten", "US"), ("fr", "FR"),
    ("Österreich", "AT"), ("Atlantis", None), ("", None), (None, None),
])
def test_region_of_country(country: str | None, region: str | None) -> None:
    assert region_of_country(country) == region
