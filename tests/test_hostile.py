"""Articles full of hostile and awkward text build, and keep their text in the transcript."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import webvtt

from conftest import audio_cli, ffprobe

pytestmark = pytest.mark.e2e


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
            "THE HEADLINE WRITERS SHOUTED AGAIN TODAY!",
            "Long Reads",
            long_sentence + ".",
        ]
    )


def test_hostile_article_builds_and_keeps_its_text(tmp_path: Path):
    marker = tmp_path / "pwned"
    article = tmp_path / "hostile.txt"
    article.write_text(hostile_article(marker), encoding="utf-8")
    result = subprocess.run(
        [audio_cli(), "build", str(article), "-o", str(tmp_path / "out"), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert not marker.exists(), "text from the article reached a shell"
    assert [c["title"] for c in summary["chapters"]] == [
        "Markup, Money and Mayhem: A Hostile Test Article",
        "Long Reads",
    ]
    transcript = ffprobe(Path(summary["mp3"]), "-show_format")["format"]["tags"][
        "lyrics-transcript-eng"
    ]
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
    cues = webvtt.read(summary["vtt"])
    assert any("£48m" in cue.text for cue in cues)
    # The 500-word sentence is cut into utterances, and all of its words are there.
    assert transcript.count("clause") == 55
    assert "the 55th clause" in transcript.replace("\n", " ")
    assert summary["duration_s"] > 120
