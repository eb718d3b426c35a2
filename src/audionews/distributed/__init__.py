"""Builds spread over many machines: Celery workers over a Redis broker.

This needs the optional extra ``audionews[distributed]`` (Celery, the redis client); a local
user installs none of it and ``build``/``batch`` never import it.

    messages.py  what a task carries (an article's bytes, the BuildOptions) and its id
    queue.py     the Celery app, the task (one whole article build), the worker, submit, status
    commands.py  ``audionews worker``, ``submit`` and ``status`` on the main command group

Why Celery over Redis: it is what Python shops already run and watch (Flower); its prefork
pool gives each article a process of its own, as ``batch`` does; late acknowledgement with a
requeue when a pool process dies gives at-least-once delivery, which idempotent builds (same
task id, same files, renamed into place whole) make safe.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, MutableMapping

import click

EXTRA = "audionews[distributed]"
# What the extra brings that this package imports.
_EXTRA_MODULES = ("celery", "kombu", "redis")


def missing_extra() -> str | None:
    """The first module of the distributed extra that is not installed, or None."""
    for name in _EXTRA_MODULES:
        if importlib.util.find_spec(name) is None:
            return name
    return None


class _Commands(MutableMapping[str, click.Command]):
    """The main command group's commands, with ``worker``, ``submit`` and ``status`` added the
    first time any is looked up: by then cli.py has made the options they share with
    ``build``, so commands.py can use them, and cli.py needs no more than this one name."""

    def __init__(self) -> None:
        self._commands: dict[str, click.Command] = {}
        self._added = False

    def _all(self) -> dict[str, click.Command]:
        if not self._added:
            self._added = True
            from audionews.distributed import commands  # noqa: F401  (adds them to main)
        return self._commands

    def __getitem__(self, name: str) -> click.Command:
        return self._all()[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._commands[name] = command  # cli.py adds its own while it is being imported

    def __delitem__(self, name: str) -> None:
        del self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


COMMANDS = _Commands()
