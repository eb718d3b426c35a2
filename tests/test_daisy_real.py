"""DAISY 2.02 books that real builds wrote (``build --daisy``, conftest.py's episodes: the
plain-text example, a Markdown article with a table, an HTML page and the seed article): every
rule of tests/daisy202.py, every clip against the WebVTT cue of the same sentence (read with
webvtt-py), the headings against the chapters (ffprobe), and Debian's daisy-player opening the
book under tmux and listing its headings."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import Built, ffprobe
from daisy202 import check_book, element_text, ncc_clips
from talkingbook_helpers import ROOT, read_cues

pytestmark = [pytest.mark.talkingbook, pytest.mark.e2e]
XHTML = "{http://www.w3.org/1999/xhtml}"
BOOKS = [
    pytest.param("harbour", id="text"),
    pytest.param("ferry", id="markdown", marks=pytest.mark.slow),
    pytest.param("courier", id="html"),
    pytest.param("seed", id="seed", marks=pytest.mark.shared),
]


def _book(request: pytest.FixtureRequest, name: str) -> tuple[Built, Path]:
    built: Built = request.getfixturevalue(name)
    folder = built.mp3.with_suffix(".daisy")
    assert built.summary["daisy"] == str(folder)
    assert built.summary["daisy_zip"] == str(folder) + ".zip"
    return built, folder


def _headings(folder: Path) -> list[tuple[int, str]]:
    ncc = etree.parse(str(folder / "ncc.html"))
    return [
        (int(node.tag[-1]), " ".join("".join(node.itertext()).split()))
        for node in ncc.iter()
        if isinstance(node.tag, str) and node.tag[-2:-1] == "h"
    ]


@pytest.mark.parametrize("name", BOOKS)
def test_the_build_writes_a_valid_book_whose_clips_are_its_cues(
    request: pytest.FixtureRequest, name: str
) -> None:
    built, folder = _book(request, name)
    assert check_book(folder) == []

    cues = read_cues(built.mp3.with_suffix(".vtt"))
    clips = ncc_clips(folder)
    pars = list(dict.fromkeys(c.text_src for c in clips))
    assert len(pars) == len(cues)
    for (start, end, text, _speaker), src in zip(cues, pars, strict=True):
        # The sentence's own clip is its cue to the millisecond; its pause is a clip of its own.
        spans = [(c.begin_ms, c.end_ms) for c in clips if c.text_src == src]
        assert (start, end) in spans, (src, start, end, spans)
        assert element_text(folder, src) == text
    # The clips run to the end of the last chapter, as ffprobe reads it.
    chapters = ffprobe(built.mp3, "-show_chapters")["chapters"]
    assert clips[-1].end_ms == round(float(chapters[-1]["end_time"]) * 1000)

    # One NCC heading per chapter at the chapter's level as ffprobe reads it from its CHAP
    # frame: h1 the title, h2 the article's sections, h3 their parts.
    headings = _headings(folder)
    assert [title for _, title in headings] == [c["tags"]["title"] for c in chapters]
    assert [level for level, _ in headings] == [int(c["tags"]["audionews:level"]) for c in chapters]
    assert headings[0][0] == 1 and all(level >= 2 for level, _ in headings[1:])

    # The zip holds the same book.
    with zipfile.ZipFile(folder.with_name(folder.name + ".zip")) as archive:
        assert sorted(archive.namelist()) == sorted(p.name for p in folder.iterdir())
        assert archive.read("ncc.html") == (folder / "ncc.html").read_bytes()


def _screen(server: str) -> str:
    result = subprocess.run(
        ["tmux", "-L", server, "capture-pane", "-p"], capture_output=True, text=True, timeout=10
    )
    return result.stdout


def _fake_sound_card(tmp_path: Path) -> dict[str, str]:
    """daisy-player stops when /proc/asound/cards is missing (no sound hardware, as in a
    container); a tiny LD_PRELOAD shim answers for that one file. Nothing is played."""
    if Path("/proc/asound/cards").exists():
        return {}
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no sound card and no C compiler to build the stand-in for one")
    shim = tmp_path / "fake_asound.so"
    source = ROOT / "tests" / "fixtures" / "fake_asound.c"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(shim), str(source), "-ldl"],
        check=True,
        timeout=120,
    )
    return {"LD_PRELOAD": str(shim)}


@pytest.mark.parametrize("name", BOOKS)
def test_daisy_player_opens_the_book_and_lists_its_headings(
    request: pytest.FixtureRequest, name: str, tmp_path: Path
) -> None:
    for program in ("daisy-player", "tmux"):
        assert shutil.which(program), f"{program} is not installed; run scripts/setup"
    _built, folder = _book(request, name)
    headings = _headings(folder)
    home = tmp_path / "home"  # daisy-player keeps bookmarks and settings in $HOME
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "TERM": "xterm", **_fake_sound_card(tmp_path)}
    server = f"audionews-daisy-{os.getpid()}-{name}"
    command = f"daisy-player {folder} -i -n -d default:alsa"
    subprocess.run(
        ["tmux", "-L", server, "new-session", "-d", "-x", "80", "-y", "24", command],
        env=env,
        check=True,
        timeout=10,
    )
    try:
        screen = ""
        deadline = time.monotonic() + 20
        last = headings[-1][1][:30]
        while time.monotonic() < deadline:
            screen = _screen(server)
            if last in screen:
                break
            time.sleep(0.2)
        print(screen)
        lines = screen.splitlines()
        # The title (after the program's name when there is room for both).
        assert headings[0][1][:60] in lines[0]
        depth = max(level for level, _ in headings)
        assert f"level: 1 of {depth}" in lines[1]
        # daisy-player shows the playing time (every clip) in whole seconds, cut short.
        seconds = sum(c.end_ms - c.begin_ms for c in ncc_clips(folder)) // 1000
        shown = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        assert f"total length: {shown}" in lines[1]
        # Every heading, in order, each as long as the screen has room for.
        listed = [line.strip().split("  ")[0].rstrip(" .") for line in lines[2:]][: len(headings)]
        assert len(listed) == len(headings)
        for shown_title, (_, heading) in zip(listed, headings, strict=True):
            assert len(shown_title) >= min(len(heading), 40), (shown_title, heading)
            assert heading.startswith(shown_title), (shown_title, heading)
        subprocess.run(["tmux", "-L", server, "send-keys", "q"], timeout=10, check=False)
    finally:
        subprocess.run(["tmux", "-L", server, "kill-server"], timeout=10, check=False)
