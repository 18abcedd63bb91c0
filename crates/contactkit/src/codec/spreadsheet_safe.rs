//! Formula protection for cells that spreadsheets open (OWASP CSV injection).

use std::borrow::Cow;

/// The characters that make Excel, LibreOffice or Google Sheets read a cell as a formula.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The text of a CSV cell made safe to open in a spreadsheet: a cell starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading apostrophe, except a cell in the form
/// of an E.164 phone number (a plus and 7 to 15 digits, nothing else), which stays as it is:
/// a plus and digits can only ever evaluate to that number, and phone columns must read as
/// phones. A cell that starts with an apostrophe gets one more, so an import gives back
/// exactly what was exported.
///
/// # Examples
/// ```
/// use contactkit::spreadsheet_safe;
/// assert_eq!(spreadsheet_safe("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(spreadsheet_safe("+15417543010"), "+15417543010");
/// assert_eq!(spreadsheet_safe("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
/// assert_eq!(spreadsheet_safe("Ana"), "Ana");
/// ```
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        // A cell that already starts with an apostrophe gets one more, so that reading the
        // file back (which drops one) gives the text exactly.
        Some('\'') => Cow::Owned(format!("'{cell}")),
        Some(first) if TRIGGERS.contains(&first) => {
            if first == '+' && is_e164_form(cell) {
                Cow::Borrowed(cell)
            } else {
                Cow::Owned(format!("'{cell}"))
            }
        }
        _ => Cow::Borrowed(cell),
    }
}

/// A plus and 7 to 15 ASCII digits: the form of an E.164 number (the shortest in use, St
/// Helena's, have 7). Checked by the form alone: libphonenumber's check cost more than the
/// rest of an exported row, and the form is what makes the cell harmless.
fn is_e164_form(cell: &str) -> bool {
    cell.strip_prefix('+')
        .is_some_and(|digits| (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Undoes [`spreadsheet_safe`] and the zero-width marks other tools add for the same reason
/// (Twenty prefixes cells with U+200D): what an import reads from a cell.
pub(crate) fn unprotect(cell: &str) -> &str {
    let cell = cell.trim_start_matches(['\u{200D}', '\u{FEFF}', '\u{200B}']);
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(TRIGGERS) || rest.starts_with('\'') => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trigger_is_neutralised_and_undone() {
        for cell in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "+15551234567x"] {
            let safe = spreadsheet_safe(cell);
            assert!(safe.starts_with('\''), "{cell:?}");
            assert_eq!(unprotect(&safe), cell);
        }
    }

    #[test]
    fn only_the_form_of_an_e164_number_is_left_alone() {
        for cell in ["+2901234", "+15551234567", "+999999999999999"] {
            assert_eq!(spreadsheet_safe(cell), cell);
        }
        for cell in [
            "+290123",
            "+9999999999999999",
            "+1 555 123 4567",
            "+1-555-1234567",
            "+1555123456A",
        ] {
            assert_eq!(spreadsheet_safe(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn cells_that_start_with_an_apostrophe_round_trip() {
        for cell in ["'-!", "'Ollie", "''", "'=1"] {
            assert_eq!(unprotect(&spreadsheet_safe(cell)), cell, "{cell:?}");
        }
    }

    #[test]
    fn names_with_an_apostrophe_are_kept() {
        assert_eq!(unprotect("'Ollie"), "'Ollie");
        assert_eq!(unprotect("\u{200D}=cmd"), "=cmd");
    }
}
