"""The change feed, duplicates and merges, backups."""

import datetime as dt
import threading

import pytest

from contactkit import (
    ChangePage,
    ContactBook,
    ContactNotFoundError,
    DuplicatePair,
    ResyncRequiredError,
    StorageError,
    ValidationError,
)


def test_changes_follow_the_feed_with_a_durable_cursor(book):
    ana = book.create("Ana", tags=["Hot"])
    page = book.changes()
    assert isinstance(page, ChangePage)
    assert page.events[0]["kind"] == "created" and page.events[0]["contact_id"] == ana.id
    assert page.next == page.events[-1]["seq"] == book.last_change()
    book.add_tags(ana.id, ["VIP"])
    only = book.changes(page.next, kinds=["tag_added"], contact_id=ana.id, meaningful_only=True, limit=10)
    assert [e["kind"] for e in only.events] == ["tag_added"]
    assert book.consumer_cursor("webhooks") == 0
    book.acknowledge("webhooks", only.next)
    assert book.consumer_cursor("webhooks") == only.next
    with pytest.raises(ValidationError):
        book.changes(kinds=["exploded"])


def test_wait_for_changes_releases_the_gil_and_wakes_on_another_threads_commit(book):
    # The writer thread needs the GIL to call create(): if wait_for_changes held it, the
    # wait would time out (False) before the writer could commit.
    start = book.last_change()
    assert book.wait_for_changes(start, timeout=0.01) is False
    writer = threading.Thread(target=lambda: book.create("Late"))
    writer.start()
    assert book.wait_for_changes(start, timeout=10) is True
    writer.join()
    with pytest.raises(ValidationError):
        book.wait_for_changes(0, timeout=-1)


def test_duplicates_are_found_and_merged(book, admin):
    a = book.create("José Álvarez", email="ana@x.com", tags=["buyer"])
    b = book.create("alvarez jose", phone="+14155552671", tags=["Buyer"])
    pairs = book.find_duplicates(10)
    assert isinstance(pairs[0], DuplicatePair)
    assert (pairs[0].a, pairs[0].b) == (a.id, b.id) and 0.5 < pairs[0].score <= 1
    assert pairs[0].reasons[0]["reason"] == "same_name"
    merged = book.merge(a.id, b.id, name_from_absorbed=True, actor=admin)
    assert (merged.name, merged.email, merged.phone) == ("alvarez jose", "ana@x.com", "+14155552671")
    with pytest.raises(ContactNotFoundError):
        book.get(b.id)
    with pytest.raises(ValidationError):
        book.merge(a.id, a.id)


def test_compacted_history_asks_for_a_resync(book):
    book.create("Ana")
    future = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)
    removed = book.compact_changes(events=dt.timedelta(0), tombstones=dt.timedelta(0), now=future)
    assert removed == 1
    with pytest.raises(ResyncRequiredError) as err:
        book.changes(0)
    assert (err.value.after, err.value.oldest) == (0, 2)
    assert book.compact_changes() == 0


def test_backup_copies_the_book(book, tmp_path):
    ana = book.create("Ana")
    target = tmp_path / "copy.db"
    book.backup(target)
    with ContactBook(target) as copy:
        assert copy.get(ana.id).name == "Ana"
    with pytest.raises(StorageError):
        book.backup(target)
