"""A stop (SIGTERM, SIGHUP, Ctrl-C) during the work ends it between frames, never inside one."""

import os
import signal

import pytest

from formcheck import stop_signals


def run_frames(signum: int, stop_at: int, frames: int = 5) -> tuple[list[int], list[int]]:
    """Frames analysed and written, a signal sent to this process while frame `stop_at` is analysed."""
    analysed: list[int] = []
    written: list[int] = []

    @stop_signals.handled
    def work():
        with stop_signals.working():
            for i in range(frames):
                with stop_signals.uninterrupted():
                    analysed.append(i)
                    if i == stop_at:
                        os.kill(os.getpid(), signum)
                    written.append(i)

    with pytest.raises(KeyboardInterrupt):
        work()
    return analysed, written


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stop_during_a_frame_takes_effect_after_it(signum):
    analysed, written = run_frames(signum, stop_at=2)
    assert analysed == written == [0, 1, 2]


def test_the_stop_signal_is_named_and_gives_the_exit_code():
    run_frames(signal.SIGTERM, stop_at=0)
    assert stop_signals.stopped_reason() == "stopped early by SIGTERM"
    assert stop_signals.exit_code() == 143
    run_frames(signal.SIGINT, stop_at=0)
    assert stop_signals.stopped_reason() == "stopped early by Ctrl-C"
    assert stop_signals.exit_code() == 130


def test_a_stop_signal_outside_the_work_is_only_noted():
    @stop_signals.handled
    def outputs():
        os.kill(os.getpid(), signal.SIGTERM)
        return "written"

    assert outputs() == "written"
    assert stop_signals.caught == [signal.SIGTERM]


def test_handlers_are_given_back():
    before = signal.getsignal(signal.SIGTERM)
    run_frames(signal.SIGTERM, stop_at=1)
    assert signal.getsignal(signal.SIGTERM) is before



def test_a_step_inside_a_step_ends_with_the_outer_one():
    done: list[str] = []

    @stop_signals.handled
    def work():
        with stop_signals.working(), stop_signals.uninterrupted():
            with stop_signals.uninterrupted():  # loading the model inside a frame, say
                os.kill(os.getpid(), signal.SIGTERM)
                done.append("inner")
            done.append("outer")

    with pytest.raises(KeyboardInterrupt):
        work()
    assert done == ["inner", "outer"]
