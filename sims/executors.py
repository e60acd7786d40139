"""Where sweep tasks run: in this process, in local worker processes, or on a Dask cluster.

``make_executor(spec)`` takes

* ``"local"`` (default): ``workers`` processes (default: the CPU count) from
  :class:`concurrent.futures.ProcessPoolExecutor`, or this very process when one worker (or one task)
  is enough;
* ``"dask://HOST:PORT"`` (or ``"tcp://HOST:PORT"``): the Dask distributed scheduler at that address;
* a ``distributed.Client`` (e.g. on a ``LocalCluster``), or an executor object itself.

Every executor has ``map(fn, tasks)``, which yields :class:`Outcome` values in completion order.  Tasks
must be pure (same input, same output).  Results travel back to the calling process, which alone
writes the store, so the cluster needs no access to the store's file, and exactly-once storage rests
on the store's idempotent insert keyed by (config digest, replica).  A task whose worker dies (a
killed local process, a lost Dask worker) is run again, up to ``retries`` times per task; an
exception raised by the task itself is reported, not retried.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, CancelledError, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from .errors import ConfigError
from .plugins import for_workers

DASK_PREFIXES = ("dask://", "tcp://", "tls://", "inproc://")


@dataclass(frozen=True)
class Outcome:
    index: int  # position of the task in the submitted sequence
    value: Any = None
    error: BaseException | None = None


class WorkerLost(RuntimeError):
    """A task's worker died more often than the retries allow."""


class Executor:
    """Base: a context manager with ``map(fn, tasks) -> Iterator[Outcome]``."""

    name = "executor"

    def map(self, fn: Callable, tasks: Sequence) -> Iterator[Outcome]:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SerialExecutor(Executor):
    """Run tasks one after the other in this process."""

    name = "serial"

    def map(self, fn: Callable, tasks: Sequence) -> Iterator[Outcome]:
        for i, task in enumerate(tasks):
            try:
                value = fn(task)
            except Exception as exc:  # noqa: BLE001 - reported to the caller with its task
                yield Outcome(i, error=exc)
            else:
                yield Outcome(i, value)


def _exit_with_parent(main: int) -> None:
    """Pool initializer: a worker exits once the sweep's process is gone (SIGKILL leaves it no chance to
    clean up) -- when it is reparented, or when ``main`` no longer exists."""
    parent = os.getppid()  # the main process, or the fork server (which exits with it)

    def watch():
        while os.getppid() == parent:
            try:
                os.kill(main, 0)
            except ProcessLookupError:
                break
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="byzcomp-parent-watch").start()


class ProcessExecutor(Executor):
    """Local worker processes; a pool broken by a dying worker is rebuilt and its unfinished tasks rerun."""

    name = "local"

    def __init__(self, workers: int, retries: int = 2, start_method: str | None = None):
        self.workers = workers
        self.retries = retries
        methods = multiprocessing.get_all_start_methods()
        # forkserver: workers fork from a clean server that has imported the engine once (no threads
        # inherited, no re-import per worker); spawn where there is no forkserver
        default = "forkserver" if "forkserver" in methods else "spawn"
        self.context = multiprocessing.get_context(start_method or default)
        if self.context.get_start_method() == "forkserver":
            self.context.set_forkserver_preload(["sims.sweep"])

    def map(self, fn: Callable, tasks: Sequence) -> Iterator[Outcome]:
        fn, tasks = for_workers(fn, tasks)  # the workers load this process's plugins first
        pending = set(range(len(tasks)))
        attempts: Counter[int] = Counter()
        while pending:
            with ProcessPoolExecutor(self.workers, mp_context=self.context, initializer=_exit_with_parent,
                                     initargs=(os.getpid(),)) as pool:
                futures = {pool.submit(fn, tasks[i]): i for i in sorted(pending)}
                waiting = set(futures)
                while waiting:
                    done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                    for fut in done:
                        i = futures[fut]
                        exc = fut.exception()
                        if isinstance(exc, BrokenProcessPool):
                            continue  # rerun below, in a fresh pool
                        pending.discard(i)
                        yield Outcome(i, error=exc) if exc is not None else Outcome(i, fut.result())
            for i in sorted(pending):
                attempts[i] += 1
                if attempts[i] > self.retries:
                    pending.discard(i)
                    yield Outcome(i, error=WorkerLost(f"task {i}: a worker died {attempts[i]} times while running it"))


class DaskExecutor(Executor):
    """Tasks on a Dask distributed cluster; a task lost with its worker is resubmitted."""

    name = "dask"

    def __init__(self, client_or_address: Any, retries: int = 2):
        from distributed import Client

        self.retries = retries
        self.owned = not isinstance(client_or_address, Client)
        self.client = Client(client_or_address) if self.owned else client_or_address

    def map(self, fn: Callable, tasks: Sequence) -> Iterator[Outcome]:
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        fn, tasks = for_workers(fn, tasks)  # the workers load this process's plugins first
        attempts: Counter[int] = Counter()
        futures = {self.client.submit(fn, task, pure=False): i for i, task in enumerate(tasks)}
        queue = as_completed(list(futures))
        for fut in queue:
            i = futures.pop(fut)
            if fut.status == "finished":
                value = fut.result()
                fut.release()
                yield Outcome(i, value)
                continue
            try:
                exc = fut.exception()
            except CancelledError as cancelled:  # the cluster dropped it: lost like a killed worker
                exc = cancelled
            fut.release()
            attempts[i] += 1
            if isinstance(exc, (KilledWorker, CancelledError)) and attempts[i] <= self.retries:
                again = self.client.submit(fn, tasks[i], pure=False)
                futures[again] = i
                queue.add(again)
            else:
                yield Outcome(i, error=exc)

    def close(self):
        if self.owned:
            self.client.close()


def make_executor(spec: Any = "local", workers: int | None = None, tasks: int | None = None,
                  retries: int = 2) -> Executor:
    """An executor from a spec (see the module docstring); ``tasks`` caps the local process count."""
    if isinstance(spec, Executor):
        return spec
    if spec is None or spec == "local":
        count = workers if workers is not None else (os.cpu_count() or 1)
        if count < 1:
            raise ConfigError("workers", count, "must be an integer >= 1")
        count = min(count, tasks) if tasks is not None else count
        return SerialExecutor() if count <= 1 else ProcessExecutor(count, retries)
    if spec == "serial":
        return SerialExecutor()
    if isinstance(spec, str):
        if spec.startswith(DASK_PREFIXES):
            address = "tcp://" + spec[len("dask://"):] if spec.startswith("dask://") else spec
            return DaskExecutor(address, retries)
        raise ConfigError("executor", spec, "must be 'local', 'serial' or 'dask://HOST:PORT'")
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask is optional
        pass
    else:
        if isinstance(spec, Client):
            return DaskExecutor(spec, retries)
    raise ConfigError("executor", repr(spec), "must be 'local', 'serial', 'dask://HOST:PORT' or a distributed.Client")
