"""Many threads calling into one book at once: one frozen handle, the GIL released."""

import threading
from concurrent.futures import ThreadPoolExecutor

from contactkit import ContactBook, DuplicateContactError


def test_threads_share_one_book(tmp_path):
    with ContactBook(tmp_path / "shared.db") as book:
        def work(n):
            c = book.create(f"Contact {n}", email=f"c{n}@example.com", tags=["t"])
            book.add_tags(c.id, [f"n{n % 3}"])
            assert book.get(c.id).email == f"c{n}@example.com"
            return sum(1 for _ in book.iter(limit=7))

        with ThreadPoolExecutor(max_workers=8) as pool:
            seen = list(pool.map(work, range(40)))
        assert book.count() == 40 and max(seen) == 40
        assert sorted(t.contacts for t in book.tags() if t.name.startswith("n")) == [13, 13, 14]


def test_racing_creates_of_one_email_make_one_contact(book):
    barrier = threading.Barrier(6)
    results = []

    def create():
        barrier.wait()
        try:
            results.append(book.create("Ana", email="ana@example.com").id)
        except DuplicateContactError as err:
            results.append(("dup", err.existing_id))

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1 and book.count() == 1
    assert all(r == ("dup", winners[0]) for r in results if not isinstance(r, int))


def test_one_iterator_shared_by_threads_yields_each_contact_once(book):
    for n in range(50):
        book.create(f"C{n:02}")
    it = book.iter(limit=4)
    got = []
    lock = threading.Lock()

    def drain():
        for c in it:
            with lock:
                got.append(c.name)

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == [f"C{n:02}" for n in range(50)]
