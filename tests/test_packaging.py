"""The package as a user installs it: a wheel, not this source tree, in a fresh virtualenv."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import HARBOUR, ROOT, ffprobe

pytestmark = pytest.mark.e2e


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return result


def test_wheel_in_a_fresh_virtualenv_builds_an_article_from_another_folder(tmp_path: Path):
    # The wheel is built from a copy of the project's files, so this tree is left as it is.
    source = tmp_path / "source"
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", wheels, source)  # fmt: skip
    (wheel,) = wheels.glob("audionews-*.whl")

    venv = tmp_path / "fresh"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())  # fmt: skip
    # audionews itself from the wheel; its dependencies reused from the test environment's
    # site-packages (a path in a .pth file: its own .pth files, the editable install's
    # hook among them, are not run).
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "-q", wheel)  # fmt: skip
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = run(python, "-c", "import audionews; print(audionews.__file__)").stdout.strip()
    assert Path(where).is_relative_to(site), where

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    article = elsewhere / "harbour.txt"
    shutil.copy(HARBOUR, article)
    built = run(venv / "bin" / "audionews", "build", article.name, "-o", "out", "--json",
                cwd=elsewhere)  # fmt: skip
    summary = json.loads(built.stdout)
    mp3 = elsewhere / summary["mp3"]
    assert mp3.parent == elsewhere / "out"
    tags = ffprobe(mp3, "-show_format")["format"]["tags"]
    assert tags["audionews:voices"] == "default" and tags["audionews:narrator"] == "en-us"
    assert len(ffprobe(mp3, "-show_chapters")["chapters"]) == 4
    listed = run(venv / "bin" / "audionews", "voices", "--json", cwd=elsewhere).stdout
    profiles = {p["name"]: p["path"] for p in json.loads(listed)["profiles"]}
    assert set(profiles) == {"default", "contrast"}
    assert all(Path(path).is_relative_to(site) for path in profiles.values())
