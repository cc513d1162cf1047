"""The content-addressed cache of converted text (render/kvcache.py): its limit, its order of
dropping, and caches written by earlier versions of lip."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipeline.render.kvcache import Cache


def _cache(folder, limit: int, now: float) -> Cache:
    cache = Cache(folder, "test.sqlite", limit)
    cache.now = now  # each "run" at a time of its own
    return cache


def _keys(folder) -> set[str]:
    with sqlite3.connect(folder / "test.sqlite") as db:
        return {k for (k,) in db.execute("SELECT schluessel FROM eintraege")}


def test_the_least_recently_used_go_first_and_never_this_runs(tmp_path) -> None:
    with _cache(tmp_path, 10**6, 1.0) as run:
        run.put_many({"a": "x" * 400, "b": "y" * 400, "c": "z" * 400})
    with _cache(tmp_path, 10**6, 2.0) as run:
        assert run.get_many(["a"]) == {"a": "x" * 400}  # a used again: now younger than b, c
    with _cache(tmp_path, 1000, 3.0) as run:
        run.put_many({"d": "w" * 300})
    assert _keys(tmp_path) == {"a", "d"}  # 700 characters: b and c went, oldest first
    with _cache(tmp_path, 10, 4.0) as run:
        run.put_many({"e": "v" * 50, "f": "u" * 50})
    assert _keys(tmp_path) == {"e", "f"}  # over the limit, but this run's own stay
    with sqlite3.connect(tmp_path / "test.sqlite") as db:
        assert db.execute("SELECT SUM(groesse) FROM nutzung").fetchone()[0] == 100


def test_a_text_stored_again_counts_once(tmp_path) -> None:
    with _cache(tmp_path, 1000, 1.0) as run:
        run.put_many({"a": "x" * 600})
    with _cache(tmp_path, 1000, 2.0) as run:
        run.put_many({"a": "y" * 600})
    with _cache(tmp_path, 1000, 3.0) as run:
        run.put_many({"b": "z" * 300})  # 900 characters: nothing goes
    with _cache(tmp_path, 1000, 4.0) as run:
        assert run.get_many(["a", "b"]) == {"a": "y" * 600, "b": "z" * 300}


def test_a_text_damaged_in_the_file_is_not_given_out(tmp_path) -> None:
    """A text whose checksum is not the one stored with it is left out (converted again);
    one with letters beyond ASCII comes back as it was."""
    with _cache(tmp_path, 10**6, 1.0) as run:
        run.put_many({"a": "<p>Änderung „neu“ – ✓</p>", "b": "{\"blocks\": []}"})
    with sqlite3.connect(tmp_path / "test.sqlite") as db:
        db.execute("UPDATE eintraege SET daten = '{kaputt' WHERE schluessel = 'b'")
        db.execute("UPDATE eintraege SET daten = 'x' || substr(daten, 2) WHERE schluessel = 'a'")
    with _cache(tmp_path, 10**6, 2.0) as run:
        assert run.get_many(["a", "b"]) == {}  # one shorter, one of the same length
        run.put_many({"a": "<p>Änderung „neu“ – ✓</p>", "b": "{\"blocks\": [1]}"})
    with _cache(tmp_path, 10**6, 3.0) as run:
        assert run.get_many(["a", "b"]) == {"a": "<p>Änderung „neu“ – ✓</p>",
                                            "b": "{\"blocks\": [1]}"}


def _earlier_form(folder, text: str, form: str = "one table") -> None:
    """A cache as lip wrote it before the sizes had a table of their own ("one table"), or
    before each text had its checksum ("no checksums")."""
    with sqlite3.connect(folder / "test.sqlite") as db:
        if form == "one table":
            db.execute("CREATE TABLE eintraege (schluessel TEXT PRIMARY KEY,"
                       " daten TEXT NOT NULL, benutzt REAL NOT NULL)")
            db.execute("INSERT INTO eintraege VALUES ('alt', ?, 1.0)", (text,))
            return
        db.execute("CREATE TABLE eintraege (schluessel TEXT PRIMARY KEY, daten TEXT NOT NULL)")
        db.execute("CREATE TABLE nutzung (schluessel TEXT PRIMARY KEY, benutzt REAL NOT NULL,"
                   " groesse INTEGER NOT NULL)")
        db.execute("INSERT INTO eintraege VALUES ('alt', ?)", (text,))
        db.execute("INSERT INTO nutzung VALUES ('alt', 1.0, ?)", (len(text),))


@pytest.mark.parametrize("form", ["one table", "no checksums"])
def test_a_cache_of_an_earlier_form_is_emptied_and_then_used(form, tmp_path) -> None:
    _earlier_form(tmp_path, "x" * 2_000_000, form)
    before = (tmp_path / "test.sqlite").stat().st_size
    with _cache(tmp_path, 10**6, 5.0) as run:
        assert run.get_many(["alt"]) == {}
        run.put_many({"neu": "y" * 100})
    with _cache(tmp_path, 10**6, 6.0) as run:
        assert run.get_many(["neu"]) == {"neu": "y" * 100}
    assert _keys(tmp_path) == {"neu"}
    assert (tmp_path / "test.sqlite").stat().st_size < before // 10  # its space given back


def test_runs_opening_a_cache_of_the_earlier_form_at_once_all_use_it(tmp_path) -> None:
    _earlier_form(tmp_path, "x" * 100_000)

    def run(n: int) -> dict[str, str]:
        with _cache(tmp_path, 10**6, 10.0 + n) as cache:
            cache.put_many({f"k{n}": str(n)})
        with _cache(tmp_path, 10**6, 20.0 + n) as cache:
            return cache.get_many([f"k{n}"])

    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(run, range(4)))
    assert found == [{f"k{n}": str(n)} for n in range(4)]
    assert _keys(tmp_path) == {"k0", "k1", "k2", "k3"}


def test_within_writes_behind_a_store_is_read_back_at_once_and_committed_by_the_end(
        tmp_path) -> None:
    """A command's stores are committed by a thread of their own; until then the run reads
    them from memory, and all are in the file when the block ends, the last one stored for a
    key winning."""
    import threading

    from pipeline.render import kvcache

    committed_by: list[str] = []
    real_store = Cache.store

    def store(self, entries):
        committed_by.append(threading.current_thread().name)
        return real_store(self, entries)

    Cache.store = store
    try:
        with kvcache.writes_behind():
            with _cache(tmp_path, 10**6, 1.0) as run:
                # a new file is made by the thread that commits, not waited for here
                assert not (tmp_path / "test.sqlite").exists()
                assert run.get_many(["a"]) == {}
                run.put_many({"a": "x", "b": "y"})
            with _cache(tmp_path, 10**6, 1.0) as run:
                run.put_many({"a": "z"})
                assert run.get_many(["a", "b", "c"]) == {"a": "z", "b": "y"}
    finally:
        Cache.store = real_store
    assert committed_by and set(committed_by) == {"zwischenspeicher"}
    with sqlite3.connect(tmp_path / "test.sqlite") as db:
        assert dict(db.execute("SELECT schluessel, daten FROM eintraege")) == {"a": "z", "b": "y"}
    with _cache(tmp_path, 10**6, 2.0) as run:  # and the next run finds them as always
        assert run.get_many(["a", "b"]) == {"a": "z", "b": "y"}


def test_within_writes_behind_what_a_run_uses_is_marked_used_too(tmp_path) -> None:
    """Entries read are marked as used (the limit drops them last), behind as well."""
    from pipeline.render import kvcache

    with _cache(tmp_path, 10**6, 1.0) as run:
        run.put_many({"a": "x" * 400, "b": "y" * 400})
    with kvcache.writes_behind(), _cache(tmp_path, 10**6, 2.0) as run:
        assert run.get_many(["a"]) == {"a": "x" * 400}
    with _cache(tmp_path, 1000, 3.0) as run:
        run.put_many({"c": "z" * 300})
    assert _keys(tmp_path) == {"a", "c"}  # b went: a was used at 2.0


def test_a_store_behind_that_fails_costs_nothing_but_the_entry(tmp_path) -> None:
    """The cache file turns unusable while the command runs: the stores are lost (a later
    run converts again), the command goes on and ends as usual."""
    from pipeline.render import kvcache

    with _cache(tmp_path, 10**6, 0.0) as run:
        run.put_many({"alt": "x"})
    with kvcache.writes_behind():
        with _cache(tmp_path, 10**6, 1.0) as run:
            (tmp_path / "test.sqlite").unlink()
            (tmp_path / "test.sqlite").mkdir()  # no file can be opened there now
            run.put_many({"a": "x"})
            assert run.get_many(["a"]) == {"a": "x"}  # from memory meanwhile
    assert (tmp_path / "test.sqlite").is_dir()
