"""Quotations, speakers, language and headings on our own gold set (issue 16).

    scripts/bench_quotes.py [--json] [--gold DIR] [ARTICLE ...]

Every article in tests/gold/quotes has a gold file beside it (same stem, .json) that lists
each quoted span as written, its expected role and speaker, and style tags; see
tests/gold/quotes/README.md for the format. For each article this script reads it through
the library (`read_script`, the only function here that calls audionews), aligns every gold
span to the script's segments by words, and prints:

- role accuracy: spans whose every word is carried by segments of the expected role;
- speaker accuracy over quotations whose speaker is named (a person or an organisation):
  every word carried by a quote segment whose speaker is the expected full name, after
  normalising case, whitespace, punctuation and honorifics (and, leniently, whether the
  label names the right person at all, e.g. by surname: "right person"); and for documents
  and anonymous sources, whether no person of the article was named instead ("unnamed");
- quotation words lost: gold words the script does not carry at all;
- the language detected against the expected one, and the headings found against expected;

per style tag, per article and overall. `--json` prints the same figures as JSON on stdout.

How a span is found (robust to sentence splitting, cues and announcements the script adds):
the article file is reduced to a stream of normalised words (HTML tags dropped, entities
decoded; Markdown marks are punctuation and vanish), the span is located in that stream
exactly (the annotation is checked against the article this way), and the article's stream
is aligned to the script's stream of words once, monotonically, with difflib. A span's
word is then carried by the segment its aligned script word belongs to, or lost.
"""

from __future__ import annotations

import argparse
import difflib
import html
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold" / "quotes"
ROLES = ("quote", "narration", "either")
SOURCES = ("person", "organisation", "document", "anonymous")
NAMED_SOURCES = ("person", "organisation")

# Every tag a gold span may carry; a typo in a gold file is an error, not a new style.
TAGS = {
    "said-x": 'attribution after the quote, verb first: "…," said X',
    "x-said": 'attribution after the quote, name first: "…," X said',
    "according-to": '"…," according to X',
    "colon-intro": "X said: / X a déclaré : before the quotation",
    "continuation": "the attribution is in a neighbouring sentence or quotation",
    "split": '"First part," X said, "second part."',
    "multi-paragraph": "one quotation over several paragraphs",
    "role-noun": "a role noun or title before the name (with or without a comma)",
    "context": '"Asked whether …, X paused." then a paragraph that is only a quotation',
    "pronoun": "attributed with she/he/they (or il/elle, él/ella)",
    "particle": "a name with a particle, hyphen or apostrophe",
    "surname-only": "a later reference by surname alone",
    "interview": "an answer (or question) in an interview",
    "interview-question": "the interviewer's question: narrator's voice, never the guest's",
    "french-incise": "an attribution clause inside guillemets or dashes",
    "dialogue-dash": "dialogue introduced by a dash",
    "nested": "a quotation inside another; stays with the outer speaker",
    "anonymous": "an unnamed source (no person of the article is right)",
    "organisation": "an organisation speaks",
    "document": "a document speaks (a report, a letter, a statement)",
    "title-of-work": "a title in quotation marks: narration",
    "scare-quote": "words in quotation marks that nobody is quoted as saying: narration",
    "partial": "a few quoted words inside reported speech",
    "blockquote": "a block quotation (HTML blockquote, Markdown >)",
    "caption": "in a figure's caption",
}


class GoldError(Exception):
    """A gold file that is malformed or does not match its article."""


# --- words ---------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Normalised words: NFKC, case-folded, split at anything that is not a letter or digit.

    Quotation marks, apostrophes, hyphens and Markdown or HTML punctuation all vanish, so
    "O’Neill" and "O'Neill" are both ["o", "neill"] and a cue's punctuation never matters.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return [w for w in _WORD.findall(text) if w != "_" * len(w)]


_HONORIFICS = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
    "m", "mme", "mlle", "me", "sr", "sra", "srta", "don", "doña", "dona", "cllr", "councillor",
}  # fmt: skip


_ARTICLES = {"the", "le", "la", "les", "l", "el", "los", "las"}


def normal_name(name: str | None) -> str:
    """A speaker's name compared by words, without honorifics or a leading article."""
    if not name:
        return ""
    found = words(name)
    # Honorifics go; so does a leading article ("the council", "la préfecture") when a name
    # is left after it.
    while len(found) > 1 and (found[0] in _HONORIFICS or found[0] in _ARTICLES):
        found = found[1:]
    return " ".join(found)


# --- the article as a stream of words ------------------------------------------------------

_HTML_DROP = re.compile(r"<(script|style|template|head)\b.*?</\1\s*>", re.I | re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_TAG = re.compile(r"<[^>]*>")


def source_text(path: Path) -> str:
    """The article's text with markup removed, for locating gold spans (not for the library)."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".html", ".htm"):
        raw = _HTML_COMMENT.sub(" ", _HTML_DROP.sub(" ", raw))
        raw = html.unescape(_HTML_TAG.sub(" ", raw))
    return raw


def find_sequence(haystack: Sequence[str], needle: Sequence[str], start: int = 0) -> int:
    """Index of the first exact occurrence of needle in haystack at or after start, or -1."""
    if not needle:
        return -1
    first = needle[0]
    for index in range(start, len(haystack) - len(needle) + 1):
        if haystack[index] == first and list(haystack[index : index + len(needle)]) == list(needle):
            return index
    return -1


# --- gold files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One quoted span of a gold article, located in the article's word stream."""

    text: str
    role: str
    speaker: str | None
    source: str | None
    tags: tuple[str, ...]
    start: int  # index of its first word in the article's word stream
    size: int  # number of words


@dataclass(frozen=True)
class GoldArticle:
    path: Path
    language: str
    styles: tuple[str, ...]
    title: str
    headings: tuple[tuple[str, int], ...]
    people: dict[str, str]
    spans: tuple[Span, ...]
    stream: tuple[str, ...] = field(repr=False)


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise GoldError(f"{where}: {message}")


def load_gold(json_path: Path) -> GoldArticle:
    """Read one gold file, check it, and locate every span in its article."""
    where = str(json_path)
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GoldError(f"{where}: {exc}") from None
    _require(isinstance(data, dict), where, "not a JSON object")
    article = json_path.parent / str(data.get("article", ""))
    _require(article.is_file() and article.stem == json_path.stem, where, "no such article")
    stream = words(source_text(article))
    people = data.get("people", {})
    _require(isinstance(people, dict), where, "people must map full names to genders")
    headings = tuple((str(h["title"]), int(h["level"])) for h in data.get("headings", []))
    for title, level in headings:
        _require(level in (2, 3, 4), where, f"heading {title!r}: level must be 2 to 4")
        _require(find_sequence(stream, words(title)) >= 0, where, f"heading {title!r} not found")
    spans: list[Span] = []
    previous = 0
    reached = 0
    for number, item in enumerate(data.get("quotes", []), start=1):
        here = f"{where}: quote {number}"
        text = str(item.get("text", ""))
        role, speaker, source = item.get("role"), item.get("speaker"), item.get("source")
        tags = tuple(item.get("tags", ()))
        _require(role in ROLES, here, f"role must be one of {ROLES}")
        unknown = [tag for tag in tags if tag not in TAGS]
        _require(not unknown, here, f"unknown tags {unknown}")
        if role == "narration":
            _require(speaker is None and source is None, here, "narration has no speaker")
        else:
            _require(source in SOURCES, here, f"source must be one of {SOURCES}")
            if source in NAMED_SOURCES:
                _require(bool(speaker), here, "a named source needs its speaker")
                _require(
                    find_sequence(stream, words(speaker)) >= 0,
                    here,
                    f"speaker {speaker!r} is not named in the article",
                )
            else:
                _require(speaker is None, here, f"a {source} source has no speaker name")
        if source == "person":
            _require(speaker in people, here, f"speaker {speaker!r} is not among people")
        needle = words(text)
        # Spans are listed in reading order by where they start; a nested span starts inside
        # the one before it, so its search starts where the previous span started. Any other
        # span starts after every span before it has ended (else "Full participation," said
        # after a document that quotes "full participation" would be found inside it).
        start = -1
        if "nested" not in tags:
            start = find_sequence(stream, needle, reached)
        if start < 0:
            start = find_sequence(stream, needle, previous)
        _require(start >= 0, here, f"text not found in the article after quote {number - 1}")
        previous = start
        reached = max(reached, start + len(needle))
        spans.append(Span(text, role, speaker, source, tags, start, len(needle)))
    return GoldArticle(
        path=article,
        language=str(data.get("language", "")),
        styles=tuple(data.get("styles", ())),
        title=str(data.get("title", "")),
        headings=headings,
        people={str(k): str(v) for k, v in people.items()},
        spans=tuple(spans),
        stream=tuple(stream),
    )


def gold_files(folder: Path, only: Iterable[str] = ()) -> list[Path]:
    wanted = set(only)
    found = sorted(folder.glob("*.json"))
    if wanted:
        found = [p for p in found if p.stem in wanted or p.name in wanted]
    return found


# --- the library: the one function that calls audionews ------------------------------------


@dataclass(frozen=True)
class SegmentView:
    """What the scorer needs of a script segment: whose voice, who is named, which words."""

    role: str  # "quote", "narration", "announcement", …
    speaker: str | None
    text: str


@dataclass(frozen=True)
class ScriptView:
    language: str
    headings: tuple[tuple[str, int], ...]  # (title, level) of every chapter after the opening
    segments: tuple[SegmentView, ...]


def read_script(path: Path) -> ScriptView:
    """Read one article through audionews as `audionews script` does (default profile).

    Keep every library call in this function: the package is being restructured, and this is
    the only place to re-point. Sub-chapters are looked for under a few likely attribute names
    so that nested chapters, once the Script has them, are scored with their levels; a flat
    list of chapters is level 2 throughout.
    """
    from audionews.pipeline import prepare

    script = prepare(path, for_speech=False).script
    segments: list[SegmentView] = []
    headings: list[tuple[str, int]] = []

    def walk(chapters: Iterable[object], level: int) -> None:
        for chapter in chapters:
            headings.append((str(getattr(chapter, "title", "")), getattr(chapter, "level", level)))
            for segment in getattr(chapter, "segments", ()):
                role = getattr(segment.role, "value", segment.role)
                segments.append(SegmentView(str(role), segment.speaker, segment.text))
            for name in ("chapters", "subchapters", "children", "parts"):
                walk(getattr(chapter, name, ()) or (), level + 1)

    walk(script.chapters, 2)
    # The first chapter is the opening (headline, byline, overview), not a heading.
    if headings and words(headings[0][0]) == words(script.title):
        headings = headings[1:]
    return ScriptView(script.language, tuple(headings), tuple(segments))


# --- alignment -----------------------------------------------------------------------------


def script_stream(script: ScriptView) -> tuple[list[str], list[int]]:
    """The script's words in reading order, and for each the index of its segment."""
    stream: list[str] = []
    owner: list[int] = []
    for index, segment in enumerate(script.segments):
        found = words(segment.text)
        stream.extend(found)
        owner.extend([index] * len(found))
    return stream, owner


MIN_RESCUE_WORDS = 3


def align(article: Sequence[str], script: Sequence[str]) -> list[int | None]:
    """For each article word, the index of the script word that carries it, or None.

    One monotonic alignment (difflib's longest matching blocks) does nearly everything: words
    the script adds (cues, announcements, "Section 2 of 5") or drops are simply unmatched.
    Text the script moved out of order is then rescued: a run of at least three unmatched
    article words found exactly once among the script's unmatched words is mapped there.
    """
    mapping: list[int | None] = [None] * len(article)
    matcher = difflib.SequenceMatcher(None, list(article), list(script), autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            mapping[a + k] = b + k
    used = {b for b in mapping if b is not None}
    index = 0
    while index < len(article):
        if mapping[index] is not None:
            index += 1
            continue
        end = index
        while end < len(article) and mapping[end] is None:
            end += 1
        run = list(article[index:end])
        if len(run) >= MIN_RESCUE_WORDS:
            places = [
                p
                for p in range(len(script) - len(run) + 1)
                if list(script[p : p + len(run)]) == run
                and not any(q in used for q in range(p, p + len(run)))
            ]
            if len(places) == 1:
                for k in range(len(run)):
                    mapping[index + k] = places[0] + k
                    used.add(places[0] + k)
        index = end
    return mapping


# --- scoring -------------------------------------------------------------------------------

# Words of a name that say nothing about who is meant ("de", "la", "van" …).
_PARTICLES = {
    "de", "del", "della", "der", "den", "di", "da", "do", "dos", "du", "des", "la", "le", "les",
    "van", "von", "ten", "ter", "st", "saint", "mac", "mc", "ní", "ni", "nic", "bin", "bint",
    "ibn", "al", "el", "y", "e",
}  # fmt: skip


def names_a_person(speaker: str | None, people: Iterable[str]) -> bool:
    """Whether a speaker label names (part of) any person of the article."""
    said = set(words(normal_name(speaker)))
    if not said:
        return False
    for person in people:
        distinctive = {w for w in words(person) if len(w) > 1 and w not in _PARTICLES}
        if said & distinctive:
            return True
    return False


def same_person(speaker: str | None, expected: str, people: Iterable[str]) -> bool:
    """Lenient: the label names the expected person (or organisation) and nobody else.

    "Marsh" for Benedikt Marsh is right here (but not under the strict full-name rule);
    "Gallardo" where two Gallardos speak is not, nor is "union organizer Benedikt Marsh".
    """
    said = words(normal_name(speaker))
    if said and said == words(normal_name(expected)):
        return True
    if not said or not set(said) <= set(words(expected)):
        return False
    distinctive = {w for w in said if len(w) > 1 and w not in _PARTICLES}
    others = [p for p in people if normal_name(p) != normal_name(expected)]
    return bool(distinctive) and not names_a_person(" ".join(distinctive), others)


@dataclass
class SpanResult:
    span: Span
    lost: int  # words of the span that no segment carries
    roles: tuple[str, ...]  # roles of the segments carrying it, in order, without repeats
    speakers: tuple[str | None, ...]  # speakers of the carrying segments, likewise
    role_ok: bool
    speaker_ok: bool | None  # None: not a named-speaker quotation
    person_ok: bool | None  # lenient speaker: the right person, named in part
    unnamed_ok: bool | None  # None: not a document or anonymous source


def _unique(items: Iterable[object]) -> tuple:
    seen: list[object] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return tuple(seen)


def judge_span(
    span: Span,
    mapping: Sequence[int | None],
    owner: Sequence[int],
    segments: Sequence[SegmentView],
    people: Iterable[str],
) -> SpanResult:
    carriers = [
        segments[owner[target]]
        for target in (mapping[span.start + k] for k in range(span.size))
        if target is not None
    ]
    lost = span.size - len(carriers)
    roles = _unique(c.role for c in carriers)
    speakers = _unique(c.speaker for c in carriers)
    whole = lost == 0 and bool(carriers)
    in_quote = all(c.role == "quote" for c in carriers)
    no_quote = all(c.role != "quote" for c in carriers)
    if span.role == "quote":
        role_ok = whole and in_quote
    elif span.role == "narration":
        role_ok = whole and no_quote
    else:  # "either": a partial quotation, read in one voice or the other, not half and half
        role_ok = whole and (in_quote or no_quote)
    speaker_ok: bool | None = None
    person_ok: bool | None = None
    unnamed_ok: bool | None = None
    if span.source in NAMED_SOURCES:
        expected = normal_name(span.speaker)
        speaker_ok = bool(carriers) and all(normal_name(c.speaker) == expected for c in carriers)
        person_ok = bool(carriers) and all(
            same_person(c.speaker, str(span.speaker), people) for c in carriers
        )
    elif span.source in ("document", "anonymous"):
        unnamed_ok = bool(carriers) and not any(names_a_person(c.speaker, people) for c in carriers)
    return SpanResult(span, lost, roles, speakers, role_ok, speaker_ok, person_ok, unnamed_ok)


@dataclass
class Tally:
    spans: int = 0
    role_ok: int = 0
    named: int = 0
    speaker_ok: int = 0
    person_ok: int = 0
    unnamed: int = 0
    unnamed_ok: int = 0
    words: int = 0
    lost: int = 0

    def add(self, result: SpanResult) -> None:
        self.spans += 1
        self.role_ok += result.role_ok
        self.words += result.span.size
        self.lost += result.lost
        if result.speaker_ok is not None:
            self.named += 1
            self.speaker_ok += result.speaker_ok
            self.person_ok += bool(result.person_ok)
        if result.unnamed_ok is not None:
            self.unnamed += 1
            self.unnamed_ok += result.unnamed_ok

    def as_dict(self) -> dict[str, object]:
        return {
            "spans": self.spans,
            "role_ok": self.role_ok,
            "role_accuracy": ratio(self.role_ok, self.spans),
            "named_speaker_quotes": self.named,
            "speaker_ok": self.speaker_ok,
            "speaker_accuracy": ratio(self.speaker_ok, self.named),
            "person_ok": self.person_ok,
            "person_accuracy": ratio(self.person_ok, self.named),
            "unnamed_source_quotes": self.unnamed,
            "unnamed_ok": self.unnamed_ok,
            "unnamed_accuracy": ratio(self.unnamed_ok, self.unnamed),
            "quotation_words": self.words,
            "words_lost": self.lost,
        }


def ratio(good: int, total: int) -> float | None:
    return round(good / total, 4) if total else None


def primary_language(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].casefold()


@dataclass
class ArticleResult:
    gold: GoldArticle
    spans: list[SpanResult]
    language: str
    headings: tuple[tuple[str, int], ...]
    error: str | None = None

    @property
    def language_ok(self) -> bool:
        return primary_language(self.language) == primary_language(self.gold.language)

    def heading_report(self) -> dict[str, object]:
        """Expected headings found (by words), at the right level, and headings not expected."""
        found = [(words(title), level) for title, level in self.headings]
        expected = [(words(title), level) for title, level in self.gold.headings]
        titles_found = sum(1 for title, _ in expected if any(title == f for f, _ in found))
        levels_right = sum(1 for heading in expected if heading in found)
        expected_titles = [title for title, _ in expected]
        extra = [title for title, _ in self.headings if words(title) not in expected_titles]
        return {
            "expected": [{"title": t, "level": lv} for t, lv in self.gold.headings],
            "found": [{"title": t, "level": lv} for t, lv in self.headings],
            "titles_found": titles_found,
            "levels_right": levels_right,
            "extra": extra,
            "ok": levels_right == len(expected) and not extra,
        }


def score_article(gold: GoldArticle, script: ScriptView) -> ArticleResult:
    stream, owner = script_stream(script)
    mapping = align(gold.stream, stream)
    people = list(gold.people)
    spans = [judge_span(s, mapping, owner, script.segments, people) for s in gold.spans]
    return ArticleResult(gold, spans, script.language, script.headings)


def failed_article(gold: GoldArticle, error: str) -> ArticleResult:
    """An article the library could not read: every span counts as lost and wrong."""
    empty = ScriptView("", (), ())
    result = score_article(gold, empty)
    result.error = error
    return result


def style_keys(result: ArticleResult, span: Span) -> list[str]:
    """The groups a span is counted in: its tags, its article's styles, format and language."""
    fmt = result.gold.path.suffix.lstrip(".").lower()
    return [
        *span.tags,
        *(f"style:{s}" for s in result.gold.styles),
        f"format:{fmt}",
        f"lang:{primary_language(result.gold.language)}",
    ]


# --- report --------------------------------------------------------------------------------


def summarise(results: Sequence[ArticleResult]) -> dict[str, object]:
    overall = Tally()
    styles: dict[str, Tally] = {}
    articles = []
    for result in results:
        tally = Tally()
        for span_result in result.spans:
            overall.add(span_result)
            tally.add(span_result)
            for key in style_keys(result, span_result.span):
                styles.setdefault(key, Tally()).add(span_result)
        articles.append(
            {
                "article": result.gold.path.name,
                "error": result.error,
                "language_expected": result.gold.language,
                "language_detected": result.language,
                "language_ok": result.language_ok,
                "headings": result.heading_report(),
                **tally.as_dict(),
                "failures": [failure(r) for r in result.spans if not span_ok(r)],
            }
        )
    return {
        "overall": {
            **overall.as_dict(),
            "articles": len(results),
            "language_ok": sum(r.language_ok for r in results),
            "headings_ok": sum(bool(r.heading_report()["ok"]) for r in results),
        },
        "styles": {key: styles[key].as_dict() for key in sorted(styles, key=_style_order)},
        "articles": articles,
    }


def _style_order(key: str) -> tuple[int, str]:
    return (key.count(":") and 1 + ("format" in key) + 2 * ("lang" in key), key)


def span_ok(result: SpanResult) -> bool:
    return (
        result.role_ok
        and result.lost == 0
        and result.speaker_ok is not False
        and result.unnamed_ok is not False
    )


def failure(result: SpanResult) -> dict[str, object]:
    span = result.span
    return {
        "text": span.text,
        "tags": list(span.tags),
        "expected_role": span.role,
        "expected_speaker": span.speaker if span.source in NAMED_SOURCES else span.source,
        "roles": list(result.roles),
        "speakers": list(result.speakers),
        "words_lost": result.lost,
        "role_ok": result.role_ok,
        "speaker_ok": result.speaker_ok,
        "person_ok": result.person_ok,
        "unnamed_ok": result.unnamed_ok,
    }


def _cell(good: int, total: int) -> str:
    if not total:
        return "-"
    return f"{100 * good / total:5.1f}% {good:>3}/{total:<3}"


def format_report(summary: dict[str, object], failures: bool = False) -> str:
    overall = summary["overall"]
    assert isinstance(overall, dict)
    lines = [
        f"Quotations: {overall['articles']} articles, {overall['spans']} spans, "
        f"{overall['named_speaker_quotes']} with a named speaker",
        "",
        f"  role right        {_cell(overall['role_ok'], overall['spans'])}",
        f"  speaker right     {_cell(overall['speaker_ok'], overall['named_speaker_quotes'])}"
        "  (named: a person or an organisation; full name)",
        f"  right person      {_cell(overall['person_ok'], overall['named_speaker_quotes'])}"
        "  (lenient: the right one named in part, e.g. by surname)",
        f"  unnamed right     {_cell(overall['unnamed_ok'], overall['unnamed_source_quotes'])}"
        "  (documents, anonymous: no person of the article named)",
        f"  words lost        {overall['words_lost']} of {overall['quotation_words']}",
        f"  language right    {overall['language_ok']}/{overall['articles']} articles",
        f"  headings right    {overall['headings_ok']}/{overall['articles']} articles",
        "",
    ]
    header = (
        f"{'style':<22}{'spans':>6}  {'role':<16}{'speaker':<16}{'person':<16}"
        f"{'unnamed':<16}{'lost':>5}"
    )
    lines += ["By style", header, "-" * len(header)]
    styles = summary["styles"]
    assert isinstance(styles, dict)
    for key, t in styles.items():
        lines.append(
            f"{key:<22}{t['spans']:>6}  {_cell(t['role_ok'], t['spans']):<16}"
            f"{_cell(t['speaker_ok'], t['named_speaker_quotes']):<16}"
            f"{_cell(t['person_ok'], t['named_speaker_quotes']):<16}"
            f"{_cell(t['unnamed_ok'], t['unnamed_source_quotes']):<16}{t['words_lost']:>5}"
        )
    header = (
        f"{'article':<34}{'spans':>6}  {'role':<16}{'speaker':<16}{'lost':>5}  "
        f"{'language':<16}headings"
    )
    lines += ["", "By article", header, "-" * len(header)]
    articles = summary["articles"]
    assert isinstance(articles, list)
    for a in articles:
        h = a["headings"]
        mark = "ok" if a["language_ok"] else "WRONG"
        language = f"{a['language_expected']}→{a['language_detected'] or '?'} {mark}"
        expected = len(h["expected"])
        heading = f"{h['titles_found']}/{expected} found, {h['levels_right']}/{expected} level" + (
            f", {len(h['extra'])} extra" if h["extra"] else ""
        )
        lines.append(
            f"{a['article']:<34}{a['spans']:>6}  {_cell(a['role_ok'], a['spans']):<16}"
            f"{_cell(a['speaker_ok'], a['named_speaker_quotes']):<16}{a['words_lost']:>5}  "
            f"{language:<16}{heading}"
        )
        if a["error"]:
            lines.append(f"    not read: {a['error']}")
        for extra in h["extra"] if failures else ():
            lines.append(f"    extra heading: {extra!r}")
        for f in a["failures"] if failures else ():
            text = f["text"] if len(f["text"]) <= 60 else f["text"][:57] + "..."
            expected_who = f["expected_speaker"] or "-"
            lines.append(
                f"    {text!r} [{', '.join(f['tags'])}]\n"
                f"        expected {f['expected_role']} / {expected_who}; got roles "
                f"{f['roles']} speakers {f['speakers']}, {f['words_lost']} words lost"
            )
    return "\n".join(lines)


def run(folder: Path, only: Sequence[str] = ()) -> list[ArticleResult]:
    results = []
    files = gold_files(folder, only)
    if not files:
        raise GoldError(f"{folder}: no gold files" + (f" named {', '.join(only)}" if only else ""))
    for json_path in files:
        gold = load_gold(json_path)
        try:
            script = read_script(gold.path)
        except Exception as exc:  # a benchmark goes on past one article the library rejects
            message = " ".join(str(exc).split()) or type(exc).__name__
            print(f"bench_quotes: {gold.path.name}: {message}", file=sys.stderr)
            results.append(failed_article(gold, message))
            continue
        results.append(score_article(gold, script))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="*", help="only these gold articles (stem or name)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--gold", type=Path, default=GOLD, help="folder of gold articles")
    parser.add_argument("--failures", action="store_true", help="list every span not right")
    args = parser.parse_args(argv)
    try:
        results = run(args.gold, args.articles)
    except GoldError as exc:
        print(f"bench_quotes: {exc}", file=sys.stderr)
        return 2
    summary = summarise(results)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(format_report(summary, failures=args.failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
