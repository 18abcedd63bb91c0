//! Helpers shared by the top-level tests.
#![allow(dead_code)] // each test file uses a different part of this module

use std::path::PathBuf;

/// The project's shared folder (`../shared` beside the repository), where the real fixture
/// files live.
pub fn shared_dir() -> PathBuf {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = repo.join("..").join("shared");
    assert!(
        shared.is_dir(),
        "the fixtures folder {} is missing",
        shared.display()
    );
    shared
}

/// A fixture file under `shared/fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    let path = shared_dir().join("fixtures").join(relative);
    assert!(path.is_file(), "fixture {} is missing", path.display());
    path
}
