"""Speakable text: one named case per rule, run without audio."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audionews.audio.voices import load_profile
from audionews.errors import LexiconError
from audionews.text.speech import Normaliser
from audionews.text.speech.lexicon import Entry, Lexicon, load_lexicon

NO_LEXICON = Lexicon()


def say(text: str, language: str = "en") -> str:
    return Normaliser(language, NO_LEXICON)(text)


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        # amounts and numbers
        pytest.param("£48m was raised.", "forty-eight million pounds was raised.", id="pounds-m"),
        pytest.param(
            "It cost $3.2bn.", "It cost three point two billion dollars.", id="dollars-bn"
        ),
        pytest.param(
            "A €1,200 fee.", "A one thousand two hundred euro fee.", id="euros-before-noun"
        ),
        pytest.param("It cost €1,200.", "It cost one thousand two hundred euros.", id="euros"),
        pytest.param(
            "The £48m project.", "The forty-eight million pound project.", id="pounds-before-noun"
        ),
        pytest.param(
            "The council spent £48m last year.",
            "The council spent forty-eight million pounds last year.",
            id="pounds-not-before-noun",
        ),
        pytest.param("Just $1.", "Just one dollar.", id="one-dollar"),
        pytest.param("It was $3.50.", "It was three dollars fifty cents.", id="dollars-cents"),
        pytest.param("Up 3.5%.", "Up three point five percent.", id="percent"),
        pytest.param(
            "From 1990–1995.", "From nineteen ninety to nineteen ninety-five.", id="year-range"
        ),
        pytest.param(
            "The 2024-25 season.",
            "The twenty twenty-four to twenty twenty-five season.",
            id="season-range",
        ),
        pytest.param("Work 9–5.", "Work nine to five.", id="small-range"),
        pytest.param("She came 21st.", "She came twenty-first.", id="ordinal"),
        pytest.param(
            "In 2022 there were 2,000.",
            "In twenty twenty-two there were two thousand.",
            id="year-vs-number",
        ),
        pytest.param(
            "It weighs 3.25 tonnes.", "It weighs three point two five tonnes.", id="decimal"
        ),
        pytest.param(
            "About ½ and 3/4 of them.", "About one half and three quarters of them.", id="fractions"
        ),
        pytest.param(
            "Call +44 20 7946 0958.",
            "Call plus four four, two zero, seven nine four six, zero nine five eight.",
            id="phone",
        ),
        # times and dates
        pytest.param("At 10 a.m. today.", "At ten a m today.", id="time-am"),
        pytest.param(
            "At 7:30 and 23:15.", "At seven thirty and twenty-three fifteen.", id="clock-times"
        ),
        pytest.param("By 10:05pm.", "By ten oh five p m.", id="time-pm-minutes"),
        pytest.param(
            "On 3 October 2026.",
            "On the third of October twenty twenty-six.",
            id="date-day-month-year",
        ),
        pytest.param(
            "On October 3, 2026.", "On October third, twenty twenty-six.", id="date-us-order"
        ),
        pytest.param(
            "Dated 2026-10-03.", "Dated the third of October twenty twenty-six.", id="date-iso"
        ),
        pytest.param(
            "Dated 3/10/2026.",
            "Dated the third of October twenty twenty-six.",
            id="date-numeric-day-first",
        ),
        # units
        pytest.param("It is 5 km away.", "It is five kilometres away.", id="km"),
        pytest.param("A 1 km walk.", "A one kilometre walk.", id="km-singular"),
        pytest.param("Highs of 30°C.", "Highs of thirty degrees Celsius.", id="celsius"),
        pytest.param("At 60 mph.", "At sixty miles an hour.", id="mph"),
        pytest.param("A 12kg bag.", "A twelve kilogram bag.", id="kg-joined-before-noun"),
        pytest.param("It weighs 12kg.", "It weighs twelve kilograms.", id="kg-joined"),
        pytest.param(
            "They walked 5 km home.", "They walked five kilometres home.", id="km-no-determiner"
        ),
        # abbreviations and acronyms
        pytest.param("The UAE, ICRC and BBC.", "The U.A.E., I.C.R.C. and B.B.C.", id="letters"),
        pytest.param("NATO and UNESCO met.", "Nato and Unesco met.", id="words"),
        pytest.param("The POWs came home.", "The P.O.W.'s came home.", id="plural-acronym"),
        pytest.param("Two MPs spoke.", "Two M.P.'s spoke.", id="plural-acronym-two-letters"),
        pytest.param("The FRZT report.", "The F.R.Z.T. report.", id="unknown-unpronounceable"),
        pytest.param("The NOVARA plan.", "The Novara plan.", id="unknown-pronounceable"),
        pytest.param("World War II ended.", "World War II ended.", id="roman-numeral"),
        pytest.param("Dr Smith of St Anne's.", "Doctor Smith of Saint Anne's.", id="saint"),
        pytest.param("On Quay St today.", "On Quay Street today.", id="street"),
        pytest.param(
            "No. 10 said, e.g. this.", "number ten said, for example this.", id="number-eg"
        ),
        pytest.param("Fish, chips, etc.", "Fish, chips, et cetera", id="etc"),
        # the web
        pytest.param(
            "See https://example.com/awards?ref=x today.",
            "See example dot com slash awards today.",
            id="url",
        ),
        pytest.param("See www.bbc.co.uk/news.", "See bbc dot co dot uk slash news.", id="url-www"),
        pytest.param(
            "Write to jane.doe@example.org now.",
            "Write to jane dot doe at example dot org now.",
            id="email",
        ),
        pytest.param(
            "#ClimateWeek and @CallowCouncil.",
            "hashtag Climate Week and at Callow Council.",
            id="hashtag-handle",
        ),
        # symbols, pauses and case
        pytest.param("Party 🎉 time 👍🏽.", "Party time.", id="emoji-dropped"),
        pytest.param("It was — as ever — late…", "It was, as ever, late", id="dashes-ellipsis"),
        pytest.param(
            "The fund (set up in May) grew.", "The fund, set up in May, grew.", id="brackets-aside"
        ),
        pytest.param(
            "THE COUNCIL HAS FAILED US AGAIN!", "The council has failed us again!", id="shouting"
        ),
        pytest.param("Rock & roll.", "Rock and roll.", id="ampersand"),
        # hostile text
        pytest.param(
            '<speak><prosody rate="x-fast">Hello</prosody></speak>', "Hello", id="ssml-dropped"
        ),
        pytest.param("Say [[h@l'oU]] now.", "Say, h at l'oU, now.", id="espeak-phonemes"),
        pytest.param("Run $(rm -rf /) or `ls`.", "Run, rm -rf /, or ls.", id="shell-like"),
        pytest.param("Bell\x07 and\x00 tab\tend.", "Bell and tab end.", id="control-characters"),
    ],
)
def test_english(written: str, spoken: str):
    assert say(written) == spoken


def test_us_articles_read_numeric_dates_month_first():
    assert say("Dated 3/10/2026.", "en-US") == "Dated the tenth of March twenty twenty-six."


@pytest.mark.parametrize(
    ("language", "written", "spoken"),
    [
        pytest.param(
            "fr",
            "Il coûte 48 000 € et 3,5 % de plus.",
            "Il coûte quarante-huit mille euros et trois virgule cinq pour cent de plus.",
            id="french-numbers",
        ),
        pytest.param(
            "fr",
            "En 2026, 12 km.",
            "En deux mille vingt-six, douze kilomètres.",
            id="french-year-units",
        ),
        pytest.param(
            "pt-BR",
            "Custa R$ 250.000.",
            "Custa duzentos e cinquenta mil reais.",
            id="portuguese-reais",
        ),
        pytest.param(
            "es",
            "Subió un 3,5 % en 2025.",
            "Subió un tres coma cinco por ciento en dos mil veinticinco.",
            id="spanish-percent",
        ),
        pytest.param(
            "de",
            "Es kostet 48 Euro.",
            "Es kostet 48 Euro.",
            id="other-language-leaves-digits-to-espeak",
        ),
    ],
)
def test_other_languages(language: str, written: str, spoken: str):
    assert say(written, language) == spoken


# --- the lexicon --------------------------------------------------------------------------


def test_longest_entry_wins_and_options_hold():
    lexicon = Lexicon(
        [
            Entry("New York", "Noo York"),
            Entry("New York Times", "the Times of New York"),
            Entry("Reading", "Redding", case_sensitive=True),
            Entry("kyiv", "Keev"),
            Entry("ing", "ING", whole_word=False),
        ]
    )
    assert lexicon.apply("The New York Times in New York.") == (
        "The the Times of New York in Noo York."
    )
    assert lexicon.apply("Reading is reading.") == "Redding is readING."
    assert lexicon.apply("KYIV and Kyiv.") == "Keev and Keev."


def test_user_lexicon_file(tmp_path: Path):
    path = tmp_path / "names.toml"
    path.write_text(
        '[words]\nCallow = "Kal-oh"\n\n[[entry]]\nwritten = "Reading"\nspoken = "Redding"\n'
        "case_sensitive = true\n"
    )
    lexicon = load_lexicon(path)
    assert Normaliser("en", lexicon)("Port Callow and Reading.") == "Port Kal-oh and Redding."


def test_profile_lexicon_and_user_file_stack(tmp_path: Path):
    profile = tmp_path / "p.toml"
    profile.write_text(
        '[narrator]\nvoice = "en-us"\n[quote]\nvoice = "en-us"\n[announcer]\nvoice = "en-us"\n'
        '[lexicon]\nCallow = "Kal-oh"\nValemouth = "Vale-mouth"\n'
    )
    user = tmp_path / "u.toml"
    user.write_text('[words]\nValemouth = "Vail-muth"\n')
    lexicon = load_profile(str(profile), check_installed=False).lexicon.merged(load_lexicon(user))
    assert Normaliser("en", lexicon)("Callow and Valemouth") == "Kal-oh and Vail-muth"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("[words\n", "not valid TOML", id="bad-toml"),
        pytest.param("[words]\nx = 3\n", "must map to a string", id="not-a-string"),
        pytest.param('[[entry]]\nwritten = "x"\n', "needs written and spoken", id="no-spoken"),
        pytest.param(
            '[[entry]]\nwritten = "x"\nspoken = "y"\nloud = true\n',
            "unknown keys",
            id="unknown-key",
        ),
    ],
)
def test_bad_lexicon_is_a_clear_error(tmp_path: Path, content: str, message: str):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(LexiconError, match=message):
        load_lexicon(path)


def test_built_in_lexicon_applies_by_default():
    assert Normaliser("en")("Kyiv") == "Keev"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        pytest.param("The vote [[[ was close ]]] today.", "The vote, was close, today.", id="run"),
        pytest.param("Prices ~~~ rose *** again.", "Prices rose again.", id="decoration"),
        pytest.param("A stray ]]] mark here.", "A stray mark here.", id="unpaired-run"),
        pytest.param("It ended [badly.", "It ended badly.", id="unpaired-bracket"),
        pytest.param("--- Part two ---", "Part two", id="rule-of-dashes"),
    ],
)
def test_punctuation_that_is_not_speech_is_never_read(text: str, spoken: str) -> None:
    assert Normaliser("en")(text) == spoken


# --- fast paths: the same result as the slow way ----------------------------------------------

_EMOJI_SAMPLES = [
    *("👍🏽", "1️⃣", "#⃣", "👨\u200d👩\u200d👧", "🇬🇧", "©", "☕️"),
    *("\u20e3", "\ufe0f", "\ufe0e", "x\ufe0e", "→\ufe0e", "\u200d"),
]


@given(
    st.lists(st.one_of(st.text(max_size=12), st.sampled_from(_EMOJI_SAMPLES)), max_size=8).map(
        "".join
    )
)
def test_drop_emoji_is_emoji_librarys_own_replacement(text: str) -> None:
    import emoji

    from audionews.text.speech.common import drop_emoji

    assert drop_emoji(text) == emoji.replace_emoji(text, "")


@given(st.text(max_size=40))
def test_folds_take_a_shortcut_only_where_it_is_the_same(text: str) -> None:
    import unicodedata

    from audionews.text.people import fold
    from audionews.text.speech.lexicon import _fold

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    slow = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")
    assert fold(text) == slow
    assert _fold(text) == "".join(low if len(low := char.lower()) == 1 else char for char in text)


def test_every_emoji_character_is_seen_by_the_quick_look() -> None:
    # The quick look decides whether the emoji package is needed at all: a character of an
    # emoji it missed would be spoken.
    import emoji

    from audionews.text.speech.common import _MAYBE_EMOJI

    characters = {c for name in emoji.EMOJI_DATA for c in name if not c.isascii()}
    missed = sorted(c for c in characters if not _MAYBE_EMOJI.fullmatch(c))
    assert characters and not missed, [hex(ord(c)) for c in missed]
    # Ordinary punctuation of news text does not wake it.
    assert not _MAYBE_EMOJI.search("“Quoted” — it’s… café, naïve, 50 €, 5 × 3 ½")
