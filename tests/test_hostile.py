"""Articles full of hostile text: what reaches espeak-ng is recorded where pyttsx3 hands it
over, and the transcript still keeps every original."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
import webvtt

from audionews.audio.synth import CALIBRATION
from audionews.options import BuildOptions
from audionews.pipeline import make
from conftest import ffprobe

pytestmark = pytest.mark.e2e

MARKUP_OR_COMMANDS = re.compile(r"[<>`]|\[\[|\]\]|\$\(|&(?:amp|lt|gt);|[\x00-\x1f\x7f]")


def hostile_article(marker: Path) -> str:
    long_sentence = " ".join(
        f"the {n}th clause of the endless sentence goes on" for n in range(1, 56)
    )
    return "\n".join(
        [
            "Markup, Money and Mayhem: A Hostile Test Article",
            "By Test Desk",
            f"A reader sent $(touch {marker}) and `touch {marker}` in a comment.",
            '<speak><prosody rate="x-fast">Speed up</prosody></speak> was in the page too.',
            "Then [[h@l'oU]] and <script>alert(1)</script> and &amp; appeared.",
            "Prices rose 3.5% to £48m (about $60m) on 3 October 2026 at 10 a.m. 🎉🔥",
            "See https://example.com/awards?ref=feed or mail desk@example.org, #News @Desk.",
            "Mixed scripts: Київ, Αθήνα, 東京, القاهرة and עברית sit side by side.",
            "Bell\x07 and a vertical\x0btab, then ESC\x1b[31m red.",
            "THE HEADLINE WRITERS SHOUTED AGAIN TODAY!",
            "Long Reads",
            long_sentence + ".",
        ]
    )


@pytest.fixture
def espeak_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every call pyttsx3 makes to libespeak-ng's espeak_Synth, recorded with its flags.

    The synthesis workers are forked from this process, so they inherit the wrapper; each
    appends one line per call (text and flags) to a file.
    """
    from pyttsx3.drivers import _espeak

    log = tmp_path / "espeak-input.log"
    real = _espeak.Synth

    def recording(text, *args, flags=0, **kwargs):
        line = f"{flags}\t{text.decode('utf-8')!r}\n".encode()
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)
        return real(text, *args, flags=flags, **kwargs)

    monkeypatch.setattr(_espeak, "Synth", recording)
    return log


def test_hostile_article_reaches_espeak_as_plain_words(tmp_path: Path, espeak_input: Path):
    from pyttsx3.drivers import _espeak

    marker = tmp_path / "pwned"
    article = tmp_path / "hostile.txt"
    article.write_text(hostile_article(marker), encoding="utf-8")
    # No cache: every utterance goes through espeak-ng here, and is recorded.
    episode = make(article, tmp_path / "out", BuildOptions(cache=False))

    calls = [line.split("\t", 1) for line in espeak_input.read_text().splitlines()]
    handed = [eval(text) for _, text in calls]
    spoken = [handed_text for handed_text in handed if handed_text not in ("Ready.", CALIBRATION)]
    # Exactly the script's speakable text reached espeak-ng, nothing else and nothing lost
    # (an utterance that gave no audio is tried once more, so one may come twice).
    wanted = Counter(s.utterance for s in episode.script.segments)
    assert set(spoken) == set(wanted)
    assert all(Counter(spoken)[text] >= count for text, count in wanted.items())
    # As plain text: never SSML, never phoneme input.
    assert all(int(flags) & (_espeak.SSML | _espeak.PHONEMES) == 0 for flags, _ in calls)
    for text in spoken:
        assert not MARKUP_OR_COMMANDS.search(text), text
    said = " ".join(spoken)
    for words in (
        "forty-eight million pounds",
        "the third of October twenty twenty-six",
        "example dot com slash awards",
        "Speed up",
        "touch",
    ):
        assert words in said
    assert "🎉" not in said and "prosody" not in said and not marker.exists()

    # What a listener reads is the article's own text.
    transcript = ffprobe(episode.mp3, "-show_format")["format"]["tags"]["lyrics-transcript-eng"]
    for original in (
        f"$(touch {marker})",
        "<speak>",
        "[[h@l'oU]]",
        "£48m",
        "🎉",
        "Київ",
        "東京",
        "https://example.com/awards?ref=feed",
    ):
        assert original in transcript
    assert [c.title for c in episode.chapters] == [
        "Markup, Money and Mayhem: A Hostile Test Article",
        "Long Reads",
    ]
    cues = webvtt.read(str(episode.files["vtt"]))
    assert any("£48m" in cue.text for cue in cues)
    # The 500-word sentence is cut into utterances, and all of its words are there.
    assert transcript.count("clause") == 55
    assert "the 55th clause" in transcript.replace("\n", " ")
    assert episode.track_duration_s > 120
