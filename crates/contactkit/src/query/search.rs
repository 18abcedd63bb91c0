//! What a search text means: the folded text names and emails must contain, and the digits
//! phones must contain when the text looks like a phone number.

use crate::fold::fold;
use crate::phone::phone_digits;

/// The characters a phone number may be written with besides digits and spaces.
const PHONE_PUNCTUATION: &[char] = &['+', '-', '.', '(', ')', '/'];

/// An analysed search text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchTerm {
    /// What folded names and lowercase emails must contain (never empty).
    pub text: String,
    /// What the digits of a phone must contain, when the text looks like a phone number.
    pub digits: Option<String>,
}

impl SearchTerm {
    /// Analyses `raw`; `None` for blank text (which searches nothing).
    pub(crate) fn new(raw: &str) -> Option<SearchTerm> {
        let text = fold(raw);
        if text.is_empty() {
            return None;
        }
        let digits = phone_digits(raw);
        let phone_like = !digits.is_empty()
            && raw.chars().all(|c| {
                c.is_whitespace()
                    || PHONE_PUNCTUATION.contains(&c)
                    || !phone_digits(c.encode_utf8(&mut [0; 4])).is_empty()
            });
        Some(SearchTerm {
            text,
            digits: phone_like.then_some(digits),
        })
    }

    /// Whether a contact with this folded name, these email keys and these E.164 phones
    /// matches: the reference semantics every backend follows.
    #[cfg(test)]
    pub(crate) fn matches<'a>(
        &self,
        name_key: &str,
        email_keys: impl IntoIterator<Item = &'a str>,
        phones: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        name_key.contains(&self.text)
            || email_keys.into_iter().any(|e| e.contains(&self.text))
            || self
                .digits
                .as_deref()
                .is_some_and(|d| phones.into_iter().any(|p| p.trim_start_matches('+').contains(d)))
    }
}

/// Whether `c` is a dense character (CJK, kana, Hangul syllables and the jamo that NFKD folds
/// them into, and everything else from U+1100 up), where one or two characters are a whole
/// word and search must work below the trigram length. Must agree with the `4352` (U+1100)
/// of the gram statements in `store/sqlite`.
pub(crate) fn is_dense(c: char) -> bool {
    c as u32 >= 0x1100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_formats_give_the_same_digits() {
        for raw in ["555123", "555-123", "+1 (555) 123", "555.123"] {
            let term = SearchTerm::new(raw).unwrap();
            assert!(term.matches("x", [], ["+15551234567"]), "{raw}");
        }
        assert_eq!(SearchTerm::new("jose 555").unwrap().digits, None);
        assert_eq!(SearchTerm::new("   "), None);
    }

    #[test]
    fn names_fold() {
        let term = SearchTerm::new("MÜLLER").unwrap();
        assert!(term.matches(&fold("Hans Müller"), [], []));
        assert!(!term.matches("hans muler", [], []));
    }
}
