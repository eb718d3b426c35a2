"""The lines under a headline that are metadata, not body: byline, published and updated dates.

Plain text and Markdown carry them as lines of their own ("By Ana Lima", "Published 3 October
2025", "Updated: March 5, 2025, 6:40 p.m. EST", "Par Solène Keraudren", "Publié le 7 mars
2025 à 08h15", "Mis à jour le …", "Por …", "Publicado el 11 de febrero de 2025"), sometimes
in italics. Each supported language has its own words, all tried on every article: the
language is not known yet when these lines are read.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from audionews.dates import date_line


class LineKind(enum.Enum):
    BYLINE = "byline"
    PUBLISHED = "published"
    UPDATED = "updated"


@dataclass(frozen=True)
class FrontLine:
    """A metadata line: what it says (``kind``) and its value as written (a name or a date)."""

    kind: LineKind
    value: str


_BYLINE = re.compile(
    r"^(?:(?:written\s+)?by|par|por|texto\s*:|text\s*:)\s+(?P<name>[^\W\d_][\w.’'\- ,&]*)$",
    re.I,
)
# Words before the date, by what the line says; English, French, Spanish and Portuguese.
_PUBLISHED_WORDS = (
    r"published(?:\s+on)?|posted(?:\s+on)?|first\s+published(?:\s+on)?|"
    r"publié(?:\s+le)?|paru(?:\s+le)?|publicado(?:\s+el|\s+em)?"
)
_UPDATED_WORDS = (
    r"(?:last\s+)?updated(?:\s+on|\s+at)?|modified(?:\s+on)?|"
    r"mis\s+à\s+jour(?:\s+le)?|actualisé(?:\s+le)?|modifié(?:\s+le)?|"
    r"actualizado(?:\s+el)?|atualizado(?:\s+em)?"
)
_PREFIX = re.compile(
    rf"^(?:(?P<published>{_PUBLISHED_WORDS})|(?P<updated>{_UPDATED_WORDS}))\s*:?\s+(?P<rest>.+)$",
    re.I,
)
_ROMANCE_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    "novembre|décembre|decembre|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    "noviembre|diciembre|"
    "janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro"
)
# "7 mars 2025 à 08h15", "11 de febrero de 2025", "1er avril 2025", "mardi 7 mars 2025".
_ROMANCE_DATE = re.compile(
    rf"^(?:[^\W\d_]+\.?,?\s+)?(?:\d{{1,2}}(?:er|º|o)?\s+(?:de\s+)?(?:{_ROMANCE_MONTHS})"
    rf"(?:\s+(?:de\s+|del\s+)?\d{{4}})?)(?P<time>\s*(?:,|à|a\s+las|às)?\s*\d{{1,2}}\s*[h:.]\s*"
    r"\d{2}(?:\s*h)?)?\.?$",
    re.I,
)
MAX_BYLINE_WORDS = 12


_CONNECTORS = frozenset("and et y e & de du des la le van von der den da di del dos das".split())


def _names(text: str) -> bool:
    """Whether a byline's text is names ("Ana Lima and Tom Reed"), not a sentence."""
    found = text.replace(",", " ").split()
    if not found or len(found) > MAX_BYLINE_WORDS or not found[0][0].isupper():
        return False
    if re.search(r"[^A-Z]\.$", text.strip()) and not re.search(r"\b[A-Z]\.$", text.strip()):
        return False
    capitalised = sum(1 for word in found if word[0].isupper() or word.lower() in _CONNECTORS)
    return capitalised == len(found)


def front_line(line: str) -> FrontLine | None:
    """What a metadata line under a headline says, or None for a line of the body."""
    line = " ".join(line.split()).strip("*_ ")
    if not line:
        return None
    if (match := _BYLINE.match(line)) and _names(match.group("name")):
        return FrontLine(LineKind.BYLINE, match.group("name").strip(" ,"))
    if (bare := date_line(line)) is not None:
        kind = LineKind.UPDATED if re.match(_UPDATED_WORDS, line, re.I) else LineKind.PUBLISHED
        return FrontLine(kind, bare)
    match = _PREFIX.match(line)
    if match is None:
        return None
    rest = match.group("rest").strip()
    date = date_line(rest)
    if date is None and _ROMANCE_DATE.match(rest):
        date = rest.rstrip(".")
    if date is None:
        return None
    kind = LineKind.UPDATED if match.group("updated") else LineKind.PUBLISHED
    return FrontLine(kind, date)
