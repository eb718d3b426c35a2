"""Batch production: many articles, skips when up to date, one failure does not stop it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from audionews.batch import BatchStatus, expand_inputs, run_batch
from audionews.options import BuildOptions
from conftest import EXAMPLES, HARBOUR, run_cli


def batch(*args: str):
    return run_cli("batch", *args, "--json", timeout=900)


@pytest.mark.e2e
def test_batch_builds_and_reports_failures(tmp_path: Path):
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
    assert (
        results["broken.txt"]["error"]
        == f"cannot read {articles / 'broken.txt'}: the file is empty"
    )
    assert results["harbour-flood-barrier.txt"]["status"] == "built"
    assert results["library-hours.txt"]["status"] == "built"
    assert "2 built, 0 skipped, 1 failed" in first.stderr
    for result in results.values():
        if result["mp3"]:
            assert Path(result["mp3"]).is_file()
            for suffix in (".chapters.json", ".vtt", ".srt"):
                assert Path(result["mp3"]).with_suffix(suffix).is_file()


def test_batch_skips_what_is_up_to_date(tmp_path: Path, tone_engine):
    articles = tmp_path / "in"
    articles.mkdir()
    for name in ("harbour-flood-barrier.txt", "library-hours.txt"):
        shutil.copy(EXAMPLES / name, articles / name)
    found = expand_inputs([str(articles)])
    out = tmp_path / "out"

    def statuses(**kwargs) -> list[BatchStatus]:
        return [r.status for r in run_batch(found, out, BuildOptions(), jobs=2, **kwargs)]

    assert statuses() == [BatchStatus.BUILT, BatchStatus.BUILT]
    assert statuses() == [BatchStatus.SKIPPED, BatchStatus.SKIPPED]
    # An edited article is rebuilt, the other still skipped; force rebuilds both.
    edited = articles / "library-hours.txt"
    edited.write_text(edited.read_text().replace("twelve weeks", "thirteen weeks"))
    assert statuses() == [BatchStatus.SKIPPED, BatchStatus.BUILT]
    assert statuses(force=True) == [BatchStatus.BUILT, BatchStatus.BUILT]


def test_same_title_twice_is_refused_not_overwritten(tmp_path: Path, tone_engine):
    shutil.copy(HARBOUR, tmp_path / "a.txt")
    shutil.copy(HARBOUR, tmp_path / "b.txt")
    results = run_batch([tmp_path / "a.txt", tmp_path / "b.txt"], tmp_path / "o", BuildOptions())
    assert [(r.status, r.error) for r in results] == [
        (BatchStatus.BUILT, None),
        (
            BatchStatus.FAILED,
            f"same title as {tmp_path / 'a.txt'}: both would be "
            "port-callow-opens-its-tidal-flood-barrier-after-six-years-of-work.mp3",
        ),
    ]


def test_inputs_expand_from_folders_and_globs(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    for name in ("a.txt", "b.md", "sub/c.html", "notes.json"):
        (tmp_path / name).write_text("x")
    found = expand_inputs([str(tmp_path), str(tmp_path / "*.txt")])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.txt", "b.md", "sub/c.html"]
