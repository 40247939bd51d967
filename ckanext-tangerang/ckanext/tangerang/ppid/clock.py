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

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is worked, else the first working day after it."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def working_days_until(self, today: dt.date, end: dt.date) -> int:
        """How many working days are left before a deadline: the working days after ``today``
        up to and including ``end`` (0 on the deadline itself; negative never)."""
        counted = 0
        day = today
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return counted


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ServiceHours:
    """The days and hours a PPID desk serves (public-service standard, city profile): a
    request arriving outside them counts as received when the desk next opens."""

    def __init__(self, days: Iterable[int] = range(5), opens: dt.time = dt.time(8),
                 closes: dt.time = dt.time(16)):
        self.days = frozenset(days)
        self.opens, self.closes = opens, closes
        if not self.days or opens >= closes:
            raise ValueError("service hours need at least one day and opening before closing")

    @classmethod
    def from_profile(cls, value: Mapping | None) -> "ServiceHours":
        """From the profile's ``service_hours: {days: [monday, ...], open: "08:00",
        close: "16:00"}``; Monday to Friday 08:00-16:00 when absent."""
        if not value:
            return cls()
        days = [WEEKDAYS.index(str(d).strip().lower()) for d in value.get("days") or WEEKDAYS[:5]]
        return cls(days, dt.time.fromisoformat(str(value.get("open", "08:00"))),
                   dt.time.fromisoformat(str(value.get("close", "16:00"))))

    def is_service_day(self, cal: Calendar, day: dt.date) -> bool:
        return day.weekday() in self.days and cal.is_working_day(day)

    def next_service_day(self, cal: Calendar, day: dt.date) -> dt.date:
        """``day`` when the desk serves on it, else the next day it does."""
        for _ in range(3660):
            if self.is_service_day(cal, day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no service day within ten years")

    def receipt(self, cal: Calendar, moment: dt.datetime) -> dt.date:
        """The date a request arriving at ``moment`` (local time) counts as received: that day
        within the service hours of a service day; before opening, the same day's opening
        when it is a service day; otherwise the next service day (as public-service
        standards count it: the desk receives when it is open)."""
        day, time = moment.date(), moment.time()
        if self.is_service_day(cal, day) and time < self.closes:
            return day
        return self.next_service_day(cal, day + dt.timedelta(days=1))
