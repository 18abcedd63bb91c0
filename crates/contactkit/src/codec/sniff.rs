//! Guessing an input's layout from its first lines: format, and a CSV file's delimiter.

/// The delimiters a CSV file may use, in order of preference when the evidence ties.
pub(crate) const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many records the delimiter sniffer reads.
const SNIFF_RECORDS: usize = 20;

/// The delimiter that splits the first records of `prefix` most consistently into more than
/// one field: for each candidate, the largest number of records that share one field count
/// greater than 1 (the header and rows of a real file agree; a comma inside a text does not
/// repeat on every line). Ties go to the earlier candidate of [`DELIMITERS`]; a file with one
/// column gets `,`.
pub(crate) fn sniff_delimiter(prefix: &str) -> u8 {
    let mut best = (0usize, b',');
    for delimiter in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(prefix.as_bytes());
        let mut counts: Vec<usize> = Vec::new();
        let mut record = csv::ByteRecord::new();
        // The last record of a prefix may be cut short; it is still a fair sample.
        while counts.len() < SNIFF_RECORDS {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {
                    if record.iter().any(|f| !f.is_empty()) {
                        counts.push(record.len());
                    }
                }
                Ok(false) | Err(_) => break,
            }
        }
        let score = counts
            .iter()
            .filter(|n| **n > 1)
            .map(|n| counts.iter().filter(|m| *m == n).count())
            .max()
            .unwrap_or(0);
        if score > best.0 {
            best = (score, delimiter);
        }
    }
    best.1
}

/// What the first non-blank text of an input looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    Csv,
    JsonArray,
    Ndjson,
    Vcard,
}

/// Tells a JSON array (`[`), NDJSON or a JSON document (`{`), a vCard (`BEGIN:VCARD`) and anything else (CSV).
pub(crate) fn sniff_format(prefix: &str) -> Sniffed {
    let start = prefix.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if start.starts_with('[') {
        Sniffed::JsonArray
    } else if start.starts_with('{') {
        Sniffed::Ndjson
    } else if crate::codec::decode::is_vcard(start.as_bytes()) {
        // A vCard may follow a line or two of something else (tine20's `ENCODING:UTF-8`).
        Sniffed::Vcard
    } else {
        Sniffed::Csv
    }
}

/// Excel's delimiter hint, a first line `sep=;` (Excel writes and reads it): the delimiter.
pub(crate) fn excel_separator(prefix: &str) -> Option<u8> {
    let first = prefix.lines().next()?.trim();
    let hint = first.get(..4).filter(|s| s.eq_ignore_ascii_case("sep="))?;
    match &first.as_bytes()[hint.len()..] {
        [d] if d.is_ascii_punctuation() || *d == b'\t' => Some(*d),
        _ => None,
    }
}

/// How many records come before the header: Excel's `sep=` line ([`excel_separator`]), or
/// notes: a first line of one value that ends with `:` and the lines of at most one value
/// after it, ahead of a record of several (LinkedIn's `Connections.csv` opens with "Notes:"
/// and a paragraph). 0 for any other file: a first line of one value without the colon is a
/// header (a file of one column, or one whose delimiter is given wrong, which the reader
/// reports).
///
/// A title padded with empty cells (`"Invoice Ninja v4.5.17 - December 19, 2020",,,` then
/// `"CLIENTS",,,`, as spreadsheets save a report) is a preamble too, when the first record
/// of several values after it has a header the mapping knows.
pub(crate) fn preamble_records(prefix: &str, delimiter: u8) -> usize {
    let notes = prefix
        .lines()
        .next()
        .is_some_and(|l| l.trim().ends_with(':') && !l.contains(delimiter as char));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(prefix.as_bytes());
    let mut record = csv::StringRecord::new();
    let values = |r: &csv::StringRecord| r.iter().filter(|f| !f.trim().is_empty()).count();
    let padded_title =
        matches!(reader.read_record(&mut record), Ok(true)) && record.len() > 1 && values(&record) <= 1;
    if !notes && !padded_title {
        return excel_separator(prefix).map_or(0, |_| 1);
    }
    let mut before = 1;
    while before < SNIFF_RECORDS {
        match reader.read_record(&mut record) {
            Ok(true) if values(&record) > 1 => {
                let known = || {
                    let cells: Vec<&str> = record.iter().collect();
                    crate::codec::mapping::suggest_mapping(&cells)
                        .iter()
                        .any(|m| m.target != crate::codec::mapping::Target::Ignore)
                };
                return if notes || known() { before } else { 0 };
            }
            Ok(true) => before += 1,
            Ok(false) | Err(_) => return 0,
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consistent_delimiter_wins() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n4;5;6\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n\"x,y\"\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("1,1,1,1,1@h,,\n2\t2\t2\t2\n3\t3\t3\t3\n"), b'\t');
        assert_eq!(sniff_delimiter("name\nana\n"), b',');
        assert_eq!(sniff_delimiter("a|b\n1|2\n"), b'|');
    }
}
