"""The episode page: one self-contained static HTML file for an ``EpisodeDocument``.

The page is complete without JavaScript: title, byline, date, a native ``<audio controls>``,
a chapter list (``<nav aria-label="Chapters">``, each chapter a link to its part of the
transcript showing its start time) and the whole transcript, one heading per chapter,
quotations in ``<blockquote>``/``<q>`` with their speaker, lists as lists, ``lang`` from the
document and on sentences in another language.

Its small inline script (``assets/page.js``) adds what needs one: chapter buttons that seek and
play; every sentence a button in one roving-tabindex group (Enter or Space plays from it); the
spoken sentence marked with ``aria-current`` and a ring; following playback until the user
scrolls or moves focus; a polite status message when the user changes chapter; search; keys
that work only inside the player; a remembered speed. The cues are inlined as JSON, made from
the same sentences and milliseconds as the rest of the page, so nothing is fetched and it
works from ``file://``.

Everything from the document reaches the page through Jinja2's autoescape, or through its
``tojson`` filter inside the data block; control characters are dropped and bidirectional text
is isolated (``dir="auto"``, ``<bdi>``). A Content-Security-Policy with the hashes of our own
style and script lets no other script run even if something slipped through.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from audionews.render.document import (
    BlockKind,
    EpisodeDocument,
    TimedBlock,
    TimedSentence,
)

# Playback speeds offered (1x to 3x): listeners who are blind often speed up a lot.
RATES = ("1", "1.25", "1.5", "1.75", "2", "2.5", "3")

# Languages written right to left: the page's direction follows the article's language.
RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ps", "sd", "ug", "ur", "yi"}
)

# C0 and C1 controls other than tab and line breaks: never meaningful in an article, and some
# are parse errors in HTML.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A BCP 47 tag, loosely: a 2-3 letter language, then subtags of letters and digits.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ROLES = frozenset({"announcement", "narration", "quote"})
# A sentence that starts with closing punctuation (", she said.") joins the one before it.
_CLOSING = tuple(",.;:!?)]}»”’…")

_MONTHS_EN = (
    "January February March April May June July August September October November December"
).split()
_MONTHS_FR = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
).split()
_MONTHS_ES = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
).split()

# The page's own words, in the languages the narrator speaks (script.WORDINGS); any other
# article gets English controls marked lang="en", so a screen reader pronounces them right.
UI_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "skip": "Skip to the transcript",
        "player": "Player",
        "chapters": "Chapters",
        "transcript": "Transcript",
        "chapter": "Chapter {number}",
        "by": "By",
        "download": "Download the episode (MP3)",
        "duration": "{minutes} min {seconds} s",
        "duration_hours": "{hours} h {minutes} min",
        "play": "Play",
        "pause": "Pause",
        "back": "Back 10 seconds",
        "forward": "Forward 10 seconds",
        "previous_chapter": "Previous chapter",
        "next_chapter": "Next chapter",
        "speed": "Speed",
        "follow": "Follow the transcript",
        "now": "Now:",
        "keys_summary": "Keyboard keys",
        "player_keys": "In the player: Left and Right arrows go back or forward 10 seconds;"
        " Page Up and Page Down go to the previous or next chapter; Space or Enter on Play"
        " plays or pauses.",
        "search": "Search the transcript",
        "next_match": "Next match",
        "previous_match": "Previous match",
        "transcript_keys": "In the transcript, each sentence is a button: Enter or Space plays"
        " from it. Arrow keys move between sentences, Page Up and Page Down between chapters,"
        " Home and End to the first and last.",
        "speaker_colon": ":",
        "matches_none": "No match",
        "matches_one": "1 match",
        "matches_many": "{count} matches",
        "match_of": "Match {number} of {total}",
        "chapter_of": "Chapter {number} of {total}: {title}",
        "decimal": ".",
    },
    "fr": {
        "skip": "Aller à la transcription",
        "player": "Lecteur",
        "chapters": "Chapitres",
        "transcript": "Transcription",
        "chapter": "Chapitre {number}",
        "by": "Par",
        "download": "Télécharger l'épisode (MP3)",
        "duration": "{minutes} min {seconds} s",
        "duration_hours": "{hours} h {minutes} min",
        "play": "Lecture",
        "pause": "Pause",
        "back": "Reculer de 10 secondes",
        "forward": "Avancer de 10 secondes",
        "previous_chapter": "Chapitre précédent",
        "next_chapter": "Chapitre suivant",
        "speed": "Vitesse",
        "follow": "Suivre la transcription",
        "now": "Maintenant :",
        "keys_summary": "Touches du clavier",
        "player_keys": "Dans le lecteur : flèches gauche et droite pour reculer ou"
        " avancer de 10 secondes ; Page précédente et Page suivante pour le chapitre précédent"
        " ou suivant ; Espace ou Entrée sur Lecture pour lire ou mettre en pause.",
        "search": "Rechercher dans la transcription",
        "next_match": "Résultat suivant",
        "previous_match": "Résultat précédent",
        "transcript_keys": "Dans la transcription, chaque phrase est un bouton : Entrée ou"
        " Espace lit à partir d'elle. Les flèches passent d'une phrase à l'autre, Page"
        " précédente et Page suivante d'un chapitre à l'autre, Début et Fin à la première et"
        " à la dernière.",
        "speaker_colon": " :",
        "matches_none": "Aucun résultat",
        "matches_one": "1 résultat",
        "matches_many": "{count} résultats",
        "match_of": "Résultat {number} sur {total}",
        "chapter_of": "Chapitre {number} sur {total} : {title}",
        "decimal": ",",
    },
    "es": {
        "skip": "Ir a la transcripción",
        "player": "Reproductor",
        "chapters": "Capítulos",
        "transcript": "Transcripción",
        "chapter": "Capítulo {number}",
        "by": "Por",
        "download": "Descargar el episodio (MP3)",
        "duration": "{minutes} min {seconds} s",
        "duration_hours": "{hours} h {minutes} min",
        "play": "Reproducir",
        "pause": "Pausa",
        "back": "Retroceder 10 segundos",
        "forward": "Avanzar 10 segundos",
        "previous_chapter": "Capítulo anterior",
        "next_chapter": "Capítulo siguiente",
        "speed": "Velocidad",
        "follow": "Seguir la transcripción",
        "now": "Ahora:",
        "keys_summary": "Teclas",
        "player_keys": "En el reproductor: flechas izquierda y derecha para retroceder o"
        " avanzar 10 segundos; Re Pág y Av Pág para el capítulo anterior o siguiente; Espacio"
        " o Intro sobre Reproducir para reproducir o pausar.",
        "search": "Buscar en la transcripción",
        "next_match": "Resultado siguiente",
        "previous_match": "Resultado anterior",
        "transcript_keys": "En la transcripción, cada frase es un botón: Intro o Espacio"
        " reproduce desde ella. Las flechas pasan de una frase a otra, Re Pág y Av Pág de un"
        " capítulo a otro, Inicio y Fin a la primera y a la última.",
        "speaker_colon": ":",
        "matches_none": "Ningún resultado",
        "matches_one": "1 resultado",
        "matches_many": "{count} resultados",
        "match_of": "Resultado {number} de {total}",
        "chapter_of": "Capítulo {number} de {total}: {title}",
        "decimal": ",",
    },
}
# The strings the script needs at run time (status messages, the play button's two labels).
_SCRIPT_STRINGS = (
    "play",
    "pause",
    "matches_none",
    "matches_one",
    "matches_many",
    "match_of",
    "chapter_of",
)


def clean_text(text: str | None) -> str:
    """Text as it may appear in the page: no control characters, no lone surrogates."""
    if not text:
        return ""
    text = _CONTROLS.sub("", text)
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def language_tag(tag: str | None) -> str | None:
    """``tag`` when it looks like a BCP 47 language tag, else None (never a broken attribute)."""
    if tag and _LANGUAGE_TAG.fullmatch(tag.strip()):
        return tag.strip()
    return None


def clock(ms: int) -> str:
    """A start time as players show it: 4:05, or 1:02:03 past the hour."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _duration(ms: int, ui: dict[str, str]) -> str:
    seconds = round(max(0, ms) / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return ui["duration_hours"].format(hours=hours, minutes=f"{minutes:02d}")
    return ui["duration"].format(minutes=minutes, seconds=seconds)


def _date(text: str | None, base: str) -> dict[str, str] | None:
    """The date shown and, when it is an ISO date, the machine-readable one for <time>."""
    text = clean_text(text).strip()
    if not text:
        return None
    if not _ISO_DATE.fullmatch(text):
        return {"text": text, "iso": ""}
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return {"text": text, "iso": ""}
    if base == "fr":
        shown = f"{'1er' if day.day == 1 else day.day} {_MONTHS_FR[day.month - 1]} {day.year}"
    elif base == "es":
        shown = f"{day.day} de {_MONTHS_ES[day.month - 1]} de {day.year}"
    else:
        shown = f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return {"text": shown, "iso": day.isoformat()}


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("audionews.render", "assets"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def _asset(name: str) -> str:
    text = (resources.files("audionews.render") / "assets" / name).read_text(encoding="utf-8")
    # Our own CSS and script go into the page as they are: they must not close their element.
    assert "</style" not in text.lower() and "</script" not in text.lower(), name
    return text


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(css: str, js: str) -> str:
    """Only our own style and script run; the audio beside the page (or over file://) plays."""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {_csp_hash(js)}",
            f"style-src {_csp_hash(css)}",
            "media-src 'self' file:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


@dataclass
class _Page:
    """Builds the page's view of the document, numbering sentences as the cues are made."""

    doc: EpisodeDocument
    ui: dict[str, str]
    language: str
    cues: list[dict[str, Any]] = field(default_factory=list)

    def sentence(self, sentence: TimedSentence, chapter: int) -> dict[str, Any]:
        html_id = f"s{len(self.cues) + 1}"
        text = clean_text(sentence.text)
        speaker = clean_text(sentence.speaker) or None
        self.cues.append(
            {
                "id": html_id,
                "start_ms": int(sentence.start_ms),
                "end_ms": int(sentence.end_ms),
                "chapter": chapter,
                "text": text,
                "speaker": speaker,
            }
        )
        lang = language_tag(sentence.language)
        if lang and lang.lower() == self.language.lower():
            lang = None
        role = sentence.role if sentence.role in _ROLES else ""
        return {
            "id": html_id,
            "text": text,
            "role": role,
            "lang": lang or "",
            "space": not text.startswith(_CLOSING),
        }

    def inline(
        self, sentences: Sequence[TimedSentence], chapter: int, labelled: list[str | None]
    ) -> list[dict[str, Any]]:
        """Sentences in reading order, runs of quoted sentences by one speaker in one ``<q>``.

        A run's speaker is named before it when the speaker changes (``labelled`` holds the
        last one named) and the surrounding words do not already name them ("…," said Okafor).
        """
        told = " ".join(clean_text(s.text) for s in sentences if s.role != "quote")
        items: list[dict[str, Any]] = []
        for sentence in sentences:
            view = self.sentence(sentence, chapter)
            if sentence.role != "quote":
                items.append({"kind": "sentence", "s": view, "space": view["space"]})
                continue
            speaker = clean_text(sentence.speaker) or None
            last = items[-1] if items else None
            if last and last["kind"] == "quote" and last["speaker"] == speaker:
                last["sentences"].append(view)
                if last["lang"] != view["lang"]:
                    last["lang"] = ""
                continue
            label = speaker is not None and speaker != labelled[0] and not _names(told, speaker)
            if label:
                labelled[0] = speaker
            items.append(
                {
                    "kind": "quote",
                    "speaker": speaker,
                    "label": _short_name(speaker) if label else "",
                    "lang": view["lang"],
                    "sentences": [view],
                    "space": view["space"],
                }
            )
        return items

    def block(self, block: TimedBlock, chapter: int) -> dict[str, Any] | None:
        labelled: list[str | None] = [None]
        if block.kind is BlockKind.QUOTATION:
            return self._quotation(block, chapter)
        if block.kind in (BlockKind.LIST, BlockKind.TABLE):
            # In reading order, so sentence numbers and cues follow the audio.
            intro = self.inline(block.sentences, chapter, labelled)
            items = [
                self.inline(item.sentences, chapter, labelled)
                for item in block.items
                if item.sentences
            ]
            # Numbered lists whose items already say their number ("1. …") hide the marker.
            numbered = block.ordered and all(
                item.sentences[0].text.startswith(f"{number}. ")
                for number, item in enumerate((i for i in block.items if i.sentences), start=1)
            )
            outro = self.inline(block.end, chapter, labelled)
            if not (items or intro or outro):
                return None
            return {
                "kind": block.kind.value,
                "tag": "ol" if block.ordered and block.kind is BlockKind.LIST else "ul",
                "intro": intro,
                "entries": items,
                "outro": outro,
                "numbered_in_text": numbered,
            }
        content = self.inline(block.all_sentences(), chapter, labelled)
        if not content:
            return None
        return {"kind": block.kind.value, "content": content}

    def _quotation(self, block: TimedBlock, chapter: int) -> dict[str, Any] | None:
        quoted = [s for s in block.sentences if s.role == "quote"]
        speakers = {clean_text(s.speaker) or None for s in quoted}
        speaker = clean_text(block.speaker) or (speakers.pop() if len(speakers) == 1 else None)
        groups: list[dict[str, Any]] = []
        labelled: list[str | None] = [speaker]  # the caption names it: no label inside
        for sentence in block.all_sentences():
            is_quote = sentence.role == "quote"
            if not groups or groups[-1]["quote"] != is_quote:
                groups.append({"quote": is_quote, "sentences": []})
            groups[-1]["sentences"].append(sentence)
        for group in groups:
            if group["quote"]:
                views = [self.sentence(s, chapter) for s in group["sentences"]]
                langs = {view["lang"] for view in views}
                group["content"] = [
                    {"kind": "sentence", "s": view, "space": view["space"]} for view in views
                ]
                group["lang"] = langs.pop() if len(langs) == 1 else ""
            else:
                group["content"] = self.inline(group["sentences"], chapter, labelled)
                group["lang"] = ""
            del group["sentences"]
        if not groups:
            return None
        return {"kind": "quotation", "speaker": speaker, "groups": groups}


def _short_name(speaker: str | None) -> str:
    """A speaker as a label: the name before any description ("Ana Lima, chief engineer")."""
    return (speaker or "").split(",")[0].strip() or (speaker or "")


def _names(text: str, speaker: str) -> bool:
    """Whether ``text`` already names ``speaker`` (any capitalised word of the name)."""
    words = [w for w in re.findall(r"\w+", _short_name(speaker)) if len(w) > 2 and w[0].isupper()]
    return any(re.search(rf"\b{re.escape(word)}\b", text) for word in words)


def _chapter_tree(chapters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chapters nested by heading level, for nested lists in the chapter navigation."""
    root: list[dict[str, Any]] = []
    stack: list[tuple[int, list[dict[str, Any]]]] = [(2, root)]
    for chapter in chapters:
        while len(stack) > 1 and chapter["heading"] < stack[-1][0]:
            stack.pop()
        node = {"chapter": chapter, "children": []}
        if chapter["heading"] > stack[-1][0] and stack[-1][1]:
            parent = stack[-1][1][-1]
            stack.append((chapter["heading"], parent["children"]))
        stack[-1][1].append(node)
    return root


def render_page(doc: EpisodeDocument) -> str:
    """The episode page for ``doc``: one HTML document, nothing else needed but ``doc.audio``.

    Uses from the document: title, byline, date (ISO), description, language, show, audio,
    duration_ms, and every chapter (id, title, level, start_ms, end_ms) with its blocks and
    timed sentences (text, role, speaker, language, start_ms, end_ms).
    """
    language = language_tag(doc.language) or "und"
    base = language.split("-")[0].lower()
    ui = UI_STRINGS.get(base, UI_STRINGS["en"])
    ui_lang = Markup("") if base in UI_STRINGS else Markup(' lang="en"')
    page = _Page(doc, ui, language)

    chapters: list[dict[str, Any]] = []
    previous_heading = 1  # the first chapter is always an h2
    for index, chapter in enumerate(doc.chapters):
        # h2 for the opening and each section, h3 and deeper for sub-sections, never skipping
        # a level (a screen reader's heading list must not jump from 2 to 4).
        heading = min(6, max(2, int(chapter.level)), previous_heading + 1)
        previous_heading = heading
        blocks = [page.block(block, index) for block in chapter.blocks]
        chapters.append(
            {
                "id": f"c{index + 1}",
                "index": index,
                "title": clean_text(chapter.title).strip()
                or ui["chapter"].format(number=index + 1),
                "level": max(1, int(chapter.level)),
                "heading": heading,
                "clock": clock(chapter.start_ms),
                "start_ms": int(chapter.start_ms),
                "end_ms": int(chapter.end_ms),
                "blocks": [block for block in blocks if block],
            }
        )

    css = _asset("page.css")
    js = _asset("page.js")
    decimal = ui["decimal"]
    data = {
        "cues": page.cues,
        "chapters": [
            {key: chapter[key] for key in ("id", "title", "start_ms", "end_ms")}
            for chapter in chapters
        ],
        "strings": {key: ui[key] for key in _SCRIPT_STRINGS},
    }
    title = clean_text(doc.title).strip() or clean_text(doc.audio).strip() or "audionews"
    return (
        _environment()
        .get_template("page.html.j2")
        .render(
            lang=language,
            dir="rtl" if base in RTL_LANGUAGES else "ltr",
            ui=ui,
            ui_lang=ui_lang,
            csp=content_security_policy(css, js),
            css=Markup(css),
            js=Markup(js),
            title=title,
            show=clean_text(doc.show).strip() or "audionews",
            byline=clean_text(doc.byline).strip(),
            date=_date(doc.date, base),
            description=clean_text(doc.description).strip(),
            audio=quote(clean_text(doc.audio), safe="/"),
            duration=_duration(doc.duration_ms, ui),
            rates=[{"value": rate, "label": rate.replace(".", decimal) + "×"} for rate in RATES],
            chapters=chapters,
            chapter_tree=_chapter_tree(chapters),
            data=data,
        )
    )
