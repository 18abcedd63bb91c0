//! Text folding for names: what sort and search compare.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds `text` for comparison: compatibility decomposition (NFKD), combining marks removed,
/// lower case, runs of white space collapsed to one space, trimmed.
///
/// "José" and "jose", "MÜLLER" and "muller", "Ｔａｒｏ" and "taro" fold the same.
///
/// # Examples
/// ```
/// assert_eq!(contactkit::fold("  José   MÜLLER "), "jose muller");
/// ```
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn accents_case_and_width_fold_away() {
        assert_eq!(fold("Łukasz Nguyễn"), "łukasz nguyen");
        assert_eq!(fold("ＴＡＲＯ"), "taro");
        assert_eq!(fold("Straße"), "straße");
        assert_eq!(fold("\t\n"), "");
    }
}
