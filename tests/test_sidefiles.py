"""Side files from a hand-made timeline: cue splitting, escaping, JSON chapters."""

from __future__ import annotations

import html
import itertools
import json

import srt
import webvtt

from audionews.outputs.sidefiles import chapters_json, cues, subrip
from audionews.outputs.sidefiles import webvtt as to_vtt
from audionews.text.script import Role, Script, ScriptChapter, Segment
from audionews.timeline import Chapter, SegmentTime, Timeline

LONG = (
    "The committee voted by seven to two to approve the budget for dredging the inner basin, "
    "which has silted up much faster than anyone expected since the winter storms."
)
SCRIPT = Script(
    title="Harbour <Budget>",
    chapters=(
        ScriptChapter("Harbour <Budget>", (Segment(Role.ANNOUNCEMENT, "Rates & <fees>.", 500),)),
        ScriptChapter(
            "Vote",
            (
                Segment(Role.NARRATION, LONG, 300),
                Segment(Role.QUOTE, "It had to be done.", 0, speaker="Ana <Lind>"),
                Segment(Role.NARRATION, ".", 0),
            ),
        ),
    ),
)
TIMELINE = Timeline(
    segments=(
        SegmentTime(0, 0, 0, 1500),
        SegmentTime(1, 0, 2000, 12000),
        SegmentTime(1, 1, 12300, 14000),
        SegmentTime(1, 2, 14000, 14000),  # nothing audible: no cue
    ),
    chapters=(Chapter("Harbour <Budget>", 0, 2000), Chapter("Vote", 2000, 14500)),
    duration_ms=14500,
)


def test_cues_skip_silent_segments_and_carry_speakers():
    found = cues(SCRIPT, TIMELINE)
    assert [(c.start_ms, c.end_ms, c.speaker) for c in found] == [
        (0, 1500, None),
        (2000, 12000, None),
        (12300, 14000, "Ana <Lind>"),
    ]


def test_webvtt_escapes_and_voices(tmp_path):
    path = tmp_path / "t.vtt"
    path.write_text(to_vtt(cues(SCRIPT, TIMELINE)))
    parsed = webvtt.read(str(path))
    # WebVTT requires & and < escaped in cue text; the parser leaves the entities as they are.
    assert [html.unescape(cue.text.replace("\n", " ")) for cue in parsed] == [
        "Rates & <fees>.",
        LONG,
        "It had to be done.",
    ]
    assert html.unescape(parsed[2].voice) == "Ana <Lind>"
    assert "<v Ana &lt;Lind&gt;>It had to be done.</v>" in path.read_text()


def test_subrip_splits_a_long_cue_into_two_line_pieces_sharing_its_time():
    parsed = list(srt.parse(subrip(cues(SCRIPT, TIMELINE))))
    assert all(len(item.content.splitlines()) <= 2 for item in parsed)
    long_pieces = [p for p in parsed if 2 <= p.start.total_seconds() < 12]
    assert len(long_pieces) >= 3
    assert long_pieces[0].start.total_seconds() == 2.0
    assert long_pieces[-1].end.total_seconds() == 12.0
    assert " ".join(p.content.replace("\n", " ") for p in long_pieces) == LONG
    for before, after in itertools.pairwise(long_pieces):
        assert before.end == after.start
    assert parsed[-1].content == "Ana <Lind>: It had to be done."


def test_json_chapters():
    document = json.loads(chapters_json(TIMELINE))
    assert document == {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0.0, "endTime": 2.0, "title": "Harbour <Budget>"},
            {"startTime": 2.0, "endTime": 14.5, "title": "Vote"},
        ],
    }


def test_subrip_times_a_long_quotation_by_its_words_not_its_speaker_label():
    """The speaker's name is shown, not spoken: a long quotation split over several cues is
    timed by the words of each piece alone."""
    words = "We will rebuild every berth before the winter and nobody will lose a job here."
    quote = Segment(Role.QUOTE, words, 0, speaker="Marisol Quintero-Park of the Valley")
    script = Script("T", (ScriptChapter("T", (quote,)),))
    timeline = Timeline((SegmentTime(0, 0, 0, 8000),), (Chapter("T", 0, 8000),), 8000)
    parsed = list(srt.parse(subrip(cues(script, timeline))))
    assert len(parsed) == 2
    first, second = (p.content.replace("\n", " ") for p in parsed)
    label = "Marisol Quintero-Park of the Valley: "
    assert first.startswith(label)
    said_first = len(first) - len(label)
    expected_ms = round(8000 * said_first / (said_first + len(second)))
    assert parsed[0].end.total_seconds() * 1000 == expected_ms
    # Counting the label would have given the first piece more than its share.
    assert expected_ms < round(8000 * len(first) / (len(first) + len(second)))
