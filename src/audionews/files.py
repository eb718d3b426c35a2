"""Writing files so that a failure never leaves half a file or destroys a good one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_files(finals: dict[str, Path]) -> Iterator[dict[str, Path]]:
    """Temporary paths beside each final path, renamed over them only if the block succeeds.

    A failure or an interruption removes every temporary file and leaves earlier files of
    the same names exactly as they were.
    """
    partials: dict[str, Path] = {}
    try:
        for key, final in finals.items():
            handle, name = tempfile.mkstemp(
                prefix=f".{final.name}.", suffix=".part", dir=final.parent
            )
            os.close(handle)
            partials[key] = Path(name)
        yield partials
        for key, final in finals.items():
            os.chmod(partials[key], 0o644)
            os.replace(partials[key], final)
    except BaseException:
        for partial in partials.values():
            partial.unlink(missing_ok=True)
        raise
