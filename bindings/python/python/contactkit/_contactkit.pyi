# Type stubs of the native module, written by hand and checked against it by mypy.stubtest
# (scripts/test-python). Keep them in step with bindings/python/src.

import datetime
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any, Literal, Optional, Union, final

__version__: str
__all__ = [
    "Actor",
    "BookClosedError",
    "BulkOutcome",
    "ChangePage",
    "Contact",
    "ContactBook",
    "ContactImportError",
    "ContactIterator",
    "ContactKitError",
    "ContactNotFoundError",
    "Conversation",
    "DuplicateContactError",
    "DuplicatePair",
    "EmailAddress",
    "ExportSummary",
    "ImportReport",
    "InboundOutcome",
    "Message",
    "MessagePage",
    "Page",
    "PermissionDeniedError",
    "PhoneNumber",
    "Progress",
    "Query",
    "ResyncRequiredError",
    "SchemaTooNewError",
    "StorageError",
    "StreamError",
    "SyncError",
    "Tag",
    "TagNotFoundError",
    "UpsertOutcome",
    "ValidationError",
    "__version__",
]

_Path = Union[str, "os.PathLike[str]"]
_AttributeValue = Union[str, int, float, bool, datetime.date, datetime.datetime]
_Point = Union[str, tuple[str, Optional[str]]]
_Selection = Union["Query", Sequence[int]]
_Source = Literal["whatsapp", "telegram", "web_widget", "api", "import", "referral"]
_Verification = Literal["unverified", "pending", "verified", "failed"]
_Sort = Literal["name", "-name", "created", "-created", "activity", "-activity"]
_Channel = Literal["whatsapp", "telegram", "web_widget"]
_ProgressCallback = Callable[["Progress"], object]

class ContactKitError(Exception):
    """The root of every error contactkit raises."""

class ValidationError(ContactKitError):
    """A value failed validation."""

    field: str
    value: str
    reason: str

class DuplicateContactError(ContactKitError):
    """The email or phone already belongs to another contact."""

    field: str
    value: str
    existing_id: int

class ContactNotFoundError(ContactKitError):
    """No contact has this id (any more)."""

    contact_id: int

class TagNotFoundError(ContactKitError):
    """No tag has this name."""

    tag: str

class PermissionDeniedError(ContactKitError):
    """The actor's role may not take this action; nothing was changed."""

    action: str
    role: str

class ContactImportError(ContactKitError):
    """An import could not go on; nothing was written."""

    line: int
    column: Optional[str]
    byte: Optional[int]
    reason: str

class SyncError(ContactKitError):
    """The Chatwoot sync failed (reserved: the sync is not part of this version yet)."""

class SchemaTooNewError(ContactKitError):
    """The book file was written by a newer contactkit; it was left untouched."""

    found: int
    supported: int

class ResyncRequiredError(ContactKitError):
    """The change feed no longer holds the events asked for."""

    after: int
    oldest: int

class StorageError(ContactKitError):
    """The storage backend (SQLite) failed."""

class StreamError(ContactKitError):
    """Reading an import's input or writing an export's output failed."""

class BookClosedError(ContactKitError):
    """The book was closed."""

@final
class Actor:
    """The actor of a change: an id, a role and an origin."""

    @staticmethod
    def member(id: str, role: Literal["owner", "admin", "agent", "system"]) -> Actor: ...
    @staticmethod
    def api(id: str) -> Actor: ...
    @staticmethod
    def system(id: str, origin: str) -> Actor: ...
    @property
    def id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def origin(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class EmailAddress:
    """An email address of a contact, with an optional label."""

    @property
    def address(self) -> str: ...
    @property
    def label(self) -> Optional[str]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class PhoneNumber:
    """A phone number of a contact: E.164, the text it was given as, an optional label."""

    @property
    def e164(self) -> str: ...
    @property
    def original(self) -> str: ...
    @property
    def label(self) -> Optional[str]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Tag:
    """A tag of the book with the number of contacts carrying it."""

    @property
    def name(self) -> str: ...
    @property
    def contacts(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Contact:
    """A contact as stored: a frozen snapshot."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> Optional[str]: ...
    @property
    def phone(self) -> Optional[str]: ...
    @property
    def emails(self) -> list[EmailAddress]: ...
    @property
    def phones(self) -> list[PhoneNumber]: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def source(self) -> str: ...
    @property
    def verification(self) -> str: ...
    @property
    def attributes(self) -> dict[str, _AttributeValue]: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    @property
    def last_activity_at(self) -> Optional[datetime.datetime]: ...
    @property
    def reviewed(self) -> bool: ...
    def has_tag(self, tag: str) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Query:
    """What to list: filters, a search text, an order, a page size and where to start."""

    def __new__(
        cls,
        *,
        search: Optional[str] = None,
        tags_any: Optional[Sequence[str]] = None,
        tags_all: Optional[Sequence[str]] = None,
        tags_none: Optional[Sequence[str]] = None,
        source: Union[str, Sequence[str], None] = None,
        verification: Union[str, Sequence[str], None] = None,
        created_from: Optional[datetime.datetime] = None,
        created_to: Optional[datetime.datetime] = None,
        active_from: Optional[datetime.datetime] = None,
        active_to: Optional[datetime.datetime] = None,
        never_active: bool = False,
        has_email: Optional[bool] = None,
        has_phone: Optional[bool] = None,
        attributes: Optional[Mapping[str, _AttributeValue]] = None,
        filter: Optional[Mapping[str, Any]] = None,
        sort: str = "name",
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Query: ...
    def after(self, cursor: Optional[str]) -> Query: ...
    @property
    def search(self) -> Optional[str]: ...
    @property
    def sort(self) -> str: ...
    @property
    def limit(self) -> Optional[int]: ...
    @property
    def cursor(self) -> Optional[str]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Page:
    """One page of results."""

    @property
    def contacts(self) -> list[Contact]: ...
    @property
    def total(self) -> int: ...
    @property
    def next_cursor(self) -> Optional[str]: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Contact]: ...

@final
class ContactIterator:
    """Every contact matching a query, read one page at a time."""

    def __iter__(self) -> ContactIterator: ...
    def __next__(self) -> Contact: ...

@final
class BulkOutcome:
    """What a bulk action did."""

    @property
    def selected(self) -> int: ...
    @property
    def changed(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class InboundOutcome:
    """What recording an inbound message or a web form did."""

    @property
    def contact(self) -> Contact: ...
    @property
    def created(self) -> bool: ...
    @property
    def conversation_id(self) -> int: ...
    @property
    def message_id(self) -> int: ...

@final
class UpsertOutcome:
    """What an upsert did."""

    @property
    def contact(self) -> Contact: ...
    @property
    def created(self) -> bool: ...

@final
class Progress:
    """How far a long import or export has got."""

    @property
    def rows_done(self) -> int: ...
    @property
    def bytes_done(self) -> int: ...
    @property
    def bytes_total(self) -> Optional[int]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class ImportReport:
    """What an import did or would do."""

    @property
    def format(self) -> str: ...
    @property
    def encoding(self) -> str: ...
    @property
    def delimiter(self) -> Optional[str]: ...
    @property
    def mapping(self) -> list[dict[str, Any]]: ...
    @property
    def unmapped(self) -> list[dict[str, Any]]: ...
    @property
    def issues(self) -> list[dict[str, Any]]: ...
    @property
    def rows_read(self) -> int: ...
    @property
    def created(self) -> int: ...
    @property
    def updated(self) -> int: ...
    @property
    def skipped(self) -> int: ...
    @property
    def blank(self) -> int: ...
    @property
    def invalid(self) -> int: ...
    @property
    def ragged(self) -> int: ...
    @property
    def committed(self) -> bool: ...
    @property
    def default_region(self) -> str: ...
    @property
    def region_guess(self) -> dict[str, str] | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class ExportSummary:
    """What an export wrote."""

    @property
    def contacts(self) -> int: ...
    @property
    def bytes(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class ChangePage:
    """A page of the change feed."""

    @property
    def events(self) -> list[dict[str, Any]]: ...
    @property
    def next(self) -> int: ...

@final
class DuplicatePair:
    """A likely duplicate pair, scored 0 to 1."""

    @property
    def a(self) -> int: ...
    @property
    def b(self) -> int: ...
    @property
    def score(self) -> float: ...
    @property
    def reasons(self) -> list[dict[str, Any]]: ...

@final
class Conversation:
    """A conversation of a contact on one channel."""

    @property
    def id(self) -> int: ...
    @property
    def contact_id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def started_at(self) -> datetime.datetime: ...
    @property
    def last_message_at(self) -> datetime.datetime: ...

@final
class Message:
    """One message of a conversation."""

    @property
    def id(self) -> int: ...
    @property
    def conversation_id(self) -> int: ...
    @property
    def direction(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def at(self) -> datetime.datetime: ...
    @property
    def form_name(self) -> Optional[str]: ...

@final
class MessagePage:
    """A page of a conversation's messages, newest first."""

    @property
    def messages(self) -> list[Message]: ...
    @property
    def next_before(self) -> Optional[int]: ...

@final
class ContactBook:
    """A contact book in one SQLite file, or in memory with ":memory:"."""

    def __new__(
        cls,
        path: _Path,
        *,
        actor: Optional[Actor] = None,
        default_region: str = "US",
        busy_timeout: float = 5.0,
    ) -> ContactBook: ...
    @property
    def path(self) -> str: ...
    @property
    def actor(self) -> Actor: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> ContactBook: ...
    def __exit__(self, *_exc: object) -> bool: ...
    def create(
        self,
        name: str,
        *,
        email: Optional[str] = None,
        phone: Optional[str] = None,
        additional_emails: Optional[Sequence[_Point]] = None,
        additional_phones: Optional[Sequence[_Point]] = None,
        tags: Optional[Sequence[str]] = None,
        source: Optional[_Source] = None,
        verification: Optional[_Verification] = None,
        attributes: Optional[Mapping[str, _AttributeValue]] = None,
        created_at: Optional[datetime.datetime] = None,
        last_activity_at: Optional[datetime.datetime] = None,
        idempotency_key: Optional[str] = None,
        actor: Optional[Actor] = None,
    ) -> Contact: ...
    def upsert(
        self,
        name: str,
        *,
        email: Optional[str] = None,
        phone: Optional[str] = None,
        additional_emails: Optional[Sequence[_Point]] = None,
        additional_phones: Optional[Sequence[_Point]] = None,
        tags: Optional[Sequence[str]] = None,
        source: Optional[_Source] = None,
        verification: Optional[_Verification] = None,
        attributes: Optional[Mapping[str, _AttributeValue]] = None,
        created_at: Optional[datetime.datetime] = None,
        last_activity_at: Optional[datetime.datetime] = None,
        idempotency_key: Optional[str] = None,
        actor: Optional[Actor] = None,
    ) -> UpsertOutcome: ...
    def get(self, id: int) -> Contact: ...
    def update(
        self,
        id: int,
        *,
        name: Optional[str] = None,
        email: Optional[str] = None,
        phone: Optional[str] = None,
        clear_email: bool = False,
        clear_phone: bool = False,
        source: Optional[_Source] = None,
        verification: Optional[_Verification] = None,
        set_attributes: Optional[Mapping[str, _AttributeValue]] = None,
        unset_attributes: Optional[Sequence[str]] = None,
        last_activity_at: Optional[datetime.datetime] = None,
        actor: Optional[Actor] = None,
    ) -> Contact: ...
    def delete(self, id: int, *, actor: Optional[Actor] = None) -> None: ...
    def add_tags(self, id: int, tags: Sequence[str], *, actor: Optional[Actor] = None) -> Contact: ...
    def remove_tags(self, id: int, tags: Sequence[str], *, actor: Optional[Actor] = None) -> Contact: ...
    def add_email(
        self, id: int, email: str, *, label: Optional[str] = None, actor: Optional[Actor] = None
    ) -> Contact: ...
    def add_phone(
        self, id: int, phone: str, *, label: Optional[str] = None, actor: Optional[Actor] = None
    ) -> Contact: ...
    def remove_email(self, id: int, email: str, *, actor: Optional[Actor] = None) -> Contact: ...
    def remove_phone(self, id: int, phone: str, *, actor: Optional[Actor] = None) -> Contact: ...
    def promote_email(self, id: int, email: str, *, actor: Optional[Actor] = None) -> Contact: ...
    def promote_phone(self, id: int, phone: str, *, actor: Optional[Actor] = None) -> Contact: ...
    def set_verification(
        self,
        id: int,
        status: _Verification,
        *,
        method: Optional[str] = None,
        actor: Optional[Actor] = None,
    ) -> Contact: ...
    def verification_history(self, id: int) -> list[dict[str, Any]]: ...
    def mark_reviewed(self, ids: Sequence[int], *, actor: Optional[Actor] = None) -> int: ...
    def tags(self) -> list[Tag]: ...
    def find_tags(self, prefix: str, limit: int = 10) -> list[Tag]: ...
    def rename_tag(self, old: str, new: str, *, actor: Optional[Actor] = None) -> None: ...
    def merge_tags(self, source: str, into: str, *, actor: Optional[Actor] = None) -> int: ...
    def delete_tag(self, name: str, *, actor: Optional[Actor] = None) -> int: ...
    # query, count and iter take a Query, or Query's keyword arguments.
    def query(
        self,
        query: Optional[Query] = None,
        /,
        *,
        search: Optional[str] = ...,
        tags_any: Optional[Sequence[str]] = ...,
        tags_all: Optional[Sequence[str]] = ...,
        tags_none: Optional[Sequence[str]] = ...,
        source: Union[str, Sequence[str], None] = ...,
        verification: Union[str, Sequence[str], None] = ...,
        created_from: Optional[datetime.datetime] = ...,
        created_to: Optional[datetime.datetime] = ...,
        active_from: Optional[datetime.datetime] = ...,
        active_to: Optional[datetime.datetime] = ...,
        never_active: bool = ...,
        has_email: Optional[bool] = ...,
        has_phone: Optional[bool] = ...,
        attributes: Optional[Mapping[str, _AttributeValue]] = ...,
        filter: Optional[Mapping[str, Any]] = ...,
        sort: str = ...,
        limit: Optional[int] = ...,
        cursor: Optional[str] = ...,
    ) -> Page: ...
    def count(
        self,
        query: Optional[Query] = None,
        /,
        *,
        search: Optional[str] = ...,
        tags_any: Optional[Sequence[str]] = ...,
        tags_all: Optional[Sequence[str]] = ...,
        tags_none: Optional[Sequence[str]] = ...,
        source: Union[str, Sequence[str], None] = ...,
        verification: Union[str, Sequence[str], None] = ...,
        created_from: Optional[datetime.datetime] = ...,
        created_to: Optional[datetime.datetime] = ...,
        active_from: Optional[datetime.datetime] = ...,
        active_to: Optional[datetime.datetime] = ...,
        never_active: bool = ...,
        has_email: Optional[bool] = ...,
        has_phone: Optional[bool] = ...,
        attributes: Optional[Mapping[str, _AttributeValue]] = ...,
        filter: Optional[Mapping[str, Any]] = ...,
        sort: str = ...,
        limit: Optional[int] = ...,
        cursor: Optional[str] = ...,
    ) -> int: ...
    def iter(
        self,
        query: Optional[Query] = None,
        /,
        *,
        search: Optional[str] = ...,
        tags_any: Optional[Sequence[str]] = ...,
        tags_all: Optional[Sequence[str]] = ...,
        tags_none: Optional[Sequence[str]] = ...,
        source: Union[str, Sequence[str], None] = ...,
        verification: Union[str, Sequence[str], None] = ...,
        created_from: Optional[datetime.datetime] = ...,
        created_to: Optional[datetime.datetime] = ...,
        active_from: Optional[datetime.datetime] = ...,
        active_to: Optional[datetime.datetime] = ...,
        never_active: bool = ...,
        has_email: Optional[bool] = ...,
        has_phone: Optional[bool] = ...,
        attributes: Optional[Mapping[str, _AttributeValue]] = ...,
        filter: Optional[Mapping[str, Any]] = ...,
        sort: str = ...,
        limit: Optional[int] = ...,
        cursor: Optional[str] = ...,
    ) -> ContactIterator: ...
    def bulk_add_tags(
        self, selection: _Selection, tags: Sequence[str], *, actor: Optional[Actor] = None
    ) -> BulkOutcome: ...
    def bulk_remove_tags(
        self, selection: _Selection, tags: Sequence[str], *, actor: Optional[Actor] = None
    ) -> BulkOutcome: ...
    def bulk_delete(self, selection: _Selection, *, actor: Optional[Actor] = None) -> BulkOutcome: ...
    def record_inbound(
        self,
        channel: _Channel,
        sender_id: str,
        text: str,
        *,
        name: Optional[str] = None,
        phone: Optional[str] = None,
        email: Optional[str] = None,
        username: Optional[str] = None,
        at: Optional[datetime.datetime] = None,
        idempotency_key: Optional[str] = None,
    ) -> InboundOutcome: ...
    def submit_web_form(
        self,
        form_name: str,
        *,
        visitor_id: Optional[str] = None,
        name: Optional[str] = None,
        email: Optional[str] = None,
        phone: Optional[str] = None,
        message: Optional[str] = None,
        at: Optional[datetime.datetime] = None,
        idempotency_key: Optional[str] = None,
    ) -> InboundOutcome: ...
    def record_outbound(
        self,
        id: int,
        channel: _Channel,
        text: str,
        *,
        at: Optional[datetime.datetime] = None,
        actor: Optional[Actor] = None,
    ) -> int: ...
    def conversations(self, id: int) -> list[Conversation]: ...
    def messages(
        self, conversation_id: int, *, before: Optional[int] = None, limit: int = 50
    ) -> MessagePage: ...
    def channel_identities(self, id: int) -> list[dict[str, Any]]: ...
    def import_preview(
        self,
        source: Union[_Path, bytes, bytearray, IO[bytes], IO[str]],
        *,
        format: Optional[Literal["csv", "json", "vcard"]] = None,
        encoding: Optional[str] = None,
        delimiter: Optional[str] = None,
        mapping: Optional[Mapping[str, str]] = None,
        on_duplicate: Literal["skip", "update", "abort"] = "skip",
        default_region: Optional[str] = None,
    ) -> ImportReport: ...
    def import_commit(
        self,
        source: Union[_Path, bytes, bytearray, IO[bytes], IO[str]],
        *,
        format: Optional[Literal["csv", "json", "vcard"]] = None,
        encoding: Optional[str] = None,
        delimiter: Optional[str] = None,
        mapping: Optional[Mapping[str, str]] = None,
        on_duplicate: Literal["skip", "update", "abort"] = "skip",
        default_region: Optional[str] = None,
        progress: Optional[_ProgressCallback] = None,
        errors: Union[_Path, IO[bytes], IO[str], None] = None,
        idempotency_key: Optional[str] = None,
        actor: Optional[Actor] = None,
    ) -> ImportReport: ...
    def export(
        self,
        destination: Union[_Path, IO[bytes], IO[str]],
        *,
        format: Literal["csv", "json", "ndjson", "vcard"] = "csv",
        scope: Optional[_Selection] = None,
        bom: bool = False,
        progress: Optional[_ProgressCallback] = None,
    ) -> ExportSummary: ...
    def attribute_keys(self) -> list[str]: ...
    def gdpr_export(self, id: int, *, actor: Optional[Actor] = None) -> dict[str, Any]: ...
    def audit_log(self, after: int = 0, limit: int = 100) -> list[dict[str, Any]]: ...
    def changes(
        self,
        after: int = 0,
        *,
        limit: int = 100,
        meaningful_only: bool = False,
        kinds: Optional[Sequence[str]] = None,
        contact_id: Optional[int] = None,
    ) -> ChangePage: ...
    def last_change(self) -> int: ...
    def wait_for_changes(self, after: int, timeout: float = 30.0) -> bool: ...
    def compact_changes(
        self,
        *,
        events: Optional[datetime.timedelta] = None,
        tombstones: Optional[datetime.timedelta] = None,
        now: Optional[datetime.datetime] = None,
    ) -> int: ...
    def consumer_cursor(self, name: str) -> int: ...
    def acknowledge(self, name: str, seq: int) -> None: ...
    def find_duplicates(self, limit: int = 100) -> list[DuplicatePair]: ...
    def merge(
        self,
        survivor: int,
        absorbed: int,
        *,
        name_from_absorbed: bool = False,
        email_from_absorbed: bool = False,
        phone_from_absorbed: bool = False,
        source_from_absorbed: bool = False,
        verification_from_absorbed: bool = False,
        attributes_from_absorbed: bool = False,
        actor: Optional[Actor] = None,
    ) -> Contact: ...
    def backup(self, path: _Path) -> None: ...
    def configure_sync(self, base_url: str, account_id: int, *, webhook_secret_env: Optional[str] = None) -> None: ...
    def sync_now(
        self, token: str, *, progress: Optional[Callable[[str, int, int], object]] = None
    ) -> dict[str, Any]: ...
    def sync_status(self) -> dict[str, Any]: ...
