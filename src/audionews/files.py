"""Writing files so that a failure never leaves half a file, a mixed set or a lost one.

Every output is written through ``atomic_files``: the targets (files and folders, one set, in
one folder or its subfolders) are written under temporary names beside their final names and
switched in only when all are whole. The switch is guarded by a journal, so that whatever
stops it (an error, a full disk, Ctrl-C, ``kill -9``, a power cut between two renames) the
set is either all old or all new, never mixed:

1. A journal ``.audionews.TOKEN.journal`` is made in the set's folder and held locked
   (``flock``) for as long as its owner works on the set; it lists every target, its
   temporary ``.NAME.TOKEN.part`` and where the old version waits during the switch,
   ``.NAME.TOKEN.old``.
2. The caller writes the temporaries. Nothing visible has changed yet.
3. The switch, under a lock on the folder (one switch at a time): the journal notes which
   targets existed; each old file is hard-linked aside (so the name never disappears) and
   the new one renamed over it; a folder (and a file the set removes) is renamed aside
   first. Then the journal notes that the set is done.
4. Only then are the old versions deleted, and the journal last.

Until step 3 ends, a failure rolls back: the old versions go back, new names that had none
before are removed. A run that was killed leaves its journal unlocked (the kernel drops a
dead process's locks); the next run in that folder finds it and rolls back what it had
begun, or finishes deleting the old versions if the set was done. Temporaries are
recognised by name and by their journal only, and never touched while their owner lives.

The same rule, an owner's lock, guards the private folders of ``temporary_folder`` (the
synthesis workers' scratch space) and ``held_folder`` (where a build for a feed waits to be
published): one whose owner is gone is removed by the next run that makes one beside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from audionews.errors import OutputError
from audionews.tools import stops_held

_JOURNAL = re.compile(r"\A\.audionews\.(?P<token>[0-9a-f]{16})\.journal\Z")
# A temporary's name keeps the start of its final name, so a person can tell what it was.
_NAME_KEPT = 100
# A journal with nothing in it yet may be one its owner is about to lock and fill.
_YOUNG_S = 60.0
# A private folder without its owner's lock file (made by an older version, or killed in the
# instant between making the folder and locking it) is stale once untouched this long.
_OWNERLESS_STALE_S = 3600.0
OWNER = ".owner"


@dataclass(frozen=True)
class Target:
    """A file, or a folder of files, that a build writes as one piece."""

    path: Path
    folder: bool = False


class UnreadableFile(Exception):
    """An input file that must not or cannot be read; ``cause`` says why, for the caller's
    own error naming the file."""

    def __init__(self, cause: str) -> None:
        self.cause = cause
        super().__init__(cause)


class TooLarge(UnreadableFile):
    """An input file larger than its limit."""


def describe_mode(mode: int) -> str:
    """What kind of file a mode is, as a message says it ("a FIFO")."""
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, else UnreadableFile.

    The file is opened without waiting (a FIFO would block an ordinary open until someone
    writes to it) and its kind and size are checked on the open file, before reading.
    """
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UnreadableFile("no such file") from None
    except PermissionError:
        raise UnreadableFile("permission denied") from None
    except OSError as exc:
        raise UnreadableFile(exc.strerror or str(exc)) from None
    try:
        mode = os.fstat(handle)
        if stat.S_ISDIR(mode.st_mode):
            raise UnreadableFile("is a folder, not a file")
        if not stat.S_ISREG(mode.st_mode):
            raise UnreadableFile(f"not a regular file ({describe_mode(mode.st_mode)})")
        if mode.st_size > max_bytes:
            raise TooLarge(f"{_size(mode.st_size)}, larger than {_size(max_bytes)}")
        os.set_blocking(handle, True)
        chunks = []
        remaining = max_bytes + 1  # a file that grew since fstat is caught too
        while remaining > 0 and (chunk := os.read(handle, min(remaining, 1 << 20))):
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise UnreadableFile(exc.strerror or str(exc)) from None
    finally:
        os.close(handle)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise TooLarge(f"larger than {_size(max_bytes)}")
    return data


def _size(count: int) -> str:
    if count >= 1 << 20:
        return f"{count / (1 << 20):.3g} MiB"
    return f"{count / 1024:.3g} KiB" if count >= 1024 else f"{count} bytes"


def check_targets(finals: Mapping[str, Path | Target], inputs: Iterable[Path] = ()) -> None:
    """Refuse, before any work, targets that cannot or must not be written: a folder that is
    missing or is not a folder, a target that exists as something else (a device, a FIFO, a
    folder where a file goes), and a target that is one of the ``inputs`` itself."""
    sources = [Path(p) for p in inputs if os.path.exists(p)]
    for target in _targets(finals).values():
        path = target.path
        if not path.parent.is_dir():
            what = "is not a folder" if path.parent.exists() else "does not exist"
            raise OutputError(f"cannot write {path}: {path.parent} {what}")
        try:
            found = os.stat(path)
        except FileNotFoundError:
            found = None
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        if found is not None and target.folder and not stat.S_ISDIR(found.st_mode):
            raise OutputError(f"cannot write {path}: it exists and is not a folder")
        if found is not None and not target.folder and not stat.S_ISREG(found.st_mode):
            kind = describe_mode(found.st_mode)
            raise OutputError(f"cannot write {path}: it is {kind}, not a regular file")
        for source in sources:
            if found is not None and os.path.samefile(path, source):
                raise OutputError(f"cannot write {path}: it is the input file {source} itself")
            if target.folder and source.resolve().is_relative_to(path.resolve()):
                raise OutputError(f"cannot write {path}: it holds the input file {source}")


@contextlib.contextmanager
def atomic_files(
    finals: Mapping[str, Path | Target],
    *,
    inputs: Iterable[Path] = (),
    remove: Iterable[Path] = (),
) -> Iterator[dict[str, Path]]:
    """Temporary paths for each target, switched in as one set only if the block succeeds.

    ``inputs`` are files the block reads: a target may not be one of them. ``remove`` lists
    files or folders that the set deletes when it is switched in (a feed's replaced episode):
    they go only once the new set is in place, and come back if the switch is rolled back.
    A failure or an interruption leaves every earlier file exactly as it was and no
    temporary; OSErrors become OutputErrors naming the file. See the module's docstring.
    """
    targets = _targets(finals)
    check_targets(targets, inputs)
    removals = [Path(p) for p in remove]
    home = _home([t.path for t in targets.values()] + removals)
    for folder in dict.fromkeys([home, *(t.path.parent for t in targets.values())]):
        clean_stale(folder)
    journal: _Journal | None = None
    partials: dict[str, Path] = {}
    try:
        # Held while the journal is made: a stop between its file and this block would
        # leave the journal behind (its roll-back needs the journal in hand).
        with stops_held():
            journal = _Journal.create(home, targets, removals)
        for key, entry in zip(targets, journal.entries, strict=False):
            _make_partial(entry)
            partials[key] = entry.partial
        try:
            yield partials
        except OSError as exc:
            raise _write_error(exc, journal.entries, home) from None
        journal.switch()
    except BaseException:
        if journal is not None:
            journal.roll_back()
        raise
    # The new set is in place: a stop now waits until its old versions and the journal are
    # gone (a Ctrl-C between two removals left them for the next run in the folder).
    with stops_held():
        journal.finish()


def clean_stale(folder: Path) -> None:
    """Finish what killed runs left in ``folder``: each journal whose owner is gone is
    rolled back (or its old versions deleted, when its set was done), with its temporaries.

    Best effort: a folder that cannot be read or changed is left as it is.
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if _JOURNAL.match(name):
            _recover(folder / name)


# --- the journal ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One target of a set: its final path, its temporary, where its old version waits during
    the switch; ``remove`` for a file or folder the set deletes rather than replaces."""

    final: Path
    partial: Path
    backup: Path
    folder: bool
    remove: bool = False

    def record(self, home: Path) -> dict[str, object]:
        return {
            "final": os.path.relpath(self.final, home),
            "partial": os.path.relpath(self.partial, home),
            "backup": os.path.relpath(self.backup, home),
            "folder": self.folder,
            "remove": self.remove,
        }

    @classmethod
    def from_record(cls, home: Path, record: Mapping[str, object]) -> _Entry:
        return cls(
            home / str(record["final"]),
            home / str(record["partial"]),
            home / str(record["backup"]),
            bool(record["folder"]),
            bool(record["remove"]),
        )


class _Journal:
    """The record of one set's switch, held locked by its owner."""

    def __init__(self, home: Path, path: Path, handle: int, entries: list[_Entry]) -> None:
        self.home, self.path, self.handle, self.entries = home, path, handle, entries
        self.existed: list[bool] | None = None

    @classmethod
    def create(cls, home: Path, targets: Mapping[str, Target], removals: list[Path]) -> _Journal:
        token = secrets.token_hex(8)

        def entry(path: Path, folder: bool, remove: bool = False) -> _Entry:
            stem = f".{path.name[:_NAME_KEPT]}.{token}"
            return _Entry(
                path, path.with_name(f"{stem}.part"), path.with_name(f"{stem}.old"), folder, remove
            )

        entries = [entry(t.path, t.folder) for t in targets.values()]
        entries += [entry(p, p.is_dir() and not p.is_symlink(), remove=True) for p in removals]
        path = home / f".audionews.{token}.journal"
        try:
            handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise _write_error(exc, [], home) from None
        journal = cls(home, path, handle, entries)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            journal._note({"plan": [e.record(home) for e in entries]})
        except BaseException as exc:
            journal._close(unlink=True)
            if isinstance(exc, OSError):
                raise _write_error(exc, [], home) from None
            raise
        return journal

    def _note(self, record: dict[str, object]) -> None:
        os.write(self.handle, (json.dumps(record) + "\n").encode("utf-8"))

    def switch(self) -> None:
        """Put the new set in place (step 3 of the module's docstring)."""
        try:
            for entry in self.entries:
                if not entry.remove:
                    _sync(entry.partial)
            with _folder_lock(self.home):
                self.existed = [os.path.lexists(e.final) for e in self.entries]
                self._note({"switch": self.existed})
                for entry, existed in zip(self.entries, self.existed, strict=True):
                    if existed:
                        _set_aside(entry)
                    if not entry.remove:
                        os.chmod(entry.partial, 0o755 if entry.folder else 0o644)
                        os.replace(entry.partial, entry.final)
                for folder in dict.fromkeys(e.final.parent for e in self.entries):
                    _sync(folder)
                self._note({"done": True})
        except OSError as exc:
            raise _write_error(exc, self.entries, self.home) from None

    def finish(self) -> None:
        """The set is in place: delete the old versions, then the journal."""
        for entry in self.entries:
            _remove(entry.backup)
        self._close(unlink=True)

    def roll_back(self) -> None:
        """Leave every target as it was before; if that fails, leave the journal (unlocked
        once this process ends) for the next run in the folder to finish."""
        try:
            with _folder_lock(self.home):
                _roll_back(self.entries, self.existed)
        except OSError:
            self._close(unlink=False)
            return
        self._close(unlink=True)

    def _close(self, *, unlink: bool) -> None:
        if unlink:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        os.close(self.handle)


def _recover(path: Path) -> None:
    """Roll back (or finish) the set of a journal whose owner is gone."""
    try:
        handle = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # its owner is at work
        found = os.fstat(handle)
        if found.st_nlink == 0:
            return  # its owner finished between our open and our lock
        records = _records(handle)
        plan = records.get("plan")
        if not isinstance(plan, list):
            if time.time() - found.st_mtime >= _YOUNG_S:
                os.unlink(path)
            return
        home = path.parent
        entries = [_Entry.from_record(home, record) for record in plan]
        with _folder_lock(home):
            if records.get("done"):
                for entry in entries:
                    _remove(entry.backup)
                    _remove(entry.partial)
            else:
                existed = records.get("switch")
                _roll_back(entries, existed if isinstance(existed, list) else None)
        os.unlink(path)
    except (OSError, ValueError, KeyError, TypeError):
        return  # left for a later run (an unreadable journal is never acted on)
    finally:
        os.close(handle)


def _records(handle: int) -> dict[str, object]:
    os.lseek(handle, 0, os.SEEK_SET)
    data = b""
    while chunk := os.read(handle, 1 << 16):
        data += chunk
    records: dict[str, object] = {}
    for line in data.decode("utf-8").splitlines():
        with contextlib.suppress(ValueError):  # a last line cut short by the kill
            records.update(json.loads(line))
    return records


def _roll_back(entries: list[_Entry], existed: list[bool] | None) -> None:
    """Every target back as it was, from any point of a switch; temporaries removed."""
    if existed is not None:
        for entry, had in reversed(list(zip(entries, existed, strict=True))):
            _restore(entry, had)
    for entry in entries:
        _remove(entry.partial)


def _restore(entry: _Entry, had: bool) -> None:
    if os.path.lexists(entry.backup):
        if entry.folder:
            if os.path.lexists(entry.final):  # the new folder
                _remove(entry.final)
            os.rename(entry.backup, entry.final)
        elif _same_file(entry.backup, entry.final):
            os.unlink(entry.backup)  # set aside, never replaced: the final is the old file
        else:
            os.replace(entry.backup, entry.final)
    elif not (had or entry.remove or os.path.lexists(entry.partial)):
        # A target new to the folder whose temporary is gone: the final is ours.
        _remove(entry.final)


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _set_aside(entry: _Entry) -> None:
    """Keep the old version of a target at its backup name during the switch."""
    if entry.folder or entry.remove:
        os.rename(entry.final, entry.backup)
        return
    try:
        os.link(entry.final, entry.backup)  # the final name never goes missing
    except OSError:
        os.rename(entry.final, entry.backup)  # a file system without hard links


def _make_partial(entry: _Entry) -> None:
    try:
        if entry.folder:
            os.mkdir(entry.partial, 0o700)
        else:
            os.close(os.open(entry.partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise OutputError(f"cannot write {entry.final}: {exc.strerror or exc}") from None


def _sync(path: Path) -> None:
    """Flush a file (each file of a folder; a folder's own entries) to the disk."""
    if path.is_dir() and not path.is_symlink():
        for child in path.iterdir():
            if child.is_file() and not child.is_symlink():
                _sync(child)
    with contextlib.suppress(OSError):  # not every file system can
        handle = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """One switch or recovery at a time in ``folder`` (a lock on the folder itself, so that
    nothing is left behind)."""
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):  # a file system without locks: go on unlocked
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _write_error(exc: OSError, entries: list[_Entry], home: Path) -> OutputError:
    """An OSError as an OutputError naming the final file it was about, else the folder."""
    named: Path | None = None
    for filename in (exc.filename, exc.filename2):
        if filename is None or named is not None:
            continue
        path = Path(os.fsdecode(filename))
        ours = [e.final for e in entries if path in (e.final, e.partial, e.backup)]
        named = ours[0] if ours else None if path.name.startswith(".") else path
    return OutputError(f"cannot write {named or home}: {exc.strerror or exc}")


def _targets(finals: Mapping[str, Path | Target]) -> dict[str, Target]:
    return {
        key: final if isinstance(final, Target) else Target(Path(final))
        for key, final in finals.items()
    }


def _home(paths: list[Path]) -> Path:
    """The folder a set's journal lives in: the deepest folder holding every path."""
    return Path(os.path.commonpath([os.path.abspath(p.parent) for p in paths]))


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


# --- private folders guarded by their owner's lock ------------------------------------------

_held: dict[Path, int] = {}


def held_folder(path: Path) -> Path:
    """``path`` as a folder of this process's own (made if need be), held until
    ``release_folder`` or the end of the process; ``remove_stale_folders`` leaves it alone
    until then. The name must be this process's own (it holds the process id, say)."""
    key = Path(os.path.abspath(path))
    if key in _held:
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
        handle = os.open(path / OWNER, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    fcntl.flock(handle, fcntl.LOCK_EX)
    _held[key] = handle
    return path


def release_folder(path: Path) -> None:
    """Delete a folder made by ``held_folder`` and let it go."""
    shutil.rmtree(path, ignore_errors=True)
    handle = _held.pop(Path(os.path.abspath(path)), None)
    if handle is not None:
        os.close(handle)


def release_if_held(path: Path) -> None:
    """``release_folder`` if ``path`` is a folder this process holds (``held_folder``); any
    other folder is left as it is."""
    if Path(os.path.abspath(path)) in _held:
        release_folder(path)


@contextlib.contextmanager
def temporary_folder(prefix: str, parent: Path | None = None) -> Iterator[Path]:
    """A new private folder ``prefix*`` under ``parent`` (the system's temporary folder by
    default), deleted when the block ends; stale ones of killed runs are removed first."""
    where = Path(parent or tempfile.gettempdir())
    path: Path | None = None
    handle: int | None = None
    try:
        # Ctrl-C while the folder is made or removed would leave it behind (an interrupted
        # rmtree leaves a folder without its owner's lock): a stop waits for both.
        with stops_held():
            remove_stale_folders(where, prefix)
            path = Path(tempfile.mkdtemp(prefix=prefix, dir=where))
            handle = os.open(path / OWNER, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield path
    finally:
        with stops_held():
            if path is not None:
                shutil.rmtree(path, ignore_errors=True)
            if handle is not None:
                os.close(handle)


def remove_stale_folders(parent: Path, prefix: str) -> None:
    """Delete the folders ``prefix*`` in ``parent`` whose owner is gone (best effort)."""
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                _remove_if_ownerless(Path(entry.path))


def _remove_if_ownerless(folder: Path) -> None:
    try:
        handle = os.open(folder / OWNER, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        if time.time() - folder.stat().st_mtime > _OWNERLESS_STALE_S:
            shutil.rmtree(folder, ignore_errors=True)
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        return  # its owner is alive
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(handle)
