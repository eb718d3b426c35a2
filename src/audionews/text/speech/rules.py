"""Speakable text, one language's rules at a time.

``LanguageRules`` holds the order every language follows and the rules that need only data
(number words from num2words, currency names, unit names); a language adds its own tables
and, where its grammar needs it, overrides a step. English is complete; French, Spanish and
Portuguese say numbers, amounts, percentages and units in their own words; any other
language passes numbers to espeak-ng's voice for that language, which reads digits itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from num2words import num2words

from audionews.text.speech import common

_DETERMINER_BEFORE = re.compile(
    r"(?:^|\s)(?:a|an|the|this|that|each|every|its|his|her|their|our|your|my)\s$", re.I
)


@dataclass(frozen=True)
class Currency:
    singular: str
    plural: str
    minor: str = ""  # "cents", "pence"


@dataclass
class LanguageRules:
    """The normalisation rules of one language. Subclasses fill the tables."""

    code: str = "und"
    num2words_lang: str | None = None
    thousands: str = ","
    decimal: str = "."
    point_word: str = "point"
    percent_word: str = "percent"
    url_words: dict[str, str] = field(default_factory=dict)
    currencies: dict[str, Currency] = field(default_factory=dict)
    magnitudes: dict[str, str] = field(default_factory=dict)
    units: dict[str, tuple[str, str]] = field(default_factory=dict)
    symbols: dict[str, str] = field(default_factory=dict)
    letter_acronyms: frozenset[str] = frozenset()
    # "a twelve-kilogram bag": a unit before the noun it measures is singular.
    singular_before_noun: bool = False
    word_acronyms: frozenset[str] = frozenset()

    # --- the order every language follows ---------------------------------------------------

    def normalise(self, text: str) -> str:
        text = common.remove_controls(text)
        text = common.neutralise_markup(text)
        text = common.drop_emoji(text)
        text = self.web_addresses(text)
        text = common.calm_shouting(text, self.shouting_keeps)
        text = self.abbreviations(text)
        text = self.numbers_in_context(text)
        text = self.plain_numbers(text)
        text = self.acronyms(text)
        text = common.pauses_for_punctuation(text)
        return common.final_symbols(text, self.symbols)

    @property
    def shouting_keeps(self) -> frozenset[str]:
        """Acronyms kept in capitals when a shouted sentence is calmed; not those that are
        also everyday words in capitals (US, IT, WHO)."""
        return (self.letter_acronyms | self.word_acronyms) - {"US", "IT", "WHO", "AI", "ID"}

    # --- numbers --------------------------------------------------------------------------

    @property
    def number_pattern(self) -> str:
        t, d = re.escape(self.thousands), re.escape(self.decimal)
        return rf"\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d+)?|\d+(?:{d}\d+)?"

    def parse_number(self, token: str) -> Decimal | None:
        cleaned = token.replace(self.thousands, "").replace(self.decimal, ".")
        try:
            return Decimal(cleaned)
        except InvalidOperation:
            return None

    def cardinal(self, value: Decimal | int) -> str:
        if self.num2words_lang is None:
            return str(value)
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        if isinstance(value, Decimal):
            whole, _, fraction = f"{value:f}".partition(".")
            digits = " ".join(num2words(int(d), lang=self.num2words_lang) for d in fraction)
            return f"{num2words(int(whole), lang=self.num2words_lang)} {self.point_word} {digits}"
        return str(num2words(value, lang=self.num2words_lang))

    def ordinal(self, value: int) -> str:
        if self.num2words_lang is None:
            return str(value)
        return str(num2words(value, lang=self.num2words_lang, to="ordinal"))

    def year(self, value: int) -> str:
        return self.cardinal(value)

    def web_addresses(self, text: str) -> str:
        return text

    def numbers_in_context(self, text: str) -> str:
        text = self.currency_amounts(text)
        text = self.percentages(text)
        return self.units_after_numbers(text)

    def currency_amounts(self, text: str) -> str:
        if not self.currencies:
            return text
        symbols = "|".join(re.escape(s) for s in sorted(self.currencies, key=len, reverse=True))
        magnitudes = "|".join(sorted(self.magnitudes, key=len, reverse=True)) or "(?!)"
        before = re.compile(
            rf"(?P<sym>{symbols})\s?(?P<num>{self.number_pattern})"
            rf"(?:\s?(?P<mag>{magnitudes})\b)?"
        )
        after = re.compile(
            rf"(?P<num>{self.number_pattern})(?:\s?(?P<mag>{magnitudes}))?\s?(?P<sym>{symbols})"
            r"(?!\w)"
        )

        def say(match: re.Match[str]) -> str:
            value = self.parse_number(match.group("num"))
            if value is None:
                return match.group(0)
            currency = self.currencies[match.group("sym")]
            magnitude = self.magnitudes.get((match.group("mag") or "").lower(), "")
            return self.say_amount(value, magnitude, currency, self.modifies_noun(match))

        return after.sub(say, before.sub(say, text))

    def say_amount(
        self, value: Decimal, magnitude: str, currency: Currency, before_noun: bool = False
    ) -> str:
        if magnitude:
            unit = currency.singular if before_noun else currency.plural
            return f"{self.cardinal(value)} {magnitude} {unit}"
        whole = int(value)
        minor = int((value - whole) * 100)
        name = currency.singular if whole == 1 or before_noun else currency.plural
        spoken = f"{self.cardinal(whole)} {name}"
        if minor and currency.minor:
            spoken += f" {self.cardinal(minor)} {currency.minor}"
        return spoken

    def percentages(self, text: str) -> str:
        return re.sub(
            rf"(?P<num>{self.number_pattern})\s?%",
            lambda m: f"{self.say_number(m.group('num'))} {self.percent_word}",
            text,
        )

    def units_after_numbers(self, text: str) -> str:
        if not self.units:
            return text
        names = "|".join(re.escape(u) for u in sorted(self.units, key=len, reverse=True))
        pattern = re.compile(rf"(?P<num>{self.number_pattern})\s?(?P<unit>{names})(?![\w/])")

        def say(match: re.Match[str]) -> str:
            value = self.parse_number(match.group("num"))
            singular, plural = self.units[match.group("unit")]
            one = value == 1 or self.modifies_noun(match)
            return f"{self.say_number(match.group('num'))} {singular if one else plural}"

        return pattern.sub(say, text)

    def modifies_noun(self, match: re.Match[str]) -> bool:
        """Whether an amount stands before a noun as its modifier ("a €1,200 fee", "the 12kg
        bag"), where languages such as English name the unit in the singular."""
        if not self.singular_before_noun:
            return False
        before = match.string[: match.start()]
        after = match.string[match.end() :]
        return bool(_DETERMINER_BEFORE.search(before)) and bool(re.match(r" [a-z]", after))

    def say_number(self, token: str) -> str:
        value = self.parse_number(token)
        return token if value is None else self.cardinal(value)

    def plain_numbers(self, text: str) -> str:
        if self.num2words_lang is None:
            return text
        return re.sub(
            rf"(?<![\w.,])(?:{self.number_pattern})(?!\w)",
            lambda m: self.say_number(m.group(0)),
            text,
        )

    def abbreviations(self, text: str) -> str:
        return text

    def acronyms(self, text: str) -> str:
        return text
