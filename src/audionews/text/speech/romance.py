"""French, Spanish and Portuguese: numbers, amounts, percentages and units in their words."""

from __future__ import annotations

from dataclasses import dataclass, field

from audionews.text.speech.rules import Currency, LanguageRules


def _symbols(and_word: str, percent_word: str, plus_word: str) -> dict[str, str]:
    """Symbols said as words, or dropped: the same for every language but for three words."""
    return {
        "&": and_word,
        "%": percent_word,
        "+": plus_word,
        "<": "",
        ">": "",
        "#": "",
        "*": "",
        "\\": " ",
        "{": "",
        "}": "",
        "|": ",",
    }


@dataclass
class French(LanguageRules):
    code: str = "fr"
    num2words_lang: str | None = "fr"
    thousands: str = " "  # every kind of space is one space by the time numbers are read
    decimal: str = ","
    point_word: str = "virgule"
    percent_word: str = "pour cent"
    currencies: dict[str, Currency] = field(
        default_factory=lambda: {
            "€": Currency("euro", "euros", "centimes"),
            "$": Currency("dollar", "dollars", "cents"),
        }
    )
    magnitudes: dict[str, str] = field(
        default_factory=lambda: {
            "millions": "millions de",
            "million": "millions de",
            "milliards": "milliards de",
            "milliard": "milliards de",
            "M": "millions de",
            "Md": "milliards de",
        }
    )
    units: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {
            "km": ("kilomètre", "kilomètres"),
            "kg": ("kilo", "kilos"),
            "°C": ("degré", "degrés"),
            "m": ("mètre", "mètres"),
        }
    )
    symbols: dict[str, str] = field(default_factory=lambda: _symbols("et", "pour cent", "plus"))


@dataclass
class Spanish(LanguageRules):
    code: str = "es"
    num2words_lang: str | None = "es"
    thousands: str = "."
    decimal: str = ","
    point_word: str = "coma"
    percent_word: str = "por ciento"
    currencies: dict[str, Currency] = field(
        default_factory=lambda: {
            "€": Currency("euro", "euros", "céntimos"),
            "$": Currency("peso", "pesos", "centavos"),
            "US$": Currency("dólar", "dólares", "centavos"),
        }
    )
    magnitudes: dict[str, str] = field(
        default_factory=lambda: {"millones": "millones de", "millón": "millones de"}
    )
    symbols: dict[str, str] = field(default_factory=lambda: _symbols("y", "por ciento", "más"))


@dataclass
class Portuguese(LanguageRules):
    code: str = "pt"
    num2words_lang: str | None = "pt_BR"
    thousands: str = "."
    decimal: str = ","
    point_word: str = "vírgula"
    percent_word: str = "por cento"
    currencies: dict[str, Currency] = field(
        default_factory=lambda: {
            "R$": Currency("real", "reais", "centavos"),
            "€": Currency("euro", "euros", "cêntimos"),
            "US$": Currency("dólar", "dólares", "centavos"),
        }
    )
    magnitudes: dict[str, str] = field(
        default_factory=lambda: {
            "milhões": "milhões de",
            "milhão": "milhões de",
            "bilhões": "bilhões de",
            "mi": "milhões de",
            "bi": "bilhões de",
        }
    )
    symbols: dict[str, str] = field(default_factory=lambda: _symbols("e", "por cento", "mais"))
