"""Dates as articles write them: the one place they are found and read.

The text reader asks whether a line is a date, speech says every date it finds, and the tags,
the feed's date and the episode's guid read the article's date: all through this module, so
that an article is spoken, tagged and published with the same date. Numeric dates (3/10/2026)
are read month first in US usage (en-US, en-PH) and day first everywhere else.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()
MONTHS: dict[str, int] = {name.lower(): number for number, name in enumerate(MONTH_NAMES, 1)}
MONTHS.update({name[:3].lower(): number for number, name in enumerate(MONTH_NAMES, 1)})
MONTHS["sept"] = 9
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th)?"

# One pattern, its forms tried in this order at each place in the text.
_DATE = re.compile(
    rf"\b(?P<dmy_d>\d{{1,2}}){_ORDINAL}\s+(?P<dmy_m>{_MONTH})\.?(?:,?\s+(?P<dmy_y>\d{{4}}))?\b"
    rf"|\b(?P<mdy_m>{_MONTH})\.?\s+(?P<mdy_d>\d{{1,2}}){_ORDINAL}\b(?:,?\s+(?P<mdy_y>\d{{4}})\b)?"
    r"|\b(?P<iso_y>\d{4})-(?P<iso_m>\d{2})-(?P<iso_d>\d{2})(?!\d)"
    r"|\b(?P<num_a>\d{1,2})/(?P<num_b>\d{1,2})/(?P<num_y>\d{4})\b",
    re.I,
)

_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_TIME = r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?"
# A line that is only a date, as articles print it under the headline.
_DATE_LINE = re.compile(
    r"^(?:(?:published|posted|updated|last updated|first published)(?:\s+on)?:?\s+)?"
    + _WEEKDAY
    + r"(?P<date>"
    rf"\d{{1,2}}{_ORDINAL}\s+(?:{_MONTH})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}{_ORDINAL},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}/\d{1,2}/\d{2,4}"
    r")" + _TIME + r"\.?$",
    re.I,
)


@dataclass(frozen=True)
class WrittenDate:
    """A date found in text: its parts, and the order the writer put them in.

    style: "dmy" (3 October 2026), "mdy" (October 3, 2026), "iso" (2026-10-03) or
        "numeric" (3/10/2026, read by the article's locale).
    year: None when the text gives none ("on 3 May").
    """

    day: int
    month: int
    year: int | None
    style: str

    def date(self) -> dt.date | None:
        if self.year is None:
            return None
        try:
            return dt.date(self.year, self.month, self.day)
        except ValueError:
            return None


def month_first(language: str | None) -> bool:
    """Whether 3/10/2026 is the 10th of March where the article was written."""
    return (language or "").lower() in {"en-us", "en-ph"}


def _read(match: re.Match[str], language: str | None) -> WrittenDate | None:
    if match["dmy_d"]:
        year = int(match["dmy_y"]) if match["dmy_y"] else None
        found = WrittenDate(int(match["dmy_d"]), MONTHS[match["dmy_m"].lower()], year, "dmy")
    elif match["mdy_m"]:
        year = int(match["mdy_y"]) if match["mdy_y"] else None
        found = WrittenDate(int(match["mdy_d"]), MONTHS[match["mdy_m"].lower()], year, "mdy")
    elif match["iso_y"]:
        found = WrittenDate(int(match["iso_d"]), int(match["iso_m"]), int(match["iso_y"]), "iso")
    else:
        first, second = int(match["num_a"]), int(match["num_b"])
        day, month = (second, first) if month_first(language) else (first, second)
        found = WrittenDate(day, month, int(match["num_y"]), "numeric")
    if not (1 <= found.month <= 12 and 1 <= found.day <= 31):
        return None
    return found


def replace_dates(text: str, language: str | None, say: Callable[[WrittenDate], str]) -> str:
    """``text`` with every date in it replaced by ``say(date)``; impossible dates are left."""

    def one(match: re.Match[str]) -> str:
        found = _read(match, language)
        return match.group(0) if found is None else say(found)

    return _DATE.sub(one, text)


def parse_date(text: str | None, language: str | None = "en") -> dt.date | None:
    """The first complete, valid date in ``text``, or None."""
    if not text:
        return None
    for match in _DATE.finditer(text):
        found = _read(match, language)
        if found is not None and (date := found.date()) is not None:
            return date
    return None


def date_line(line: str) -> str | None:
    """The date, when ``line`` is nothing but a date ("Updated: Tuesday 3 March 2026, 10:04")."""
    match = _DATE_LINE.match(line)
    return match["date"] if match else None
