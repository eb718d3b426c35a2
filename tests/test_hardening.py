"""Hostile and broken input, failures mid-build: one line to the user, nothing ever lost."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audionews.errors import AudionewsError, OutputError
from audionews.ingest import read_article
from audionews.ingest.html import parse_html
from audionews.ingest.markdown import parse_markdown
from audionews.ingest.text import parse_text
from audionews.options import BuildOptions
from audionews.pipeline import make as build
from audionews.text.script import make_script
from audionews.text.speech import speakable_script
from conftest import EXAMPLES, audio_cli, ffprobe
from test_script import article_words, carried_words

HARBOUR = EXAMPLES / "harbour-flood-barrier.txt"


def run(*args: str, timeout: int = 600, env: dict | None = None):
    return subprocess.run(
        [audio_cli(), *args], capture_output=True, text=True, timeout=timeout, check=False, env=env
    )


def leftovers(folder: Path) -> list[str]:
    """Temporary files a failed build might have left: there must be none."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith((".part", ".tmp")))


# --- bad input: one line, non-zero exit, nothing written -----------------------------------

BAD_INPUTS = [
    pytest.param("missing", None, "no such file", id="missing"),
    pytest.param("folder", "dir", "is a folder", id="folder"),
    pytest.param("empty.txt", b"", "the file is empty", id="empty"),
    pytest.param("blank.txt", b"\n \t \n", "only white space", id="whitespace"),
    pytest.param(
        "photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary data", id="image"
    ),
    pytest.param("tool", b"\x7fELF\x02\x01\x01\x00" + bytes(300), "binary data", id="executable"),
    pytest.param(
        "nul.txt",
        b"Headline\n\nSome text\x00 with a NUL byte in it.\n",
        "binary data",
        id="nul-bytes",
    ),
    pytest.param(
        "menu.html",
        b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
        "no article found in the page",
        id="html-without-article",
    ),
    pytest.param(
        "front.md",
        b"---\ntitle: Only Front Matter\nauthor: Nobody\n---\n",
        "no article text",
        id="markdown-front-matter-only",
    ),
]


@pytest.mark.parametrize(("name", "content", "cause"), BAD_INPUTS)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, name, content, cause):
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    out = tmp_path / "out"
    result = run("build", str(path), "-o", str(out))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("audionews: ")
    assert str(path) in result.stderr and cause in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_unreadable_file_names_the_cause(tmp_path: Path, monkeypatch):
    # As root no permission bit stops a read, so the refusal is injected.
    path = tmp_path / "locked.txt"
    path.write_text("Headline\nBody.\n")

    def refuse(self):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(AudionewsError, match=f"cannot read {path}: permission denied"):
        read_article(path)


def test_debug_shows_the_traceback(tmp_path: Path):
    result = run("--debug", "build", str(tmp_path / "nope.txt"))
    assert result.returncode == 1 and "Traceback" in result.stderr
    assert "ArticleError" in result.stderr


@pytest.mark.parametrize(
    ("data", "notice", "text"),
    [
        pytest.param(
            "Tide Report\n\nThe “spring” tide came early.\n".encode("utf-16"),
            "read as UTF-16",
            "The “spring” tide came early.",
            id="utf-16-bom",
        ),
        pytest.param(
            "Tide Report\n\nThe “spring” tide came early.\n".encode("cp1252"),
            "read as Windows-1252",
            "The “spring” tide came early.",
            id="cp1252",
        ),
    ],
)
def test_other_encodings_are_read_with_a_notice(tmp_path: Path, data, notice, text):
    path = tmp_path / "tide.txt"
    path.write_bytes(data)
    result = run("script", str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert notice in result.stderr
    segments = [s["text"] for c in json.loads(result.stdout)["chapters"] for s in c["segments"]]
    assert text in segments


# --- awkward but valid articles build ------------------------------------------------------


def words(count: int, seed: int = 0) -> str:
    vocabulary = (
        "harbour tide council ferry quay storm island river bridge keeper market "
        "lantern beacon pier boat gull"
    ).split()
    return " ".join(vocabulary[(i * 7 + seed) % len(vocabulary)] for i in range(count))


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("name", "body", "chapters"),
    [
        pytest.param(
            "one-paragraph",
            "One Long Paragraph\n"
            + ". ".join(words(25, n).capitalize() for n in range(200))
            + ".\n",
            1,
            id="single-5000-word-paragraph",
        ),
        pytest.param(
            "headings",
            "Two Hundred Headings\n"
            + "\n".join(f"Section Number {n}" for n in range(1, 201))
            + "\n",
            201,
            id="200-headings-no-body",
        ),
        pytest.param(
            "rtl",
            "Mixed Scripts Report\nThe sign read שלום עולם and مرحبا بالعالم beside Київ, "
            "Αθήνα and 東京.\nRight-to-left text: ‏עברית‏ and العربية.\n",
            1,
            id="right-to-left-and-mixed-scripts",
        ),
    ],
)
def test_awkward_articles_build(tmp_path: Path, name: str, body: str, chapters: int):
    article = tmp_path / f"{name}.txt"
    article.write_text(body)
    result = run("build", str(article), "-o", str(tmp_path / "out"), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert len(summary["chapters"]) == chapters
    probed = ffprobe(Path(summary["mp3"]), "-show_chapters")
    assert len(probed["chapters"]) == min(chapters, 255)


def test_line_of_100000_characters_is_cut_into_utterances(tmp_path: Path):
    article = tmp_path / "wide.txt"
    line = (words(17_000) + ".")[:100_000]
    hash_like = "x" * 100_000
    article.write_text(f"Very Wide Lines\n{line}\n{hash_like}\n")
    script = make_script(read_article(article))
    segments = list(script.segments)
    assert max(len(s.text) for s in segments) <= 320
    assert sum(s.text.count("x") for s in segments) >= 100_000


@pytest.mark.e2e
def test_50000_word_article_builds_with_memory_bounded(tmp_path: Path):
    article = tmp_path / "long.txt"
    paragraphs = [
        f"Part {n // 40 + 1}"
        if n % 40 == 0
        else ". ".join(words(12, n + k).capitalize() for k in range(4)) + "."
        for n in range(1050)
    ]
    article.write_text("The Longest Read\n" + "\n".join(paragraphs) + "\n")
    assert 48_000 <= len(article.read_text().split()) <= 52_000
    probe = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "print(r.stdout); print(r.stderr[-2000:], file=sys.stderr)"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            audio_cli(),
            "build",
            str(article),
            "-o",
            str(tmp_path / "out"),
            "--json",
            "--no-cache",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    status, peak_kib = result.stdout.splitlines()[0].split()
    assert status == "0", result.stderr
    summary = json.loads(result.stdout.splitlines()[1])
    pcm_bytes = summary["duration_s"] * 22050 * 2
    assert summary["duration_s"] > 3 * 3600
    # Bounded: at most the synthesised speech and the track (measured: 2.2 times the audio),
    # plus the program; never a copy per stage.
    assert int(peak_kib) * 1024 < 2.5 * pcm_bytes + 400 * 2**20


# --- bad options ---------------------------------------------------------------------------


def test_output_folder_that_cannot_be_made(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("build", str(HARBOUR), "-o", str(blocker / "out"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"audionews: cannot create output folder {blocker / 'out'}")


@pytest.mark.e2e
def test_full_disk_leaves_the_earlier_episode_and_no_partial_file(tmp_path: Path, monkeypatch):
    good = build(HARBOUR, tmp_path)
    before = {path: path.read_bytes() for path in good.files.values()}
    real_write = Path.write_text

    def full(self, *args, **kwargs):
        if self.name.endswith(".part"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OutputError, match="No space left on device"):
        build(HARBOUR, tmp_path, BuildOptions(cache=True))
    monkeypatch.undo()
    assert {path: path.read_bytes() for path in good.files.values()} == before
    assert leftovers(tmp_path) == []


# --- failures mid-build --------------------------------------------------------------------


def _long_article(tmp_path: Path) -> Path:
    article = tmp_path / "long-story.txt"
    body = [". ".join(words(14, n + k).capitalize() for k in range(3)) + "." for n in range(160)]
    article.write_text("Storm Over the Harbour\n" + "\n".join(body) + "\n")
    return article


def _start(article: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [audio_cli(), "build", str(article), "-o", str(out), "--no-cache", "--force"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(process: subprocess.Popen[str], marker: str) -> list[str]:
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if marker in line:
            return seen
    raise AssertionError(f"{marker!r} never appeared: {''.join(seen)}")


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("marker", "stop", "code", "message"),
    [
        pytest.param("synthesis:", signal.SIGTERM, 143, "stopped (SIGTERM)", id="sigterm-synth"),
        pytest.param("synthesis:", signal.SIGINT, 1, "Aborted!", id="sigint-synthesis"),
        pytest.param(
            "encoding: 0/1", signal.SIGTERM, 143, "stopped (SIGTERM)", id="sigterm-encoding"
        ),
        pytest.param("encoding: 0/1", signal.SIGINT, 1, "Aborted!", id="sigint-encoding"),
        pytest.param("encoding: 0/1", "kill-ffmpeg", 1, "ffmpeg failed", id="ffmpeg-killed"),
    ],
)
def test_interrupted_build_stops_cleanly(tmp_path: Path, marker, stop, code, message):
    article = _long_article(tmp_path)
    out = tmp_path / "out"
    first = run("build", str(article), "-o", str(out), "--json")
    assert first.returncode == 0, first.stderr
    mp3 = Path(json.loads(first.stdout)["mp3"])
    before = mp3.read_bytes()
    synth_dirs = set(Path("/tmp").glob("audionews-synth-*"))

    process = _start(article, out)
    _wait_for(process, marker)
    if stop == "kill-ffmpeg":
        time.sleep(0.2)
        subprocess.run(["pkill", "-KILL", "-f", f"ffmpeg.*{out}/"], check=False)
    else:
        process.send_signal(stop)
    _, rest = process.communicate(timeout=120)
    assert process.returncode == code
    assert message in rest
    assert "Traceback" not in rest
    time.sleep(0.5)  # workers told to stop finish their current sentence
    assert mp3.read_bytes() == before
    assert leftovers(tmp_path) == []
    assert set(Path("/tmp").glob("audionews-synth-*")) <= synth_dirs
    again = run("build", str(article), "-o", str(out), "--force")
    assert again.returncode == 0, again.stderr


# --- fuzzing: only our own errors, never lost text -----------------------------------------

_chars = st.characters(
    codec="utf-8",
    categories=["L", "M", "N", "P", "S", "Zs", "Cc"],
)
_SPECIAL = [*"“”‘’\"'—–-…«»()[]<>&#@$%*`~\\/", "\x00", "\u200f", "🎉", "\t", "\r"]
_special = st.sampled_from([*_SPECIAL, "👨\u200d👩\u200d👧"])
_text = st.lists(st.one_of(_chars, _special), min_size=0, max_size=200).map("".join)
_lines = st.lists(_text, min_size=1, max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_lines)
def test_fuzz_text_articles(text: str):
    try:
        article = parse_text(text)
    except AudionewsError:
        return
    script = speakable_script(make_script(article))
    assert carried_words(script) == article_words(article)
    for segment in script.segments:
        assert "\x00" not in segment.spoken


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_lines)
def test_fuzz_markdown_and_html(text: str):
    for parse, source in (
        (parse_markdown, text),
        (parse_html, f"<html><body><article><p>{text}</p></article></body></html>"),
    ):
        try:
            article = parse(source)
        except AudionewsError:
            continue
        speakable_script(make_script(article))


@pytest.mark.e2e
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    body=st.lists(
        st.lists(
            st.tuples(st.sampled_from(words(16).split()), _text.map(lambda t: t[:8])),
            min_size=3,
            max_size=25,
        ).map(lambda pairs: " ".join(word + noise for word, noise in pairs)),
        min_size=1,
        max_size=4,
    )
)
def test_fuzz_end_to_end(tmp_path_factory, body: list[str]):
    folder = tmp_path_factory.mktemp("fuzz")
    article = folder / "fuzz.txt"
    article.write_text("Fuzzed Article\n" + "\n".join(body) + "\n", encoding="utf-8")
    result = run("build", str(article), "-o", str(folder / "out"), "--json")
    if result.returncode != 0:
        # Only a one-line message of our own, never a crash.
        assert result.stderr.startswith("audionews: ") and "internal error" not in result.stderr
        assert "Traceback" not in result.stderr
        return
    assert os.path.getsize(json.loads(result.stdout)["mp3"]) > 0
