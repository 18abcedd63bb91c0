// Proves include/contactkit.h is C++-clean: it compiles with -Wall -Wextra -Werror -pedantic,
// survives a second include, keeps C linkage (this links against the Rust library), and
// its enums hold their documented values.
#include "contactkit.h"
#include "contactkit.h"

#include <cstdio>
#include <cstring>

static_assert(CONTACTKIT_STATUS_OK == 0, "OK is 0");
static_assert(CONTACTKIT_STATUS_NOT_FOUND == 202, "codes are never renumbered");
static_assert(sizeof(contactkit_status) == sizeof(uint32_t), "status is a uint32_t");
static_assert(CONTACTKIT_EXPORT_FORMAT_CSV == 1, "formats start at 1");

int main() {
    contactkit_book *book = nullptr;
    if (contactkit_book_open_in_memory(nullptr, &book) != CONTACTKIT_STATUS_OK) {
        return 1;
    }
    char *tags = nullptr;
    contactkit_status status = contactkit_tags_list(book, &tags);
    bool ok = status == CONTACTKIT_STATUS_OK && std::strcmp(tags, "[]") == 0;
    contactkit_string_free(tags);
    contactkit_book_free(book);
    std::printf("C++ header check: %s (contactkit %s)\n", ok ? "ok" : "FAILED", contactkit_version());
    return ok ? 0 : 1;
}
