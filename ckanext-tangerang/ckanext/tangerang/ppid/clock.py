"""The working-day clock (hari kerja) of UU KIP.

Pure logic: a ``Calendar`` knows which days are worked; the caller gives it the settings and
the officers' overrides. Working days are Monday to Friday minus Indonesian public holidays
(package ``holidays``, country ID), minus cuti bersama (category GOVERNMENT) when the setting
says so, corrected by overrides (a date declared off, or a date declared worked).
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping

import holidays

COUNTRY = "ID"


@functools.lru_cache(maxsize=64)
def _national(year: int, with_cuti_bersama: bool) -> frozenset[dt.date]:
    categories = (holidays.PUBLIC, holidays.GOVERNMENT) if with_cuti_bersama else (holidays.PUBLIC,)
    return frozenset(holidays.country_holidays(COUNTRY, years=year, categories=categories))


def holiday_names(year: int, with_cuti_bersama: bool = True) -> dict[dt.date, str]:
    categories = (holidays.PUBLIC, holidays.GOVERNMENT) if with_cuti_bersama else (holidays.PUBLIC,)
    return dict(holidays.country_holidays(COUNTRY, years=year, categories=categories,
                                          language="id"))


class Calendar:
    def __init__(self, cuti_bersama_off: bool = True, count_receipt_day: bool = False,
                 overrides: Mapping[dt.date, bool] | None = None):
        """``overrides`` maps a date to True (worked) or False (day off)."""
        self.cuti_bersama_off = cuti_bersama_off
        self.count_receipt_day = count_receipt_day
        self.overrides = dict(overrides or {})

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.weekday() >= 5:
            return False
        return day not in _national(day.year, self.cuti_bersama_off)

    def add(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day counted from ``start`` (the day an event happened).

        With ``count_receipt_day`` the start itself is day 1 when it is a working day.
        """
        if days < 1:
            raise ValueError("days must be at least 1")
        counted = 0
        day = start
        if self.count_receipt_day and self.is_working_day(start):
            counted = 1
            if counted == days:
                return start
        while counted < days:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days used from ``start`` to ``end`` counted the way ``add`` counts:
        ``add(start, between(start, end)) <= end``; 0 when ``end`` is not after ``start``."""
        counted = 1 if self.count_receipt_day and self.is_working_day(start) and end >= start else 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return counted

    def days_off(self, start: dt.date, end: dt.date) -> Iterable[dt.date]:
        day = start
        while day <= end:
            if not self.is_working_day(day):
                yield day
            day += dt.timedelta(days=1)
