"""The pain number by a raised hand: the coach counts 0 to 10 and a hand raised at a number answers it."""

import pytest

from formcheck.coach.pain_count import CountRule, HandSeen, PainCount

RULE = CountRule.shared()
FPS = 30


def counted(hand_up: tuple[float, float] | None, seconds: float = 40.0, quiet_from: float = 0.0):
    """The numbers said and the answer, frame by frame: a hand up and still over `hand_up` (from, to)
    completes its hold `hold_s` after it went up, as the raised-hand watch does."""
    count = PainCount(RULE)
    said = []
    for i in range(round(seconds * FPS)):
        t = i / FPS
        up = hand_up is not None and hand_up[0] <= t < hand_up[1]
        raised = up and t - hand_up[0] >= 1.5 and t - 1 / FPS - hand_up[0] < 1.5
        seen = HandSeen(t=t, up_since=hand_up[0] if up else None, raised=raised)
        if raised and (number := count.answer(seen.up_since)) is not None:
            return said, number, t
        if (number := count.due(seen, quiet=t >= quiet_from)) is not None:
            said.append((round(t, 2), number))
        if count.over(seen):
            return said, None, t
    raise AssertionError("the count never ended")


def test_the_count_says_each_number_in_turn_and_ends_without_an_answer():
    said, answer, ended = counted(None)
    assert [n for _, n in said] == list(range(11))
    assert [t for t, _ in said] == pytest.approx([RULE.step_s * k for k in range(11)], abs=1 / FPS)
    assert answer is None and ended == pytest.approx(11 * RULE.step_s, abs=1 / FPS)


@pytest.mark.parametrize("reaction_s", [0.4, 1.0, 2.0])  # from hearing the number to the hand up and still
def test_a_hand_raised_after_a_number_answers_that_number(reaction_s):
    up = 4 * RULE.step_s + reaction_s
    said, answer, at = counted((up, up + 3.0))
    assert answer == 4
    assert at == pytest.approx(up + 1.5, abs=1 / FPS)
    assert [n for _, n in said] == list(range(5))  # the count waited while the hand was up


def test_the_count_waits_for_the_question_to_be_said():
    said, _, _ = counted(None, quiet_from=3.0)
    assert said[0] == (3.0, 0)


def test_a_hand_up_before_the_count_began_answers_nothing_and_the_count_goes_on_after_it():
    said, answer, _ = counted((0.0, 2.0))
    assert answer is None
    assert said[0][0] == pytest.approx(2.0, abs=1 / FPS)  # no number while the hand was up


def test_a_raise_that_comes_down_before_the_hold_answers_nothing():
    said, answer, _ = counted((3.0, 4.0))
    assert answer is None and [n for _, n in said] == list(range(11))
