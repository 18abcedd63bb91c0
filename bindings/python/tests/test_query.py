"""Queries from keyword arguments, pages, cursors, iteration, counts and bulk actions."""

import datetime as dt

import pytest

from contactkit import ContactIterator, Page, PermissionDeniedError, Query, ValidationError

UTC = dt.timezone.utc


@pytest.fixture
def people(book):
    old = dt.datetime(2020, 1, 1, tzinfo=UTC)
    book.create("José Álvarez", phone="+1 415 555 2671", tags=["hot"], source="whatsapp", created_at=old)
    book.create("Joséphine Roy", email="jo@roy.example", tags=["hot", "vip"], verification="verified")
    book.create("Ana Souza", email="ana@example.com", tags=["cold"], attributes={"plan": "pro"})
    return book


def names(contacts):
    return [c.name for c in contacts]


def test_search_folds_accents_and_case(people):
    page = people.query(search="JOSE")
    assert isinstance(page, Page)
    assert names(page.contacts) == ["José Álvarez", "Joséphine Roy"]
    assert page.total == 2 and page.next_cursor is None and len(page) == 2
    assert names(people.query(search="555-26")) == ["José Álvarez"]


def test_tag_filters(people):
    assert names(people.query(tags_any=["HOT"])) == ["José Álvarez", "Joséphine Roy"]
    assert names(people.query(tags_all=["hot", "vip"])) == ["Joséphine Roy"]
    assert names(people.query(tags_none=["hot"])) == ["Ana Souza"]


def test_source_verification_points_and_attributes(people):
    assert names(people.query(source="whatsapp")) == ["José Álvarez"]
    assert names(people.query(source=["whatsapp", "api"])) == ["Ana Souza", "José Álvarez", "Joséphine Roy"]
    assert names(people.query(verification="verified")) == ["Joséphine Roy"]
    assert names(people.query(has_email=False)) == ["José Álvarez"]
    assert names(people.query(has_phone=True)) == ["José Álvarez"]
    assert names(people.query(attributes={"plan": "pro"})) == ["Ana Souza"]
    assert people.count(never_active=True) == 3


def test_time_ranges_are_inclusive_and_need_aware_datetimes(people):
    cut = dt.datetime(2021, 1, 1, tzinfo=UTC)
    assert names(people.query(created_to=cut)) == ["José Álvarez"]
    assert people.count(created_from=cut) == 2
    assert people.count(created_from=dt.datetime(2020, 1, 1, tzinfo=UTC), created_to=cut) == 1
    assert people.count(active_from=cut) == 0
    with pytest.raises(ValidationError) as err:
        people.query(created_from=dt.datetime(2021, 1, 1))
    assert err.value.field == "created_from"


def test_filter_takes_the_core_json_shape_for_or_and_not(people):
    q = Query(filter={"or": [{"tags_any": ["cold"]}, {"not": {"verification_in": ["unverified"]}}]})
    assert names(people.query(q)) == ["Ana Souza", "Joséphine Roy"]
    with pytest.raises(ValidationError):
        Query(filter={"tags_anyy": ["x"]})


def test_sort_limit_and_cursor_page_through_everything(people):
    first = people.query(sort="-name", limit=2)
    assert names(first) == ["Joséphine Roy", "José Álvarez"] and first.total == 3
    second = people.query(sort="-name", limit=2, cursor=first.next_cursor)
    assert names(second) == ["Ana Souza"] and second.next_cursor is None
    q = Query(sort="-name", limit=2)
    assert names(people.query(q.after(first.next_cursor))) == ["Ana Souza"]
    assert (q.sort, q.limit, q.search, q.cursor) == ("-name", 2, None, None)
    assert q.to_dict() == {"sort": "-name", "limit": 2}
    assert Query(search="a") == Query(search="a") and "search" in repr(Query(search="a"))


def test_bad_queries_raise_validation_errors(people):
    for kwargs in ({"limit": 0}, {"limit": 1001}, {"sort": "size"}, {"cursor": "zz"}, {"tags_any": ["a,b"]}):
        with pytest.raises(ValidationError) as err:
            people.query(**kwargs)
        assert err.value.field in ("query", "tag")
    foreign = people.query(sort="name", limit=1).next_cursor
    with pytest.raises(ValidationError):
        people.query(sort="-name", cursor=foreign)
    with pytest.raises(TypeError):
        people.query(serach="ana")
    with pytest.raises(TypeError):
        people.query(Query(), search="ana")


def test_iter_reads_every_page_lazily(book):
    for n in range(23):
        book.create(f"Contact {n:02}")
    it = book.iter(limit=5)
    assert isinstance(it, ContactIterator) and iter(it) is it
    got = names(it)
    assert got == [f"Contact {n:02}" for n in range(23)]
    assert next(it, None) is None
    assert names(book.iter(Query(search="contact 1", limit=3))) == [f"Contact {n}" for n in range(10, 20)]


def test_bulk_actions_on_a_query_or_ids(people, admin, agent):
    out = people.bulk_add_tags(Query(tags_any=["hot"]), ["Call back"], actor=agent)
    assert (out.selected, out.changed) == (2, 2)
    ids = [c.id for c in people.query(tags_any=["call back"])]
    again = people.bulk_add_tags(ids + [999], ["call back"])
    assert (again.selected, again.changed) == (2, 0)
    removed = people.bulk_remove_tags(ids, ["CALL BACK"])
    assert removed.changed == 2 and people.count(tags_any=["call back"]) == 0
    with pytest.raises(PermissionDeniedError):
        people.bulk_delete(ids, actor=agent)
    assert people.count() == 3
    gone = people.bulk_delete(Query(tags_any=["hot"]), actor=admin)
    assert (gone.selected, gone.changed) == (2, 2) and people.count() == 1
    with pytest.raises(TypeError):
        people.bulk_delete("everyone", actor=admin)
    with pytest.raises(ValidationError):
        people.bulk_add_tags([1], [""])
