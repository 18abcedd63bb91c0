//! The default region of an import given none, guessed from the file: the language of its
//! header (Outlook, Google and Thunderbird translate theirs, and a French export's national
//! numbers are French far more often than they are the book's default region's), else an
//! encoding of one country's (Shift_JIS). Without a guess national numbers are read as the
//! book's default region's, so a Brazilian `(31) 3222-1111` became a Detroit number.
//!
//! A language names one region even where it is spoken in several (German: DE, not AT or
//! CH), which is why the report says what was guessed and from what, and a region given by
//! the caller always wins.

use serde::{Deserialize, Serialize};

use crate::codec::mapping::tidy;
use crate::phone::{self, Phone, PhoneRegion};

/// A default region guessed from the file, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionGuess {
    /// The region national numbers were read in.
    pub region: PhoneRegion,
    /// What it was guessed from: `the headers are in German`, `the file is in Shift_JIS`.
    pub reason: String,
}

/// Words of header names that only one language's exports use (tidied: lower case, accents
/// off), with the language and the region its national numbers most likely belong to. A word
/// English headers use too (`Telephone`) is none of them.
const HEADER_WORDS: &[(&str, &str, &[&str])] = &[
    (
        "DE",
        "German",
        &[
            "vorname",
            "nachname",
            "mobiltelefon",
            "geschaftlich",
            "privat",
            "wert",
            "spitzname",
            "anrede",
            "geburtstag",
            "notizen",
            "kategorien",
            "weitere",
            "postleitzahl",
            "strasse",
        ],
    ),
    (
        "FR",
        "French",
        &[
            "prenom",
            "societe",
            "portable",
            "domicile",
            "bureau",
            "courriel",
            "messagerie",
            "valeur",
            "libelle",
            "famille",
            "surnom",
            "anniversaire",
            "deuxieme",
        ],
    ),
    (
        "ES",
        "Spanish",
        &[
            "nombre",
            "apellidos",
            "apellido",
            "movil",
            "correo",
            "electronico",
            "particular",
            "trabajo",
            "cumpleanos",
            "segundo",
        ],
    ),
    (
        "IT",
        "Italian",
        &[
            "cognome",
            "cellulare",
            "ufficio",
            "abitazione",
            "posta",
            "elettronica",
            "societa",
            "valore",
            "compleanno",
            "secondo",
            "messaggio",
            "annuncio",
        ],
    ),
    (
        "BR",
        "Brazilian Portuguese",
        &[
            "sobrenome",
            "celular",
            "telefone",
            "comercial",
            "residencial",
            "aniversario",
        ],
    ),
    ("PT", "European Portuguese", &["telemovel", "apelido"]),
    (
        "NL",
        "Dutch",
        &[
            "voornaam",
            "achternaam",
            "mobiel",
            "telefoon",
            "thuis",
            "bedrijf",
            "waarde",
            "verjaardag",
            "tussenvoegsel",
            "naam",
            "telefoonnummer",
            "mailadres",
            "bericht",
            "woning",
        ],
    ),
    (
        "PL",
        "Polish",
        &["imie", "nazwisko", "komorkowy", "komorka", "sluzbowy", "domowy"],
    ),
    ("CZ", "Czech", &["jmeno", "prijmeni"]),
    ("SE", "Swedish", &["fornamn", "efternamn"]),
    ("DK", "Danish", &["efternavn"]),
    ("NO", "Norwegian", &["etternavn"]),
    ("FI", "Finnish", &["etunimi", "sukunimi", "matkapuhelin"]),
    ("HU", "Hungarian", &["vezeteknev", "keresztnev"]),
    ("TR", "Turkish", &["soyadi", "soyad"]),
    ("GR", "Greek", &["ονομα", "επωνυμο", "κινητο"]),
    (
        "RU",
        "Russian",
        &["имя", "фамилия", "отчество", "мобильный", "телефон"],
    ),
    (
        "JP",
        "Japanese",
        &[
            "姓",
            "名",
            "携帯電話",
            "電子メール",
            "自宅電話",
            "勤務先電話",
            "会社電話",
        ],
    ),
    ("KR", "Korean", &["이름", "성", "휴대폰", "휴대전화", "전화"]),
];

/// Family-name words, each of which names its language alone (a first-name word such as
/// `nombre` or `nome` is shared by several).
const FAMILY_NAME_WORDS: &[&str] = &[
    "nachname",
    "apellidos",
    "apellido",
    "cognome",
    "sobrenome",
    "achternaam",
    "nazwisko",
    "prijmeni",
    "efternamn",
    "efternavn",
    "etternavn",
    "sukunimi",
    "vezeteknev",
    "soyadi",
    "επωνυμο",
    "фамилия",
];

/// The region a header's language points to: the language with the most header names that
/// hold one of its words (a family-name word counting twice), when they count two at least
/// and no other language has as many.
pub(crate) fn from_headers<S: AsRef<str>>(headers: &[S]) -> Option<RegionGuess> {
    let tidied: Vec<String> = headers.iter().map(|h| tidy(h.as_ref())).collect();
    let mut scores: Vec<(usize, &str, &str)> = HEADER_WORDS
        .iter()
        .map(|(region, language, words)| {
            let hits = tidied
                .iter()
                .map(|h| {
                    let mut found = h.split(' ').filter(|w| words.contains(w));
                    match found.next() {
                        Some(w) if FAMILY_NAME_WORDS.contains(&w) => 2,
                        Some(_) => 1,
                        None => 0,
                    }
                })
                .sum();
            (hits, *region, *language)
        })
        .collect();
    scores.sort_by_key(|s| std::cmp::Reverse(s.0));
    let (best, region, language) = scores[0];
    if best < 2 || scores.get(1).is_some_and(|second| second.0 == best) {
        return None;
    }
    Some(RegionGuess {
        region: PhoneRegion::new(region).ok()?,
        reason: format!("the headers are in {language}"),
    })
}

/// The region the file's own numbers point to, for a file whose header and encoding tell
/// nothing (a vCard from a phone): most of its numbers written with a country code are of
/// one region (two at least, more than half), and more of its national numbers are valid
/// there than in `book`'s region. `numbers` are the phone values of the first rows.
pub(crate) fn from_numbers<'t>(
    numbers: impl Iterator<Item = &'t str>,
    book: PhoneRegion,
) -> Option<RegionGuess> {
    let mut regions: Vec<(PhoneRegion, u32, usize)> = Vec::new();
    let mut international = 0;
    let mut national: Vec<&str> = Vec::new();
    for text in numbers.map(str::trim) {
        if let Some((region, code)) = phone::region_of_international(text) {
            international += 1;
            match regions.iter_mut().find(|(r, _, _)| *r == region) {
                Some((_, _, n)) => *n += 1,
                None => regions.push((region, code, 1)),
            }
        } else if !text.starts_with('+') && text.chars().filter(char::is_ascii_digit).count() >= 6 {
            national.push(text);
        }
    }
    let &(region, code, n) = regions.iter().max_by_key(|(_, _, n)| *n)?;
    if n < 2 || n * 2 <= international || region == book {
        return None;
    }
    let valid_in = |r: PhoneRegion| national.iter().filter(|t| Phone::parse(t, r).is_ok()).count();
    (valid_in(region) > valid_in(book)).then(|| RegionGuess {
        region,
        reason: format!(
            "most numbers of the file written with a country code are +{code} ones, and more of its \
             national numbers are valid as {} numbers than as {} ones",
            region.as_str(),
            book.as_str()
        ),
    })
}

/// The region an encoding used by one country points to (`Shift_JIS`: Japan).
pub(crate) fn from_encoding(encoding: &str) -> Option<RegionGuess> {
    let region = match encoding {
        "Shift_JIS" | "EUC-JP" | "ISO-2022-JP" => "JP",
        "EUC-KR" => "KR",
        "GBK" | "gb18030" => "CN",
        "Big5" => "TW",
        _ => return None,
    };
    Some(RegionGuess {
        region: PhoneRegion::new(region).ok()?,
        reason: format!("the file is in {encoding}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(headers: &[&str]) -> Option<String> {
        from_headers(headers).map(|g| g.region.as_str())
    }

    #[test]
    fn the_headers_language_names_a_region() {
        assert_eq!(
            region(&["Vorname", "Nachname", "E-Mail-Adresse", "Mobiltelefon"]).as_deref(),
            Some("DE")
        );
        assert_eq!(
            region(&["Prénom", "Nom", "Téléphone bureau"]).as_deref(),
            Some("FR")
        );
        assert_eq!(
            region(&["Prénom", "Nom de famille", "Téléphone 1 - Valeur"]).as_deref(),
            Some("FR")
        );
        assert_eq!(region(&["Nome", "Sobrenome", "Celular"]).as_deref(), Some("BR"));
        assert_eq!(region(&["Nome", "Cognome", "Cellulare"]).as_deref(), Some("IT"));
        // A family-name word alone names its language.
        assert_eq!(
            region(&["Nome", "Cognome", "Telefono", "Messaggio"]).as_deref(),
            Some("IT")
        );
        assert_eq!(region(&["姓", "名", "携帯電話"]).as_deref(), Some("JP"));
        // A Dutch portal's lead export.
        assert_eq!(
            region(&[
                "Datum",
                "Naam",
                "E-mailadres",
                "Telefoonnummer",
                "Woning",
                "Bericht"
            ])
            .as_deref(),
            Some("NL")
        );
        let guess = from_headers(&["Voornaam", "Achternaam"]).unwrap();
        assert_eq!(guess.reason, "the headers are in Dutch");
    }

    #[test]
    fn english_one_word_or_a_tie_guesses_nothing() {
        assert_eq!(region(&["First Name", "Last Name", "Mobile Phone"]), None);
        assert_eq!(region(&["name", "email", "phone", "Vorname"]), None);
        // English's Telephone is no French word.
        assert_eq!(region(&["Business Telephone", "Home Telephone"]), None);
        // Spanish and Italian words, two each: a tie.
        assert_eq!(region(&["Nombre", "Apellidos", "Cognome", "Cellulare"]), None);
    }

    #[test]
    fn the_files_own_international_numbers_name_a_region_its_national_ones_fit() {
        let us = PhoneRegion::default();
        let german = ["+49 170 1234567", "0171 2345678", "+49 30 1234567", "030 7654321"];
        let guess = from_numbers(german.into_iter(), us).unwrap();
        assert_eq!(guess.region.as_str(), "DE");
        assert!(guess.reason.contains("+49"), "{}", guess.reason);
        // A US file with a few UK contacts: its national numbers are US ones.
        let american = [
            "+44 20 7946 0958",
            "+44 7911 123456",
            "(415) 555-0142",
            "212 555 0100",
        ];
        assert_eq!(from_numbers(american.into_iter(), us), None);
        // One international number is no majority; neither is a split.
        assert_eq!(
            from_numbers(["+49 170 1234567", "0171 2345678"].into_iter(), us),
            None
        );
        let split = [
            "+49 170 1234567",
            "+49 30 1234567",
            "+33 6 12 34 56 78",
            "+33 1 42 68 53 00",
            "0171 2345678",
        ];
        assert_eq!(from_numbers(split.into_iter(), us), None);
    }

    #[test]
    fn an_encoding_of_one_country_names_it() {
        assert_eq!(
            from_encoding("Shift_JIS").map(|g| g.region.as_str()).as_deref(),
            Some("JP")
        );
        assert_eq!(from_encoding("windows-1252"), None);
    }
}
