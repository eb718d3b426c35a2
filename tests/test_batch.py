"""Batch production: many articles, skips when up to date, one failure does not stop it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from audionews.batch import expand_inputs
from conftest import EXAMPLES, audio_cli

pytestmark = pytest.mark.e2e


def batch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [audio_cli(), "batch", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_batch_builds_skips_and_reports_failures(tmp_path: Path):
    articles = tmp_path / "in"
    articles.mkdir()
    for name in ("harbour-flood-barrier.txt", "library-hours.txt"):
        shutil.copy(EXAMPLES / name, articles / name)
    (articles / "broken.txt").write_bytes(b"")
    out = tmp_path / "out"
    first = batch(str(articles), "-o", str(out), "--jobs", "2")
    assert first.returncode == 1  # one article failed
    results = {Path(r["article"]).name: r for r in json.loads(first.stdout)}
    assert results["broken.txt"]["status"] == "failed"
    assert "the file is empty" in results["broken.txt"]["error"]
    assert results["harbour-flood-barrier.txt"]["status"] == "built"
    assert results["library-hours.txt"]["status"] == "built"
    assert "built" in first.stderr and "1 failed" in first.stderr
    for result in results.values():
        if result["mp3"]:
            assert Path(result["mp3"]).is_file()
            for suffix in (".chapters.json", ".vtt", ".srt"):
                assert Path(result["mp3"]).with_suffix(suffix).is_file()

    (articles / "broken.txt").unlink()
    second = batch(str(articles), "-o", str(out))
    assert second.returncode == 0
    assert [r["status"] for r in json.loads(second.stdout)] == ["skipped", "skipped"]

    # An edited article is rebuilt, the other still skipped; --force rebuilds both.
    edited = articles / "library-hours.txt"
    edited.write_text(edited.read_text().replace("twelve weeks", "thirteen weeks"))
    third = batch(str(articles), "-o", str(out))
    assert [r["status"] for r in json.loads(third.stdout)] == ["skipped", "built"]
    forced = batch(str(articles), "-o", str(out), "--force")
    assert [r["status"] for r in json.loads(forced.stdout)] == ["built", "built"]


def test_same_title_twice_is_refused_not_overwritten(tmp_path: Path):
    shutil.copy(EXAMPLES / "library-hours.txt", tmp_path / "a.txt")
    shutil.copy(EXAMPLES / "library-hours.txt", tmp_path / "b.txt")
    result = batch(str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "-o", str(tmp_path / "o"))
    statuses = [(r["status"], r["error"]) for r in json.loads(result.stdout)]
    assert statuses[0] == ("built", None)
    assert statuses[1][0] == "failed" and "same title as" in statuses[1][1]


def test_inputs_expand_from_folders_and_globs(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    for name in ("a.txt", "b.md", "sub/c.html", "notes.json"):
        (tmp_path / name).write_text("x")
    found = expand_inputs([str(tmp_path), str(tmp_path / "*.txt")])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.txt", "b.md", "sub/c.html"]
