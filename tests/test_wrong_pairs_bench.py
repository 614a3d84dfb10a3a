"""Which class the wrong-pairs breakdown puts a pair of two people's records in, from literal records."""

from __future__ import annotations

from benchmarks.wrong_pairs_bench import CLASSES, classify


def _rec(first: str, last: str, street: str = "12 oak st", number: str = "12",
         dob: str = "") -> dict[str, str]:
    return {"first": first, "last": last, "street": street, "number": number, "zip": "00000", "dob": dob,
            "email": "", "phone": ""}


def test_each_pair_goes_to_the_first_class_that_fits() -> None:
    names = [name for name, _test in CLASSES]
    cases = [
        (_rec("ryan", "smith"), _rec("ryan", "smith", dob="1990-01-01"), 0),  # nothing tells them apart
        (_rec("kim", "ellis", dob="2003-06-09"), _rec("max", "ellis", dob="2003-06-09"), 1),
        (_rec("gary", "swager"), _rec("mary", "swager"), 2),
        (_rec("gary", "swager"), _rec("susan", "swager"), 3),
        (_rec("christopher", ""), _rec("christopher", "wells"), 4),
        (_rec("landon", "smith"), _rec("landon", "foster"), 5),
        (_rec("jim", "davis"), _rec("jim", "davis", street="730 via la gitano", number="730"), 6),
        (_rec("jim", "davis"), _rec("anna", "brown", street="1 elm st", number="1"), 7),
    ]
    for a, b, expected in cases:
        assert classify(a, b) == names[expected], (a, b)
        assert classify(b, a) == names[expected], (b, a)
