"""Worker processes that never outlive their parent.

A worker (a batch's article builder, a synthesis worker) that kept running after the process
that started it was killed would go on building, writing and holding files nobody will use,
then block for ever on a parent that no longer reads. So each worker asks the kernel to send
it SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)`` on Linux, through ctypes: the
standard library has no call for it), then checks that the parent is still the one it was
started by (it may have died before the request was made). SIGTERM lets the worker unwind
as a stopped build does, its temporary files removed. Where there is no such request (not
Linux), a thread checks the parent twice a second instead.

The kernel's request follows the *thread* that forked the worker, not its process: a worker
forked by a thread that ends before it would be killed with the process alive. A pool of
``multiprocessing`` forks replacement workers from a thread of its own, which ends when the
pool closes; such a replacement, killed while it holds the pool's queue lock, makes the
pool's clean-up wait for ever. Pool workers therefore ask for the watching thread
(``kernel=False``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int, signum: int = signal.SIGTERM, *, kernel: bool = True) -> None:
    """Have this process receive ``signum`` when its parent (process ``parent``) dies; with
    ``kernel`` through the kernel, which is only right when the thread that forked this
    process lives as long as it (see the module's docstring)."""
    if not (kernel and _ask_the_kernel(signum)):
        threading.Thread(target=_watch, args=(parent, signum), daemon=True).start()
    if not parent_alive(parent):
        os.kill(os.getpid(), signum)


def parent_alive(parent: int) -> bool:
    """Whether the process that started this one still runs (a dead parent's children are
    handed to another process, so their parent id changes)."""
    return os.getppid() == parent


def _ask_the_kernel(signum: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0)
    return False


def _watch(parent: int, signum: int) -> None:
    while parent_alive(parent):
        time.sleep(0.5)
    os.kill(os.getpid(), signum)
