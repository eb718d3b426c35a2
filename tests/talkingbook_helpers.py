"""Test helpers for the talking books: the heavy-work lock for EPUBCheck, the WebVTT cues as
webvtt-py reads them, a silent MP3, and a hand-made document with every kind of block.

The real episodes are conftest.py's, whose builds write their books (``build --daisy
--epub``): the books under test are the ones a user gets."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import webvtt

from audionews.render.document import (
    BlockKind,
    EpisodeDocument,
    ListItem,
    TimedBlock,
    TimedChapter,
    TimedSentence,
)

ROOT = Path(__file__).resolve().parents[1]
LOCK = "/tmp/audionews-heavy.lock"


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


def cue_ms(stamp: str) -> int:
    """A WebVTT timestamp ("00:01:02.345" or "01:02.345") in milliseconds."""
    *hours, minutes, rest = stamp.split(":")
    whole, _, fraction = rest.partition(".")
    total = (int(hours[0]) if hours else 0) * 3600 + int(minutes) * 60 + int(whole)
    return total * 1000 + int(fraction.ljust(3, "0")[:3])


def unwrap(text: str) -> str:
    """A cue's lines as one: a line that ends in a hyphenated word's hyphen ("high-" then
    "security") was wrapped there and joins without a space; other lines join with one."""
    joined = ""
    for line in text.split("\n"):
        line = " ".join(line.split())
        if not line:
            continue
        glue = "" if not joined or re.search(r"\w-$", joined) else " "
        joined += glue + line
    return joined


def read_cues(vtt: Path) -> list[tuple[int, int, str, str | None]]:
    """(start_ms, end_ms, text on one line, speaker) for every cue, read by webvtt-py."""
    return [
        (cue_ms(c.start), cue_ms(c.end), unwrap(c.text), c.voice) for c in webvtt.read(str(vtt))
    ]


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
