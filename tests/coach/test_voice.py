"""The voice: counts never dropped and in order, corrections replaceable and never after their rep,
what was said listed with its time, and no audio device said as such."""

import time

import pytest

from formcheck.coach.voice import Kind, Voice, audio_sink


@pytest.fixture
def discard(monkeypatch):
    """Speech synthesized at its real length into nothing: a voice without speakers that says everything."""
    monkeypatch.setenv("FORMCHECK_AUDIO", "discard")


@pytest.mark.slow  # espeak-ng in real time
def test_counts_are_all_said_in_order_and_a_count_pushes_out_the_correction_of_its_rep(discard):
    voice = Voice(gap_s=0.0)
    assert voice.available, voice.problem
    voice.say("Go.")
    for n in (1, 2, 3):
        voice.say("Round your back more", Kind.PROMPT)
        voice.say("Lift your chin", Kind.PROMPT)  # the newer correction replaces the waiting one
        voice.say(f"{n}", Kind.COUNT)
    voice.say("Done.")
    voice.finish()
    said = [s["text"] for s in voice.spoken]
    assert [t for t in said if t.isdigit()] == ["1", "2", "3"]
    assert said[0] == "Go." and said[-1] == "Done."
    assert said.count("Round your back more") == 0  # always replaced or pushed out while waiting
    times = [s["t_s"] for s in voice.spoken]
    assert times == sorted(times) and times[0] >= 0


@pytest.mark.slow
def test_a_correction_is_not_repeated_within_a_few_seconds(discard):
    voice = Voice(gap_s=0.0, repeat_s=5.0)
    for _ in range(3):
        voice.say("Hips up", Kind.PROMPT)
        voice.finish()
    voice.say("1", Kind.COUNT)
    voice.say("1", Kind.COUNT)  # a count is never held back as a repeat (the count reset)
    voice.finish()
    assert [s["text"] for s in voice.spoken] == ["Hips up", "1", "1"]


def test_without_an_audio_device_the_voice_is_off_and_lists_nothing(monkeypatch):
    monkeypatch.setenv("FORMCHECK_AUDIO", "off")
    assert audio_sink() is None
    voice = Voice()
    voice.say("1", Kind.COUNT)
    started = time.monotonic()
    voice.finish()
    assert time.monotonic() - started < 1
    assert not voice.available and voice.spoken == []
    assert voice.problem is not None and "voice off" in voice.problem
