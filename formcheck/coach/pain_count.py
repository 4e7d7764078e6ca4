"""The pain number without a key or a word: the coach counts 0 to 10 aloud, one number every
`step_s`, and the person raises a hand (held, as for a stop) when they hear theirs.

The answer is the number said last before the hand went up (`lag_s` earlier: nobody reacts to a
number faster than that), not the one said when the hold completes, so the 1.5 s hold and the
arm's travel do not shift the answer. The count waits while a hand is up and while the coach is
still speaking, so the number shown is the one being answered. Times are the source's own (a
recording read as fast as it decodes counts on its clock)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from formcheck.spec.common import common_rule

HIGHEST = 10


@dataclass(frozen=True, kw_only=True)
class CountRule:
    """`_common.toml`'s `[pain_count]`."""

    step_s: float  # one number every this long
    lag_s: float  # a hand that went up within this long of a number answers the number before

    @classmethod
    def shared(cls, folder: Path | None = None) -> CountRule:
        return common_rule(cls, "pain_count", folder)


@dataclass(frozen=True, kw_only=True)
class HandSeen:
    """A raised hand in one frame: its time, since when a hand has been up and still (None: none is),
    and whether this frame completed the hold."""

    t: float
    up_since: float | None
    raised: bool


class PainCount:
    def __init__(self, rule: CountRule) -> None:
        self.rule = rule
        self.said: list[tuple[float, int]] = []  # (time, number) as each was said
        self._next_at: float | None = None

    @property
    def current(self) -> int | None:
        return self.said[-1][1] if self.said else None

    def due(self, seen: HandSeen, quiet: bool) -> int | None:
        """The number to say now, if one is due (none while a hand is up or the coach speaks)."""
        if seen.up_since is not None or not quiet or (self.current is not None and self.current >= HIGHEST):
            return None
        if self._next_at is None:
            self._next_at = seen.t
        if seen.t < self._next_at:
            return None
        number = 0 if self.current is None else self.current + 1
        self.said.append((seen.t, number))
        self._next_at = seen.t + self.rule.step_s
        return number

    def answer(self, up_since: float) -> int | None:
        """The number a hand raised at `up_since` answers (None: it went up before the count began)."""
        before = [n for t, n in self.said if t <= up_since - self.rule.lag_s]
        return before[-1] if before else None

    def left_s(self, t: float) -> float:
        """Seconds until the count is over (one step after the highest number)."""
        if self._next_at is None:
            return (HIGHEST + 1) * self.rule.step_s
        return max(self._next_at - t, 0.0) + (HIGHEST - (self.current or 0)) * self.rule.step_s

    def over(self, seen: HandSeen) -> bool:
        return seen.up_since is None and self.current == HIGHEST and self._next_at is not None \
            and seen.t >= self._next_at
