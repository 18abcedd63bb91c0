//! Errors as the command line reports them: a message on stderr and an exit code that tells
//! scripts what kind of failure it was.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | storage or I/O failure, or anything else unexpected |
//! | 2 | usage error (unknown command or option, missing argument) |
//! | 3 | bad input: a value that fails validation, an unreadable file |
//! | 4 | not found: no such contact or tag |
//! | 5 | permission denied |
//! | 6 | duplicate: the email or phone belongs to another contact |
//! | 7 | the book was written by a newer contactkit |
//! | 8 | the change feed no longer holds the events asked for: resynchronise |

use std::process::ExitCode;

use contactkit::{Error, ErrorKind};

/// Exit code for storage, I/O and unexpected failures.
pub const FAILURE: u8 = 1;
/// Exit code for a usage error (clap uses it too).
pub const USAGE: u8 = 2;
/// Exit code for bad input.
pub const BAD_INPUT: u8 = 3;
/// Exit code for a missing contact or tag.
pub const NOT_FOUND: u8 = 4;
/// Exit code for a refused permission.
pub const PERMISSION_DENIED: u8 = 5;
/// Exit code for a duplicate email or phone.
pub const DUPLICATE: u8 = 6;
/// Exit code for a book from a newer contactkit.
pub const SCHEMA_TOO_NEW: u8 = 7;
/// Exit code for a stale change-feed cursor.
pub const RESYNC_REQUIRED: u8 = 8;

/// A failed command: what to print and how to exit.
#[derive(Debug)]
pub struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// A failure of bad input that the command line itself found (a malformed KEY=VALUE).
    pub fn bad_input(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: BAD_INPUT,
        }
    }

    /// A usage error the parser could not see (a missing selection).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: USAGE,
        }
    }

    /// Prints the message and gives the exit code.
    pub fn report(self) -> ExitCode {
        eprintln!("contactkit: {}", self.message);
        ExitCode::from(self.code)
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        let code = match err.kind() {
            ErrorKind::Invalid | ErrorKind::Import => BAD_INPUT,
            ErrorKind::NotFound => NOT_FOUND,
            ErrorKind::PermissionDenied => PERMISSION_DENIED,
            ErrorKind::Duplicate => DUPLICATE,
            ErrorKind::SchemaTooNew => SCHEMA_TOO_NEW,
            ErrorKind::ResyncRequired => RESYNC_REQUIRED,
            _ => FAILURE,
        };
        Failure {
            message: err.to_string(),
            code,
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Failure {
            message: err.to_string(),
            code: FAILURE,
        }
    }
}
