"""The Nomor Induk Kependudukan (NIK): 16 digits, PP KK KK DDMMYY NNNN.

PP is the province code (Kemendagri), then regency/city and district codes, then the birth date
(day + 40 for women), then a serial number that is never 0000. The province codes are national
(Permendagri on kode wilayah), not a city's choice.
"""
from __future__ import annotations

import datetime as dt
import re

PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
    "31", "32", "33", "34", "35", "36",
    "51", "52", "53",
    "61", "62", "63", "64", "65",
    "71", "72", "73", "74", "75", "76",
    "81", "82",
    "91", "92", "93", "94", "95", "96", "97",
})

_DIGITS = re.compile(r"^\d{16}$")


class NikError(ValueError):
    """``code`` says which part is wrong: format, region, birth_date, serial."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def birth_date(nik: str, today: dt.date | None = None) -> dt.date:
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    today = today or dt.date.today()
    century = 2000 if 2000 + year <= today.year else 1900
    return dt.date(century + year, month, day)


def validate(nik: str, today: dt.date | None = None) -> str:
    """The NIK with spaces removed, or NikError."""
    nik = (nik or "").replace(" ", "").replace(".", "")
    if not _DIGITS.match(nik):
        raise NikError("format")
    if nik[:2] not in PROVINCES or nik[2:4] == "00" or nik[4:6] == "00":
        raise NikError("region")
    try:
        born = birth_date(nik, today)
    except ValueError:
        raise NikError("birth_date") from None
    if born > (today or dt.date.today()):
        raise NikError("birth_date")
    if nik[12:] == "0000":
        raise NikError("serial")
    return nik
