/* The C test of the contactkit C API: every exported function, its success path and its
 * error paths (NULL, invalid UTF-8, bad JSON, not found, permission denied, ...).
 * Run by scripts/test-c under AddressSanitizer, UndefinedBehaviorSanitizer and
 * LeakSanitizer; prints "N passed, N failed" last and exits non-zero on any failure. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contactkit.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n  last error: %s %s\n", __FILE__, \
                    __LINE__, #cond, contactkit_last_error_message(),                  \
                    contactkit_last_error_details());                                  \
        }                                                                              \
    } while (0)

/* The call succeeded. */
#define OK(call) CHECK((call) == CONTACTKIT_STATUS_OK)

/* The call failed with `status`, the last error agrees, and its details contain `needle`
 * (an argument name, a field, an id). */
#define FAILS(call, status, needle)                                                  \
    do {                                                                             \
        contactkit_status got_ = (call);                                             \
        CHECK(got_ == (status));                                                     \
        CHECK(contactkit_last_error_code() == (status));                             \
        CHECK(strlen(contactkit_last_error_message()) > 0);                          \
        CHECK(strstr(contactkit_last_error_details(), (needle)) != NULL);            \
    } while (0)

#define CONTAINS(text, needle) CHECK((text) != NULL && strstr((text), (needle)) != NULL)

static const char *ADMIN = "{\"id\": \"u-1\", \"role\": \"admin\", \"origin\": \"ui\"}";
static const char *AGENT = "{\"id\": \"u-2\", \"role\": \"agent\", \"origin\": \"ui\"}";
static const char *BAD_UTF8 = "\xff\xfe";

/* A pointer an out-parameter must not keep after a failure. */
static char sentinel_byte;
#define SENTINEL ((char *)&sentinel_byte)

static char tmpdir[64];

static void path_in_tmp(char *out, size_t size, const char *name) {
    snprintf(out, size, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static long file_size(const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    return size;
}

/* The id in a contact's JSON (`{"id":7,...`), or in an outcome's contact. */
static int64_t id_of(const char *json) {
    const char *at = json ? strstr(json, "\"id\":") : NULL;
    return at ? strtoll(at + 5, NULL, 10) : -1;
}

static contactkit_book *new_book(void) {
    contactkit_book *book = NULL;
    OK(contactkit_book_open_in_memory(NULL, &book));
    CHECK(book != NULL);
    return book;
}

static int64_t create(contactkit_book *book, const char *json) {
    char *out = NULL;
    OK(contactkit_contact_create(book, ADMIN, json, NULL, &out));
    int64_t id = id_of(out);
    contactkit_string_free(out);
    return id;
}

static void test_version_and_status_names(void) {
    CHECK(strchr(contactkit_version(), '.') != NULL);
    CHECK(strcmp(contactkit_status_name(CONTACTKIT_STATUS_OK), "OK") == 0);
    CHECK(strcmp(contactkit_status_name(CONTACTKIT_STATUS_NOT_FOUND), "NOT_FOUND") == 0);
    CHECK(strcmp(contactkit_status_name(CONTACTKIT_STATUS_PANIC), "PANIC") == 0);
    CHECK(strcmp(contactkit_status_name(4242), "UNKNOWN") == 0);
}

static void test_open_and_free(void) {
    contactkit_book *book = (contactkit_book *)SENTINEL;
    FAILS(contactkit_book_open(NULL, NULL, &book), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"path\"");
    CHECK(book == NULL);
    FAILS(contactkit_book_open("x.db", NULL, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"out\"");
    FAILS(contactkit_book_open(BAD_UTF8, NULL, &book), CONTACTKIT_STATUS_INVALID_UTF8, "\"argument\":\"path\"");
    FAILS(contactkit_book_open_in_memory("{\"default_regoin\": \"BR\"}", &book), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"options_json\"");
    CHECK(book == NULL);
    FAILS(contactkit_book_open_in_memory("{\"default_region\": \"XX\"}", &book), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"options_json\"");
    FAILS(contactkit_book_open_in_memory(BAD_UTF8, &book), CONTACTKIT_STATUS_INVALID_UTF8,
          "\"argument\":\"options_json\"");
    FAILS(contactkit_book_open_in_memory(NULL, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"out\"");
    /* A directory is no book file. */
    FAILS(contactkit_book_open(tmpdir, NULL, &book), CONTACTKIT_STATUS_STORAGE, "\"kind\":\"storage\"");
    CHECK(book == NULL);

    /* A book on disk keeps its contacts across open and free. */
    char path[128];
    path_in_tmp(path, sizeof path, "book.db");
    OK(contactkit_book_open(path, "{\"default_region\": \"BR\", \"busy_timeout\": 2000}", &book));
    char *json = NULL;
    OK(contactkit_contact_create(book, ADMIN, "{\"name\": \"Ana\", \"phone\": \"(11) 91234-5678\"}", NULL, &json));
    CONTAINS(json, "\"e164\":\"+5511912345678\""); /* the book's default region applied */
    contactkit_string_free(json);
    contactkit_book_free(book);
    OK(contactkit_book_open(path, NULL, &book));
    uint64_t count = 0;
    OK(contactkit_count(book, "{}", &count));
    CHECK(count == 1);
    contactkit_book_free(book);

    /* A book from a newer contactkit is refused and left untouched. SQLite keeps
     * `PRAGMA user_version` (our schema version) big-endian at byte 60 of the file. */
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f != NULL) {
        const unsigned char newer[4] = {0x00, 0x00, 0x27, 0x0f}; /* 9999 */
        CHECK(fseek(f, 60, SEEK_SET) == 0 && fwrite(newer, 1, 4, f) == 4);
        fclose(f);
    }
    long size = file_size(path);
    book = (contactkit_book *)SENTINEL;
    FAILS(contactkit_book_open(path, NULL, &book), CONTACTKIT_STATUS_SCHEMA_TOO_NEW, "\"found\":9999");
    CHECK(book == NULL);
    CHECK(file_size(path) == size);

    /* Every free function accepts NULL. */
    contactkit_book_free(NULL);
    contactkit_cursor_free(NULL);
    contactkit_string_free(NULL);
}

static void test_last_error(void) {
    contactkit_book *book = new_book();
    char *json = NULL;
    FAILS(contactkit_contact_get(book, 999, &json), CONTACTKIT_STATUS_NOT_FOUND, "\"id\":999");
    CONTAINS(contactkit_last_error_message(), "999");
    /* A successful call leaves the last error alone. */
    OK(contactkit_tags_list(book, &json));
    contactkit_string_free(json);
    CHECK(contactkit_last_error_code() == CONTACTKIT_STATUS_NOT_FOUND);
    CONTAINS(contactkit_last_error_details(), "\"kind\":\"not_found\"");
    contactkit_book_free(book);
}

static void test_create_get_update_delete(void) {
    contactkit_book *book = new_book();
    char *json = SENTINEL;

    OK(contactkit_contact_create(book, ADMIN,
                                 "{\"name\": \" Li  Wei \", \"email\": \"Li@Example.cn\", \"tags\": [\"Hot\"],"
                                 " \"attributes\": {\"budget\": 250000}}",
                                 NULL, &json));
    CONTAINS(json, "\"name\":\"Li Wei\"");
    CONTAINS(json, "\"budget\":250000");
    int64_t id = id_of(json);
    CHECK(id > 0);
    contactkit_string_free(json);

    /* The same idempotency key twice: one contact. */
    char *first = NULL, *again = NULL;
    OK(contactkit_contact_create(book, ADMIN, "{\"name\": \"Bo\"}", "req-1", &first));
    OK(contactkit_contact_create(book, ADMIN, "{\"name\": \"Bo\"}", "req-1", &again));
    CHECK(first && again && strcmp(first, again) == 0);
    contactkit_string_free(first);
    contactkit_string_free(again);

    json = SENTINEL;
    FAILS(contactkit_contact_create(book, ADMIN, "{\"name\": \"Pepe\", \"email\": \"LI@example.cn\"}", NULL, &json),
          CONTACTKIT_STATUS_DUPLICATE, "\"existing_id\":1");
    CHECK(json == NULL);
    CONTAINS(contactkit_last_error_details(), "\"field\":\"email\"");
    FAILS(contactkit_contact_create(book, ADMIN, "{\"name\": \"Pepe\", \"email\": \"not-an-email\"}", NULL, &json),
          CONTACTKIT_STATUS_INVALID, "\"value\":\"not-an-email\"");
    FAILS(contactkit_contact_create(book, ADMIN, "{\"name\": \"Pepe\"", NULL, &json), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"new_contact_json\"");
    FAILS(contactkit_contact_create(book, ADMIN, "{\"nmae\": \"Pepe\"}", NULL, &json), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"new_contact_json\"");
    FAILS(contactkit_contact_create(book, "{\"id\": \"u\"}", "{\"name\": \"Pepe\"}", NULL, &json),
          CONTACTKIT_STATUS_INVALID_JSON, "\"argument\":\"actor_json\"");
    FAILS(contactkit_contact_create(NULL, ADMIN, "{\"name\": \"Pepe\"}", NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"book\"");
    FAILS(contactkit_contact_create(book, NULL, "{\"name\": \"Pepe\"}", NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"actor_json\"");
    FAILS(contactkit_contact_create(book, ADMIN, BAD_UTF8, NULL, &json), CONTACTKIT_STATUS_INVALID_UTF8,
          "\"argument\":\"new_contact_json\"");
    FAILS(contactkit_contact_create(book, ADMIN, "{\"name\": \"Pepe\"}", BAD_UTF8, &json),
          CONTACTKIT_STATUS_INVALID_UTF8, "\"argument\":\"idempotency_key\"");
    FAILS(contactkit_contact_create(book, ADMIN, "{\"name\": \"Pepe\"}", NULL, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"out_contact_json\"");
    CHECK(json == NULL);

    OK(contactkit_contact_get(book, id, &json));
    CONTAINS(json, "\"address\":\"Li@example.cn\"");
    contactkit_string_free(json);
    json = SENTINEL;
    FAILS(contactkit_contact_get(book, 999, &json), CONTACTKIT_STATUS_NOT_FOUND, "\"id\":999");
    CHECK(json == NULL);
    FAILS(contactkit_contact_get(book, 0, &json), CONTACTKIT_STATUS_INVALID_ARGUMENT, "\"argument\":\"id\"");
    FAILS(contactkit_contact_get(NULL, id, &json), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    FAILS(contactkit_contact_get(book, id, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"out_contact_json\"");

    OK(contactkit_contact_update(book, ADMIN, id, "{\"name\": \"Li Wei Jr\", \"email\": null}", &json));
    CONTAINS(json, "\"name\":\"Li Wei Jr\"");
    CONTAINS(json, "\"emails\":[]");
    contactkit_string_free(json);
    FAILS(contactkit_contact_update(book, ADMIN, id, "{\"name\": 7}", &json), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"patch_json\"");
    FAILS(contactkit_contact_update(book, ADMIN, id, "{\"name\": \"   \"}", &json), CONTACTKIT_STATUS_INVALID,
          "\"field\":\"name\"");
    FAILS(contactkit_contact_update(book, ADMIN, 999, "{\"name\": \"X\"}", &json), CONTACTKIT_STATUS_NOT_FOUND,
          "\"id\":999");
    FAILS(contactkit_contact_update(book, ADMIN, id, NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"patch_json\"");
    CHECK(json == NULL);

    /* Agents may not delete; nothing changes. */
    FAILS(contactkit_contact_delete(book, AGENT, id), CONTACTKIT_STATUS_PERMISSION_DENIED, "\"role\":\"agent\"");
    CONTAINS(contactkit_last_error_details(), "\"action\":\"delete_contact\"");
    OK(contactkit_contact_get(book, id, &json));
    contactkit_string_free(json);
    OK(contactkit_contact_delete(book, ADMIN, id));
    FAILS(contactkit_contact_delete(book, ADMIN, id), CONTACTKIT_STATUS_NOT_FOUND, "\"kind\":\"not_found\"");
    FAILS(contactkit_contact_delete(book, ADMIN, -5), CONTACTKIT_STATUS_INVALID_ARGUMENT, "\"argument\":\"id\"");
    FAILS(contactkit_contact_delete(NULL, ADMIN, id), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    FAILS(contactkit_contact_delete(book, BAD_UTF8, id), CONTACTKIT_STATUS_INVALID_UTF8, "\"argument\":\"actor_json\"");
    contactkit_book_free(book);
}

static void test_tags_emails_phones(void) {
    contactkit_book *book = new_book();
    char *json = SENTINEL;
    int64_t id = create(book, "{\"name\": \"Ana\", \"phone\": \"+1 415 555 2671\", \"tags\": [\"Hot\"]}");

    OK(contactkit_contact_add_tags(book, AGENT, id, "[\" hot \", \"VIP\", \"Holiday\"]", &json));
    CONTAINS(json, "\"tags\":[\"Holiday\",\"Hot\",\"VIP\"]");
    contactkit_string_free(json);
    FAILS(contactkit_contact_add_tags(book, AGENT, id, "\"VIP\"", &json), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"tags_json\"");
    FAILS(contactkit_contact_add_tags(book, AGENT, id, "[\"\"]", &json), CONTACTKIT_STATUS_INVALID,
          "\"field\":\"tag\"");
    FAILS(contactkit_contact_add_tags(book, AGENT, 999, "[\"x\"]", &json), CONTACTKIT_STATUS_NOT_FOUND, "\"id\":999");
    FAILS(contactkit_contact_add_tags(NULL, AGENT, id, "[\"x\"]", &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"book\"");
    CHECK(json == NULL);

    OK(contactkit_contact_remove_tags(book, AGENT, id, "[\"vip\", \"never-had-it\"]", &json));
    CONTAINS(json, "\"tags\":[\"Holiday\",\"Hot\"]");
    contactkit_string_free(json);
    FAILS(contactkit_contact_remove_tags(book, AGENT, id, BAD_UTF8, &json), CONTACTKIT_STATUS_INVALID_UTF8,
          "\"argument\":\"tags_json\"");
    FAILS(contactkit_contact_remove_tags(book, AGENT, 999, "[\"x\"]", &json), CONTACTKIT_STATUS_NOT_FOUND,
          "\"id\":999");

    OK(contactkit_contact_add_email(book, AGENT, id, "ana@work.example", "Work", &json));
    CONTAINS(json, "{\"address\":\"ana@work.example\",\"label\":\"work\",\"origin\":");
    contactkit_string_free(json);
    FAILS(contactkit_contact_add_email(book, AGENT, id, "nope", NULL, &json), CONTACTKIT_STATUS_INVALID,
          "\"field\":\"email\"");
    FAILS(contactkit_contact_add_email(book, AGENT, id, NULL, NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"email\"");
    FAILS(contactkit_contact_add_email(book, AGENT, id, "a@b.example", BAD_UTF8, &json),
          CONTACTKIT_STATUS_INVALID_UTF8, "\"argument\":\"label\"");

    OK(contactkit_contact_add_phone(book, AGENT, id, "+44 7400 123456", NULL, &json));
    CONTAINS(json, "\"e164\":\"+447400123456\"");
    contactkit_string_free(json);
    int64_t other = create(book, "{\"name\": \"Bo\"}");
    FAILS(contactkit_contact_add_phone(book, AGENT, other, "+14155552671", "mobile", &json),
          CONTACTKIT_STATUS_DUPLICATE, "\"field\":\"phone\"");
    FAILS(contactkit_contact_add_phone(book, AGENT, id, "12", NULL, &json), CONTACTKIT_STATUS_INVALID,
          "\"field\":\"phone\"");
    FAILS(contactkit_contact_add_phone(book, AGENT, id, BAD_UTF8, NULL, &json), CONTACTKIT_STATUS_INVALID_UTF8,
          "\"argument\":\"phone\"");
    CHECK(json == NULL);

    /* Removing a point: the next one becomes primary. */
    OK(contactkit_contact_remove_phone(book, AGENT, id, "(415) 555-2671", &json));
    CONTAINS(json, "\"phones\":[{\"e164\":\"+447400123456\"");
    contactkit_string_free(json);
    FAILS(contactkit_contact_remove_phone(book, AGENT, id, "+14155552671", &json), CONTACTKIT_STATUS_INVALID,
          "\"field\":\"phone\"");
    FAILS(contactkit_contact_remove_phone(book, AGENT, 999, "+14155552671", &json), CONTACTKIT_STATUS_NOT_FOUND,
          "\"id\":999");
    FAILS(contactkit_contact_remove_phone(book, AGENT, id, NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"phone\"");
    OK(contactkit_contact_remove_email(book, AGENT, id, "ANA@work.example", &json));
    CONTAINS(json, "\"emails\":[]");
    contactkit_string_free(json);
    FAILS(contactkit_contact_remove_email(book, AGENT, id, "ana@work.example", &json), CONTACTKIT_STATUS_INVALID,
          "\"reason\":\"the contact has no such value\"");
    FAILS(contactkit_contact_remove_email(book, AGENT, id, BAD_UTF8, &json), CONTACTKIT_STATUS_INVALID_UTF8,
          "\"argument\":\"email\"");
    FAILS(contactkit_contact_remove_email(book, AGENT, 0, "a@b.example", &json), CONTACTKIT_STATUS_INVALID_ARGUMENT,
          "\"argument\":\"id\"");
    CHECK(json == NULL);

    /* The book's tags. */
    OK(contactkit_tags_list(book, &json));
    CONTAINS(json, "{\"name\":\"Holiday\",\"contacts\":1}");
    contactkit_string_free(json);
    FAILS(contactkit_tags_list(NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    FAILS(contactkit_tags_list(book, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"out_tags_json\"");
    OK(contactkit_tags_find(book, "HO", 10, &json));
    CONTAINS(json, "Holiday");
    CONTAINS(json, "Hot");
    contactkit_string_free(json);
    FAILS(contactkit_tags_find(book, NULL, 10, &json), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"prefix\"");
    FAILS(contactkit_tags_find(book, BAD_UTF8, 10, &json), CONTACTKIT_STATUS_INVALID_UTF8, "\"argument\":\"prefix\"");

    OK(contactkit_tag_rename(book, AGENT, "holiday", "Vacation"));
    FAILS(contactkit_tag_rename(book, AGENT, "nope", "Other"), CONTACTKIT_STATUS_NOT_FOUND, "\"value\":\"nope\"");
    FAILS(contactkit_tag_rename(book, AGENT, "Vacation", "hot"), CONTACTKIT_STATUS_INVALID, "\"field\":\"tag\"");
    FAILS(contactkit_tag_rename(book, AGENT, "Vacation", NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"to\"");
    FAILS(contactkit_tag_rename(book, AGENT, BAD_UTF8, "x"), CONTACTKIT_STATUS_INVALID_UTF8, "\"argument\":\"from\"");

    uint64_t count = 99;
    OK(contactkit_tag_merge(book, AGENT, "Vacation", "Hot", &count));
    CHECK(count == 1);
    count = 99;
    FAILS(contactkit_tag_merge(book, AGENT, "Hot", "hot", &count), CONTACTKIT_STATUS_INVALID, "\"field\":\"tag\"");
    CHECK(count == 0);
    FAILS(contactkit_tag_merge(book, AGENT, "Hot", "x", NULL), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"out_count\"");
    FAILS(contactkit_tag_merge(book, AGENT, "Hot", NULL, &count), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"into\"");

    OK(contactkit_tag_delete(book, AGENT, "hot", &count));
    CHECK(count == 1);
    FAILS(contactkit_tag_delete(book, AGENT, "", &count), CONTACTKIT_STATUS_INVALID, "\"field\":\"tag\"");
    FAILS(contactkit_tag_delete(book, "[]", "hot", &count), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"actor_json\"");
    FAILS(contactkit_tag_delete(book, AGENT, NULL, &count), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"name\"");
    OK(contactkit_tags_list(book, &json));
    CHECK(json != NULL && strstr(json, "Hot") == NULL && strstr(json, "Vacation") == NULL);
    contactkit_string_free(json);
    contactkit_book_free(book);
}

static void test_query_count_cursor(void) {
    contactkit_book *book = new_book();
    create(book, "{\"name\": \"José Álvarez\", \"tags\": [\"hot\"]}");
    create(book, "{\"name\": \"Joséphine Roy\", \"tags\": [\"hot\"]}");
    create(book, "{\"name\": \"Ana Souza\"}");
    char *json = SENTINEL;

    OK(contactkit_query(book, "{\"search\": \"jose\", \"sort\": \"-name\", \"limit\": 1}", &json));
    CONTAINS(json, "\"total\":2");
    CONTAINS(json, "Joséphine Roy");
    CHECK(strstr(json, "\"next_cursor\":null") == NULL);
    contactkit_string_free(json);
    FAILS(contactkit_query(book, "{\"serach\": \"jose\"}", &json), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"query_json\"");
    CONTAINS(contactkit_last_error_message(), "serach");
    FAILS(contactkit_query(book, "{\"limit\": 0}", &json), CONTACTKIT_STATUS_INVALID, "\"field\":\"query\"");
    FAILS(contactkit_query(book, "{\"cursor\": \"garbage\"}", &json), CONTACTKIT_STATUS_INVALID, "\"field\":\"query\"");
    FAILS(contactkit_query(book, NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"query_json\"");
    FAILS(contactkit_query(book, BAD_UTF8, &json), CONTACTKIT_STATUS_INVALID_UTF8, "\"argument\":\"query_json\"");
    FAILS(contactkit_query(NULL, "{}", &json), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    FAILS(contactkit_query(book, "{}", NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"out_page_json\"");
    CHECK(json == NULL);

    uint64_t count = 99;
    OK(contactkit_count(book, "{\"filter\": {\"tags_any\": [\"HOT\"]}}", &count));
    CHECK(count == 2);
    FAILS(contactkit_count(book, "{\"filter\": {\"tags_sometimes\": []}}", &count), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"query_json\"");
    CHECK(count == 0);
    FAILS(contactkit_count(book, "{}", NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"out_count\"");

    /* A cursor pages through every match, and outlives the book handle. */
    contactkit_cursor *cursor = NULL;
    OK(contactkit_cursor_new(book, "{\"limit\": 1}", &cursor));
    contactkit_book_free(book);
    int seen = 0;
    for (;;) {
        char *contact = SENTINEL;
        if (contactkit_cursor_next(cursor, &contact) != CONTACTKIT_STATUS_OK) {
            CHECK(0);
            break;
        }
        if (contact == NULL) {
            break;
        }
        if (seen == 0) {
            CONTAINS(contact, "\"name\":\"Ana Souza\"");
        }
        seen++;
        contactkit_string_free(contact);
    }
    CHECK(seen == 3);
    /* At the end it stays at the end. */
    OK(contactkit_cursor_next(cursor, &json));
    CHECK(json == NULL);
    FAILS(contactkit_cursor_next(cursor, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"out_contact_json\"");
    FAILS(contactkit_cursor_next(NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"cursor\"");
    contactkit_cursor_free(cursor);

    book = new_book();
    cursor = (contactkit_cursor *)SENTINEL;
    FAILS(contactkit_cursor_new(book, "{\"limit\": 5000}", &cursor), CONTACTKIT_STATUS_INVALID, "\"field\":\"query\"");
    CHECK(cursor == NULL);
    FAILS(contactkit_cursor_new(book, "[", &cursor), CONTACTKIT_STATUS_INVALID_JSON, "\"argument\":\"query_json\"");
    FAILS(contactkit_cursor_new(NULL, "{}", &cursor), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    FAILS(contactkit_cursor_new(book, "{}", NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"out_cursor\"");
    contactkit_book_free(book);
}

static void test_bulk(void) {
    contactkit_book *book = new_book();
    int64_t a = create(book, "{\"name\": \"Ana\", \"tags\": [\"lead\"]}");
    int64_t b = create(book, "{\"name\": \"Bo\"}");
    create(book, "{\"name\": \"Cy\", \"tags\": [\"lead\"]}");
    char selection[64];
    snprintf(selection, sizeof selection, "{\"ids\": [%lld, %lld, 999]}", (long long)a, (long long)b);
    char *json = SENTINEL;

    OK(contactkit_bulk_add_tags(book, AGENT, selection, "[\"vip\"]", &json));
    CONTAINS(json, "\"selected\":2");
    CONTAINS(json, "\"changed\":2");
    contactkit_string_free(json);
    OK(contactkit_bulk_remove_tags(book, AGENT, "{\"query\": {\"filter\": {\"tags_any\": [\"lead\"]}}}",
                                   "[\"lead\"]", &json));
    CONTAINS(json, "\"changed\":2");
    contactkit_string_free(json);
    FAILS(contactkit_bulk_add_tags(book, AGENT, "{\"everyone\": true}", "[\"x\"]", &json),
          CONTACTKIT_STATUS_INVALID_JSON, "\"argument\":\"selection_json\"");
    FAILS(contactkit_bulk_add_tags(book, AGENT, selection, "[\"\"]", &json), CONTACTKIT_STATUS_INVALID,
          "\"field\":\"tag\"");
    FAILS(contactkit_bulk_add_tags(book, AGENT, selection, NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"tags_json\"");
    FAILS(contactkit_bulk_remove_tags(book, AGENT, BAD_UTF8, "[\"x\"]", &json), CONTACTKIT_STATUS_INVALID_UTF8,
          "\"argument\":\"selection_json\"");
    FAILS(contactkit_bulk_remove_tags(NULL, AGENT, selection, "[\"x\"]", &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"book\"");

    FAILS(contactkit_bulk_delete(book, AGENT, selection, &json), CONTACTKIT_STATUS_PERMISSION_DENIED,
          "\"action\":\"bulk_delete\"");
    CHECK(json == NULL);
    uint64_t count = 0;
    OK(contactkit_count(book, "{}", &count));
    CHECK(count == 3);
    OK(contactkit_bulk_delete(book, ADMIN, selection, &json));
    CONTAINS(json, "\"changed\":2");
    contactkit_string_free(json);
    OK(contactkit_count(book, "{}", &count));
    CHECK(count == 1);
    FAILS(contactkit_bulk_delete(book, ADMIN, "{\"ids\": \"all\"}", &json), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"selection_json\"");
    FAILS(contactkit_bulk_delete(book, ADMIN, selection, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"out_outcome_json\"");
    contactkit_book_free(book);
}

static void test_inbound_form_upsert(void) {
    contactkit_book *book = new_book();
    char *json = SENTINEL;

    OK(contactkit_record_inbound(
        book, "{\"channel\": \"whatsapp\", \"sender\": {\"id\": \"5511912345678\", \"name\": \"Ana\"}, \"text\": \"Oi!\"}",
        &json));
    CONTAINS(json, "\"created\":true");
    CONTAINS(json, "\"source\":\"whatsapp\"");
    int64_t ana = id_of(json);
    contactkit_string_free(json);
    OK(contactkit_record_inbound(
        book, "{\"channel\": \"whatsapp\", \"sender\": {\"id\": \"+55 11 91234-5678\"}, \"text\": \"Can I visit?\"}",
        &json));
    CONTAINS(json, "\"created\":false");
    CHECK(id_of(json) == ana);
    contactkit_string_free(json);
    FAILS(contactkit_record_inbound(book, "{\"channel\": \"fax\", \"sender\": {\"id\": \"1\"}, \"text\": \"\"}", &json),
          CONTACTKIT_STATUS_INVALID_JSON, "\"argument\":\"message_json\"");
    FAILS(contactkit_record_inbound(book, "{\"channel\": \"telegram\", \"sender\": {\"id\": \" \"}, \"text\": \"x\"}",
                                    &json),
          CONTACTKIT_STATUS_INVALID, "\"kind\":\"invalid\"");
    FAILS(contactkit_record_inbound(NULL, "{}", &json), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    FAILS(contactkit_record_inbound(book, NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"message_json\"");
    CHECK(json == NULL);

    OK(contactkit_submit_web_form(
        book, "{\"form_name\": \"contact-us\", \"name\": \"Bo\", \"email\": \"bo@example.com\", \"message\": \"Call me\"}",
        &json));
    CONTAINS(json, "\"created\":true");
    CONTAINS(json, "\"source\":\"web_widget\"");
    contactkit_string_free(json);
    FAILS(contactkit_submit_web_form(book, "{\"form\": \"x\"}", &json), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"form_json\"");
    FAILS(contactkit_submit_web_form(book, BAD_UTF8, &json), CONTACTKIT_STATUS_INVALID_UTF8,
          "\"argument\":\"form_json\"");
    FAILS(contactkit_submit_web_form(book, "{\"form_name\": \"x\"}", NULL), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"out_outcome_json\"");

    OK(contactkit_upsert(book, ADMIN, "{\"name\": \"Bo Li\", \"email\": \"BO@example.com\", \"tags\": [\"Lead\"]}", NULL,
                         &json));
    CONTAINS(json, "\"created\":false");
    CONTAINS(json, "\"name\":\"Bo Li\"");
    contactkit_string_free(json);
    OK(contactkit_upsert(book, ADMIN, "{\"name\": \"Cy\"}", "up-1", &json));
    CONTAINS(json, "\"created\":true");
    contactkit_string_free(json);
    FAILS(contactkit_upsert(book, ADMIN, "{\"name\": \"Cy\", \"email\": \"@\"}", NULL, &json),
          CONTACTKIT_STATUS_INVALID, "\"field\":\"email\"");
    FAILS(contactkit_upsert(book, ADMIN, "{}", NULL, &json), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"new_contact_json\"");
    FAILS(contactkit_upsert(book, NULL, "{\"name\": \"Cy\"}", NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"actor_json\"");
    contactkit_book_free(book);
}

typedef struct {
    int calls;
    uint64_t last_rows;
    int cancel_after;
} progress_state;

static int on_progress(void *user_data, uint64_t rows_done, uint64_t bytes_done, uint64_t bytes_total) {
    progress_state *state = (progress_state *)user_data;
    (void)bytes_done;
    (void)bytes_total;
    state->calls++;
    state->last_rows = rows_done;
    return state->cancel_after > 0 && state->calls >= state->cancel_after;
}

static void test_import_export(void) {
    contactkit_book *book = new_book();
    char csv[128], errors[128], missing[128], out[128];
    path_in_tmp(csv, sizeof csv, "in.csv");
    path_in_tmp(errors, sizeof errors, "errors.csv");
    path_in_tmp(missing, sizeof missing, "missing.csv");
    path_in_tmp(out, sizeof out, "out.csv");
    write_file(csv, "First Name,Last Name,E-mail Address,Mobile Phone,Notes\n"
                    "Ana,Souza,ana@example.com,+55 11 91234-5678,met at fair\n"
                    ",,not-an-email,,\n"
                    "Bo,Li,bo@example.com,,\n");
    char *json = SENTINEL;

    OK(contactkit_import_preview(book, csv, NULL, &json));
    CONTAINS(json, "\"rows_read\":3");
    CONTAINS(json, "\"created\":2");
    CONTAINS(json, "\"invalid\":1");
    CONTAINS(json, "\"committed\":false");
    contactkit_string_free(json);
    uint64_t count = 99;
    OK(contactkit_count(book, "{}", &count));
    CHECK(count == 0);
    FAILS(contactkit_import_preview(book, missing, NULL, &json), CONTACTKIT_STATUS_IO, "\"kind\":\"io\"");
    FAILS(contactkit_import_preview(book, csv, "{\"on_duplicate\": \"sometimes\"}", &json),
          CONTACTKIT_STATUS_INVALID_JSON, "\"argument\":\"options_json\"");
    FAILS(contactkit_import_preview(book, NULL, NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"path\"");
    FAILS(contactkit_import_preview(book, BAD_UTF8, NULL, &json), CONTACTKIT_STATUS_INVALID_UTF8,
          "\"argument\":\"path\"");
    FAILS(contactkit_import_preview(book, csv, NULL, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"out_report_json\"");
    CHECK(json == NULL);

    /* A callback that cancels: nothing is written. */
    progress_state cancel = {0, 0, 1};
    FAILS(contactkit_import_commit(book, ADMIN, csv, NULL, NULL, on_progress, &cancel, &json),
          CONTACTKIT_STATUS_CANCELLED, "\"kind\":\"cancelled\"");
    CHECK(cancel.calls == 1);
    CHECK(json == NULL);
    OK(contactkit_count(book, "{}", &count));
    CHECK(count == 0);

    progress_state state = {0, 0, 0};
    OK(contactkit_import_commit(book, ADMIN, csv, "{\"on_duplicate\": \"skip\"}", errors, on_progress, &state, &json));
    CONTAINS(json, "\"created\":2");
    CONTAINS(json, "\"committed\":true");
    contactkit_string_free(json);
    CHECK(state.calls >= 3);
    CHECK(state.last_rows == 3);
    CHECK(file_size(errors) > 0);
    OK(contactkit_count(book, "{}", &count));
    CHECK(count == 2);
    /* Without a callback or an errors file. */
    OK(contactkit_import_commit(book, ADMIN, csv, NULL, NULL, NULL, NULL, &json));
    CONTAINS(json, "\"skipped\":2");
    contactkit_string_free(json);
    /* Abort on the first duplicate: an IMPORT error naming the line. */
    FAILS(contactkit_import_commit(book, ADMIN, csv, "{\"on_duplicate\": \"abort\"}", NULL, NULL, NULL, &json),
          CONTACTKIT_STATUS_IMPORT, "\"line\":2");
    FAILS(contactkit_import_commit(book, AGENT, missing, NULL, NULL, NULL, NULL, &json), CONTACTKIT_STATUS_IO,
          "\"kind\":\"io\"");
    FAILS(contactkit_import_commit(book, ADMIN, csv, NULL, BAD_UTF8, NULL, NULL, &json), CONTACTKIT_STATUS_INVALID_UTF8,
          "\"argument\":\"errors_path\"");
    FAILS(contactkit_import_commit(book, ADMIN, csv, "nope", NULL, NULL, NULL, &json), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"options_json\"");
    FAILS(contactkit_import_commit(book, NULL, csv, NULL, NULL, NULL, NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"actor_json\"");
    CHECK(json == NULL);

    /* Export. */
    state = (progress_state){0, 0, 0};
    OK(contactkit_export(book, NULL, CONTACTKIT_EXPORT_FORMAT_CSV, "{\"bom\": true}", out, on_progress, &state, &json));
    CONTAINS(json, "\"contacts\":2");
    contactkit_string_free(json);
    CHECK(state.calls == 2);
    CHECK(file_size(out) > 0);
    OK(contactkit_export(book, "{\"filtered\": {\"search\": \"ana\"}}", CONTACTKIT_EXPORT_FORMAT_NDJSON, NULL, out, NULL,
                         NULL, &json));
    CONTAINS(json, "\"contacts\":1");
    contactkit_string_free(json);
    OK(contactkit_export(book, "\"all\"", CONTACTKIT_EXPORT_FORMAT_VCARD, NULL, out, NULL, NULL, &json));
    contactkit_string_free(json);
    OK(contactkit_export(book, "{\"ids\": [1]}", CONTACTKIT_EXPORT_FORMAT_JSON, NULL, out, NULL, NULL, &json));
    CONTAINS(json, "\"contacts\":1");
    contactkit_string_free(json);
    FAILS(contactkit_export(book, "{\"ids\": [999]}", CONTACTKIT_EXPORT_FORMAT_JSON, NULL, out, NULL, NULL, &json),
          CONTACTKIT_STATUS_NOT_FOUND, "\"id\":999");
    CHECK(file_size(out) == -1); /* a failed export leaves no file */
    cancel = (progress_state){0, 0, 1};
    FAILS(contactkit_export(book, NULL, CONTACTKIT_EXPORT_FORMAT_CSV, NULL, out, on_progress, &cancel, &json),
          CONTACTKIT_STATUS_CANCELLED, "\"kind\":\"cancelled\"");
    FAILS(contactkit_export(book, NULL, 77, NULL, out, NULL, NULL, &json), CONTACTKIT_STATUS_INVALID_ARGUMENT,
          "\"argument\":\"format\"");
    FAILS(contactkit_export(book, "{\"some\": 1}", CONTACTKIT_EXPORT_FORMAT_CSV, NULL, out, NULL, NULL, &json),
          CONTACTKIT_STATUS_INVALID_JSON, "\"argument\":\"scope_json\"");
    FAILS(contactkit_export(book, NULL, CONTACTKIT_EXPORT_FORMAT_CSV, "{\"bom\": 1}", out, NULL, NULL, &json),
          CONTACTKIT_STATUS_INVALID_JSON, "\"argument\":\"options_json\"");
    FAILS(contactkit_export(book, NULL, CONTACTKIT_EXPORT_FORMAT_CSV, NULL, "/nonexistent-dir/x.csv", NULL, NULL, &json),
          CONTACTKIT_STATUS_IO, "\"kind\":\"io\"");
    FAILS(contactkit_export(book, NULL, CONTACTKIT_EXPORT_FORMAT_CSV, NULL, NULL, NULL, NULL, &json),
          CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"path\"");
    FAILS(contactkit_export(NULL, NULL, CONTACTKIT_EXPORT_FORMAT_CSV, NULL, out, NULL, NULL, &json),
          CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    CHECK(json == NULL);

    remove(csv);
    remove(errors);
    remove(out);
    contactkit_book_free(book);
}

static void test_change_feed(void) {
    contactkit_book *book = new_book();
    char *json = SENTINEL;
    uint64_t seq = 99;
    OK(contactkit_last_change(book, &seq));
    CHECK(seq == 0);
    bool ready = true;
    OK(contactkit_wait_for_changes(book, 0, 0, &ready));
    CHECK(!ready);

    create(book, "{\"name\": \"Ana\", \"tags\": [\"Hot\"]}");
    OK(contactkit_last_change(book, &seq));
    CHECK(seq > 0);
    OK(contactkit_wait_for_changes(book, 0, 1000, &ready));
    CHECK(ready);

    OK(contactkit_changes(book, 0, 100, NULL, &json));
    CONTAINS(json, "\"kind\":\"created\"");
    contactkit_string_free(json);
    OK(contactkit_changes(book, 0, 100, "{\"kinds\": [\"deleted\"]}", &json));
    CONTAINS(json, "\"events\":[]");
    contactkit_string_free(json);
    FAILS(contactkit_changes(book, 0, 100, "{\"kinds\": [\"exploded\"]}", &json), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"filter_json\"");
    FAILS(contactkit_changes(NULL, 0, 100, NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    FAILS(contactkit_changes(book, 0, 100, NULL, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"out_page_json\"");
    CHECK(json == NULL);
    FAILS(contactkit_last_change(book, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"out_seq\"");
    FAILS(contactkit_wait_for_changes(book, 0, 0, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"out_ready\"");
    FAILS(contactkit_wait_for_changes(NULL, 0, 0, &ready), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");

    uint64_t cursor = 99;
    OK(contactkit_consumer_cursor(book, "webhooks", &cursor));
    CHECK(cursor == 0);
    OK(contactkit_acknowledge(book, "webhooks", seq));
    OK(contactkit_consumer_cursor(book, "webhooks", &cursor));
    CHECK(cursor == seq);
    FAILS(contactkit_consumer_cursor(book, BAD_UTF8, &cursor), CONTACTKIT_STATUS_INVALID_UTF8, "\"argument\":\"name\"");
    FAILS(contactkit_consumer_cursor(book, "webhooks", NULL), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"out_seq\"");
    FAILS(contactkit_acknowledge(book, NULL, 1), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"name\"");
    FAILS(contactkit_acknowledge(NULL, "webhooks", 1), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    contactkit_book_free(book);
}

static void test_gdpr_duplicates_merge_backup(void) {
    contactkit_book *book = new_book();
    char *json = SENTINEL;
    OK(contactkit_record_inbound(book, "{\"channel\": \"whatsapp\", \"sender\": {\"id\": \"5511912345678\"}, \"text\": \"oi\"}",
                                 &json));
    int64_t ana = id_of(json);
    contactkit_string_free(json);

    OK(contactkit_gdpr_export(book, ADMIN, ana, &json));
    CONTAINS(json, "\"schema\":\"contactkit.gdpr_export/1\"");
    CONTAINS(json, "\"text\":\"oi\"");
    contactkit_string_free(json);
    FAILS(contactkit_gdpr_export(book, ADMIN, 999, &json), CONTACTKIT_STATUS_NOT_FOUND, "\"id\":999");
    FAILS(contactkit_gdpr_export(book, ADMIN, 0, &json), CONTACTKIT_STATUS_INVALID_ARGUMENT, "\"argument\":\"id\"");
    FAILS(contactkit_gdpr_export(book, "{", ana, &json), CONTACTKIT_STATUS_INVALID_JSON, "\"argument\":\"actor_json\"");
    FAILS(contactkit_gdpr_export(book, ADMIN, ana, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"out_export_json\"");

    int64_t a = create(book, "{\"name\": \"José Álvarez\", \"email\": \"jose@x.com\", \"tags\": [\"buyer\"]}");
    int64_t b = create(book, "{\"name\": \"alvarez jose\", \"phone\": \"+14155552671\", \"tags\": [\"Buyer\"]}");
    OK(contactkit_find_duplicates(book, 10, &json));
    CONTAINS(json, "\"reason\":\"same_name\"");
    contactkit_string_free(json);
    FAILS(contactkit_find_duplicates(NULL, 10, &json), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    FAILS(contactkit_find_duplicates(book, 10, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"out_pairs_json\"");

    OK(contactkit_merge(book, ADMIN, a, b, "{\"name_from_absorbed\": true}", &json));
    CONTAINS(json, "\"name\":\"alvarez jose\"");
    CONTAINS(json, "\"e164\":\"+14155552671\"");
    contactkit_string_free(json);
    FAILS(contactkit_contact_get(book, b, &json), CONTACTKIT_STATUS_NOT_FOUND, "\"kind\":\"not_found\"");
    FAILS(contactkit_merge(book, ADMIN, a, a, NULL, &json), CONTACTKIT_STATUS_INVALID, "\"field\":\"id\"");
    FAILS(contactkit_merge(book, ADMIN, a, 999, NULL, &json), CONTACTKIT_STATUS_NOT_FOUND, "\"id\":999");
    FAILS(contactkit_merge(book, ADMIN, a, -1, NULL, &json), CONTACTKIT_STATUS_INVALID_ARGUMENT,
          "\"argument\":\"absorbed\"");
    FAILS(contactkit_merge(book, ADMIN, a, ana, "{\"name_from\": true}", &json), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"choices_json\"");
    CHECK(json == NULL);

    char copy[128];
    path_in_tmp(copy, sizeof copy, "copy.db");
    OK(contactkit_backup(book, copy));
    FAILS(contactkit_backup(book, copy), CONTACTKIT_STATUS_STORAGE, "\"kind\":\"storage\""); /* exists already */
    FAILS(contactkit_backup(book, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"path\"");
    FAILS(contactkit_backup(NULL, copy), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    contactkit_book *restored = NULL;
    OK(contactkit_book_open(copy, NULL, &restored));
    uint64_t count = 0;
    OK(contactkit_count(restored, "{}", &count));
    CHECK(count == 2);
    contactkit_book_free(restored);
    remove(copy);
    contactkit_book_free(book);
}

/* Threads share one book; each has its own last error. */
typedef struct {
    contactkit_book *book;
    int index;
    int failures;
} worker;

static void *work(void *arg) {
    worker *w = (worker *)arg;
    char json[96];
    for (int i = 0; i < 25; i++) {
        char *out = NULL;
        snprintf(json, sizeof json, "{\"name\": \"Worker %d contact %d\", \"tags\": [\"w%d\"]}", w->index, i, w->index);
        if (contactkit_contact_create(w->book, ADMIN, json, NULL, &out) != CONTACTKIT_STATUS_OK) {
            w->failures++;
        }
        contactkit_string_free(out);
    }
    /* A failure on this thread... */
    char *out = NULL;
    if (contactkit_contact_get(w->book, 99999, &out) != CONTACTKIT_STATUS_NOT_FOUND) {
        w->failures++;
    }
    return NULL;
}

static void test_threads(void) {
    contactkit_book *book = new_book();
    char *json = NULL;
    FAILS(contactkit_query(book, "{\"limit\": 0}", &json), CONTACTKIT_STATUS_INVALID, "\"field\":\"query\"");
    pthread_t threads[4];
    worker workers[4];
    for (int i = 0; i < 4; i++) {
        workers[i] = (worker){book, i, 0};
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].failures == 0);
    }
    /* ...does not touch the main thread's last error. */
    CHECK(contactkit_last_error_code() == CONTACTKIT_STATUS_INVALID);
    uint64_t count = 0;
    OK(contactkit_count(book, "{}", &count));
    CHECK(count == 100);
    contactkit_book_free(book);
}

/* The sync's settings, status, webhook checks and the error paths of "sync now" (a real
 * sync needs a Chatwoot; the Rust and Python suites run it against a fake). */
static void test_sync(void) {
    contactkit_book *book = new_book();
    char *json = SENTINEL;
    /* No settings yet: sync_now says so without touching the network. */
    FAILS(contactkit_sync_now(book, "token", NULL, NULL, &json), CONTACTKIT_STATUS_INVALID_ARGUMENT,
          "\"argument\":\"book\"");
    CHECK(json == NULL);
    OK(contactkit_sync_status(book, &json));
    CONTAINS(json, "\"settings\":null");
    CONTAINS(json, "\"links\":0");
    contactkit_string_free(json);
    FAILS(contactkit_sync_configure(book, "{\"base_url\": \"ftp://x\", \"account_id\": 1}"),
          CONTACTKIT_STATUS_INVALID, "ftp://x");
    FAILS(contactkit_sync_configure(book, "{\"url\": 1}"), CONTACTKIT_STATUS_INVALID_JSON,
          "\"argument\":\"settings_json\"");
    FAILS(contactkit_sync_configure(NULL, "{}"), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"book\"");
    OK(contactkit_sync_configure(book, "{\"base_url\": \"http://127.0.0.1:9\", \"account_id\": 3}"));
    OK(contactkit_sync_status(book, &json));
    CONTAINS(json, "\"account_id\":3");
    contactkit_string_free(json);
    FAILS(contactkit_sync_status(book, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"out_status_json\"");
    FAILS(contactkit_sync_now(book, NULL, NULL, NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT, "\"argument\":\"token\"");
    FAILS(contactkit_sync_now(book, "token", NULL, NULL, NULL), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"out_report_json\"");

    /* Webhooks: checked before any call to Chatwoot. */
    const char *body = "{\"event\":\"conversation_created\",\"id\":7}";
    OK(contactkit_sync_apply_webhook(book, "token", "[]", (const uint8_t *)body, strlen(body), NULL, &json));
    CONTAINS(json, "\"outcome\":\"ignored\"");
    contactkit_string_free(json);
    FAILS(contactkit_sync_apply_webhook(book, "token", "[]", (const uint8_t *)body, strlen(body), "s3cret", &json),
          CONTACTKIT_STATUS_WEBHOOK, "\"kind\":\"webhook\"");
    CONTAINS(contactkit_last_error_message(), "not signed");
    FAILS(contactkit_sync_apply_webhook(book, "token", "[[\"X-Chatwoot-Timestamp\", \"1\"], [\"X-Chatwoot-Signature\", \"sha256=00\"]]",
                                        (const uint8_t *)body, strlen(body), "s3cret", &json),
          CONTACTKIT_STATUS_WEBHOOK, "\"kind\":\"webhook\"");
    CONTAINS(contactkit_last_error_message(), "outside the accepted window");
    FAILS(contactkit_sync_apply_webhook(book, "token", "[]", (const uint8_t *)"nope", 4, NULL, &json),
          CONTACTKIT_STATUS_WEBHOOK, "\"kind\":\"webhook\"");
    CONTAINS(contactkit_last_error_message(), "not a contact event");
    FAILS(contactkit_sync_apply_webhook(book, "token", "{", (const uint8_t *)body, strlen(body), NULL, &json),
          CONTACTKIT_STATUS_INVALID_JSON, "\"argument\":\"headers_json\"");
    FAILS(contactkit_sync_apply_webhook(book, "token", "[]", NULL, 0, NULL, &json), CONTACTKIT_STATUS_NULL_ARGUMENT,
          "\"argument\":\"body\"");
    CHECK(strcmp(contactkit_status_name(CONTACTKIT_STATUS_SYNC), "SYNC") == 0);
    contactkit_book_free(book);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/contactkit-c-test-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    /* No call has failed yet on this thread. */
    CHECK(contactkit_last_error_code() == CONTACTKIT_STATUS_OK);
    CHECK(strcmp(contactkit_last_error_message(), "") == 0);
    CHECK(strcmp(contactkit_last_error_details(), "{}") == 0);

    test_version_and_status_names();
    test_open_and_free();
    test_last_error();
    test_create_get_update_delete();
    test_tags_emails_phones();
    test_query_count_cursor();
    test_bulk();
    test_inbound_form_upsert();
    test_import_export();
    test_change_feed();
    test_gdpr_duplicates_merge_backup();
    test_sync();
    test_threads();

    char path[128];
    path_in_tmp(path, sizeof path, "book.db");
    remove(path);
    snprintf(path, sizeof path, "%s/book.db-wal", tmpdir);
    remove(path);
    snprintf(path, sizeof path, "%s/book.db-shm", tmpdir);
    remove(path);
    rmdir(tmpdir);

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
