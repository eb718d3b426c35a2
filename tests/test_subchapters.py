"""Where am I: sections and their parts (### / h3), and articles in French plain text."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from click.testing import CliRunner

from audionews.cli import main
from audionews.ingest.markdown import parse_markdown
from audionews.ingest.text import parse_text
from audionews.pipeline import prepare
from audionews.text.script import Role, make_script

HARBOUR_WORKS = """\
# Harbour works begin

The harbour closes for dredging on Monday.

## The plan

Three stages are planned.

### Dredging

Dredgers arrive first.

### Rebuilding the wall

The wall follows in May.

## What it costs

The works cost four million.
"""


def test_sub_headings_are_level_3_chapters_announced_as_parts_of_their_section() -> None:
    script = make_script(parse_markdown(HARBOUR_WORKS))
    assert [(c.title, c.level) for c in script.chapters] == [
        ("Harbour works begin", 1),
        ("The plan", 2),
        ("Dredging", 3),
        ("Rebuilding the wall", 3),
        ("What it costs", 2),
    ]
    announced = [c.segments[0].text for c in script.chapters[1:]]
    assert announced == [
        "Section 1 of 2, in 2 parts: The plan.",
        "Section 1, part 1 of 2: Dredging.",
        "Section 1, part 2 of 2: Rebuilding the wall.",
        "Section 2 of 2: What it costs.",
    ]
    overview = [s.text for s in script.chapters[0].segments if s.role is Role.ANNOUNCEMENT]
    assert "This briefing has 2 sections: The plan and What it costs." in overview


def test_an_article_set_in_h3_alone_has_sections_not_parts() -> None:
    text = HARBOUR_WORKS.replace("## ", "### ").replace("#### ", "### ")
    script = make_script(parse_markdown(text.replace("### Dredging", "#### Dredging")))
    assert [c.level for c in script.chapters] == [1, 2, 3, 2, 2]


def test_script_listing_indents_parts(tmp_path: Path) -> None:
    article = tmp_path / "works.md"
    article.write_text(HARBOUR_WORKS)
    result = CliRunner().invoke(main, ["script", str(article)])
    assert result.exit_code == 0
    headers = [line for line in result.output.splitlines() if "== Chapter" in line]
    assert headers == [
        "== Chapter 1: Harbour works begin",
        "== Chapter 2: The plan",
        "  == Chapter 3: Dredging",
        "  == Chapter 4: Rebuilding the wall",
        "== Chapter 5: What it costs",
    ]


def test_episode_chapters_are_flat_in_time_order_and_parts_indented(
    tmp_path: Path, tone_engine
) -> None:
    article = tmp_path / "works.md"
    article.write_text(HARBOUR_WORKS)
    out = tmp_path / "out"
    runner = CliRunner()
    built = runner.invoke(main, ["build", str(article), "-o", str(out)])
    assert built.exit_code == 0, built.output
    mp3 = out / "harbour-works-begin.mp3"
    probed = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(mp3)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["chapters"]
    titles = [c["tags"]["title"] for c in probed]
    assert titles == [
        "Harbour works begin",
        "The plan",
        "Dredging",
        "Rebuilding the wall",
        "What it costs",
    ]
    starts = [float(c["start_time"]) for c in probed]
    ends = [float(c["end_time"]) for c in probed]
    assert starts == sorted(starts) and starts[0] == 0.0
    assert all(abs(end - start) < 0.002 for end, start in zip(ends, starts[1:], strict=False))
    listing = runner.invoke(main, ["chapters", str(mp3)])
    assert listing.exit_code == 0
    names = [
        re.match(r"^\s*\d+\s+\S+\s+\S+  (.*)$", line).group(1)  # type: ignore[union-attr]
        for line in listing.output.splitlines()
    ]
    assert names == [
        "Harbour works begin",
        "The plan",
        "  Dredging",
        "  Rebuilding the wall",
        "What it costs",
    ]


FRENCH = """\
Le port de Kerlouan rouvre ses quais après trois mois de travaux

Par Anne Rivière
Publié le 2 juin 2026 à 09h30
Mis à jour le 3 juin 2026

Les pêcheurs de Kerlouan ont retrouvé leurs quais lundi matin, après trois mois de travaux
qui ont coûté près de deux millions d'euros à la commune. Les bateaux sont rentrés un par un
sous les applaudissements des habitants venus nombreux.

« Nous attendions ce jour depuis longtemps, explique Yann Le Dréau, patron pêcheur. Le port
revit enfin. »
"""


def test_a_french_plain_text_article_is_read_and_spoken_in_french(tmp_path: Path) -> None:
    article = tmp_path / "kerlouan.txt"
    article.write_text(FRENCH)
    assert parse_text(FRENCH).language == "fr"
    prepared = prepare(article)
    assert prepared.article.language == "fr"
    assert prepared.profile.voice_for(Role.NARRATION).voice.startswith("fr")
    script = prepared.script
    assert len(script.chapters) == 1  # "Par …" and "Publié le …" are no sections
    opening = [s.text for s in script.chapters[0].segments[:4]]
    assert opening[1:] == [
        "Par Anne Rivière.",
        "Publié le 2 juin 2026 à 09h30.",
        "Mis à jour le 3 juin 2026.",
    ]
    quotes = [(s.text, s.speaker) for s in script.segments if s.role is Role.QUOTE]
    assert quotes == [
        ("Nous attendions ce jour depuis longtemps,", "Yann Le Dréau"),
        ("Le port revit enfin.", "Yann Le Dréau"),
    ]
