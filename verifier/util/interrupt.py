"""One process-wide "stop now" switch, thrown by Ctrl-C, that every long wait in the tool honours.

Ctrl-C raises KeyboardInterrupt in the main thread only; worker threads running a binary,
a server or a download would otherwise carry on (and ``with ThreadPoolExecutor`` waits for
them). :func:`cancel` ends every live child at once and makes new work refuse to start, so
the command exits within a second. The command lines call :func:`install_handler`; a
library caller that catches KeyboardInterrupt itself gets the same effect from the
``finally`` blocks that kill each child.
"""

from __future__ import annotations

import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_event = threading.Event()
_lock = threading.RLock()
"""Re-entrant: the Ctrl-C handler runs :func:`cancel` in the main thread, maybe inside :func:`register`."""
_stoppers: dict[int, Callable[[], None]] = {}


class Cancelled(KeyboardInterrupt):
    """Work refused or abandoned because the command was interrupted."""


def cancelled() -> bool:
    return _event.is_set()


def check() -> None:
    """Raise :class:`Cancelled` once the command was interrupted."""
    if _event.is_set():
        raise Cancelled()


def register(key: int, stop: Callable[[], None]) -> None:
    with _lock:
        _stoppers[key] = stop


def unregister(key: int) -> None:
    with _lock:
        _stoppers.pop(key, None)


def cancel() -> None:
    """Stop every registered child now; later work raises :class:`Cancelled`."""
    _event.set()
    with _lock:
        stops = list(_stoppers.values())
    for stop in stops:
        try:
            stop()
        except Exception:  # noqa: BLE001 - one child that cannot be stopped must not spare the rest
            pass


def reset() -> None:
    """A new command starts (tests run several in one process)."""
    _event.clear()


def parallel_map(fn: Callable[[T], R], items: Iterable[T], *, workers: int) -> list[R]:
    """``list(pool.map(fn, items))`` whose workers stop when the calling thread is interrupted.

    A KeyboardInterrupt (or any error) in the caller cancels every live child, so the pool's
    shutdown does not wait for a probe or a server to run to its timeout. A library caller
    gets the switch reset afterwards; inside a command line it stays set until the command ends.
    """
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        try:
            return list(pool.map(fn, items))
        except BaseException:
            was_set = cancelled()
            cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            if not was_set and not _command_running.is_set():
                reset()
            raise


_command_running = threading.Event()


def command_started() -> None:
    _command_running.set()


def command_ended() -> None:
    _command_running.clear()
    reset()


def _on_signal(signum: int, frame: object) -> None:
    cancel()
    raise KeyboardInterrupt


def install_handler() -> Callable[[], None]:
    """Ctrl-C (Ctrl-Break on Windows) and SIGTERM cancel everything, then raise KeyboardInterrupt.

    SIGTERM is what ``timeout``, a CI runner's cancel and process supervisors send: without a
    handler Python dies at once and the servers it started keep running. (On Windows a
    terminate cannot be caught; the job object ends the children there.) Returns a function
    that restores the previous handlers. Only the main thread can do this.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    names = ["SIGINT"] + (["SIGBREAK"] if sys.platform == "win32" else ["SIGTERM"])
    previous = {}
    for name in names:
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, _on_signal)

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore
