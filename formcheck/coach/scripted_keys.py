"""Keys fed in by tests (`--keys`) in place of a person at the keyboard."""

from __future__ import annotations

from collections import deque

from formcheck.errors import FormcheckError


class ScriptedKeys:
    """Keys fed in by tests (`--keys`), used in order: "p@4" presses p 4 s into the current exercise;
    a bare token ("7", "10", "s") answers the next question (or closes the end screen), "_" lets
    a question run out unanswered."""

    def __init__(self, text: str) -> None:
        self.tokens: deque[tuple[str, float | None]] = deque()
        for token in text.split():
            key, _, at = token.partition("@")
            try:
                self.tokens.append((key, float(at) if at else None))
            except ValueError:
                raise FormcheckError(f"--keys: expected KEY or KEY@SECONDS, got {token!r}") from None

    def due(self, seconds: float) -> int:
        if self.tokens and self.tokens[0][1] is not None and seconds >= self.tokens[0][1]:
            return ord(self.tokens.popleft()[0][0])
        return -1

    def answer(self) -> str | None:
        if self.tokens and self.tokens[0][1] is None:
            return self.tokens.popleft()[0]
        return None
