/* quickstart.c: open a book, add two contacts, query, iterate, and handle an error.
 *
 *   cargo build -p contactkit-ffi --release
 *   cc -Wall -Wextra -Iinclude examples/c/quickstart.c \
 *      target/release/libcontactkit_ffi.a -lpthread -ldl -lm -o quickstart && ./quickstart
 */
#include <stdio.h>
#include <stdlib.h>

#include "contactkit.h"

/* Prints the thread's last error and stops: every call returns a status, 0 is OK. */
static void check(contactkit_status status, const char *what) {
    if (status != CONTACTKIT_STATUS_OK) {
        fprintf(stderr, "%s failed: %s (%s)\n  details: %s\n", what, contactkit_last_error_message(),
                contactkit_status_name(status), contactkit_last_error_details());
        exit(1);
    }
}

int main(void) {
    const char *me = "{\"id\": \"u-1\", \"role\": \"admin\", \"origin\": \"ui\"}";
    contactkit_book *book = NULL;
    char *json = NULL; /* every char * we get back is freed with contactkit_string_free */

    check(contactkit_book_open_in_memory(NULL, &book), "open");

    check(contactkit_contact_create(book, me,
                                    "{\"name\": \"José Álvarez\", \"email\": \"Jose@Example.com\","
                                    " \"phone\": \"+34 612 34 56 78\", \"tags\": [\"Hot\"]}",
                                    NULL, &json),
          "create");
    printf("created: %s\n", json);
    contactkit_string_free(json);

    check(contactkit_contact_create(book, me, "{\"name\": \"Ana Souza\", \"tags\": [\"hot\", \"VIP\"]}", NULL,
                                    &json),
          "create");
    contactkit_string_free(json);

    /* The same email in another case is the same contact point: refused, not duplicated. */
    contactkit_status status =
        contactkit_contact_create(book, me, "{\"name\": \"Pepe\", \"email\": \"JOSE@example.com\"}", NULL, &json);
    printf("twin: %s, %s\n", contactkit_status_name(status), contactkit_last_error_details());

    /* One page of a query: {"contacts": [...], "total": n, "next_cursor": ...}. */
    check(contactkit_query(book, "{\"filter\": {\"tags_any\": [\"HOT\"]}, \"sort\": \"-name\"}", &json), "query");
    printf("page: %s\n", json);
    contactkit_string_free(json);

    /* Or every match, one contact at a time. */
    contactkit_cursor *cursor = NULL;
    check(contactkit_cursor_new(book, "{\"search\": \"jose\"}", &cursor), "cursor");
    for (;;) {
        check(contactkit_cursor_next(cursor, &json), "next");
        if (json == NULL) {
            break; /* no more contacts */
        }
        printf("found: %s\n", json);
        contactkit_string_free(json);
    }
    contactkit_cursor_free(cursor);

    contactkit_book_free(book);
    return 0;
}
