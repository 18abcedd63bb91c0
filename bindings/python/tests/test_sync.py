"""Syncing a book with Chatwoot, against a small fake of its contact API on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

import contactkit

TOKEN = "py-token-1234"


class FakeChatwoot(BaseHTTPRequestHandler):
    """Just enough of Chatwoot's contact routes for a first sync of a small book."""

    contacts: dict[int, dict[str, Any]] = {}
    tokens: list[str] = []
    labels: list[str] = []

    def log_message(self, *args: Any) -> None:  # keep pytest's output clean
        pass

    def reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self) -> bool:
        token = self.headers.get("api_access_token")
        self.tokens.append(token or "")
        if token != TOKEN:
            self.reply(401, {"error": "Invalid Access Token"})
            return False
        return True

    def do_GET(self) -> None:
        if not self.authorized():
            return
        path, _, query = self.path.partition("?")
        if path.endswith("/accounts/1/labels"):
            self.reply(200, {"payload": [{"title": t} for t in self.labels]})
        elif path.endswith("/contacts"):
            page = int(dict(p.split("=") for p in query.split("&")).get("page", "1"))
            rows = list(self.contacts.values())[(page - 1) * 15 : page * 15]
            self.reply(200, {"meta": {"count": len(self.contacts), "current_page": page}, "payload": rows})
        else:
            self.reply(404, {"error": "Resource could not be found"})

    def do_POST(self) -> None:
        if not self.authorized():
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        if self.path.endswith("/contacts"):
            cid = len(self.contacts) + 1
            contact = {"id": cid, "name": body.get("name", ""), "email": body.get("email"),
                       "phone_number": body.get("phone_number"), "identifier": body.get("identifier"),
                       "custom_attributes": body.get("custom_attributes", {})}
            self.contacts[cid] = contact
            self.reply(200, {"payload": {"contact": contact, "contact_inbox": {"inbox": None, "source_id": None}}})
        elif self.path.endswith("/accounts/1/labels"):
            self.labels.append(body["title"])
            self.reply(200, {"title": body["title"]})
        elif self.path.endswith("/labels"):
            self.reply(200, {"payload": body.get("labels", [])})
        else:
            self.reply(404, {"error": "Resource could not be found"})


@pytest.fixture()
def chatwoot() -> Any:
    FakeChatwoot.contacts = {}
    FakeChatwoot.tokens = []
    FakeChatwoot.labels = []
    server = HTTPServer(("127.0.0.1", 0), FakeChatwoot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_sync_now_pushes_the_book_and_reports_progress(chatwoot: str) -> None:
    book = contactkit.ContactBook(":memory:")
    book.create("Ana", email="ana@example.com", tags=["Hot lead"])
    book.configure_sync(chatwoot, 1)
    steps: list[tuple[str, int, int]] = []
    report = book.sync_now(TOKEN, progress=lambda phase, done, total: steps.append((phase, done, total)))
    assert report["created_remote"] == 1
    assert FakeChatwoot.contacts[1]["email"] == "ana@example.com"
    assert FakeChatwoot.contacts[1]["identifier"].startswith("contactkit:")
    assert ("push_new", 0, 1) in steps
    assert set(FakeChatwoot.tokens) == {TOKEN}
    assert FakeChatwoot.labels == ["hot-lead"], "the account label is made before it is used"
    status = book.sync_status()
    assert status["links"] == 1 and status["settings"]["account_id"] == 1


def test_a_bad_token_or_no_settings_raise_sync_error(chatwoot: str) -> None:
    book = contactkit.ContactBook(":memory:")
    with pytest.raises(contactkit.SyncError):
        book.sync_now(TOKEN)
    book.configure_sync(chatwoot, 1)
    with pytest.raises(contactkit.SyncError) as raised:
        book.sync_now("wrong-token")
    assert "wrong-token" not in str(raised.value)
    with pytest.raises(contactkit.ValidationError):
        book.configure_sync("ftp://nope", 1)


def test_raising_in_progress_cancels_the_sync(chatwoot: str) -> None:
    book = contactkit.ContactBook(":memory:")
    book.create("Ana", email="ana@example.com")
    book.configure_sync(chatwoot, 1)

    def stop(phase: str, done: int, total: int) -> None:
        raise KeyboardInterrupt("stop")

    with pytest.raises(KeyboardInterrupt):
        book.sync_now(TOKEN, progress=stop)
    # Running it again finishes the job without duplicates.
    assert book.sync_now(TOKEN)["created_remote"] == 1
    assert len(FakeChatwoot.contacts) == 1
