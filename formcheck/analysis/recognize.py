"""Which exercise is this? From the posture, against each spec's [[posture]] conditions.

Used by `--exercise auto` and by the setup check (is the person in the start position).
"""

from __future__ import annotations

from collections import Counter, deque

from formcheck.analysis.measures import MeasureComputer
from formcheck.pose.landmarker import PoseFrame
from formcheck.spec.specs import ExerciseSpec


class ExerciseRecognizer:
    """Votes per frame over a sliding window; names an exercise once it clearly leads.

    `update` returns the exercise id when the recognised exercise changes, else None.
    """

    def __init__(self, specs: list[ExerciseSpec], window_s: float = 2.0, share: float = 0.7) -> None:
        self.specs = specs
        self._computers = {s.id: MeasureComputer(s) for s in specs}
        self.window_s, self.share = window_s, share
        self._votes: deque[tuple[float, str | None]] = deque()
        self.current: str | None = None
        self.since = 0.0  # when the frames that named `current` began

    def candidates(self, frame: PoseFrame, size: tuple[int, int]) -> list[str]:
        return [s.id for s in self.specs if s.in_position(self._computers[s.id](frame, size))]

    def update(self, frame: PoseFrame, size: tuple[int, int]) -> str | None:
        found = self.candidates(frame, size)
        self._votes.append((frame.t, found[0] if len(found) == 1 else None))
        while self._votes and self._votes[0][0] < frame.t - self.window_s:
            self._votes.popleft()
        if self._votes[-1][0] - self._votes[0][0] < 0.8 * self.window_s:
            return None
        best, n = Counter(v for _, v in self._votes).most_common(1)[0]
        if best is not None and best != self.current and n >= self.share * len(self._votes):
            self.current = best
            self.since = next(t for t, v in self._votes if v == best)
            return best
        return None
