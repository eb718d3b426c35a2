"""English: how a presenter says what is written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from audionews.dates import MONTH_NAMES, WrittenDate, replace_dates
from audionews.text.speech.rules import Currency, LanguageRules

_FRACTIONS = {
    "½": "one half",
    "¼": "one quarter",
    "¾": "three quarters",
    "⅓": "one third",
    "⅔": "two thirds",
    "⅛": "one eighth",
}
_DENOMINATORS = {2: ("half", "halves"), 4: ("quarter", "quarters")}

# Said letter by letter (written with dots, which espeak-ng reads as letters).
LETTER_ACRONYMS = frozenset(
    """
    UAE ICRC BBC US USA UK EU UN POW CEO CFO FBI CIA NHS MP GDP IMF WHO AI TV ID DNA CNN ITV
    ABC NBC CBS NYC EV PM PR HR IT IVF UFO NGO NGOs OECD WTO ICC IAEA IRA IRS MIT UCLA RAF
    NFL NBA ATM VIP FAQ CCTV GPS SUV LGBT LGBTQ HIV BMW URL PDF CPU DVD OSCE G7 G20 EPA DOJ
    KGB SBU ECB ECHR UNHCR UNDP NSA DHS FDA CDC ISP AP AFP UPI UKIP SNP DUP TUC CBI FTSE RSPCA
    """.split()
)
# Said as words.
WORD_ACRONYMS = frozenset(
    """
    NATO UNESCO NASA UNICEF OPEC AIDS COVID FIFA UEFA OFCOM OFSTED ASEAN CERN SWAT LASER RADAR
    ISIS FEMA NAFTA MERCOSUR INTERPOL EUROPOL FRONTEX SARS MERS NIMBY GIF JPEG
    """.split()
)

_ABBREVIATIONS = [
    (r"\bDr\.?(?=\s+[A-Z])", "Doctor"),
    (r"\bMr\.?(?=\s+[A-Z])", "Mister"),
    (r"\bMrs\.?(?=\s+[A-Z])", "Missus"),
    (r"\bProf\.?(?=\s+[A-Z])", "Professor"),
    (r"\bGen\.(?=\s+[A-Z])", "General"),
    (r"\bSen\.(?=\s+[A-Z])", "Senator"),
    (r"\bRep\.(?=\s+[A-Z])", "Representative"),
    (r"\bGov\.(?=\s+[A-Z])", "Governor"),
    (r"\bLt\.?(?=\s+[A-Z])", "Lieutenant"),
    (r"\bSgt\.?(?=\s+[A-Z])", "Sergeant"),
    (r"\bCapt\.?(?=\s+[A-Z])", "Captain"),
    (r"\bSt\.?(?=\s+[A-Z])", "Saint"),  # St Anne's, St. Louis
    (r"\b([A-Z][a-z]+) St\b\.?", r"\1 Street"),  # Quay St
    (r"\b([A-Z][a-z]+) Rd\b\.?", r"\1 Road"),
    (r"\b([A-Z][a-z]+) Ave\b\.?", r"\1 Avenue"),
    (r"\bNo\.\s?(?=\d)", "number "),
    (r"\bNos\.\s?(?=\d)", "numbers "),
    (r"\be\.g\.,?", "for example"),
    (r"\bi\.e\.,?", "that is"),
    (r"\betc\.", "et cetera"),
    (r"\bvs\.?(?=\s)", "versus"),
    (r"\bapprox\.", "approximately"),
]


@dataclass
class English(LanguageRules):
    code: str = "en"
    num2words_lang: str | None = "en"
    singular_before_noun: bool = True
    # The article's own language tag: it decides how 3/10/2026 is read (dates.month_first).
    locale: str = "en"
    url_words: dict[str, str] = field(
        default_factory=lambda: {
            ".": "dot",
            "/": "slash",
            "@": "at",
            "-": "dash",
            "_": "underscore",
        }
    )
    currencies: dict[str, Currency] = field(
        default_factory=lambda: {
            "£": Currency("pound", "pounds", "pence"),
            "$": Currency("dollar", "dollars", "cents"),
            "US$": Currency("US dollar", "US dollars", "cents"),
            "€": Currency("euro", "euros", "cents"),
            "¥": Currency("yen", "yen"),
            "₹": Currency("rupee", "rupees"),
            "R$": Currency("real", "reais", "centavos"),
            "₴": Currency("hryvnia", "hryvnias"),
        }
    )
    magnitudes: dict[str, str] = field(
        default_factory=lambda: {
            "k": "thousand",
            "m": "million",
            "mn": "million",
            "million": "million",
            "bn": "billion",
            "billion": "billion",
            "tn": "trillion",
            "trillion": "trillion",
        }
    )
    units: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {
            "km": ("kilometre", "kilometres"),
            "cm": ("centimetre", "centimetres"),
            "mm": ("millimetre", "millimetres"),
            "m": ("metre", "metres"),
            "kg": ("kilogram", "kilograms"),
            "g": ("gram", "grams"),
            "mg": ("milligram", "milligrams"),
            "ml": ("millilitre", "millilitres"),
            "l": ("litre", "litres"),
            "°C": ("degree Celsius", "degrees Celsius"),
            "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
            "mph": ("mile an hour", "miles an hour"),
            "km/h": ("kilometre an hour", "kilometres an hour"),
            "kph": ("kilometre an hour", "kilometres an hour"),
            "kW": ("kilowatt", "kilowatts"),
            "MW": ("megawatt", "megawatts"),
            "GW": ("gigawatt", "gigawatts"),
            "kWh": ("kilowatt hour", "kilowatt hours"),
            "GB": ("gigabyte", "gigabytes"),
            "MB": ("megabyte", "megabytes"),
            "TB": ("terabyte", "terabytes"),
            "p": ("penny", "pence"),
            "ft": ("foot", "feet"),
            "mi": ("mile", "miles"),
            "ha": ("hectare", "hectares"),
        }
    )
    symbols: dict[str, str] = field(
        default_factory=lambda: {
            "&": "and",
            "%": "percent",
            "+": "plus",
            "=": "equals",
            "<": "less than",
            ">": "greater than",
            "#": "number",
            "@": "at",
            "*": "",
            "_": " ",
            "~": "about",
            "|": ",",
            "^": "",
            "\\": " ",
            "{": "",
            "}": "",
        }
    )
    letter_acronyms: frozenset[str] = LETTER_ACRONYMS
    word_acronyms: frozenset[str] = WORD_ACRONYMS

    # --- web ----------------------------------------------------------------------------

    def web_addresses(self, text: str) -> str:
        text = re.sub(
            r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
            lambda m: self._spell_address(m.group(0)),
            text,
        )
        text = re.sub(
            r"\b(?:https?://|www\.)[^\s<>\"”’)]+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu"
            r"|io|co\.uk|org\.uk|gov\.uk|ac\.uk|uk|eu|de|fr|info|news)(?:/[^\s<>\"”’)]*)?",
            lambda m: self._say_url(m.group(0)),
            text,
        )
        text = re.sub(r"(?<!\w)#(\w+)", lambda m: "hashtag " + _split_camel(m.group(1)), text)
        return re.sub(r"(?<![\w.])@(\w+)", lambda m: "at " + _split_camel(m.group(1)), text)

    def _say_url(self, url: str) -> str:
        trailing = ""
        while url and url[-1] in ".,;:!?":
            trailing, url = url[-1] + trailing, url[:-1]
        url = re.sub(r"^https?://", "", url)
        url = re.sub(r"^www\.", "", url)
        url = re.split(r"[?#]", url, maxsplit=1)[0].rstrip("/")
        return self._spell_address(url) + trailing

    def _spell_address(self, address: str) -> str:
        spoken = address
        for symbol, word in self.url_words.items():
            spoken = spoken.replace(symbol, f" {word} ")
        return " ".join(spoken.split())

    # --- numbers in context ---------------------------------------------------------------

    def numbers_in_context(self, text: str) -> str:
        text = self.currency_amounts(text)
        text = self.percentages(text)
        text = self.dates(text)
        text = self.times(text)
        text = self.phone_numbers(text)
        text = self.ranges(text)
        text = self.ordinals(text)
        text = self.fractions(text)
        return self.units_after_numbers(text)

    def cardinal(self, value: Decimal | int) -> str:
        # num2words writes "one thousand, two hundred": the comma would be a pause.
        return super().cardinal(value).replace(",", "")

    def year(self, value: int) -> str:
        from num2words import num2words

        return str(num2words(value, lang="en", to="year"))

    def say_number(self, token: str) -> str:
        value = self.parse_number(token)
        if value is None:
            return token
        # A bare four-digit number from 1100 to 2099 is read as a year: "in 2022".
        if re.fullmatch(r"1[1-9]\d\d|20\d\d", token):
            return self.year(int(token))
        return self.cardinal(value)

    def dates(self, text: str) -> str:
        def say(date: WrittenDate) -> str:
            month = MONTH_NAMES[date.month - 1]
            if date.style == "mdy":
                said = f"{month} {self.ordinal(date.day)}"
                return f"{said}, {self.year(date.year)}" if date.year else said
            said = f"the {self.ordinal(date.day)} of {month}"
            return f"{said} {self.year(date.year)}" if date.year else said

        return replace_dates(text, self.locale, say)

    def times(self, text: str) -> str:
        def clock(hours: int, minutes: int) -> str:
            if minutes == 0:
                return (
                    f"{self.cardinal(hours)} o'clock"
                    if hours <= 12
                    else (f"{self.cardinal(hours)} hundred")
                )
            said_minutes = (
                f"oh {self.cardinal(minutes)}" if minutes < 10 else self.cardinal(minutes)
            )
            return f"{self.cardinal(hours)} {said_minutes}"

        def with_meridiem(match: re.Match[str]) -> str:
            hours = int(match["h"])
            minutes = int(match["min"] or 0)
            meridiem = "a m" if match["ap"].lower().startswith("a") else "p m"
            said = self.cardinal(hours) if minutes == 0 else clock(hours, minutes)
            # "at 10 p.m." ending a sentence: its last dot was also the full stop.
            ends_sentence = match.group(0).endswith(".") and not match.string[match.end() :].strip()
            return f"{said} {meridiem}{'.' if ends_sentence else ''}"

        def twenty_four(match: re.Match[str]) -> str:
            hours, minutes = int(match["h"]), int(match["min"])
            if hours > 23 or minutes > 59:
                return match.group(0)
            return clock(hours, minutes)

        text = re.sub(
            r"\b(?P<h>\d{1,2})(?::(?P<min>\d{2}))?\s?(?P<ap>[ap])\.?m\b\.?",
            with_meridiem,
            text,
            flags=re.I,
        )
        return re.sub(r"\b(?P<h>\d{1,2}):(?P<min>\d{2})\b", twenty_four, text)

    def phone_numbers(self, text: str) -> str:
        pattern = re.compile(
            r"(?<![\w+])(?:\+\d{1,3}[\s-]?)?(?:\(\d{2,5}\)[\s-]?)?\d{2,5}(?:[\s-]\d{2,5}){1,4}(?!\w)"
        )

        def say(match: re.Match[str]) -> str:
            raw = match.group(0)
            digits = re.sub(r"\D", "", raw)
            looks_like_phone = raw.startswith(("+", "(", "0")) or re.search(r"\d-\d{4}\b", raw)
            if len(digits) < 7 or not looks_like_phone:
                return raw
            groups = [
                " ".join(self.cardinal(int(d)) for d in group) for group in re.findall(r"\d+", raw)
            ]
            spoken = ", ".join(groups)
            return f"plus {spoken}" if raw.startswith("+") else spoken

        return pattern.sub(say, text)

    def ranges(self, text: str) -> str:
        text = re.sub(r"\b(\d{4})\s?[–-]\s?(\d{2,4})\b", self._year_range, text)
        return re.sub(r"(?<![\w-])(\d+(?:\.\d+)?)\s?–\s?(\d+(?:\.\d+)?)\b", r"\1 to \2", text)

    def _year_range(self, match: re.Match[str]) -> str:
        start, end = match.group(1), match.group(2)
        if len(end) == 2:
            end = start[:2] + end  # 2024-25
        return f"{start} to {end}"

    def ordinals(self, text: str) -> str:
        return re.sub(r"\b(\d+)(?:st|nd|rd|th)\b", lambda m: self.ordinal(int(m.group(1))), text)

    def fractions(self, text: str) -> str:
        for symbol, words in _FRACTIONS.items():
            text = re.sub(rf"(\d)\s?{symbol}", rf"\1 and {words}", text)
            text = text.replace(symbol, words)

        def say(match: re.Match[str]) -> str:
            numerator, denominator = int(match.group(1)), int(match.group(2))
            if not 1 < denominator <= 100 or numerator == 0:
                return match.group(0)
            singular, plural = _DENOMINATORS.get(
                denominator, (self.ordinal(denominator), self.ordinal(denominator) + "s")
            )
            return f"{self.cardinal(numerator)} {singular if numerator == 1 else plural}"

        return re.sub(r"(?<![\w/])(\d{1,2})/(\d{1,3})(?![\w/])", say, text)

    # --- words ----------------------------------------------------------------------------

    def abbreviations(self, text: str) -> str:
        for pattern, expansion in _ABBREVIATIONS:
            text = re.sub(pattern, expansion, text)
        return text

    def acronyms(self, text: str) -> str:
        def say(match: re.Match[str]) -> str:
            word, plural = match.group(1), match.group(2) or ""
            if word in self.word_acronyms or (
                word not in self.letter_acronyms and _pronounceable(word)
            ):
                return word.capitalize() + plural
            letters = ".".join(word)
            if plural:
                # "P.O.W.'s": with its last dot, espeak-ng says the letters and a plural "s"
                # (measured); "M.P's" was read "M dot P's", "M.P.s" "M P S".
                return letters + ".'s"
            # Before a full stop the last letter's dot would double it.
            return letters if match.string[match.end() : match.end() + 1] == "." else letters + "."

        return re.sub(
            r"\b(?!(?:I{2,3}|IV|VI{0,3}|IX|XI{0,3}|XI?V|XX)s?\b)([A-Z][A-Z0-9]{1,7})(s?)"
            r"\b(?!['’]\w)",
            say,
            text,
        )


def _pronounceable(word: str) -> bool:
    """Whether an unknown all-capital word can be said as a word (NATO) or must be spelt."""
    if len(word) < 4 or any(ch.isdigit() for ch in word):
        return False
    lower = word.lower()
    vowels = sum(ch in "aeiouy" for ch in lower)
    return (
        vowels / len(lower) >= 0.3
        and not re.search(r"[^aeiouy]{3}", lower)
        and (
            lower[0] in "aeiouy"
            or lower[1] in "aeiouy"
            or lower[:2]
            in {
                "br",
                "cr",
                "dr",
                "fr",
                "gr",
                "pr",
                "tr",
                "bl",
                "cl",
                "fl",
                "gl",
                "pl",
                "sl",
                "sc",
                "sk",
                "sm",
                "sn",
                "sp",
                "st",
                "sw",
                "th",
                "sh",
                "ch",
                "wh",
            }
        )
    )


def _split_camel(word: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", word)
