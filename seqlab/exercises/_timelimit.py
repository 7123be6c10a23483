"""A learner's function under a time limit: a loop that never stops becomes a diagnosis.

The learner's function runs where it was called, in the notebook kernel's main thread. A
watchdog thread waits for the deadline; if the function is still running then, it raises
:class:`TimeLimitExceeded` inside it (CPython's ``PyThreadState_SetAsyncExc``, through
``ctypes``), and again every 0.1 s until the function has stopped (a bare ``except:`` in the
learner's loop may swallow one). The checker reports the exception with the learner's line
that was running ("your loop never stopped ... it was at line 7: `while idx != eos_index:`").

Why this way:

- it works alike on Linux, macOS and Windows and inside Jupyter: no signal (SIGALRM exists only
  on Unix and only in the main thread), and the learner's code does not move to another thread
  (NumPy's error state, CuPy's current device, widgets and ``print`` behave as in the rest of the
  notebook, and nothing keeps running after the check has returned);
- CPython looks for a pending exception at every backward jump and call, so any loop that never
  stops is stopped, even ``while True: pass``, at no cost while the function runs (a trace
  function, ``sys.settrace``, costs a call per line and misses a loop written on one line);
- a single long call into C (a NumPy product that runs for a minute) cannot be stopped by any
  Python-level means: the exception waits until that call returns;
- Ctrl-C (the notebook's stop button) raises KeyboardInterrupt in the learner's code as usual;
  the checker reports it (:class:`~seqlab.exercises.core.CheckInterrupted`).

Where a debugger is active (a trace function or a ``sys.monitoring`` debugger is installed), the
function runs without a limit: a learner stopped at a breakpoint needs the time, and the
exception would land in the debugger's own code.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

TIME_LIMIT_S = 3.0   # per call of the learner's function: a right answer takes milliseconds here
_REFIRE_S = 0.1      # raise again after this long if the function is still running


class TimeLimitExceeded(BaseException):  # noqa: N818 (named for what happened)
    """Raised inside the learner's function when its time is up. A BaseException, like
    KeyboardInterrupt, so that ``except Exception:`` in the learner's loop does not swallow it."""


# CPython's C API (absent from other Pythons, which then run the learner's code unlimited)
_SET_ASYNC_EXC = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    """Raise ``exc`` in thread ``thread_id`` at its next bytecode check (None: cancel it)."""
    _SET_ASYNC_EXC(ctypes.c_ulong(thread_id), None if exc is None else ctypes.py_object(exc))


class _Job:
    """One call under a limit. The watchdog fires only under ``lock`` and only while ``done``
    is False; the caller sets ``done`` by a plain store as soon as the function has returned or
    raised (no call in between, so no point where a pending exception could be received)."""

    def __init__(self, thread_id: int, limit_s: float):
        self.thread_id, self.done, self.fired = thread_id, False, False
        self.next_fire = time.perf_counter() + limit_s
        self.lock = threading.Lock()

    def cancel(self) -> None:
        """After ``done`` is set: cancel an exception fired but not yet received. (Received
        here instead, it is raised from here, and nothing is left pending either way.)"""
        with self.lock:
            if self.fired:
                _set_async_exc(self.thread_id, None)


class _Watchdog:
    """One daemon thread for the process, started at first use, watching one job at a time."""

    def __init__(self):
        self._cond = threading.Condition()
        self._job: _Job | None = None
        self._thread: threading.Thread | None = None

    def watch(self, job: _Job) -> bool:
        """Start watching ``job``; False if another call is being watched (nested or another
        thread's check): that one runs without a limit."""
        with self._cond:
            if self._job is not None and not self._job.done:
                return False
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="seqlab-time-limit",
                                                daemon=True)
                self._thread.start()
            self._job = job
            self._cond.notify()
        return True

    def _run(self) -> None:
        with self._cond:
            while True:
                job = self._job
                if job is None or job.done:
                    self._job = None
                    self._cond.wait()
                    continue
                wait = job.next_fire - time.perf_counter()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                with job.lock:
                    if not job.done:
                        _set_async_exc(job.thread_id, TimeLimitExceeded)
                        job.fired = True
                job.next_fire = time.perf_counter() + _REFIRE_S


_WATCHDOG = _Watchdog()


def _debugger_active() -> bool:
    if sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)                       # Python >= 3.12
    return monitoring is not None and monitoring.get_tool(monitoring.DEBUGGER_ID) is not None


def call_with_time_limit(fn: Callable, args: tuple, limit_s: float | None) -> Any:
    """``fn(*args)``, stopped by :class:`TimeLimitExceeded` raised inside it once ``limit_s``
    seconds have passed (no limit when ``limit_s`` is None or a debugger is active). When it
    returns or raises, no exception is left pending and the watchdog has let go of it.
    (Without CPython's C API, as on PyPy, there is no limit either.)"""
    if limit_s is None or _SET_ASYNC_EXC is None or _debugger_active():
        return fn(*args)
    job = _Job(threading.get_ident(), limit_s)
    try:
        _WATCHDOG.watch(job)  # False if another call is watched: then this one has no limit
        return fn(*args)
    finally:
        job.done = True   # first, before any call: from here on the watchdog never fires
        job.cancel()
