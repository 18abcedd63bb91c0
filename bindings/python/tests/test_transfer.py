"""Import (preview, commit, progress, cancel, errors) and export (path, binary and text files)."""

import io
import json

import pytest

from contactkit import (
    ContactImportError,
    ContactNotFoundError,
    ExportSummary,
    ImportReport,
    Progress,
    Query,
    StreamError,
    ValidationError,
)

CSV = (
    "First Name,Last Name,E-mail Address,Mobile Phone,Notes\n"
    "Ana,Souza,ana@example.com,+55 11 91234-5678,met at fair\n"
    ",,not-an-email,,\n"
    "Bo,Li,bo@example.com,,\n"
)


def test_preview_reports_without_writing(book):
    report = book.import_preview(CSV.encode())
    assert isinstance(report, ImportReport)
    assert (report.rows_read, report.created, report.invalid, report.committed) == (3, 2, 1, False)
    assert (report.format, report.encoding, report.delimiter) == ("csv", "UTF-8", ",")
    assert report.issues[0]["line"] == 3 and report.issues[0]["kind"] == "invalid"
    assert report.unmapped[0]["sample"] == "met at fair"
    assert report.mapping[2]["target"]["field"] == "email"
    assert report.to_dict()["created"] == 2 and "rows_read=3" in repr(report)
    assert book.count() == 0


def test_commit_from_a_path_a_binary_file_and_a_text_file(book, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(CSV, encoding="utf-8")
    seen = []
    report = book.import_commit(path, progress=seen.append)
    assert (report.created, report.committed) == (2, True)
    assert seen and isinstance(seen[0], Progress) and seen[0].bytes_total == path.stat().st_size
    assert book.count() == 2
    again = book.import_commit(io.BytesIO(CSV.encode()))
    assert (again.created, again.skipped) == (0, 2)
    text = book.import_commit(io.StringIO("name,email\nCy,cy@example.com\n"))
    assert text.created == 1
    updated = book.import_commit(b"name,email,tags\nAna S,ana@example.com,vip\n", on_duplicate="update")
    assert updated.updated == 1 and book.query(tags_any=["vip"]).contacts[0].name == "Ana S"


def test_options_mapping_format_delimiter_and_region(book):
    data = "Who;Cell\nAna;(11) 91234-5678\n".encode("cp1252")
    report = book.import_commit(
        data,
        format="csv",
        encoding="windows-1252",
        delimiter=";",
        mapping={"Who": "name", "Cell": "phone:mobile"},
        default_region="BR",
    )
    assert report.created == 1
    c = book.query().contacts[0]
    assert (c.name, c.phone, c.phones[0].label) == ("Ana", "+5511912345678", "mobile")
    assert (report.default_region, report.region_guess) == ("BR", None)
    with pytest.raises(ValidationError):
        book.import_preview(data, mapping={"Who": "shoe size"})
    with pytest.raises(ValidationError):
        book.import_preview(data, on_duplicate="explode")
    with pytest.raises(ValidationError):
        book.import_preview(data, format="xlsx")


def test_abort_on_duplicate_raises_contact_import_error_and_writes_nothing(book):
    book.create("Ana", email="ana@example.com")
    with pytest.raises(ContactImportError) as err:
        book.import_commit(CSV.encode(), on_duplicate="abort")
    assert err.value.line == 2 and err.value.reason
    assert book.count() == 1


def test_raising_in_the_progress_callback_cancels_and_propagates(book):
    class Stop(Exception):
        pass

    def progress(p):
        raise Stop(p.rows_done)

    with pytest.raises(Stop):
        book.import_commit(CSV.encode(), progress=progress)
    assert book.count() == 0


def test_a_failing_file_raises_its_own_exception(book):
    class Broken(io.RawIOBase):
        def read(self, n=-1):
            raise OSError("disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        book.import_commit(Broken())
    with pytest.raises(StreamError):
        book.import_commit("/nonexistent/contacts.csv")


def test_rejected_rows_go_to_the_errors_file(book, tmp_path):
    out = io.StringIO()
    book.import_commit(CSV.encode(), errors=out)
    assert "import_error" in out.getvalue().splitlines()[0] and "not-an-email" in out.getvalue()
    path = tmp_path / "errors.csv"
    book.import_commit(CSV.encode(), errors=path)
    assert "not-an-email" in path.read_text(encoding="utf-8")


def test_export_to_a_path_and_to_file_objects(book, tmp_path):
    ana = book.create("Ana", email="ana@example.com", tags=["VIP"], attributes={"budget": 10})
    book.create("Bo", tags=["cold"])
    path = tmp_path / "out.csv"
    summary = book.export(path)
    assert isinstance(summary, ExportSummary) and summary.contacts == 2
    assert summary.bytes == path.stat().st_size
    assert path.read_text(encoding="utf-8").startswith("id,name,email,phone,")
    binary = io.BytesIO()
    book.export(binary, format="ndjson", scope=Query(tags_any=["vip"]))
    rows = [json.loads(line) for line in binary.getvalue().splitlines()]
    assert [r["name"] for r in rows] == ["Ana"] and rows[0]["attributes"] == {"budget": 10}
    text = io.StringIO()
    book.export(text, format="json", scope=[ana.id])
    assert json.loads(text.getvalue())[0]["email"] == "ana@example.com"
    card = io.BytesIO()
    assert book.export(card, format="vcard").contacts == 2
    assert card.getvalue().startswith(b"BEGIN:VCARD")
    bom = io.BytesIO()
    book.export(bom, bom=True)
    assert bom.getvalue().startswith(b"\xef\xbb\xbf")
    with pytest.raises(ContactNotFoundError):
        book.export(io.BytesIO(), scope=[999])
    with pytest.raises(ValidationError):
        book.export(io.BytesIO(), format="pdf")


def test_export_round_trips_through_import(book):
    book.create("José Álvarez", email="jose@example.com", phone="+34 612 34 56 78", tags=["Hot", "VIP"])
    buf = io.BytesIO()
    book.export(buf, format="csv")
    from contactkit import ContactBook

    with ContactBook(":memory:") as other:
        assert other.import_commit(buf.getvalue()).created == 1
        c = other.query().contacts[0]
        assert (c.name, c.email, c.phone, c.tags) == ("José Álvarez", "jose@example.com", "+34612345678", ["Hot", "VIP"])


def test_export_progress_can_stop_it(book):
    for n in range(3):
        book.create(f"C{n}")

    def stop(p):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        book.export(io.BytesIO(), progress=stop)


def test_a_failing_writer_raises_its_own_exception(book):
    book.create("Ana")

    class Full(io.RawIOBase):
        def writable(self):
            return True

        def write(self, b):
            raise OSError("no space left")

    with pytest.raises(OSError, match="no space left"):
        book.export(Full())


def test_a_retried_import_with_its_key_writes_nothing_more(book):
    first = book.import_commit(CSV.encode(), idempotency_key="upload-7")
    book.delete(book.query(search="bo").contacts[0].id)
    retry = book.import_commit(CSV.encode(), idempotency_key="upload-7")
    assert retry.to_dict() == first.to_dict() and book.count() == 1
    assert book.import_commit(CSV.encode(), idempotency_key="upload-8").created == 1


def test_attribute_keys(book):
    book.create("Ana", attributes={"plan": "pro", "budget": 1})
    assert book.attribute_keys() == ["budget", "plan"]


def test_a_header_in_one_language_reads_national_phones_in_its_country(book):
    report = book.import_preview("Vorname,Nachname,Mobiltelefon\nAnna,Schmidt,0171 2345678\n".encode())
    assert report.default_region == "DE"
    assert report.region_guess == {"region": "DE", "reason": "the headers are in German"}
    assert report.issues == []
