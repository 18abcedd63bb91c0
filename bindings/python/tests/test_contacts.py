"""Contacts: create, get, update, delete, emails, phones, tags, verification."""

import datetime as dt

import pytest

from contactkit import (
    Actor,
    BookClosedError,
    Contact,
    ContactBook,
    ContactNotFoundError,
    DuplicateContactError,
    EmailAddress,
    PermissionDeniedError,
    PhoneNumber,
    Tag,
    TagNotFoundError,
    ValidationError,
)

UTC = dt.timezone.utc


def EmailAddress_(address, label=None):
    """What an EmailAddress compares equal to: its address and label."""
    return _Same(address=address, label=label)


class _Same:
    def __init__(self, **attrs):
        self.attrs = attrs

    def __eq__(self, other):
        return all(getattr(other, k) == v for k, v in self.attrs.items())


def test_create_returns_a_typed_frozen_contact(book):
    c = book.create(
        "  José   Álvarez ",
        email="Jose@Example.com",
        phone="+34 612 34 56 78",
        additional_phones=[("+44 7400 123456", "Work")],
        tags=["Hot", "hot ", "VIP"],
        source="whatsapp",
        attributes={"budget": 250000, "ratio": 0.5, "vip": True, "since": dt.date(2024, 1, 2)},
    )
    assert isinstance(c, Contact)
    assert c.name == "José Álvarez"
    assert (c.email, c.phone) == ("Jose@example.com", "+34612345678")
    assert c.emails == [EmailAddress_("Jose@example.com")]
    assert isinstance(c.emails[0], EmailAddress) and isinstance(c.phones[1], PhoneNumber)
    assert (c.phones[1].e164, c.phones[1].label, c.phones[1].original) == (
        "+447400123456",
        "work",
        "+44 7400 123456",
    )
    assert c.tags == ["Hot", "VIP"]
    assert c.source == "whatsapp" and c.verification == "unverified"
    assert c.attributes == {"budget": 250000, "ratio": 0.5, "vip": True, "since": dt.date(2024, 1, 2)}
    assert type(c.attributes["vip"]) is bool and type(c.attributes["budget"]) is int
    assert c.created_at.tzinfo is not None and c.created_at.utcoffset() == dt.timedelta(0)
    assert c.last_activity_at is None and c.reviewed
    with pytest.raises(AttributeError):
        c.name = "other"  # type: ignore[misc]


def test_attributes_are_a_new_dict_on_every_access(book):
    c = book.create("Ana", attributes={"plan": "pro"})
    c.attributes["plan"] = "free"
    assert c.attributes == {"plan": "pro"}


def test_aware_datetimes_round_trip_in_utc(book):
    sao_paulo = dt.timezone(dt.timedelta(hours=-3))
    at = dt.datetime(2024, 5, 1, 7, 0, tzinfo=sao_paulo)
    c = book.create("Ana", created_at=at, last_activity_at=at, attributes={"seen": at})
    assert c.created_at == at and c.created_at.utcoffset() == dt.timedelta(0)
    assert c.attributes["seen"] == at


def test_naive_datetimes_are_refused_not_guessed(book):
    with pytest.raises(ValidationError) as err:
        book.create("Ana", created_at=dt.datetime(2024, 5, 1))
    assert err.value.field == "created_at"


def test_get_update_and_delete(book, admin):
    c = book.create("Bo", email="bo@example.com", attributes={"a": 1, "b": 2})
    assert book.get(c.id) == c
    later = dt.datetime(2024, 6, 1, tzinfo=UTC)
    u = book.update(
        c.id,
        name="Bo Li",
        phone="+1 415 555 2671",
        verification="verified",
        source="referral",
        set_attributes={"a": "one"},
        unset_attributes=["b"],
        last_activity_at=later,
    )
    assert (u.name, u.email, u.phone) == ("Bo Li", "bo@example.com", "+14155552671")
    assert (u.verification, u.source, u.attributes, u.last_activity_at) == (
        "verified",
        "referral",
        {"a": "one"},
        later,
    )
    assert u.updated_at >= c.updated_at
    cleared = book.update(c.id, clear_email=True, clear_phone=True)
    assert (cleared.email, cleared.phone) == (None, None)
    book.delete(c.id, actor=admin)
    with pytest.raises(ContactNotFoundError) as err:
        book.get(c.id)
    assert err.value.contact_id == c.id


def test_duplicate_email_is_refused_whatever_its_case(book):
    first = book.create("Ana", email="ana@example.com")
    with pytest.raises(DuplicateContactError) as err:
        book.create("Pepe", email="ANA@Example.com")
    assert (err.value.existing_id, err.value.field, err.value.value) == (first.id, "email", "ana@example.com")
    assert book.count() == 1


def test_validation_errors_name_the_field_and_value(book):
    with pytest.raises(ValidationError) as err:
        book.create("Ana", phone="not a phone")
    assert (err.value.field, err.value.value) == ("phone", "not a phone")
    assert err.value.reason
    with pytest.raises(ValidationError) as err:
        book.create("Ana", source="carrier pigeon")
    assert err.value.field == "source"
    with pytest.raises(ValidationError):
        book.get(0)
    with pytest.raises(ValidationError):
        book.create("Ana", attributes={"x": float("nan")})


def test_agents_may_not_delete(book, agent):
    c = book.create("Ana")
    with pytest.raises(PermissionDeniedError) as err:
        book.delete(c.id, actor=agent)
    assert (err.value.action, err.value.role) == ("delete_contact", "agent")
    assert book.get(c.id).name == "Ana"


def test_emails_and_phones_are_added_promoted_and_removed(book):
    c = book.create("Ana", email="ana@work.example", phone="+1 415 555 2671")
    c = book.add_email(c.id, "ana@home.example", label="Home")
    c = book.add_phone(c.id, "+44 7400 123456", label="mobile")
    assert [e.address for e in c.emails] == ["ana@work.example", "ana@home.example"]
    assert c.emails[1].label == "home"
    c = book.promote_email(c.id, "ana@home.example")
    c = book.promote_phone(c.id, "+447400123456")
    assert (c.email, c.phone) == ("ana@home.example", "+447400123456")
    c = book.remove_email(c.id, "ana@home.example")
    c = book.remove_phone(c.id, "+44 7400 123456")
    assert (c.email, c.phone) == ("ana@work.example", "+14155552671")
    with pytest.raises(ValidationError):
        book.remove_email(c.id, "nobody@example.com")


def test_tags_are_added_removed_renamed_merged_and_deleted(book, admin):
    a = book.create("Ana", tags=["Hot lead"])
    b = book.create("Bo", tags=["Holiday"])
    assert book.add_tags(a.id, [" hot LEAD ", "VIP"]).tags == ["Hot lead", "VIP"]
    assert book.remove_tags(a.id, ["vip", "never had it"]).tags == ["Hot lead"]
    assert a.has_tag("HOT  lead") and not a.has_tag("vip")
    assert all(isinstance(t, Tag) for t in book.tags())
    assert [(t.name, t.contacts) for t in book.tags()] == [
        ("Holiday", 1),
        ("Hot lead", 1),
        ("VIP", 0),
    ]
    assert [t.name for t in book.find_tags("HO")] == ["Holiday", "Hot lead"]
    book.rename_tag("hot lead", "Warm", actor=admin)
    assert book.get(a.id).tags == ["Warm"]
    assert book.merge_tags("Holiday", "Warm", actor=admin) == 1
    assert book.get(b.id).tags == ["Warm"]
    assert book.delete_tag("warm", actor=admin) == 2
    assert [t.name for t in book.tags()] == ["VIP"]
    with pytest.raises(TagNotFoundError) as err:
        book.rename_tag("nope", "x", actor=admin)
    assert err.value.tag == "nope"
    with pytest.raises(ValidationError):
        book.add_tags(a.id, ["a,b"])


def test_verification_is_recorded_with_its_method(book, agent):
    c = book.create("Ana")
    v = book.set_verification(c.id, "verified", method="sms_code", actor=agent)
    assert v.verification == "verified"
    history = book.verification_history(c.id)
    assert [h["status"] for h in history] == ["unverified", "verified"]
    assert history[-1]["method"] == "sms_code" and history[-1]["actor_id"] == "u-agent"


def test_idempotency_key_makes_a_retry_return_the_first_contact(book):
    first = book.create("Ana", email="ana@x.com", idempotency_key="req-1")
    retry = book.create("Ana", email="ana@x.com", idempotency_key="req-1")
    assert first == retry and book.count() == 1


def test_upsert_creates_then_updates(book):
    a = book.upsert("Ana", email="ana@x.com")
    b = book.upsert("Ana Souza", email="ANA@x.com", tags=["Lead"])
    assert (a.created, b.created, b.contact.id) == (True, False, a.contact.id)
    assert (b.contact.name, b.contact.tags) == ("Ana Souza", ["Lead"])


def test_mark_reviewed_and_to_dict(book):
    out = book.record_inbound("telegram", "7781", "hi")
    assert not out.contact.reviewed
    assert book.mark_reviewed([out.contact.id, 999]) == 1
    c = book.get(out.contact.id)
    assert c.reviewed
    d = c.to_dict()
    assert d["id"] == c.id and d["source"] == "telegram" and isinstance(d["created_at"], str)


def test_the_book_is_a_context_manager_and_closes(tmp_path):
    path = tmp_path / "contacts.db"
    with ContactBook(path, actor=Actor.api("importer")) as book:
        c = book.create("Ana")
        assert book.actor.id == "importer" and book.path == str(path)
        assert not book.closed
    assert book.closed
    with pytest.raises(BookClosedError):
        book.get(c.id)
    book.close()  # twice is harmless
    with ContactBook(str(path)) as again:
        assert again.get(c.id).name == "Ana"


def test_book_options_are_checked(tmp_path):
    with pytest.raises(ValidationError) as err:
        ContactBook(":memory:", default_region="XX")
    assert err.value.field == "region"
    with ContactBook(":memory:", default_region="BR") as book:
        assert book.create("Ana", phone="(11) 91234-5678").phone == "+5511912345678"
    with pytest.raises(ValidationError):
        ContactBook(":memory:", busy_timeout=-1)


def test_actors(admin):
    assert (admin.id, admin.role, admin.origin) == ("u-admin", "admin", "ui")
    assert Actor.api("crm").role == "system"
    assert Actor.system("wa", "whatsapp").origin == "whatsapp"
    assert Actor.member("u", "owner") == Actor.member("u", "owner")
    with pytest.raises(ValidationError) as err:
        Actor.member("u", "boss")  # type: ignore[arg-type]
    assert err.value.field == "role"
    with pytest.raises(ValidationError):
        Actor.system("x", "fax")
    assert "u-admin" in repr(admin)
