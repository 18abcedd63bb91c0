//! Every row of shared/fixtures/phones/phones.tsv: real notations from libphonenumber's own
//! tests and FAQ, with the E.164 value (or INVALID) computed from the real metadata.

mod common;

use contactkit::{Error, Field, Phone, PhoneRegion};

#[test]
fn every_row_of_the_phones_fixture_parses_as_expected() {
    let text = std::fs::read_to_string(common::fixture("phones/phones.tsv")).expect("fixture");
    let mut checked = 0;
    let mut failures = Vec::new();
    for (index, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 3, "line {} has {} columns", index + 1, cols.len());
        let (input, region, expected) = (cols[0], cols[1], cols[2]);
        let region = PhoneRegion::new(region).expect("fixture regions are real");
        let got = Phone::parse(input, region);
        match (expected, &got) {
            (
                "INVALID",
                Err(Error::Invalid {
                    field: Field::Phone,
                    value,
                    ..
                }),
            ) if value == input => {}
            (e164, Ok(phone)) if phone.as_str() == e164 => {}
            _ => failures.push(format!(
                "line {}: {input:?} ({region:?}) expected {expected}, got {got:?}",
                index + 1
            )),
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        checked,
        text.lines().skip(1).filter(|l| !l.trim().is_empty()).count()
    );
    assert!(checked >= 40, "only {checked} rows read");
}
