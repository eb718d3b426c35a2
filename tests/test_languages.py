"""Articles in other languages are spoken with that language's espeak-ng voice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audionews.audio.voices import load_profile
from audionews.pipeline import prepare
from audionews.text.script import Role
from conftest import SHARED, ffprobe, run_cli

FIXTURES = Path(__file__).parent / "fixtures"


def build_tags(article: Path, out: Path) -> dict[str, str]:
    result = run_cli("build", str(article), "-o", str(out), "--json")
    assert result.returncode == 0, result.stderr
    return ffprobe(Path(json.loads(result.stdout)["mp3"]), "-show_format")["format"]["tags"]


@pytest.mark.e2e
def test_french_page_gets_french_voices(tmp_path: Path):
    tags = build_tags(FIXTURES / "marche-vendredi.html", tmp_path)
    assert tags["language"] == "fre"
    assert (tags["audionews:narrator"], tags["audionews:quote"]) == ("fr", "fr+f3")
    assert "Fin du bulletin." in tags["lyrics-transcript-fre"]


CORPUS_PAGES = [
    pytest.param("lemonde-1", "fr", "fre", "fr", id="french"),
    pytest.param("la-nacion", "es", "spa", "es", id="spanish"),
]


@pytest.mark.shared
@pytest.mark.parametrize(("page", "code", "tag", "narrator"), CORPUS_PAGES)
def test_corpus_pages_get_their_languages_voices(page: str, code: str, tag: str, narrator: str):
    # The voices are settled when the article is prepared; the build only writes them down
    # (as the French page's build above shows).
    prepared = prepare(SHARED / "corpus" / "readability" / page / "source.html")
    assert prepared.article.language.split("-")[0] == code
    assert prepared.profile.voice_for(Role.NARRATION).voice == narrator


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize(("page", "code", "tag", "narrator"), CORPUS_PAGES)
def test_corpus_pages_built(tmp_path: Path, page: str, code: str, tag: str, narrator: str):
    tags = build_tags(SHARED / "corpus" / "readability" / page / "source.html", tmp_path)
    assert (tags["language"], tags["audionews:narrator"]) == (tag, narrator)


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
