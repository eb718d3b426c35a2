"""Reading the publication dates articles write into calendar dates."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NUMERIC = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(text: str | None, *, month_first: bool = False) -> dt.date | None:
    """The date in ``text``, or None when there is none that is valid.

    Numeric dates (3/10/2026) are read day first unless ``month_first`` (US usage).
    """
    if not text:
        return None
    lowered = text.lower()
    try:
        if match := _ISO.search(lowered):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if (match := _DAY_MONTH_YEAR.search(lowered)) and match[2] in _MONTHS:
            return dt.date(int(match[3]), _MONTHS[match[2]], int(match[1]))
        if (match := _MONTH_DAY_YEAR.search(lowered)) and match[1] in _MONTHS:
            return dt.date(int(match[3]), _MONTHS[match[1]], int(match[2]))
        if match := _NUMERIC.search(lowered):
            first, second = int(match[1]), int(match[2])
            day, month = (second, first) if month_first else (first, second)
            return dt.date(int(match[3]), month, day)
    except ValueError:
        return None
    return None
