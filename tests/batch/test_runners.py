"""Where batch jobs run: a local worker that dies (a crash in a native library, a kill) costs only
its own file; the files beside it are done again as if nothing happened."""

import os
import signal
import time
from pathlib import Path

from formcheck.batch.jobs import Job
from formcheck.batch.manifest import Options
from formcheck.batch.runners import LocalRunner, run_jobs
from formcheck.batch.worker import Outcome


def fake_analysis(job: Job, options: Options) -> Outcome:
    """Stands in for the analysis in a real worker process: a file named crash* kills its worker."""
    time.sleep(0.2)
    if job.rel.startswith("crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    return Outcome(rel=job.rel, ok=True, exercise=job.exercise)


class FakeAnalysisRunner(LocalRunner):
    def submit(self, job, options):
        return self._pool.submit(fake_analysis, job, options)


def jobs(*names: str) -> list[tuple[Job, dict]]:
    return [(Job(source=Path(f"{n}.mp4"), rel=n, exercise="glute_bridge"), {"n": n}) for n in names]


def test_a_worker_that_crashes_fails_only_its_own_file():
    runner = FakeAnalysisRunner(2)
    try:
        results = {job.rel: outcome for job, _, outcome in
                   run_jobs(runner, jobs("a", "b", "crash1", "c", "d", "e", "crash2", "f"), Options())}
    finally:
        runner.close(False)
    assert sorted(results) == ["a", "b", "c", "crash1", "crash2", "d", "e", "f"]  # every file once
    assert {rel for rel, o in results.items() if o.ok} == {"a", "b", "c", "d", "e", "f"}
    for rel in ("crash1", "crash2"):
        assert results[rel].reason == "the worker process died while analysing it (killed by SIGSEGV)"
