"""Articles in other languages are spoken with that language's espeak-ng voice."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from audionews.audio.voices import load_profile
from conftest import SHARED, audio_cli, ffprobe

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.e2e


def build_tags(article: Path, out: Path) -> dict[str, str]:
    result = subprocess.run(
        [audio_cli(), "build", str(article), "-o", str(out), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return ffprobe(Path(json.loads(result.stdout)["mp3"]), "-show_format")["format"]["tags"]


def test_french_page_gets_french_voices(tmp_path: Path):
    tags = build_tags(FIXTURES / "marche-vendredi.html", tmp_path)
    assert tags["language"] == "fre"
    assert (tags["audionews:narrator"], tags["audionews:quote"]) == ("fr", "fr+f3")
    assert "Fin du bulletin." in tags["lyrics-transcript-fre"]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("page", "language", "narrator"),
    [
        pytest.param("lemonde-1", "fre", "fr", id="french"),
        pytest.param("la-nacion", "spa", "es", id="spanish"),
    ],
)
def test_corpus_pages_in_their_language(tmp_path: Path, page: str, language: str, narrator: str):
    tags = build_tags(SHARED / "corpus" / "readability" / page / "source.html", tmp_path)
    assert (tags["language"], tags["audionews:narrator"]) == (language, narrator)


def test_profile_can_name_voices_per_language(tmp_path: Path):
    profile = tmp_path / "p.toml"
    profile.write_text(
        '[narrator]\nvoice = "en-us"\n[quote]\nvoice = "en-us+f3"\n[announcer]\nvoice = "en-us"\n'
        '[languages.es]\nnarrator = "es-419"\n'
    )
    spanish, notice = load_profile(str(profile)).for_language("es")
    assert notice is None
    assert {role.value: v.voice for role, v in spanish.voices.items()} == {
        "narration": "es-419",
        "quote": "es+f3",
        "announcement": "es",
    }
