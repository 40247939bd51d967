"""The working-day clock against real Indonesian calendars (package holidays, country ID)."""
import datetime as dt

import pytest

from ckanext.tangerang.ppid.clock import Calendar

D = dt.date


def test_received_17_march_2026_is_due_8_april_2026():
    # Nyepi, Idul Fitri and their cuti bersama (18-24 March) and Good Friday are not counted
    assert Calendar().add(D(2026, 3, 17), 10) == D(2026, 4, 8)


def test_cuti_bersama_counted_as_working_days_when_set():
    # 18, 20, 23, 24 March become working days: the 10th is earlier
    assert Calendar(cuti_bersama_off=False).add(D(2026, 3, 17), 10) == D(2026, 4, 1)


def test_day_of_receipt_counted_when_set():
    assert Calendar(count_receipt_day=True).add(D(2026, 3, 17), 10) == D(2026, 4, 7)


def test_receipt_on_a_holiday_is_not_counted_even_when_receipt_day_counts():
    # 19 March 2026 is Nyepi: counting starts on the next working day, 25 March
    assert Calendar(count_receipt_day=True).add(D(2026, 3, 19), 1) == D(2026, 3, 25)


def test_override_day_off_pushes_the_due_date():
    cal = Calendar(overrides={D(2026, 4, 1): False})
    assert cal.add(D(2026, 3, 17), 10) == D(2026, 4, 9)


def test_override_worked_day_pulls_the_due_date():
    # a Saturday declared a working day
    cal = Calendar(overrides={D(2026, 3, 28): True})
    assert cal.add(D(2026, 3, 17), 10) == D(2026, 4, 7)


def test_extension_of_seven_days_gives_17_working_days():
    assert Calendar().add(D(2026, 3, 17), 17) == D(2026, 4, 17)


@pytest.mark.parametrize("receipt_day", [False, True])
def test_between_is_the_inverse_of_add(receipt_day):
    cal = Calendar(count_receipt_day=receipt_day)
    start = D(2026, 3, 17)
    for days in range(1, 40):
        assert cal.between(start, cal.add(start, days)) == days


def test_weekend_and_national_holidays_are_days_off():
    cal = Calendar()
    assert not cal.is_working_day(D(2026, 8, 17))  # Hari Kemerdekaan
    assert not cal.is_working_day(D(2026, 3, 28))  # Saturday
    assert cal.is_working_day(D(2026, 3, 25))


def test_days_must_be_positive():
    with pytest.raises(ValueError):
        Calendar().add(D(2026, 3, 17), 0)
