"""contactkit from Python: the main job on an embedded book.

Run it with `python examples/python/quickstart.py` once the package is installed
(`scripts/test-python` does both). It creates contacts, records a WhatsApp message, queries
and pages, tags in bulk, imports a CSV with a progress callback, and exports.
"""

import datetime as dt
import io

from contactkit import Actor, ContactBook, DuplicateContactError, Query


def main() -> None:
    agent = Actor.member("u-7", "agent")
    with ContactBook(":memory:", actor=agent) as book:
        lead = book.create(
            "José Álvarez",
            email="Jose@Example.com",
            phone="+34 612 34 56 78",
            tags=["Hot"],
            source="whatsapp",
            attributes={"budget": 250000, "visit": dt.date(2024, 5, 1)},
        )
        print(f"created #{lead.id} {lead.name} {lead.phone} {lead.tags}")

        # The same email in another case is the same contact point: refused, not duplicated.
        try:
            book.create("Pepe", email="JOSE@example.com")
        except DuplicateContactError as err:
            print(f"refused: {err} (existing contact #{err.existing_id})")

        # A first WhatsApp message creates its contact; later ones find it again.
        first = book.record_inbound("whatsapp", "5511912345678", "Oi! Is the flat free?", name="Ana")
        again = book.record_inbound("whatsapp", "+55 11 91234-5678", "Can I visit on Tuesday?")
        assert again.contact.id == first.contact.id and not again.created
        print(f"inbound: #{first.contact.id} {first.contact.name}, source {first.contact.source}")

        # Import a spreadsheet export: preview first, then commit with a progress callback.
        csv = (
            "First Name,Last Name,E-mail Address,Mobile Phone,Labels\n"
            "Marta,Nowak,marta@example.pl,+48 601 234 567,buyer\n"
            "Li,Wei,li@example.cn,,buyer|vip\n"
            ",,not-an-email,,\n"
        ).encode()
        preview = book.import_preview(csv)
        print(f"preview: {preview.created} to create, {preview.invalid} invalid (line {preview.issues[0]['line']})")
        report = book.import_commit(csv, progress=lambda p: print(f"  ... {p.rows_done} rows"))
        print(f"imported: {report.created} created, committed={report.committed}")

        # Query with keyword arguments; page with the cursor; iterate everything lazily.
        page = book.query(tags_any=["buyer"], sort="-created", limit=1)
        print(f"buyers: {page.total}; first page {[c.name for c in page.contacts]}")
        rest = book.query(tags_any=["buyer"], sort="-created", limit=1, cursor=page.next_cursor)
        print(f"next page {[c.name for c in rest.contacts]}")
        print("everyone:", ", ".join(c.name for c in book.iter(limit=2)))

        # Bulk-tag everyone who wrote on WhatsApp, then export them as CSV.
        outcome = book.bulk_add_tags(Query(source="whatsapp"), ["Call back"])
        print(f"bulk: {outcome.changed} of {outcome.selected} tagged")
        out = io.StringIO()
        summary = book.export(out, format="csv", scope=Query(tags_any=["call back"]))
        print(f"exported {summary.contacts} contacts, {summary.bytes} bytes; header: {out.getvalue().splitlines()[0][:40]}...")

        # A data subject's access request: everything about one contact, as a dict.
        export = book.gdpr_export(first.contact.id, actor=Actor.member("dpo", "admin"))
        print(f"gdpr: {export['schema']}, {len(export['conversations'][0]['messages'])} messages")


if __name__ == "__main__":
    main()
