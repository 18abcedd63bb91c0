"""Inbound messages, web forms, conversations, and the data a contact's history holds."""

import datetime as dt
import json

import pytest

from contactkit import (
    Conversation,
    InboundOutcome,
    Message,
    MessagePage,
    ValidationError,
)

UTC = dt.timezone.utc


def test_a_first_message_creates_the_contact_and_later_ones_find_it(book):
    first = book.record_inbound("whatsapp", "5511912345678", "Oi! Is the flat free?", name="Ana")
    assert isinstance(first, InboundOutcome) and first.created
    assert (first.contact.name, first.contact.phone, first.contact.source) == ("Ana", "+5511912345678", "whatsapp")
    assert first.contact.last_activity_at is not None
    again = book.record_inbound("whatsapp", "+55 11 91234-5678", "Can I visit?")
    assert (again.created, again.contact.id, again.conversation_id) == (False, first.contact.id, first.conversation_id)
    assert again.message_id != first.message_id


def test_inbound_arguments(book):
    at = dt.datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    out = book.record_inbound(
        "telegram", "7781", "hi", username="ana_s", email="ana@example.com", phone="+1 415 555 2671",
        at=at, idempotency_key="tg-1",
    )
    assert out.contact.last_activity_at == at and out.contact.email == "ana@example.com"
    retry = book.record_inbound("telegram", "7781", "hi", idempotency_key="tg-1")
    assert retry.message_id == out.message_id
    identities = book.channel_identities(out.contact.id)
    assert identities[0]["channel"] == "telegram" and identities[0]["username"] == "ana_s"
    with pytest.raises(ValidationError) as err:
        book.record_inbound("telegram", "   ", "hi")
    assert err.value.field == "channel"
    with pytest.raises(ValidationError):
        book.record_inbound("fax", "1", "hi")  # type: ignore[arg-type]


def test_web_forms(book):
    out = book.submit_web_form("book-a-visit", name="Bo", email="bo@example.com", message="Tuesday?")
    assert (out.created, out.contact.source) == (True, "web_widget")
    same = book.submit_web_form("contact-us", email="BO@example.com", visitor_id="v-1", phone="+14155552671")
    assert same.contact.id == out.contact.id
    with pytest.raises(ValidationError):
        book.submit_web_form("contact-us", name="Nobody")
    with pytest.raises(ValidationError):
        book.submit_web_form("contact-us", email="not an email")


def test_conversations_and_messages(book):
    out = book.record_inbound("telegram", "7781", "hi")
    sent = book.record_outbound(out.contact.id, "telegram", "hello, how can I help?")
    assert isinstance(sent, int)
    convs = book.conversations(out.contact.id)
    assert len(convs) == 1 and isinstance(convs[0], Conversation)
    assert (convs[0].channel, convs[0].contact_id) == ("telegram", out.contact.id)
    assert convs[0].started_at.tzinfo is not None
    page = book.messages(convs[0].id, limit=1)
    assert isinstance(page, MessagePage) and isinstance(page.messages[0], Message)
    assert (page.messages[0].direction, page.messages[0].text) == ("outbound", "hello, how can I help?")
    older = book.messages(convs[0].id, before=page.next_before)
    assert [m.text for m in older.messages] == ["hi"] and older.next_before is None
    with pytest.raises(ValidationError):
        book.messages(999)


def test_gdpr_export_is_a_json_ready_dict(book, admin):
    out = book.record_inbound("whatsapp", "5511912345678", "oi")
    export = book.gdpr_export(out.contact.id, actor=admin)
    assert isinstance(export, dict)
    assert export["schema"].startswith("contactkit.gdpr_export/")
    assert export["contact"]["id"] == out.contact.id
    assert export["conversations"][0]["messages"][0]["text"] == "oi"
    json.dumps(export)  # plain data only
    assert book.audit_log()[-1]["action"] == "gdpr_export"
