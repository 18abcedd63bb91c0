//! Runs the storage conformance checks against every backend: one `#[test]` per check and
//! backend, so a failure names both. A new backend adds one `conformance!` line.

mod conformance;

macro_rules! conformance {
    ($backend:ident, $open:expr) => {
        mod $backend {
            fn store() -> Box<dyn contactkit::store::Store> {
                Box::new($open)
            }
            #[test]
            fn created_contact_reads_back_whole() {
                crate::conformance::created_contact_reads_back_whole(store())
            }
            #[test]
            fn source_defaults_follow_the_actor() {
                crate::conformance::source_defaults_follow_the_actor(store())
            }
            #[test]
            fn bad_input_names_the_field_and_value() {
                crate::conformance::bad_input_names_the_field_and_value(store())
            }
            #[test]
            fn duplicate_email_is_refused_whatever_its_case() {
                crate::conformance::duplicate_email_is_refused_whatever_its_case(store())
            }
            #[test]
            fn duplicate_phone_is_refused_whatever_its_format() {
                crate::conformance::duplicate_phone_is_refused_whatever_its_format(store())
            }
            #[test]
            fn additional_points_are_unique_across_contacts() {
                crate::conformance::additional_points_are_unique_across_contacts(store())
            }
            #[test]
            fn a_refused_create_writes_nothing() {
                crate::conformance::a_refused_create_writes_nothing(store())
            }
            #[test]
            fn update_changes_only_the_fields_given() {
                crate::conformance::update_changes_only_the_fields_given(store())
            }
            #[test]
            fn update_of_primary_email_and_phone() {
                crate::conformance::update_of_primary_email_and_phone(store())
            }
            #[test]
            fn update_to_a_taken_value_changes_nothing() {
                crate::conformance::update_to_a_taken_value_changes_nothing(store())
            }
            #[test]
            fn delete_removes_the_contact_and_frees_its_points() {
                crate::conformance::delete_removes_the_contact_and_frees_its_points(store())
            }
            #[test]
            fn only_owners_and_admins_delete() {
                crate::conformance::only_owners_and_admins_delete(store())
            }
            #[test]
            fn a_tag_is_one_thing_whatever_its_case_and_spacing() {
                crate::conformance::a_tag_is_one_thing_whatever_its_case_and_spacing(store())
            }
            #[test]
            fn tag_counts_and_prefix_lookup() {
                crate::conformance::tag_counts_and_prefix_lookup(store())
            }
            #[test]
            fn tags_rename_merge_and_delete() {
                crate::conformance::tags_rename_merge_and_delete(store())
            }
            #[test]
            fn points_are_added_labelled_promoted_and_removed() {
                crate::conformance::points_are_added_labelled_promoted_and_removed(store())
            }
            #[test]
            fn many_threads_share_one_book() {
                crate::conformance::many_threads_share_one_book(store())
            }
        }
    };
}

conformance!(
    sqlite_memory,
    contactkit::SqliteStore::open_in_memory().expect("in-memory store")
);
conformance!(sqlite_file, {
    // Each test gets its own file; the directory lives as long as the test process.
    let dir = tempfile::tempdir().expect("temp dir").keep();
    contactkit::SqliteStore::open(dir.join("book.db"), contactkit::SqliteStore::DEFAULT_BUSY_TIMEOUT)
        .expect("file store")
});
