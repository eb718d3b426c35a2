"""Test helpers for the talking books: real episodes built once per session, and a timed
document read back from an episode's side files with independent readers (webvtt-py for the
cues, json for the chapters, mutagen through our tag reader for the metadata).

The reading is deliberately simple: a cue in a ``<v Speaker>`` span is a quote, a cue shaped
like one of the narrator's phrases (``script.WORDINGS``) is an announcement, a list runs from
"A list of N items." to "End of list." one cue an item, a table from "A table of N rows." to
"End of table." one row per "Row N.", and every other run of cues is one paragraph.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import webvtt

from audionews.outputs.tags import read_tags
from audionews.render.document import (
    BlockKind,
    EpisodeDocument,
    ListItem,
    TimedBlock,
    TimedChapter,
    TimedSentence,
)
from audionews.text.script import WORDINGS

ROOT = Path(__file__).resolve().parents[1]
LOCK = "/tmp/audionews-heavy.lock"
# ISO 639-2 (what the ID3 language frame holds) to the BCP 47 primary tag.
_ISO639_1 = {"eng": "en", "fra": "fr", "fre": "fr", "spa": "es", "por": "pt", "deu": "de"}

_built: dict[str, Path] = {}


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])


def _lock_held_above_us() -> bool:
    """Whether a process we descend from holds the heavy-work lock (the whole suite run as
    ``flock LOCK pytest``): taking it again would wait for ourselves."""
    try:
        inode = os.stat(LOCK).st_ino
        table = Path("/proc/locks").read_text()
    except OSError:
        return False
    holders = set()
    for line in table.splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            holders.add(int(fields[4]))
    pid = os.getpid()
    while pid > 1:
        if pid in holders:
            return True
        pid = _parent(pid)
    return False


def heavy(command: list[str]) -> list[str]:
    """``command`` under the shared heavy-work lock, unless a parent already holds it."""
    return command if _lock_held_above_us() else ["flock", "-w", "900", LOCK, *command]


def build_episode(article: Path, work: Path) -> Path:
    """Build ``article`` with today's CLI (under the shared heavy-work lock), once per
    session; the MP3's path, its side files beside it."""
    key = str(article)
    if key not in _built:
        out = work / article.stem
        out.mkdir(parents=True, exist_ok=True)
        command = [str(ROOT / ".venv" / "bin" / "audionews"), "build", str(article)]
        result = subprocess.run(
            heavy([*command, "-o", str(out), "--json"]),
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        _built[key] = Path(json.loads(result.stdout)["mp3"])
    return _built[key]


def cue_ms(stamp: str) -> int:
    """A WebVTT timestamp ("00:01:02.345" or "01:02.345") in milliseconds."""
    *hours, minutes, rest = stamp.split(":")
    whole, _, fraction = rest.partition(".")
    total = (int(hours[0]) if hours else 0) * 3600 + int(minutes) * 60 + int(whole)
    return total * 1000 + int(fraction.ljust(3, "0")[:3])


def read_cues(vtt: Path) -> list[tuple[int, int, str, str | None]]:
    """(start_ms, end_ms, text on one line, speaker) for every cue, read by webvtt-py."""
    return [
        (cue_ms(c.start), cue_ms(c.end), " ".join(c.text.split()), c.voice)
        for c in webvtt.read(str(vtt))
    ]


def _phrase_patterns() -> list[re.Pattern[str]]:
    patterns = []
    for wording in WORDINGS.values():
        for template in vars(wording).values():
            if template.strip() in {"and", "et", "y"}:
                continue
            parts = re.split(r"\{[a-z_]+\}", template)
            patterns.append(re.compile(".+".join(re.escape(p) for p in parts) + r"\.?$"))
    return patterns


_PATTERNS = _phrase_patterns()
_LIST = re.compile(r"^(A list of|Une liste d|Una lista de)")
_TABLE = re.compile(r"^(A table of|Un tableau d|Una tabla de)")
_ROW = re.compile(r"^(Row|Ligne|Fila) \d+\.")
_LIST_END = {w.list_end for w in WORDINGS.values()}
_TABLE_END = {w.table_end for w in WORDINGS.values()}


def _is_announcement(text: str) -> bool:
    return any(p.match(text) for p in _PATTERNS)


def document_from_episode(mp3: Path) -> EpisodeDocument:
    """The episode's timed document, rebuilt from its MP3 tags, chapters and WebVTT cues."""
    stem = mp3.with_suffix("")
    cues = read_cues(Path(f"{stem}.vtt"))
    chapters = json.loads(Path(f"{stem}.chapters.json").read_text(encoding="utf-8"))["chapters"]
    tags = read_tags(mp3)
    counter = iter(range(1, 1_000_000))

    def sentence(cue, opens_chapter: bool) -> TimedSentence:
        start, end, text, speaker = cue
        if opens_chapter:  # the title, or "Section 2 of 3: …"
            role = "announcement"
        elif speaker:
            role = "quote"
        elif _is_announcement(text):
            role = "announcement"
        else:
            role = "narration"
        return TimedSentence(f"s{next(counter)}", role, text, start, end, speaker=speaker)

    made = []
    for number, mark in enumerate(chapters, start=1):
        start, end = round(mark["startTime"] * 1000), round(mark["endTime"] * 1000)
        inside = [cue for cue in cues if start <= cue[0] < end]
        made.append(
            TimedChapter(
                f"c{number}",
                mark["title"],
                1 if number == 1 else 2,
                start,
                end,
                _blocks([sentence(cue, n == 0) for n, cue in enumerate(inside)]),
            )
        )
    return EpisodeDocument(
        title=tags.title,
        language=_ISO639_1.get(tags.language, tags.language),
        audio=mp3.name,
        duration_ms=made[-1].end_ms,
        identifier=tags.extra_dict().get("audionews:guid", "urn:uuid:unknown"),
        chapters=tuple(made),
        byline=tags.artist,
        date=tags.date.isoformat() if tags.date else None,
        description=tags.description,
        show=tags.show,
    )


def _blocks(sentences: list[TimedSentence]) -> tuple[TimedBlock, ...]:
    blocks: list[TimedBlock] = []
    run: list[TimedSentence] = []
    position = 0

    def flush() -> None:
        if run:
            blocks.append(TimedBlock(BlockKind.PARAGRAPH, tuple(run)))
            run.clear()

    while position < len(sentences):
        current = sentences[position]
        if current.role == "announcement" and (
            _LIST.match(current.text) or _TABLE.match(current.text)
        ):
            flush()
            table = bool(_TABLE.match(current.text))
            ends = _TABLE_END if table else _LIST_END
            items: list[list[TimedSentence]] = []
            position += 1
            while position < len(sentences) and sentences[position].text not in ends:
                item = sentences[position]
                if not table or _ROW.match(item.text) or not items:
                    items.append([item])
                else:
                    items[-1].append(item)
                position += 1
            end = (sentences[position],) if position < len(sentences) else ()
            blocks.append(
                TimedBlock(
                    BlockKind.TABLE if table else BlockKind.LIST,
                    (current,),
                    tuple(ListItem(tuple(i)) for i in items),
                    end,
                )
            )
        elif current.role == "announcement":
            flush()
            if blocks and blocks[-1].kind is BlockKind.ANNOUNCEMENT:
                previous = blocks.pop()
                blocks.append(TimedBlock(BlockKind.ANNOUNCEMENT, (*previous.sentences, current)))
            else:
                blocks.append(TimedBlock(BlockKind.ANNOUNCEMENT, (current,)))
        else:
            run.append(current)
        position += 1
    flush()
    return tuple(blocks)


def work_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="audionews-books-"))


def silent_mp3(path: Path, seconds: float) -> Path:
    """A constant-bit-rate MP3 of ``seconds`` of silence (44.1 kHz mono, 96 kbps)."""
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=44100:cl=mono",
            "-t",
            f"{seconds}",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "96k",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path


def _s(
    number: int, start: int, end: int, text: str, role: str = "narration", **kw
) -> TimedSentence:
    return TimedSentence(f"s{number}", role, text, start, end, **kw)


def sample_document(
    title: str = "Storm over the harbour", text: str | None = None
) -> EpisodeDocument:
    """A hand-made document with every kind of block and levels 1, 2, 3, 2, timed over 12 s
    with pauses between sentences; ``text`` replaces every narration sentence's words."""

    def words(default: str) -> str:
        return default if text is None else text

    opening = TimedChapter(
        "c1",
        title,
        1,
        0,
        3000,
        (
            TimedBlock(
                BlockKind.ANNOUNCEMENT,
                (
                    _s(1, 0, 800, f"{title}.", "announcement"),
                    _s(2, 900, 1400, "By Ana Lima.", "announcement"),
                ),
            ),
            TimedBlock(
                BlockKind.PARAGRAPH,
                (
                    _s(3, 1500, 2300, words("The storm came at night.")),
                    _s(4, 2400, 2900, words("It was cold."), "quote", speaker="Diane Osei"),
                ),
            ),
        ),
    )
    section = TimedChapter(
        "c2",
        "How it works",
        2,
        3000,
        6000,
        (
            TimedBlock(
                BlockKind.ANNOUNCEMENT,
                (_s(5, 3100, 3900, "Section 1 of 2: How it works.", "announcement"),),
            ),
            TimedBlock(
                BlockKind.LIST,
                (_s(6, 4000, 4400, "A list of 2 items.", "announcement"),),
                (
                    ListItem((_s(7, 4500, 4900, words("Gates rise.")),)),
                    ListItem((_s(8, 5000, 5400, words("Water stops.")),)),
                ),
                (_s(9, 5500, 5900, "End of list.", "announcement"),),
            ),
        ),
    )
    subsection = TimedChapter(
        "c3",
        "The gates",
        3,
        6000,
        9000,
        (
            TimedBlock(BlockKind.ANNOUNCEMENT, (_s(10, 6000, 6500, "The gates.", "announcement"),)),
            TimedBlock(
                BlockKind.QUOTATION,
                (_s(11, 6600, 7400, words("We are safe."), "quote", speaker="Diane Osei"),),
                speaker="Diane Osei",
            ),
            TimedBlock(BlockKind.FIGURE, (_s(12, 7500, 8000, words("Image: the gates.")),)),
            TimedBlock(BlockKind.PARAGRAPH, (_s(13, 8100, 8900, "C'est la vie.", language="fr"),)),
        ),
    )
    costs = TimedChapter(
        "c4",
        "Costs",
        2,
        9000,
        12000,
        (
            TimedBlock(
                BlockKind.ANNOUNCEMENT,
                (_s(14, 9000, 9600, "Section 2 of 2: Costs.", "announcement"),),
            ),
            TimedBlock(
                BlockKind.TABLE,
                (_s(15, 9700, 10100, "A table of 1 row.", "announcement"),),
                (
                    ListItem(
                        (_s(16, 10200, 10600, "Row 1."), _s(17, 10700, 11200, words("Steel: £4m.")))
                    ),
                ),
                (_s(18, 11300, 11800, "End of table.", "announcement"),),
            ),
        ),
    )
    return EpisodeDocument(
        title=title,
        language="en-GB",
        audio="storm.mp3",
        duration_ms=12000,
        identifier="urn:uuid:6f1c1f3e-8f5e-5e7a-9a4b-1c2d3e4f5a6b",
        chapters=(opening, section, subsection, costs),
        byline="Ana Lima",
        date="2026-03-10",
        description="A storm.",
        show="Harbour Desk",
    )
