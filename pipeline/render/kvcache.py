"""A content-addressed cache of converted text in one SQLite file (build/.cache/…).

One file and one transaction per run: a file per entry cost more than the conversion it
saved on slow disks. Safe for runs at the same time (SQLite's locking). Beyond `limit` bytes
the least recently used entries go, never those the current run used. A damaged or
unusable cache makes a run slower, never wrong: it is then simply not used, and a text
damaged in the file (its checksum) is converted again. Within
`writes_behind` (lip redline, lip site) the commits run in a thread of their own.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)


class _WriteBehind:
    """Stores committed by a thread of their own (`writes_behind`), in the order they came,
    while the command goes on; until committed they are read from memory here."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending: dict[tuple[Path, str], dict[str, str]] = {}
        self._thread = threading.Thread(target=self._run, name="zwischenspeicher", daemon=True)
        self._thread.start()

    def put(self, cache: Cache, entries: dict[str, str], used: list[str] | None = None) -> None:
        """Store `entries` of `cache`, and mark `used` as used."""
        assert cache.folder is not None
        where = (cache.folder, cache.name)
        with self._lock:
            self._pending.setdefault(where, {}).update(entries)
        self._queue.put((where, cache.limit, cache.now, entries, used or []))

    def get(self, cache: Cache, keys: list[str]) -> dict[str, str]:
        with self._lock:
            pending = self._pending.get((cache.folder, cache.name))
            return {k: pending[k] for k in keys if k in pending} if pending else {}

    def is_writer(self) -> bool:
        """Whether the current thread is the one that commits."""
        return threading.current_thread() is self._thread

    def close(self) -> None:
        """Wait until every store is committed."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            (folder, name), limit, now, entries, used = item
            try:
                cache = Cache(folder, name, limit)
                cache.now = now
                with cache:
                    cache.used(used)
                    cache.store(entries)
            except Exception as e:  # noqa: BLE001  (a cache makes runs slower, never wrong)
                log.debug("Zwischenspeicher %s nicht beschreibbar: %s", name, e)
            with self._lock:
                pending = self._pending[(folder, name)]
                for key, value in entries.items():
                    if pending.get(key) is value:  # not stored again meanwhile
                        del pending[key]


_behind: _WriteBehind | None = None


@contextlib.contextmanager
def writes_behind() -> Iterator[None]:
    """Within, a cache's stores are committed by a thread of their own while the command
    goes on, and all of them before the block ends. Each commit waits for the disk (four
    syncs with SQLite's rollback journal; on a hard disk several milliseconds each): a cold
    redline of a small text made eight commits, and with the syncs turned off it took
    12–21 ms less (TPG, BtMG, JGG; 0.25–0.35 s in all, on this machine's fast disk). What a
    run stores it reads back from memory until it is committed; a store that fails costs a
    later run time, as before. Not for long-running commands (the preview): their stores
    would wait in memory until they end."""
    global _behind
    if _behind is not None:
        yield
        return
    _behind = _WriteBehind()
    try:
        yield
    finally:
        behind, _behind = _behind, None
        behind.close()


def checksum(text: str) -> int:
    """CRC-32 of the text: finds damage in the file (not meant against a forger). With the
    text's encoding, which is most of it, 1 GB/s; blake2b made half that."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


class Cache:
    """Text by key, in the SQLite file `folder`/name; None as folder = no cache."""

    def __init__(self, folder: Path | None, name: str, limit: int) -> None:
        self.db: sqlite3.Connection | None = None
        self.folder, self.name = folder, name
        self.limit = limit
        self.now = time.time()
        """This run's time: what it uses is never dropped for its sake."""
        self.later = False
        """Within `writes_behind`, for a file not there yet: nothing to read, and the thread
        that commits the stores creates it (a cold run waited for the disk at each of its
        three or four new files)."""
        if folder is None:
            return
        try:
            if _behind is not None and not _behind.is_writer() and not (folder / name).exists():
                self.later = True
                return
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
        took 1.0 instead of 0.3 s), and marking a text used leaves the text as it is. Each
        text's checksum beside it (`pruefsumme`): a text damaged in the file is not given
        out. A cache of an earlier form (one table; no checksums) is emptied."""
        db = self.db
        assert db is not None
        tables = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        if "pruefsumme" in tables.get("nutzung", "") \
                and "benutzt" not in tables.get("eintraege", ""):
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            columns = {row[1] for row in db.execute("PRAGMA table_info(eintraege)")}
            earlier = "benutzt" in columns or "pruefsumme" not in {
                row[1] for row in db.execute("PRAGMA table_info(nutzung)")}
            if earlier:
                db.execute("DROP TABLE IF EXISTS eintraege")
                db.execute("DROP TABLE IF EXISTS nutzung")
            db.execute("CREATE TABLE IF NOT EXISTS eintraege "
                       "(schluessel TEXT PRIMARY KEY, daten TEXT NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS nutzung (schluessel TEXT PRIMARY KEY,"
                       " benutzt REAL NOT NULL, groesse INTEGER NOT NULL,"
                       " pruefsumme INTEGER NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS nutzung_benutzt ON nutzung (benutzt)")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if earlier and columns:
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
        if (self.db is None and not self.later) or not keys:
            return {}
        pending = _behind.get(self, keys) if _behind is not None else {}
        if self.db is None:
            return pending
        found: dict[str, str] = {}
        try:
            for start in range(0, len(keys), 500):
                batch = [k for k in keys[start:start + 500] if k not in pending]
                if not batch:
                    continue
                marks = ",".join("?" * len(batch))
                # a text whose checksum is not the one stored with it is damaged: left out
                found.update((key, text) for key, text, check in self.db.execute(
                    "SELECT e.schluessel, e.daten, n.pruefsumme FROM eintraege e JOIN nutzung n"
                    f" ON n.schluessel = e.schluessel WHERE e.schluessel IN ({marks})", batch)
                    if checksum(text) == check)
            if found and _behind is not None:
                _behind.put(self, {}, used=list(found))
            elif found:
                self.used(list(found))
        except sqlite3.Error as e:
            log.debug("Zwischenspeicher nicht lesbar: %s", e)
        found.update(pending)
        return found

    def used(self, keys: list[str]) -> None:
        """Mark the entries `keys` as used by this run (the limit drops them last)."""
        if self.db is None or not keys:
            return
        try:
            self.db.execute("BEGIN")
            self.db.executemany("UPDATE nutzung SET benutzt = ? WHERE schluessel = ?",
                                [(self.now, k) for k in keys])
            self.db.execute("COMMIT")
        except sqlite3.Error as e:
            log.debug("Zwischenspeicher nicht beschreibbar: %s", e)
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

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
        """Store `entries`: now, or within `writes_behind` by its thread."""
        if (self.db is None and not self.later) or not entries:
            return
        if _behind is not None:
            _behind.put(self, dict(entries))
        else:
            self.store(entries)

    def store(self, entries: dict[str, str]) -> None:
        """Store `entries` and commit, keeping the limit."""
        if self.db is None or not entries:
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO eintraege VALUES (?, ?)",
                                entries.items())
            self.db.executemany("INSERT OR REPLACE INTO nutzung VALUES (?, ?, ?, ?)",
                                [(k, self.now, len(v), checksum(v))
                                 for k, v in entries.items()])
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
