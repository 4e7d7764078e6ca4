"""Where a batch's jobs run: local worker processes or Ray tasks, and the loop that keeps them
busy and survives a worker that dies."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context, resource_tracker
from typing import Any

from formcheck.batch.jobs import Job
from formcheck.batch.manifest import Options
from formcheck.batch.worker import Outcome, run_job, start_worker
from formcheck.errors import FormcheckError

# One worker a core: MediaPipe runs its CPU inference on one thread per graph (desktop Linux). On a
# 2-core machine bench/batch_throughput.py found 2 workers best and 3 slower.
DEFAULT_WORKERS = os.cpu_count() or 1

class LocalRunner:
    """Worker processes. One that dies (a crash in a native library, the OOM killer, a kill) breaks
    the whole pool: the driver starts a new one and tries the files that were in flight again."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.slots = 2 * workers  # queued ahead so no worker waits for the driver
        # multiprocessing's resource tracker is a process of the group too: one killed by a closed
        # terminal's SIGHUP is relaunched with a traceback. Started with SIGHUP ignored, it keeps it so.
        previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
        try:
            resource_tracker.ensure_running()
        finally:
            signal.signal(signal.SIGHUP, previous)
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=start_worker,
                                   initargs=(os.getpid(),))

    def submit(self, job: Job, options: Options) -> Future:
        return self._pool.submit(run_job, job, options)

    def restart(self) -> str:
        """A new pool after one broke; says how the dead worker ended."""
        processes = list(getattr(self._pool, "_processes", {}).values())
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._new_pool()
        # The manager terminates the survivors (SIGTERM); the one that died first ended otherwise.
        codes = [p.exitcode for p in processes if p.exitcode not in (None, -signal.SIGTERM)]
        return _ended_by(codes[0]) if codes else "it ended unexpectedly"

    def close(self, interrupted: bool) -> None:
        if interrupted:  # the files in progress are lost; the finished ones are already recorded
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.terminate()
        self._pool.shutdown(wait=not interrupted, cancel_futures=True)


def _ended_by(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class RayRunner:
    """The same jobs as Ray tasks; a worker lost mid-file is retried by Ray (max_retries)."""

    def __init__(self, address: str, workers: int) -> None:
        try:
            import ray
        except ImportError:
            raise FormcheckError("--ray needs Ray: pip install 'formcheck[ray]'") from None
        self._ray = ray
        if address == "local":
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
        else:
            ray.init(address=address, log_to_driver=False, logging_level="WARNING")
        self.slots = 2 * max(1, int(ray.cluster_resources().get("CPU", workers)))
        self._task = ray.remote(num_cpus=1, max_retries=3)(run_job)
        self._refs: list = []

    def submit(self, job: Job, options: Options) -> Future:
        ref = self._task.remote(job, options)
        self._refs.append(ref)
        return ref.future()

    def close(self, interrupted: bool) -> None:
        if interrupted:
            for ref in self._refs:
                self._ray.cancel(ref, force=True)
        self._ray.shutdown()




Runner = LocalRunner | RayRunner


def run_jobs(runner: Runner, pending: list[tuple[Job, Any]], options: Options) -> Iterator[tuple[Job, Any, Outcome]]:
    """Each pending job's outcome, as they finish. When a local worker dies, the files that were in
    flight are suspects: each runs again alone, so only the one that kills its worker fails (with
    how the worker ended) and the others are done as if nothing happened."""
    queue = list(reversed(pending))
    suspects: list[tuple[Job, Any]] = []
    running: dict[Future, tuple[Job, Any]] = {}
    while queue or suspects or running:
        solo = bool(suspects)
        source, limit = (suspects, 1) if solo else (queue, runner.slots)
        broken, finished = False, set()
        while source and len(running) < limit and not broken:
            item = source.pop()
            try:
                running[runner.submit(item[0], options)] = item
            except BrokenProcessPool:  # broke since the last wait: its futures say which were in flight
                source.append(item)
                broken = True
        if running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = broken or any(isinstance(f.exception(), BrokenProcessPool) for f in finished)
        if not broken:
            for future in finished:
                job, key = running.pop(future)
                yield job, key, _outcome_of(future, job)
            continue
        how = runner.restart() if isinstance(runner, LocalRunner) else "it ended unexpectedly"
        for future, (job, key) in list(running.items()):
            if not isinstance(future.exception(), BrokenProcessPool):
                yield job, key, _outcome_of(future, job)
            elif solo:
                yield job, key, Outcome(rel=job.rel, ok=False, exercise=job.exercise,
                                        reason=f"the worker process died while analysing it ({how})")
            else:
                suspects.append((job, key))
        running.clear()


def _outcome_of(future: Future, job: Job) -> Outcome:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a worker that died (crash, killed, Ray gave up)
        return Outcome(rel=job.rel, ok=False, reason=f"the worker was lost: {type(exc).__name__}",
                       exercise=job.exercise)
