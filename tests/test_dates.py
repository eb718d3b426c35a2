"""The one date reader: found in text, read by the article's locale, the same everywhere."""

from __future__ import annotations

import datetime as dt

import pytest

from audionews.dates import date_line, month_first, parse_date
from audionews.text.speech import Normaliser
from audionews.text.speech.lexicon import Lexicon


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        pytest.param("3 October 2026", "en", dt.date(2026, 10, 3), id="day-month-year"),
        pytest.param("October 3, 2026", "en-US", dt.date(2026, 10, 3), id="month-day-year"),
        pytest.param("2026-10-03T06:00:00Z", "en", dt.date(2026, 10, 3), id="iso-timestamp"),
        pytest.param("3/10/2026", "en-GB", dt.date(2026, 10, 3), id="numeric-day-first"),
        pytest.param("3/10/2026", "en-US", dt.date(2026, 3, 10), id="numeric-us"),
        pytest.param("3/10/2026", "fr", dt.date(2026, 10, 3), id="numeric-french"),
        pytest.param("13/10/2026", "en-US", None, id="impossible-month"),
        pytest.param("on 3 May", "en", None, id="no-year"),
        pytest.param("31 February 2026", "en", None, id="impossible-day"),
        pytest.param(None, "en", None, id="none"),
    ],
)
def test_parse_date(text: str | None, language: str, expected: dt.date | None):
    assert parse_date(text, language) == expected


def test_month_first_only_where_that_is_the_usage():
    assert [month_first(tag) for tag in ("en-US", "en-us", "en-PH", "en", "en-GB", None)] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("language", "spoken", "date"),
    [
        pytest.param(
            "en-US", "the tenth of March twenty twenty-six", dt.date(2026, 3, 10), id="us"
        ),
        pytest.param(
            "en-GB", "the third of October twenty twenty-six", dt.date(2026, 10, 3), id="gb"
        ),
    ],
)
def test_speech_and_metadata_read_a_numeric_date_alike(language: str, spoken: str, date):
    # What is said and what is tagged come from the same reading of the same text.
    assert Normaliser(language, Lexicon())("Published 3/10/2026.") == f"Published {spoken}."
    assert parse_date("3/10/2026", language) == date


@pytest.mark.parametrize(
    ("line", "date"),
    [
        pytest.param("3 October 2026", "3 October 2026", id="plain"),
        pytest.param("Updated: Tuesday 3 March 2026, 10:04", "3 March 2026", id="label-time"),
        pytest.param("Published on 2026-10-03", "2026-10-03", id="iso"),
        pytest.param("3/10/26", "3/10/26", id="short-year"),
        pytest.param("The storm came on 3 October 2026.", None, id="a-sentence"),
    ],
)
def test_date_line(line: str, date: str | None):
    assert date_line(line) == date
