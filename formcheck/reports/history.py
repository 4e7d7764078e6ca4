"""Every session kept, locally: a SQLite database of reports and pain ratings.

The database lives in the user's data folder (`platformdirs`), or in `FORMCHECK_HOME` when that is
set. Its schema is versioned with `PRAGMA user_version`; `MIGRATIONS[i]` takes a database from
version i to i + 1, so a file left by any older formcheck opens and is brought up to date.

A run must never fail because its history could not be written: `save_session` reports a locked,
corrupt or unwritable database in one line on stderr and returns None.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs

from formcheck.errors import FormcheckError, path_text
from formcheck.reports.report import report_problem

DB_NAME = "history.sqlite3"
MAX_ID = 2**63 - 1  # the largest integer SQLite keeps
KINDS = ("analyze", "live", "routine", "batch")
LOCK_TIMEOUT_S = 2.0  # wait this long for another formcheck to finish writing, then give up

MIGRATIONS: list[tuple[str, ...]] = [
    # 1: a session and its report
    ("""CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            saved_at TEXT NOT NULL,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            source TEXT,
            report TEXT NOT NULL)""",),
    # 2: pain check-ins, whose session it was, and the judged measure over time for the HTML report
    ("ALTER TABLE sessions ADD COLUMN pain_before INTEGER",
     "ALTER TABLE sessions ADD COLUMN pain_after INTEGER",
     "ALTER TABLE sessions ADD COLUMN patient TEXT",
     "ALTER TABLE sessions ADD COLUMN series TEXT",
     "CREATE INDEX sessions_by_name ON sessions (name, saved_at)"),
]
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(FormcheckError):
    """The history database cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class StoredSession:
    id: int
    saved_at: str  # when the session was stored (its end): ISO 8601, local time with its offset
    kind: str
    name: str  # the exercise id, or the routine's name
    source: str | None
    report: dict[str, Any]
    pain_before: int | None
    pain_after: int | None
    patient: str | None
    series: dict[str, Any] | None  # the judged measure per frame, when it was kept

    def summary(self) -> dict[str, Any]:
        """The row of `formcheck history`: counts and shares, no per-rep detail."""
        report = self.report
        holds = report.get("holds") or []
        reps = report.get("rep_count") or 0
        if holds:
            held = sum(h["seconds"] for h in holds)
            share = sum(h.get("good_form_s", 0.0) for h in holds) / held if held else None
        else:
            share = (report.get("good_reps") or 0) / reps if reps else None
        return {"id": self.id, "saved_at": self.saved_at, "kind": self.kind, "exercise": self.name,
                "source": self.source, "complete": report.get("complete"), "rep_count": reps,
                "good_reps": report.get("good_reps") or 0,
                "good_form_share": None if share is None else round(share, 3),
                "side_totals": report.get("side_totals") or {},
                "pain_before": self.pain_before, "pain_after": self.pain_after, "patient": self.patient}


def history_dir() -> Path:
    env = os.environ.get("FORMCHECK_HOME")
    return Path(env) if env else Path(platformdirs.user_data_dir("formcheck"))


def db_path() -> Path:
    return history_dir() / DB_NAME


def _explain(exc: BaseException, path: Path) -> str:
    text = str(exc)
    if isinstance(exc, OSError):
        return f"cannot use history folder {path.parent}: {exc.strerror or text}"
    if "locked" in text:
        return f"history database {path} is locked by another program"
    if "not a database" in text or "malformed" in text:
        return f"history database {path} is damaged (not a readable SQLite file); move it away to start afresh"
    if "readonly" in text or "unable to open" in text:
        return f"history database {path} cannot be written"
    return f"history database {path}: {text}"


def migrate(conn: sqlite3.Connection) -> None:
    """Brings the database up to SCHEMA_VERSION, one migration per transaction."""
    while True:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"schema version {version} is newer than this formcheck knows "
                                        f"({SCHEMA_VERSION}); update formcheck")
        if version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # another formcheck may have migrated while this one waited for the write lock
            if conn.execute("PRAGMA user_version").fetchone()[0] == version:
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def connect(path: Path | None = None) -> sqlite3.Connection:
    """Opens (creating it and its folder if need be) and migrates the history database."""
    path = path or db_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=LOCK_TIMEOUT_S, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise HistoryError(_explain(exc, path)) from None
    try:
        migrate(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise HistoryError(_explain(exc, path)) from None
    conn.row_factory = sqlite3.Row
    return conn


@contextmanager
def _database() -> Iterator[sqlite3.Connection]:
    """A connection for one piece of work; any SQLite failure becomes a one-line HistoryError."""
    path = db_path()
    conn = connect(path)
    try:
        yield conn
    except sqlite3.Error as exc:
        raise HistoryError(_explain(exc, path)) from None
    finally:
        conn.close()


def save_session(report: dict[str, Any], kind: str, name: str | None = None, source: str | None = None,
                 pain_before: int | None = None, pain_after: int | None = None, patient: str | None = None,
                 series: dict[str, Any] | None = None, saved_at: str | None = None) -> int | None:
    """Stores one session; returns its id, or None (after one line on stderr) when history is unusable."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    for rating in (pain_before, pain_after):
        _check_pain(rating)
    when = saved_at or datetime.now().astimezone().isoformat(timespec="seconds")
    name = name or report.get("exercise") or "?"
    source = source if source is not None else (report.get("source") or {}).get("path")
    source = path_text(source) if source is not None else None  # SQLite text is UTF-8: odd bytes escaped
    try:
        with _database() as conn:
            return conn.execute(
                "INSERT INTO sessions (saved_at, kind, name, source, report, pain_before, pain_after, patient, "
                "series) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (when, kind, name, source, json.dumps(report), pain_before, pain_after, patient,
                 None if series is None else json.dumps(series))).lastrowid
    except HistoryError as exc:
        print(f"formcheck: session not saved to history: {exc}", file=sys.stderr)
        return None


def _check_pain(rating: int | None) -> None:
    if rating is not None and not (isinstance(rating, int) and 0 <= rating <= 10):
        raise ValueError(f"a pain rating is a whole number 0..10, got {rating!r}")


def set_pain(session_id: int, before: int | None = None, after: int | None = None) -> bool:
    """Records pain ratings (0..10) on a stored session; the ones given replace the stored ones."""
    _check_pain(before)
    _check_pain(after)
    with _database() as conn:
        changed = conn.execute("UPDATE sessions SET pain_before = coalesce(?, pain_before), "
                               "pain_after = coalesce(?, pain_after) WHERE id = ?", (before, after, session_id))
        return changed.rowcount > 0


def _stored(row: sqlite3.Row) -> StoredSession | None:
    """The row as a session; None when its report does not parse (a damaged row: listed apart, deletable)."""
    try:
        report = json.loads(row["report"])
    except (TypeError, ValueError):
        return None
    if report_problem(report) is not None:
        return None
    try:
        series = json.loads(row["series"]) if row["series"] else None
    except (TypeError, ValueError):
        series = None  # only the plot is lost
    return StoredSession(row["id"], row["saved_at"], row["kind"], row["name"], row["source"], report,
                         row["pain_before"], row["pain_after"], row["patient"],
                         series if isinstance(series, dict) else None)


def damaged_message(session_id: int) -> str:
    return (f"session {session_id} is damaged (its stored report does not read as a report); "
            f"`formcheck history delete {session_id}` removes it")


def list_sessions(exercise: str | None = None, since: str | None = None,
                  damaged: list[int] | None = None) -> list[StoredSession]:
    """Sessions oldest first; `since` is a date (YYYY-MM-DD): sessions on or after it. Damaged rows
    are left out; their ids are added to `damaged` when it is given."""
    where, params = [], []
    if exercise:
        where.append("name = ?")
        params.append(exercise)
    if since:
        where.append("substr(saved_at, 1, 10) >= ?")
        params.append(since)
    sql = "SELECT * FROM sessions" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY saved_at, id"
    with _database() as conn:
        rows = [(row["id"], _stored(row)) for row in conn.execute(sql, params)]
    if damaged is not None:
        damaged += [i for i, s in rows if s is None]
    return [s for _, s in rows if s is not None]


def get(session_id: int) -> StoredSession | None:
    with _database() as conn:
        row = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        return None
    stored = _stored(row)
    if stored is None:
        raise HistoryError(damaged_message(session_id))
    return stored


def delete(session_id: int) -> bool:
    with _database() as conn:
        return conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0
