"""contactkit: an embeddable contacts engine.

Contacts (leads and customers who write on WhatsApp, Telegram or a web widget), their
emails and phones, tags and custom attributes, in a book backed by an embedded SQLite file
or kept in memory. The engine is the Rust crate ``contactkit``; this package is its Python
face.

>>> from contactkit import ContactBook
>>> with ContactBook(":memory:") as book:
...     ana = book.create("José Álvarez", phone="+34 612 34 56 78", tags=["Hot"])
...     [c.name for c in book.query(search="jose", tags_any=["hot"]).contacts]
['José Álvarez']
"""

from contactkit._contactkit import (
    Actor,
    BookClosedError,
    BulkOutcome,
    ChangePage,
    Contact,
    ContactBook,
    ContactImportError,
    ContactIterator,
    ContactKitError,
    ContactNotFoundError,
    Conversation,
    DuplicateContactError,
    DuplicatePair,
    EmailAddress,
    ExportSummary,
    ImportReport,
    InboundOutcome,
    Message,
    MessagePage,
    Page,
    PermissionDeniedError,
    PhoneNumber,
    Progress,
    Query,
    ResyncRequiredError,
    SchemaTooNewError,
    StorageError,
    StreamError,
    SyncError,
    Tag,
    TagNotFoundError,
    UpsertOutcome,
    ValidationError,
    __version__,
)

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
