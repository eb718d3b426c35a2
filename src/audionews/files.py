"""Writing files so that a failure never leaves half a file or destroys a good one."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Target:
    """A file, or a folder of files, that a build writes as one piece."""

    path: Path
    folder: bool = False


@contextlib.contextmanager
def atomic_files(finals: Mapping[str, Path | Target]) -> Iterator[dict[str, Path]]:
    """Temporary paths beside each final path, moved over them only if the block succeeds.

    A target that is a folder gets a temporary folder, which replaces the old folder whole.
    A failure or an interruption removes every temporary file and folder and leaves earlier
    files of the same names exactly as they were; a folder made for the output is removed.
    """
    targets = {
        key: final if isinstance(final, Target) else Target(final) for key, final in finals.items()
    }
    partials: dict[str, Path] = {}
    try:
        for key, target in targets.items():
            final = target.path
            if target.folder:
                partials[key] = Path(
                    tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
                )
            else:
                handle, name = tempfile.mkstemp(
                    prefix=f".{final.name}.", suffix=".part", dir=final.parent
                )
                os.close(handle)
                partials[key] = Path(name)
        yield partials
        for key, target in targets.items():
            _commit(partials[key], target)
    except BaseException:
        for partial in partials.values():
            _remove(partial)
        raise


def _commit(partial: Path, target: Target) -> None:
    if not target.folder:
        os.chmod(partial, 0o644)
        os.replace(partial, target.path)
        return
    os.chmod(partial, 0o755)
    old = None
    if target.path.exists():
        # A folder cannot be renamed over another: the old one steps aside first, and is
        # deleted only once the new one is in place.
        old = Path(tempfile.mkdtemp(prefix=f".{target.path.name}.", dir=target.path.parent))
        os.replace(target.path, old / target.path.name)
    os.replace(partial, target.path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
