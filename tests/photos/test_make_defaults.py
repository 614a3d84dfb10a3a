"""The shipped default images are exactly what crmdata.photos._make_defaults draws."""

from __future__ import annotations

import numpy as np
import photo_samples as s
import pytest

from crmdata.photos._make_defaults import KINDS, SIZES, asset_path, draw


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("size", list(SIZES))
def test_shipped_defaults_match_the_script(kind: str, size: str) -> None:
    shipped = s.decode(asset_path(kind, size).read_bytes())
    assert shipped.format == "PNG" and shipped.size == (SIZES[size], SIZES[size])
    assert np.array_equal(np.asarray(shipped.convert("RGB")), np.asarray(draw(kind, SIZES[size])))


def test_person_and_company_differ() -> None:
    assert not np.array_equal(np.asarray(draw("person", 82)), np.asarray(draw("company", 82)))


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown"):
        draw("robot", 40)
