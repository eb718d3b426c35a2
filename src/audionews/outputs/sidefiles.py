"""The side files players and screen readers use, all derived from the one Timeline.

- Podcasting 2.0 JSON chapters, version 1.2.0 (MIME application/json+chapters).
- WebVTT: one cue per spoken segment, quotations in ``<v Speaker>`` spans, lines of at most
  ``VTT_LINE`` characters.
- SubRip: the same cues, at most two lines each, a quotation's speaker before its words; a
  segment too long for two lines becomes several consecutive cues, its time shared out in
  proportion to the words each says (the speaker's name is shown, not spoken, so it takes
  no time).

Cue text is the article's text as the script keeps it, never the speakable form.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path

from audionews.files import Target
from audionews.outputs import Output, OutputContext
from audionews.text.script import Role, Script
from audionews.timeline import Timeline

VTT_LINE = 65
SRT_LINE = 42
SRT_LINES = 2


@dataclass(frozen=True)
class Cue:
    """One timed stretch of transcript."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str | None = None


def cues(script: Script, timeline: Timeline) -> list[Cue]:
    """One cue per segment that is heard, in playing order."""
    segments = [segment for chapter in script.chapters for segment in chapter.segments]
    found = []
    for segment, time in zip(segments, timeline.segments, strict=True):
        if time.end_ms <= time.start_ms:
            continue  # nothing audible: no cue
        speaker = segment.speaker if segment.role is Role.QUOTE else None
        found.append(Cue(time.start_ms, time.end_ms, segment.text, speaker))
    return found


def chapters_json(timeline: Timeline) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0), ascending start times."""
    document = {
        "version": "1.2.0",
        "chapters": [
            {
                "startTime": chapter.start_ms / 1000,
                "endTime": chapter.end_ms / 1000,
                "title": chapter.title,
            }
            for chapter in timeline.chapters
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _clock(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(all_cues: list[Cue]) -> str:
    """A WebVTT transcript."""
    blocks = ["WEBVTT\n"]
    for number, cue in enumerate(all_cues, start=1):
        lines = textwrap.wrap(_vtt_escape(cue.text), VTT_LINE, break_long_words=True)
        if cue.speaker:
            # The voice tag is markup, not shown text: it does not count toward line length.
            lines[0] = f"<v {_vtt_escape(cue.speaker)}>{lines[0]}"
            lines[-1] += "</v>"
        timing = f"{_clock(cue.start_ms, '.')} --> {_clock(cue.end_ms, '.')}"
        blocks.append(f"{number}\n{timing}\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def subrip(all_cues: list[Cue]) -> str:
    """A SubRip transcript: at most two lines a cue."""
    blocks = []
    number = 0
    for cue in all_cues:
        label = f"{cue.speaker}: " if cue.speaker else ""
        lines = textwrap.wrap(label + cue.text, SRT_LINE, break_long_words=True)
        pieces = [lines[i : i + SRT_LINES] for i in range(0, len(lines), SRT_LINES)]
        # Each piece is timed by what is spoken in it: the label is read by nobody.
        spoken = [len(" ".join(piece)) for piece in pieces]
        if spoken:
            spoken[0] = max(0, spoken[0] - len(label))
        total = sum(spoken) or 1
        start = cue.start_ms
        spent = 0
        for index, piece in enumerate(pieces):
            spent += spoken[index]
            end = (
                cue.end_ms
                if index == len(pieces) - 1
                else (cue.start_ms + round((cue.end_ms - cue.start_ms) * spent / total))
            )
            number += 1
            timing = f"{_clock(start, ',')} --> {_clock(end, ',')}"
            blocks.append(f"{number}\n{timing}\n" + "\n".join(piece) + "\n")
            start = end
    return "\n".join(blocks)


class _SideFiles(Output):
    """S.chapters.json, S.vtt and S.srt beside every episode."""

    key = "sidefiles"

    def targets(self, stem: Path) -> dict[str, Target]:
        return {
            "chapters_json": Target(Path(f"{stem}.chapters.json")),
            "vtt": Target(Path(f"{stem}.vtt")),
            "srt": Target(Path(f"{stem}.srt")),
        }

    def write(self, context: OutputContext) -> None:
        transcript = cues(context.script, context.timeline)
        context.paths["chapters_json"].write_text(chapters_json(context.timeline), "utf-8")
        context.paths["vtt"].write_text(webvtt(transcript), "utf-8")
        context.paths["srt"].write_text(subrip(transcript), "utf-8")


OUTPUT = _SideFiles()
