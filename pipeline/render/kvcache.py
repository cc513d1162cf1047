"""A content-addressed cache of converted text in one SQLite file (build/.cache/…).

One file and one transaction per run: a file per entry cost more than the conversion it
saved on slow disks. Safe for runs at the same time (SQLite's locking). Beyond `limit` bytes
the least recently used entries go, never those the current run used. A damaged or
unusable cache makes a run slower, never wrong: it is then simply not used.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


class Cache:
    """Text by key, in the SQLite file `folder`/name; None as folder = no cache."""

    def __init__(self, folder: Path | None, name: str, limit: int) -> None:
        self.db: sqlite3.Connection | None = None
        self.limit = limit
        self.now = time.time()
        """This run's time: what it uses is never dropped for its sake."""
        if folder is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(folder / name, timeout=30, isolation_level=None)
            self._create()
        except (OSError, sqlite3.Error) as e:
            log.debug("Zwischenspeicher %s nicht nutzbar: %s", name, e)
            self.close()

    def _create(self) -> None:
        """The texts in one table; in another, when each was last used and how long it is:
        the limit is kept without reading the texts (summing the texts' lengths at every
        store read all of them: 0.1 s per store in a full cache of 200 MB, and a TPG redline
        took 1.0 instead of 0.3 s), and marking a text used leaves the text as it is. A
        cache of the earlier form (one table) is emptied."""
        db = self.db
        assert db is not None
        tables = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        if "nutzung" in tables and "benutzt" not in tables.get("eintraege", ""):
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            columns = {row[1] for row in db.execute("PRAGMA table_info(eintraege)")}
            if "benutzt" in columns:
                db.execute("DROP TABLE eintraege")
            db.execute("CREATE TABLE IF NOT EXISTS eintraege "
                       "(schluessel TEXT PRIMARY KEY, daten TEXT NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS nutzung (schluessel TEXT PRIMARY KEY,"
                       " benutzt REAL NOT NULL, groesse INTEGER NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS nutzung_benutzt ON nutzung (benutzt)")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if "benutzt" in columns:
            try:
                db.execute("VACUUM")  # the dropped texts' space back to the disk
            except sqlite3.Error as e:  # another run has it open: the space is reused
                log.debug("Zwischenspeicher nicht verkleinert: %s", e)

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def get_many(self, keys: list[str]) -> dict[str, str]:
        if self.db is None or not keys:
            return {}
        found: dict[str, str] = {}
        try:
            for start in range(0, len(keys), 500):
                batch = keys[start:start + 500]
                marks = ",".join("?" * len(batch))
                found.update(self.db.execute(
                    f"SELECT schluessel, daten FROM eintraege WHERE schluessel IN ({marks})",
                    batch))
            if found:
                self.db.execute("BEGIN")
                self.db.executemany("UPDATE nutzung SET benutzt = ? WHERE schluessel = ?",
                                    [(self.now, k) for k in found])
                self.db.execute("COMMIT")
        except sqlite3.Error as e:
            log.debug("Zwischenspeicher nicht lesbar: %s", e)
        return found

    def get_or_make(self, keys: list[str], make: Callable[[list[str]], list[str]]) -> list[str]:
        """The text for each key: from the cache, or made by `make` (called once, with the
        missing keys, each once) and stored."""
        found = self.get_many(list(dict.fromkeys(keys)))
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        fresh = dict(zip(missing, make(missing), strict=True)) if missing else {}
        self.put_many(fresh)
        found.update(fresh)
        return [found[k] for k in keys]

    def get(self, key: str) -> str | None:
        return self.get_many([key]).get(key)

    def put_many(self, entries: dict[str, str]) -> None:
        if self.db is None or not entries:
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO eintraege VALUES (?, ?)",
                                entries.items())
            self.db.executemany("INSERT OR REPLACE INTO nutzung VALUES (?, ?, ?)",
                                [(k, self.now, len(v)) for k, v in entries.items()])
            total = self.db.execute(
                "SELECT COALESCE(SUM(groesse), 0) FROM nutzung").fetchone()[0]
            if total > self.limit:
                for key, size in self.db.execute(
                        "SELECT schluessel, groesse FROM nutzung WHERE benutzt < ? "
                        "ORDER BY benutzt", (self.now,)).fetchall():
                    if total <= self.limit:
                        break
                    self.db.execute("DELETE FROM eintraege WHERE schluessel = ?", (key,))
                    self.db.execute("DELETE FROM nutzung WHERE schluessel = ?", (key,))
                    total -= size
            self.db.execute("COMMIT")
        except sqlite3.Error as e:
            log.debug("Zwischenspeicher nicht beschreibbar: %s", e)
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def put(self, key: str, value: str) -> None:
        self.put_many({key: value})
