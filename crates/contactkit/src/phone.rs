//! Phone numbers: parsed with libphonenumber's metadata (the `rlibphonenumber` port), stored as E.164.

use rlibphonenumber::{PHONE_NUMBER_UTIL, PhoneNumberFormat, Region};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Field, Result};

/// A two-letter region (ISO 3166-1 alpha-2, e.g. `"US"`) used for numbers written without a
/// country code.
///
/// # Examples
/// ```
/// let region = contactkit::PhoneRegion::new("br")?;
/// assert_eq!(region.as_str(), "BR");
/// assert!(contactkit::PhoneRegion::new("XX").is_err());
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhoneRegion(Region);

impl PhoneRegion {
    /// The United States, libphonenumber's customary default.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(contactkit::PhoneRegion::US, contactkit::PhoneRegion::new("us")?);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub const US: PhoneRegion = PhoneRegion(Region::US);

    /// Parses a region code, case-insensitively.
    ///
    /// # Errors
    /// [`Error::Invalid`] on [`Field::Region`] when libphonenumber knows no such region.
    pub fn new(code: &str) -> Result<Self> {
        let upper = code.trim().to_ascii_uppercase();
        let region = Region::from_code(&upper)
            .map_err(|_| Error::invalid(Field::Region, code, "not a known two-letter region code"))?;
        // A region the metadata has no numbering plan for cannot parse anything.
        if PHONE_NUMBER_UTIL.get_country_code_for_region(region).is_none() {
            return Err(Error::invalid(
                Field::Region,
                code,
                "no numbering plan is known for this region",
            ));
        }
        Ok(PhoneRegion(region))
    }

    /// The upper-case two-letter code.
    pub fn as_str(&self) -> String {
        self.0.as_region_str().as_str().to_owned()
    }

    /// The main region of a country calling code written `+33`, `33` or `0033`.
    ///
    /// # Examples
    /// ```
    /// use contactkit::PhoneRegion;
    /// assert_eq!(PhoneRegion::of_calling_code("+33").map(|r| r.as_str()).as_deref(), Some("FR"));
    /// assert_eq!(PhoneRegion::of_calling_code("1").map(|r| r.as_str()).as_deref(), Some("US"));
    /// assert_eq!(PhoneRegion::of_calling_code("+999"), None);
    /// ```
    pub fn of_calling_code(code: &str) -> Option<PhoneRegion> {
        let digits = code.trim().trim_start_matches('+').trim_start_matches("00");
        let code: i32 = digits.parse().ok()?;
        let region = PHONE_NUMBER_UTIL.get_region_for_country_code(code)?;
        PhoneRegion::new(region.as_region_str().as_str()).ok()
    }

    /// The country calling code of the region (`33` for France, `1` for the United States).
    ///
    /// # Examples
    /// ```
    /// assert_eq!(contactkit::PhoneRegion::new("FR")?.calling_code(), Some(33));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn calling_code(&self) -> Option<u32> {
        PHONE_NUMBER_UTIL
            .get_country_code_for_region(self.0)
            .and_then(|code| u32::try_from(code).ok())
    }
}

impl Default for PhoneRegion {
    /// `US`, libphonenumber's customary default.
    fn default() -> Self {
        PhoneRegion::US
    }
}

impl Serialize for PhoneRegion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_str())
    }
}

impl<'de> Deserialize<'de> for PhoneRegion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        PhoneRegion::new(&code).map_err(serde::de::Error::custom)
    }
}

/// A valid phone number in E.164 form (`+15551234567`).
///
/// # Examples
/// ```
/// use contactkit::{Phone, PhoneRegion};
/// let phone = Phone::parse("(415) 555-2671", PhoneRegion::new("US")?)?;
/// assert_eq!(phone.as_str(), "+14155552671");
/// assert_eq!(phone.digits(), "14155552671");
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Parses `text` in any common notation (international, national with trunk prefix, IDD
    /// prefixes, `00` as an international prefix whatever the region dials, `tel:` URIs,
    /// extensions, full-width digits, vanity letters); a number without a country code is read
    /// as a number of `default_region`. Extensions are dropped from the E.164 value (the
    /// original text keeps them).
    ///
    /// # Errors
    /// [`Error::Invalid`] on [`Field::Phone`] when the text is not a phone number, or is one
    /// that libphonenumber's metadata does not accept as a valid number.
    pub fn parse(text: &str, default_region: PhoneRegion) -> Result<Phone> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(Error::invalid(Field::Phone, text, "it is empty"));
        }
        let first = Phone::parse_in(text, trimmed, default_region);
        if first.is_ok() {
            return first;
        }
        // `00` is the international prefix of most of the world, though not of the default
        // region's (the US dials 011): `0034 91 587 87 87` is a Spanish number there too.
        match plus_for_double_zero(trimmed) {
            Some(international) => Phone::parse_in(text, &international, default_region).or(first),
            None => first,
        }
    }

    fn parse_in(text: &str, trimmed: &str, default_region: PhoneRegion) -> Result<Phone> {
        let number = PHONE_NUMBER_UTIL
            .parse(trimmed, Some(default_region.0))
            .map_err(|err| Error::invalid(Field::Phone, text, format!("it is not a phone number ({err})")))?;
        if !number.is_valid() {
            let read_as = number.format_as(PhoneNumberFormat::E164);
            // A number with its country code owes nothing to the default region.
            let reason = if trimmed.starts_with('+') {
                format!("it is not a valid number (read as {read_as})")
            } else {
                format!(
                    "it is not a valid number (read as {read_as}, with {} as the default region)",
                    default_region.as_str()
                )
            };
            return Err(Error::invalid(Field::Phone, text, reason));
        }
        Ok(Phone(number.format_as(PhoneNumberFormat::E164).into_owned()))
    }

    /// Accepts text that is already E.164 (`+` and 8 to 15 digits) after checking it is valid.
    ///
    /// # Errors
    /// [`Error::Invalid`] when it is not a valid E.164 number.
    pub fn from_e164(text: &str) -> Result<Phone> {
        if !is_e164_shaped(text) {
            return Err(Error::invalid(
                Field::Phone,
                text,
                "it is not in E.164 form (+ and up to 15 digits)",
            ));
        }
        let phone = Phone::parse(text, PhoneRegion::default())?;
        if phone.0 != text {
            return Err(Error::invalid(
                Field::Phone,
                text,
                format!("its E.164 form is {}", phone.0),
            ));
        }
        Ok(phone)
    }

    /// A number the book stored after validating it: not parsed again (libphonenumber costs
    /// ~20 µs a number, which a page of contacts would pay 50 times over).
    pub(crate) fn from_stored(e164: String) -> Phone {
        Phone(e164)
    }

    /// The E.164 text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without the leading `+`.
    pub fn digits(&self) -> &str {
        self.0.trim_start_matches('+')
    }
}

/// `text` (trimmed) with its leading `00` international prefix written `+` (`0034 91 ...` →
/// `+34 91 ...`); none when it does not start with `00` and a country code's first digit.
fn plus_for_double_zero(text: &str) -> Option<String> {
    let rest = text.strip_prefix("00")?.trim_start();
    rest.starts_with(|c: char| c.is_ascii_digit() && c != '0')
        .then(|| format!("+{rest}"))
}

/// A Mexican mobile as written before 2019, `+52 1 55 1234 5678` (as WhatsApp and Meta's
/// lead forms still write it), without its `1`: `+525512345678`. libphonenumber holds the
/// old form invalid, and so does [`Phone::parse`]; an import reads it through this.
pub(crate) fn without_old_mexican_mobile_one(text: &str) -> Option<String> {
    let t = text.trim();
    let international = t.starts_with('+') || t.starts_with("00");
    let digits = phone_digits(t);
    let digits = digits.strip_prefix("00").unwrap_or(&digits);
    (international && digits.len() == 13 && digits.starts_with("521")).then(|| format!("+52{}", &digits[3..]))
}

/// The region of a valid number written with its country code (`+49 170 1234567`, `0049 ...`),
/// and its calling code; none for a national number or an invalid one.
pub(crate) fn region_of_international(text: &str) -> Option<(PhoneRegion, u32)> {
    let t = text.trim();
    let international = match plus_for_double_zero(t) {
        Some(international) => international,
        None if t.starts_with('+') => t.to_owned(),
        None => return None,
    };
    let number = PHONE_NUMBER_UTIL.parse(&international, Some(Region::US)).ok()?;
    if !number.is_valid() {
        return None;
    }
    let region = PhoneRegion(number.get_region_code()?);
    Some((region, region.calling_code()?))
}

fn is_e164_shaped(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

impl TryFrom<String> for Phone {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Phone::from_e164(&value)
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> String {
        phone.0
    }
}

/// The same Brazilian mobile number with the ninth digit added or removed, for matching.
///
/// Brazil added a leading 9 to every mobile number (2012–2016), and WhatsApp still reports
/// some accounts with the old 8-digit form: `+55 AA 9XXXX-XXXX` and `+55 AA XXXX-XXXX` are
/// the same line when the 8-digit subscriber number starts with 6, 7, 8 or 9 (the old mobile
/// ranges). This is the only rule by which contactkit treats two different numbers as one
/// person; it is used to match an inbound sender and by the duplicate finder, and nothing is
/// merged automatically because of it.
///
/// # Examples
/// ```
/// use contactkit::brazilian_mobile_twin;
/// assert_eq!(brazilian_mobile_twin("+5511987654321").as_deref(), Some("+551187654321"));
/// assert_eq!(brazilian_mobile_twin("+551182345678").as_deref(), Some("+5511982345678"));
/// assert_eq!(brazilian_mobile_twin("+551132345678"), None); // a landline
/// assert_eq!(brazilian_mobile_twin("+14155552671"), None);
/// ```
pub fn brazilian_mobile_twin(e164: &str) -> Option<String> {
    let national = e164.strip_prefix("+55")?;
    let digits = national.as_bytes();
    if !digits.iter().all(u8::is_ascii_digit) || digits.first() == Some(&b'0') {
        return None;
    }
    match digits.len() {
        11 if digits[2] == b'9' && (b'6'..=b'9').contains(&digits[3]) => {
            Some(format!("+55{}{}", &national[..2], &national[3..]))
        }
        10 if (b'6'..=b'9').contains(&digits[2]) => Some(format!("+55{}9{}", &national[..2], &national[2..])),
        _ => None,
    }
}

/// Only the digits of `text`, ASCII or not (for matching partial phone input such as
/// `"+1 (555) 123"` against stored numbers). Full-width, Arabic-Indic, Eastern Arabic-Indic and
/// Devanagari digits count as the digits they stand for.
///
/// # Examples
/// ```
/// assert_eq!(contactkit::phone_digits("+1 (555) 123-45"), "155512345");
/// assert_eq!(contactkit::phone_digits("＋１ ٥٥٥"), "1555");
/// ```
pub fn phone_digits(text: &str) -> String {
    text.chars().filter_map(digit_value).collect()
}

fn digit_value(c: char) -> Option<char> {
    const ZEROS: [u32; 5] = ['0' as u32, 0xFF10, 0x0660, 0x06F0, 0x0966];
    let code = c as u32;
    ZEROS
        .iter()
        .find(|zero| (**zero..**zero + 10).contains(&code))
        .and_then(|zero| char::from_digit(code - zero, 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_are_case_insensitive_and_checked() {
        assert_eq!(
            PhoneRegion::new(" gb ").map(|r| r.as_str()).ok(),
            Some("GB".to_owned())
        );
        assert!(PhoneRegion::new("ZZ").is_err());
        assert!(PhoneRegion::new("").is_err());
    }

    #[test]
    fn e164_text_must_already_be_normal() {
        assert!(Phone::from_e164("+14155552671").is_ok());
        assert!(Phone::from_e164("14155552671").is_err());
        assert!(Phone::from_e164("+1 415 555 2671").is_err());
    }

    #[test]
    fn parsing_is_idempotent() {
        let region = PhoneRegion::new("DE").expect("region");
        let once = Phone::parse("0151 23456789", region).expect("valid");
        let twice = Phone::parse(once.as_str(), region).expect("valid");
        assert_eq!(once, twice);
    }

    #[test]
    fn a_double_zero_prefix_is_international_whatever_the_region_dials() {
        for region in ["US", "DE", "ES"] {
            let phone = Phone::parse("0034 91 587 87 87", PhoneRegion::new(region).unwrap()).unwrap();
            assert_eq!(phone.as_str(), "+34915878787", "{region}");
        }
        // What is no number after the 00 either keeps the first reading's error.
        assert!(Phone::parse("00", PhoneRegion::new("US").unwrap()).is_err());
        let err = Phone::parse("0012", PhoneRegion::new("US").unwrap()).unwrap_err();
        assert!(err.to_string().contains("US"), "{err}");
    }

    #[test]
    fn a_mexican_mobile_written_with_the_old_1_is_the_number_without_it() {
        let us = PhoneRegion::default();
        for text in ["+5215512345678", "+52 1 55 1234 5678", "00 52 1 55 1234 5678"] {
            // libphonenumber (and so the strict parse) holds the old form invalid.
            assert!(Phone::parse(text, us).is_err(), "{text}");
            let without = without_old_mexican_mobile_one(text).unwrap();
            assert_eq!(
                Phone::parse(&without, us).unwrap().as_str(),
                "+525512345678",
                "{text}"
            );
        }
        assert_eq!(without_old_mexican_mobile_one("+52 55 1234 5678"), None);
        assert_eq!(without_old_mexican_mobile_one("1 55 1234 5678 90"), None);
    }

    #[test]
    fn full_width_digits_count_as_digits() {
        assert_eq!(phone_digits("＋１ ６５０"), "1650");
    }
}
