"""Reading spec tables: typed values with errors that name the file and the key."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

from formcheck.errors import FormcheckError
from formcheck.spec.vocabulary import POINT_NAMES

TARGET = "target_s"  # a cue threshold may name the hold target instead of repeating the number


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise FormcheckError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise FormcheckError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


class Reader:
    """Typed access to one table of a spec, with errors that name file and key. `done` rejects
    the keys nothing read: an option that does nothing is a mistake the author should hear of."""

    def __init__(self, table: dict[str, Any], path: Path, prefix: str) -> None:
        self.table, self.path, self.prefix = table, path, prefix
        self.read: set[str] = set()

    def fail(self, key: str, expected: str, seen: Any = None) -> FormcheckError:
        where = f"{self.prefix}{key}" if key else self.prefix.rstrip(".")
        tail = "" if seen is None else f", got {seen!r}"
        return FormcheckError(f"{self.path}: {where}: expected {expected}{tail}")

    def get(self, key: str, kind: type | tuple[type, ...], expected: str, default: Any = ...) -> Any:
        self.read.add(key)
        if key not in self.table:
            if default is ...:
                raise self.fail(key, expected + " (missing)")
            return default
        value = self.table[key]
        if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
            raise self.fail(key, expected, value)
        return value

    def number(self, key: str, default: Any = ..., positive: bool = False) -> float:
        value = self.get(key, (int, float), "a number", default)
        if value is None:
            return None
        if not math.isfinite(value):  # TOML allows nan and inf; nan would silently disable a test
            raise self.fail(key, "a finite number", value)
        if positive and value <= 0:
            raise self.fail(key, "a number above 0", value)
        return float(value)

    def threshold(self, key: str, target: float | None) -> float | None:
        """A number, or "target_s": the hold target, stated once in [reps] or [hold]."""
        if self.table.get(key) == TARGET:
            self.read.add(key)
            if target is None:
                raise self.fail(key, f"a number ('{TARGET}' needs {TARGET} in [reps] or [hold])", TARGET)
            return target
        return self.number(key, None)

    def seconds(self, key: str, default: Any = ..., zero_ok: bool = False) -> float:
        value = self.number(key, default)
        if value is not None and (value < 0 or (value == 0 and not zero_ok)):
            raise self.fail(key, "a time in seconds " + ("of 0 or more" if zero_ok else "above 0"), value)
        return value

    def text(self, key: str, default: Any = ...) -> str:
        return self.get(key, str, "a string", default)

    def choice(self, key: str, allowed: tuple[str, ...] | list[str], default: Any = ...) -> str:
        value = self.text(key, default)
        if value is not None and value not in allowed:
            raise self.fail(key, "one of " + ", ".join(allowed), value)
        return value

    def points(self, key: str, default: Any = ...) -> tuple[str, ...]:
        value = self.get(key, list, "a list of landmark names", default)
        if value is None:
            return ()
        for p in value:
            if p not in POINT_NAMES:
                raise self.fail(key, "landmark names from " + ", ".join(POINT_NAMES), p)
        return tuple(value)

    def sub(self, key: str) -> Reader:
        return Reader(self.get(key, dict, "a table"), self.path, f"{self.prefix}{key}.")

    def done(self) -> None:
        unused = [k for k in self.table if k not in self.read]
        if unused:
            raise self.fail(unused[0], "no such option here (it would do nothing)")
