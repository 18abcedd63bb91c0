"""The exception tree: one root, no builtin shadowed, every core kind mapped."""

import builtins
import sqlite3

import pytest

import contactkit
from contactkit import ContactBook, ContactKitError, SchemaTooNewError, StorageError, SyncError

EXCEPTIONS = [
    name for name in contactkit.__all__ if isinstance(getattr(contactkit, name), type)
    and issubclass(getattr(contactkit, name), BaseException)
]


def test_every_exception_derives_from_contactkit_error_and_shadows_no_builtin():
    assert len(EXCEPTIONS) == 13
    for name in EXCEPTIONS:
        cls = getattr(contactkit, name)
        assert issubclass(cls, ContactKitError) and issubclass(cls, Exception)
        assert not issubclass(cls, RuntimeError)
        assert name.endswith("Error") and not hasattr(builtins, name)
        assert cls.__doc__ and cls.__module__ == "contactkit"


def test_sync_error_is_reserved_under_the_root():
    with pytest.raises(ContactKitError):
        raise SyncError("the Chatwoot sync is not part of this version")


def test_a_book_from_a_newer_contactkit_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 9999")
    with pytest.raises(SchemaTooNewError) as err:
        ContactBook(path)
    assert err.value.found == 9999 and err.value.supported < 9999
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 9999


def test_a_file_that_is_not_a_book_is_a_storage_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError):
        ContactBook(path)
