import datetime as dt

import pytest

from ckanext.tangerang.ppid import nik

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize("value", ["3671011503900001", "3671015503900001", "3671 0115 0390 0001",
                                   "3671010101250002"])
def test_plausible_nik_passes(value):
    assert nik.validate(value, TODAY) == value.replace(" ", "")


@pytest.mark.parametrize("value,code", [
    ("367101150390001", "format"),
    ("36710115039000011", "format"),
    ("36710115039000A1", "format"),
    ("9971011503900001", "region"),
    ("3600011503900001", "region"),
    ("3671001503900001", "region"),
    ("3671013203900001", "birth_date"),
    ("3671011513900001", "birth_date"),
    ("3671017203900001", "birth_date"),
    ("3671012902230001", "birth_date"),  # 29 February 1923/2023 does not exist
    ("3671013112260001", "birth_date"),  # 31 December 2026 is after today
    ("3671011503900000", "serial"),
])
def test_implausible_nik_names_the_wrong_part(value, code):
    with pytest.raises(nik.NikError) as error:
        nik.validate(value, TODAY)
    assert error.value.code == code


def test_women_add_40_to_the_day():
    assert nik.birth_date("3671015503900001", TODAY) == dt.date(1990, 3, 15)
