//! Column mapping: which of our fields each CSV column fills, suggested from the header.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::error::{Error, Field, Result};

/// The field a CSV column fills.
///
/// In JSON a target is an object tagged by `field`: `{"field": "phone", "label": "mobile"}`,
/// `{"field": "attribute", "key": "budget"}`, `{"field": "label_of", "column": 3}`. As text
/// ([`std::str::FromStr`], what `--map COLUMN=FIELD` takes) it is the field name, with
/// `:LABEL` or `:KEY` after it where the field takes one: `phone:mobile`, `attribute:budget`,
/// `additional_email:work`, `ignore`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// Not imported.
    Ignore,
    /// The display name.
    Name,
    /// A first (given) name; first, middle and last names make the name when there is none.
    FirstName,
    /// A middle (additional) name.
    MiddleName,
    /// A last (family) name.
    LastName,
    /// An email; the first non-empty one of a row is the primary email.
    Email {
        /// The label the point gets.
        #[serde(default)]
        label: Option<String>,
    },
    /// A phone; the first non-empty one of a row is the primary phone.
    Phone {
        /// The label the point gets.
        #[serde(default)]
        label: Option<String>,
    },
    /// An additional email.
    AdditionalEmail {
        /// The label the point gets.
        #[serde(default)]
        label: Option<String>,
    },
    /// An additional phone.
    AdditionalPhone {
        /// The label the point gets.
        #[serde(default)]
        label: Option<String>,
    },
    /// A list of additional emails, `label:value; label:value` as our export writes it (or a
    /// JSON array).
    AdditionalEmails,
    /// A list of additional phones, as [`Target::AdditionalEmails`].
    AdditionalPhones,
    /// The label of the email or phone in another column (Google's `Phone 1 - Type`).
    LabelOf {
        /// The 0-based index of the value column.
        column: usize,
    },
    /// The country of the phone in another column, as a region (`FR`) or a calling code
    /// (`+33`): Twenty's `Phones / Primary Phone Country Code` and `Calling Code`. A national
    /// number there is read as a number of that country.
    CountryOf {
        /// The 0-based index of the phone column.
        column: usize,
    },
    /// Tags, separated by `,`, `;`, `|` or ` ::: `.
    Tags,
    /// The source channel (`whatsapp`, `import`...). New contacts get `import` without one.
    Source,
    /// The verification status.
    Verification,
    /// The creation time (ISO 8601).
    CreatedAt,
    /// The last activity time (ISO 8601).
    LastActivityAt,
    /// A custom attribute.
    Attribute {
        /// The attribute key.
        key: String,
    },
}

impl Target {
    /// Whether the column holds emails or phones (so a suggested mapping never ignores it).
    pub fn is_point(&self) -> bool {
        matches!(
            self,
            Target::Email { .. }
                | Target::Phone { .. }
                | Target::AdditionalEmail { .. }
                | Target::AdditionalPhone { .. }
                | Target::AdditionalEmails
                | Target::AdditionalPhones
        )
    }
}

impl std::str::FromStr for Target {
    type Err = Error;

    /// # Examples
    /// ```
    /// use contactkit::Target;
    /// assert_eq!("phone:mobile".parse::<Target>()?, Target::Phone { label: Some("mobile".into()) });
    /// assert_eq!("attribute:budget".parse::<Target>()?, Target::Attribute { key: "budget".into() });
    /// let err = "phne".parse::<Target>().unwrap_err();
    /// assert!(matches!(err, contactkit::Error::Invalid { field: contactkit::Field::Mapping, .. }));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    fn from_str(text: &str) -> Result<Target> {
        let (field, arg) = match text.split_once(':') {
            Some((f, a)) => (f.trim(), Some(a.trim().to_owned()).filter(|a| !a.is_empty())),
            None => (text.trim(), None),
        };
        let target = match field.to_ascii_lowercase().as_str() {
            "ignore" => Target::Ignore,
            "name" => Target::Name,
            "first_name" => Target::FirstName,
            "middle_name" => Target::MiddleName,
            "last_name" => Target::LastName,
            "email" => Target::Email { label: arg },
            "phone" => Target::Phone { label: arg },
            "additional_email" => Target::AdditionalEmail { label: arg },
            "additional_phone" => Target::AdditionalPhone { label: arg },
            "additional_emails" => Target::AdditionalEmails,
            "additional_phones" => Target::AdditionalPhones,
            "tags" => Target::Tags,
            "source" => Target::Source,
            "verification" => Target::Verification,
            "created_at" => Target::CreatedAt,
            "last_activity_at" => Target::LastActivityAt,
            "attribute" => match arg {
                Some(key) => Target::Attribute { key },
                None => return Err(Error::invalid(Field::Mapping, text, "write attribute:KEY")),
            },
            _ => {
                return Err(Error::invalid(
                    Field::Mapping,
                    text,
                    "expected a field: name, first_name, middle_name, last_name, email, phone, \
                     additional_email, additional_phone, additional_emails, additional_phones, tags, \
                     source, verification, created_at, last_activity_at, attribute:KEY or ignore",
                ));
            }
        };
        Ok(target)
    }
}

/// Where one column of a file goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// The 0-based column index.
    pub column: usize,
    /// The header as written in the file.
    pub header: String,
    /// The field it fills.
    pub target: Target,
}

/// A header cell tidied for matching: zero-width marks and a BOM gone, accents gone
/// (`Téléphone`, `Catégories`, `Prénom` match as `telephone`, `categories`, `prenom`: localized
/// Outlook writes them with, people often without), lower case, every run of characters that
/// are not letters or digits made one space, and camelCase split into words (Salesforce's
/// `HomePhone`, `FirstName`).
pub(crate) fn tidy(header: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    let mut after_lower = false;
    let mut after_ascii = false;
    for c in header
        .trim_start_matches(['\u{FEFF}', '\u{200D}', '\u{200B}'])
        .nfd()
    {
        // Accents go from Latin letters only: Cyrillic's й and Japanese's ド keep theirs
        // (composed again below).
        if is_combining_mark(c) {
            if !after_ascii && !out.is_empty() && !space {
                out.push(c);
            }
            continue;
        }
        after_ascii = c.is_ascii_alphabetic();
        if c.is_alphanumeric() {
            if (space || (after_lower && c.is_uppercase())) && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            after_lower = c.is_lowercase() || c.is_ascii_digit();
            out.extend(c.to_lowercase());
        } else {
            space = true;
            after_lower = false;
        }
    }
    if out.is_ascii() { out } else { out.nfc().collect() }
}

fn label(text: &str) -> Option<String> {
    Some(text.to_owned())
}

/// The mapping contactkit suggests for a header row.
///
/// It knows our own export, Google Contacts (current: `First Name`, `E-mail 1 - Value`,
/// `Phone 1 - Label`, `Labels`; legacy: `Given Name`, `Family Name`, `E-mail 1 - Type`,
/// `Group Membership`), Outlook (`E-mail Address`, `E-mail 2 Address`, `Mobile Phone`,
/// `Business Phone`, `Home Phone`, `Categories`, and the German, French, Spanish,
/// Portuguese, Italian and Dutch names: `Vorname`, `Prénom`, `Téléphone bureau`, `Nombre` and
/// `Apellidos`, `Nome` and `Sobrenome` or `Cognome`, `Celular`, `Categorías`, `Indirizzo posta
/// elettronica`, `Voornaam`, `Mobiele telefoon`; accents are optional), HubSpot (`Email`,
/// `Phone Number`, `Mobile Phone Number`), Chatwoot (`name`, `email`, `phone_number`,
/// `labels`), Thunderbird (`Primary Email`, `Work Phone`) and Twenty (`Name / First Name`,
/// `Emails / Primary Email`, `Phones / Primary Phone Number`, cells marked with U+200D).
/// A company or organization column becomes the attribute `company` (and the name of a row
/// that has no other). The first email and phone column become the primary ones, the rest additional; any other
/// column whose name says email, mail, phone, tel, mobile, cell, fax or pager becomes an
/// additional point, so no email or phone column is ever left out. Every other column is
/// [`Target::Ignore`]d (a preview lists them with a sample value).
///
/// # Examples
/// ```
/// use contactkit::{suggest_mapping, Target};
/// let m = suggest_mapping(&["Given Name", "Family Name", "E-mail 1 - Type", "E-mail 1 - Value", "Phone 2 - Value"]);
/// assert_eq!(m[0].target, Target::FirstName);
/// assert_eq!(m[2].target, Target::LabelOf { column: 3 });
/// assert_eq!(m[3].target, Target::Email { label: None });
/// assert_eq!(m[4].target, Target::AdditionalPhone { label: None });
/// ```
pub fn suggest_mapping<S: AsRef<str>>(headers: &[S]) -> Vec<ColumnMapping> {
    let tidied: Vec<String> = headers.iter().map(|h| tidy(h.as_ref())).collect();
    let mut targets: Vec<Target> = headers
        .iter()
        .zip(&tidied)
        .map(|(raw, t)| {
            guess(
                raw.as_ref().trim_start_matches(['\u{FEFF}', '\u{200D}']).trim(),
                t,
            )
        })
        .collect();

    // Google's numbered columns: "phone 2 value" and its "phone 2 type/label".
    for (i, t) in tidied.iter().enumerate() {
        if let Some((kind, n, part)) = numbered(t) {
            match part {
                "value" => {
                    targets[i] = match (kind, n) {
                        ("email", 1) => Target::Email { label: None },
                        ("email", _) => Target::AdditionalEmail { label: None },
                        (_, 1) => Target::Phone { label: None },
                        _ => Target::AdditionalPhone { label: None },
                    }
                }
                _ => {
                    // The value's column is "phone 2 value" (Google), else a bare "phone 2"
                    // (Follow Up Boss's "Phone 2" beside its "Phone 2 - Type").
                    let value = tidied
                        .iter()
                        .position(|o| numbered(o) == Some((kind, n, "value")))
                        .or_else(|| {
                            (0..tidied.len()).find(|&o| {
                                bare_numbered(&tidied[o]) == Some((kind, n)) && targets[o].is_point()
                            })
                        });
                    if let Some(column) = value {
                        targets[i] = Target::LabelOf { column };
                    }
                }
            }
        }
    }

    // Twenty's "phones primary phone country code" (or "calling code") beside its
    // "phones primary phone number": the country of that number.
    for (i, t) in tidied.iter().enumerate() {
        let Some(prefix) = t
            .strip_suffix(" country code")
            .or_else(|| t.strip_suffix(" calling code"))
        else {
            continue;
        };
        let number = tidied
            .iter()
            .position(|o| o == &format!("{prefix} number") || o == prefix);
        if let Some(column) = number
            && matches!(
                targets[column],
                Target::Phone { .. } | Target::AdditionalPhone { .. }
            )
        {
            targets[i] = Target::CountryOf { column };
        }
    }

    // Spanish and Portuguese Outlook's "Nombre" / "Nome" beside "Apellidos" / "Sobrenome" is
    // the first name (elsewhere the whole name); German's "Name" beside "Vorname" the last.
    let has = |wanted: &Target| targets.contains(wanted);
    let (first, last) = (has(&Target::FirstName), has(&Target::LastName));
    for (i, t) in tidied.iter().enumerate() {
        if targets[i] != Target::Name {
            continue;
        }
        if last && !first && matches!(t.as_str(), "nombre" | "nome") {
            targets[i] = Target::FirstName;
        } else if first && !last && t == "name" && tidied.iter().any(|o| o == "vorname") {
            targets[i] = Target::LastName;
        }
    }

    // Yahoo's export names its phones `Home`, `Work` and `Other` beside its `Yahoo! Phone`
    // and `Messenger ID`.
    if tidied.iter().any(|t| t == "yahoo phone" || t == "messenger id") {
        for (i, t) in tidied.iter().enumerate() {
            if targets[i] != Target::Ignore {
                continue;
            }
            targets[i] = match t.as_str() {
                "home" | "work" | "other" => Target::AdditionalPhone { label: label(t) },
                "yahoo phone" => Target::AdditionalPhone {
                    label: label("yahoo"),
                },
                _ => continue,
            };
        }
    }

    // One primary of each kind: the first; later "primary" columns become additional.
    demote_extra_primaries(&mut targets, &tidied);
    // One column of each name part: the first. Later ones name someone else (CiviCRM's
    // `Mum's first name` beside the contact's own `First Name`).
    for part in [
        Target::Name,
        Target::FirstName,
        Target::MiddleName,
        Target::LastName,
    ] {
        let mut seen = false;
        for t in targets.iter_mut().filter(|t| **t == part) {
            if seen {
                *t = Target::Ignore;
            }
            seen = true;
        }
    }

    let mut mapping: Vec<ColumnMapping> = headers
        .iter()
        .zip(targets)
        .enumerate()
        .map(|(column, (header, target))| ColumnMapping {
            column,
            header: header.as_ref().to_owned(),
            target,
        })
        .collect();
    resolve_own_labels(&mut mapping);
    mapping
}

fn demote_extra_primaries(targets: &mut [Target], tidied: &[String]) {
    // A column that says it is the primary phone (Outlook.com's "Primary Phone") is it.
    // Else: Outlook lists Business before Mobile; a mobile number is what a contact is
    // reached on, so a column labelled mobile wins the primary place when there is one.
    let said_primary = |i: usize| {
        tidied
            .get(i)
            .is_some_and(|t| t.split(' ').any(|w| w == "primary"))
    };
    let first_phone = (0..targets.len())
        .find(|&i| matches!(targets[i], Target::Phone { .. }) && said_primary(i))
        .or_else(|| {
            targets
                .iter()
                .position(|t| matches!(t, Target::Phone { label: Some(l) } if l == "mobile"))
        })
        .or_else(|| targets.iter().position(|t| matches!(t, Target::Phone { .. })));
    let first_email = targets.iter().position(|t| matches!(t, Target::Email { .. }));
    for (i, t) in targets.iter_mut().enumerate() {
        match t {
            Target::Phone { label } if Some(i) != first_phone => {
                *t = Target::AdditionalPhone { label: label.take() };
            }
            Target::Email { label } if Some(i) != first_email => {
                *t = Target::AdditionalEmail { label: label.take() };
            }
            _ => {}
        }
    }
}

/// The names of email columns Google numbers (`E-mail 2 - Value`), tidied, in its languages.
const NUMBERED_EMAIL: [&str; 12] = [
    "e mail",
    "email",
    "correo electronico",
    "correo",
    "courriel",
    "adresse e mail",
    "e mail adresse",
    "メール",
    "電子メール",
    "邮箱",
    "电子邮件",
    "эл почта",
];
/// The same for phone columns.
const NUMBERED_PHONE: [&str; 11] = [
    "phone",
    "telefon",
    "telefono",
    "telephone",
    "telefone",
    "telefoon",
    "電話",
    "電話番号",
    "电话",
    "телефон",
    "numero de telephone",
];
/// `("email" | "phone", n, "value" | "type" | "label")` for Google's numbered columns, in
/// English and as Google writes them in other languages (`E-Mail 1 - Wert`, `Téléphone 1 -
/// Libellé`, `電話番号 1 - 値`).
fn numbered(t: &str) -> Option<(&'static str, u32, &'static str)> {
    const VALUE: [&str; 9] = [
        "value",
        "wert",
        "valeur",
        "valor",
        "valore",
        "waarde",
        "値",
        "值",
        "значение",
    ];
    const LABEL: [&str; 13] = [
        "type",
        "label",
        "typ",
        "etikett",
        "libelle",
        "etiqueta",
        "tipo",
        "etichetta",
        "ラベル",
        "種類",
        "标签",
        "类型",
        "тип",
    ];
    let (rest, part) = t.rsplit_once(' ')?;
    let (kind, n) = bare_numbered(rest)?;
    let part = if VALUE.contains(&part) {
        "value"
    } else if LABEL.contains(&part) {
        "label"
    } else {
        return None;
    };
    Some((kind, n, part))
}

/// `("email" | "phone", n)` for a numbered email or phone column's name without a part
/// (`email 2`, `telefon 1`).
fn bare_numbered(t: &str) -> Option<(&'static str, u32)> {
    let (kind, n) = t.rsplit_once(' ')?;
    let n: u32 = n.parse().ok()?;
    let kind = if NUMBERED_EMAIL.contains(&kind) {
        "email"
    } else if NUMBERED_PHONE.contains(&kind) {
        "phone"
    } else {
        return None;
    };
    Some((kind, n))
}

/// The target a header suggests by itself (`raw` as written, `t` [`tidy`]ed), before the
/// rules that look at its neighbours.
pub(crate) fn guess_target(raw: &str, t: &str) -> Target {
    guess(raw, t)
}

fn guess(raw: &str, t: &str) -> Target {
    // Our own export's names first, exactly.
    match raw {
        "id" | "updated_at" => return Target::Ignore,
        "name" => return Target::Name,
        "email" => return Target::Email { label: None },
        "phone" | "phone_number" => return Target::Phone { label: None },
        "additional_emails" => return Target::AdditionalEmails,
        "additional_phones" => return Target::AdditionalPhones,
        "email_label" => return Target::LabelOf { column: usize::MAX },
        "phone_label" => {
            return Target::LabelOf {
                column: usize::MAX - 1,
            };
        }
        "tags" | "labels" => return Target::Tags,
        "source" => return Target::Source,
        "verification" => return Target::Verification,
        "created_at" => return Target::CreatedAt,
        "last_activity_at" => return Target::LastActivityAt,
        _ => {}
    }
    if let Some(key) = raw.strip_prefix("attr:").filter(|k| !k.trim().is_empty()) {
        return Target::Attribute { key: key.to_owned() };
    }
    // Pipedrive's `Person - Name`, `Person - Email - Work`, `Person - Labels`.
    if let Some(rest) = t.strip_prefix("person ") {
        return guess(rest, rest);
    }
    match t {
        "name" | "display name" | "full name" | "contact name" | "fn" | "n fn" | "cn" | "common name"
        | "anzeigename" | "nome" | "nome completo" | "nombre" | "nombre completo" | "nom a afficher"
        | "naam" | "volledige naam" => Target::Name,
        "first name" | "given name" | "firstname" | "givenname" | "cp givenname" | "first" | "vorname"
        | "name first name" | "prenom" | "n given" | "voornaam" | "имя" | "名" | "imie" | "jmeno" | "ad"
        | "όνομα" | "이름" | "etunimi" | "fornavn" | "fornamn" | "keresztnev" => Target::FirstName,
        "middle name"
        | "middle"
        | "additional name"
        | "n middle"
        | "weitere vornamen"
        | "segundo nombre"
        | "segundo nome"
        | "deuxieme prenom"
        | "secondo nome"
        | "middelste naam"
        | "отчество"
        | "ミドル ネーム"
        | "中间名" => Target::MiddleName,
        "last name" | "family name" | "lastname" | "familyname" | "n family" | "last" | "surname" | "sn"
        | "nachname" | "name last name" | "nom" | "sobrenome" | "apellido" | "apellidos" | "cognome"
        | "achternaam" | "фамилия" | "姓" | "nom de famille" | "nazwisko" | "prijmeni" | "soyadı"
        | "soyadi" | "επώνυμο" | "성" | "sukunimi" | "etternavn" | "efternavn" | "efternamn"
        | "vezeteknev" => Target::LastName,
        "email"
        | "e mail"
        | "email address"
        | "e mail address"
        | "primary email"
        | "e mail adresse"
        | "emails primary email"
        | "work email"
        | "adresse de messagerie"
        | "adresse e mail"
        | "direccion de correo electronico"
        | "correo electronico"
        | "endereco de email"
        | "indirizzo posta elettronica"
        | "adresse electronique principale"
        | "adresse electronique"
        | "courriel"
        | "primare e mail adresse"
        | "адрес эл почты"
        | "основной адрес эл почты"
        | "電子メール アドレス"
        | "电子邮件地址"
        | "e mailadres"
        | "mail"
        | "emails"
        | "email addresses"
        | "e mail addresses" => Target::Email { label: None },
        "secondary email" | "emails additional emails" => {
            if t.contains("additional") {
                Target::AdditionalEmails
            } else {
                Target::AdditionalEmail { label: None }
            }
        }
        "phone"
        | "phone number"
        | "phones primary phone number"
        | "telephone"
        | "telefono"
        | "primary phone"
        | "haupttelefon"
        | "telefon"
        | "telefone"
        | "telefoon"
        | "telefoonnummer"
        | "telefonnummer"
        | "numero de telefono"
        | "numero di telefono"
        | "numero de telephone"
        | "phones"
        | "phone numbers" => Target::Phone { label: None },
        "phones additional phones" => Target::AdditionalPhones,
        "mobile phone"
        | "mobile"
        | "mobile number"
        | "mobile phone number"
        | "cell phone"
        | "mobiltelefon"
        | "handy"
        | "celular"
        | "movil"
        | "telefono movil"
        | "tel mobile"
        | "portable"
        | "telephone mobile"
        | "telephone portable"
        | "cellulare"
        | "mobiele telefoon"
        | "мобильный телефон"
        | "телефон переносной"
        | "携帯電話"
        | "携帯電話番号"
        | "移动电话" => Target::Phone {
            label: label("mobile"),
        },
        "business phone"
        | "work phone"
        | "telefon geschaftlich"
        | "telephone bureau"
        | "telefono del trabajo"
        | "telefono trabajo"
        | "telefono ufficio"
        | "telefoon op werk"
        | "рабочий телефон"
        | "会社電話"
        | "勤務先電話"
        | "勤務先電話番号"
        | "商务电话" => Target::Phone { label: label("work") },
        "home phone"
        | "telefon privat"
        | "telephone domicile"
        | "telefono particular"
        | "telefono casa"
        | "telefono abitazione"
        | "telefoon thuis"
        | "домашний телефон"
        | "自宅電話"
        | "自宅電話番号"
        | "住宅电话" => Target::Phone { label: label("home") },
        "tags" | "tag" | "labels" | "group membership" | "categories" | "category" | "kategorien"
        | "kategorie" | "categorias" | "categoria" | "lists" | "group" | "groups" | "gruppe" | "gruppen"
        | "grupo" | "grupos" | "groupe" | "groupes" | "categorie" | "categorieen" | "категории" | "分類"
        | "分類項目" | "类别" | "libelles" | "etiquetas" | "marcadores" | "etichette" | "etiketten"
        | "ラベル" | "метки" | "标签" => Target::Tags,
        "company"
        | "organization"
        | "organisation"
        | "organization name"
        | "organization 1 name"
        | "firma"
        | "company name"
        | "associated company"
        | "company name name"
        | "org name"
        | "org company"
        | "unternehmen"
        | "account name"
        | "o"
        | "societe"
        | "entreprise"
        | "organizacion"
        | "compania"
        | "empresa"
        | "societa"
        | "bedrijf"
        | "организация"
        | "会社名"
        | "公司" => Target::Attribute {
            key: "company".into(),
        },
        "created at" | "created" | "create date" | "createdate" | "date created" | "creation date"
        | "created on" | "created date time" | "created date" | "created time" | "create time"
        | "date added" | "added on" | "add time" | "submit date" | "submit date utc" | "submitted at"
        | "submission date" | "time submitted" | "lead date" | "lead created" => Target::CreatedAt,
        "last activity at" | "last activity" | "last activity date" | "last active at" => {
            Target::LastActivityAt
        }
        "nickname" | "nick name" | "spitzname" | "apelido" | "apodo" | "surnom" => Target::Attribute {
            key: "nickname".into(),
        },
        "file as" | "speichern unter" | "n fileas" => Target::Attribute {
            key: "file_as".into(),
        },
        _ => guess_named(t).unwrap_or_else(|| guess_point(t)),
    }
}

/// Names behind a qualifier: Wave's `contact_first_name`, CiviCRM's `Player Last name`,
/// Invoicely's `Client Name`, khard's `Formatted name`, a numbered `Organisation 1` or
/// `Categories 2`. Google's phonetic and Japanese reading names are not names.
fn guess_named(t: &str) -> Option<Target> {
    // Nor is Outlook's `E-mail Display Name` (the name an address is shown with).
    if t.contains("phonetic") || t.contains("yomi") || t.contains("mail") || t.contains("phone") {
        return None;
    }
    if t.ends_with(" first name") || t.ends_with(" given name") {
        return Some(Target::FirstName);
    }
    if t.ends_with(" middle name") {
        return Some(Target::MiddleName);
    }
    if t.ends_with(" last name") || t.ends_with(" family name") || t.ends_with(" surname") {
        return Some(Target::LastName);
    }
    let qualified_name = [
        "client",
        "customer",
        "contact",
        "member",
        "lead",
        "formatted",
        "display",
        "full",
    ];
    if let Some(qualifier) = t.strip_suffix(" name")
        && qualified_name.contains(&qualifier.rsplit(' ').next().unwrap_or(""))
    {
        return Some(Target::Name);
    }
    // `Organisation 1`, `Categories 2`: what the name without its number is.
    let (stem, number) = t.rsplit_once(' ')?;
    if number.chars().all(|c| c.is_ascii_digit()) {
        return match guess(stem, stem) {
            target @ (Target::Tags | Target::Attribute { .. }) => Some(target),
            // Outlook's `Adresse de messagerie 2`: another email, not one the header names.
            Target::Email { label } | Target::AdditionalEmail { label } => {
                Some(Target::AdditionalEmail { label })
            }
            Target::Phone { label } | Target::AdditionalPhone { label } => {
                Some(Target::AdditionalPhone { label })
            }
            _ => None,
        };
    }
    None
}

/// Any other column whose name says it holds emails or phones: an additional point, labelled
/// from the name where it is clear.
fn guess_point(t: &str) -> Target {
    let words: Vec<&str> = t.split(' ').collect();
    // Microsoft Graph's `businessPhones`, a CRM's `Other Emails`: plurals count.
    // Plurals and numbered columns too (lx-office's `cp_mobile1`).
    let has = |w: &str| {
        words.iter().any(|x| {
            let x = x.trim_end_matches(|c: char| c.is_ascii_digit());
            x == w || x.strip_suffix('s') == Some(w)
        })
    };
    let says_email = has("email")
        || (has("e") && has("mail"))
        || has("mail")
        || t.starts_with("e mail")
        || t.contains("posta elettronica")
        || t.contains("electronique")
        || has("courriel")
        || t.contains("эл почт");
    // Display names and types of emails are not addresses, nor are a CRM's flags about
    // them (Zoho's "Email Opt Out", Salesforce's "Email Bounced Reason", "Do Not Email").
    let about_email = [
        "display",
        "type",
        "tipo",
        "angezeigter",
        "anzeigename",
        "visualizzato",
        "weergavenaam",
        "тип",
        "краткое",
        "typ",
        "opt",
        "optout",
        "not",
        "bounced",
        "unsubscribed",
        "subscribed",
        "status",
        "consent",
        "verified",
        "reason",
        "date",
        "blacklisted",
        "blocklisted",
        "blocked",
        "do",
    ]
    .iter()
    .any(|w| has(w))
        // Dutch Outlook's `E-mailtype`, joined into one word.
        || words.iter().any(|x| x.ends_with("mailtype"));
    if says_email && !about_email {
        let label = if has("work") || has("business") {
            label("work")
        } else if has("home") {
            label("home")
        } else {
            None
        };
        return Target::AdditionalEmail { label };
    }
    let label = if has("fax") || has("факс") {
        label("fax")
    } else if has("pager") || has("cercapersone") {
        label("pager")
    } else if has("assistant") || has("assistent") || has("asst") {
        label("assistant")
    } else if has("car") || t.starts_with("autotelefon") {
        label("car")
    } else if has("radio") || has("tty") || has("isdn") || has("telex") {
        label("other")
    } else if has("company") && has("main") {
        label("company")
    } else if has("mobile")
        || has("cell")
        || t.starts_with("mobil")
        || has("celular")
        || t.starts_with("movil")
        || t.starts_with("cellulare")
    {
        label("mobile")
    } else if has("business")
        || has("work")
        || t.contains("gesch")
        || has("ufficio")
        || has("werk")
        || has("раб")
        || t.contains("рабоч")
        || has("professionnel")
        || has("dienstlich")
        || has("bureau")
    {
        label("work")
    } else if has("home")
        || has("privat")
        || has("abitazione")
        || has("personnel")
        || has("domicile")
        || has("thuis")
        || has("дом")
        || t.contains("домашн")
    {
        label("home")
    } else if has("other") {
        label("other")
    } else {
        None
    };
    // Flags about phones (CiviCRM's `do_not_phone`, `is_opt_out`) and extensions are no
    // numbers either.
    let about_phone = [
        "do",
        "not",
        "opt",
        "ext",
        "extension",
        "consent",
        "status",
        "type",
        "verified",
        "blacklisted",
        "blocklisted",
        "blocked",
        "subscribed",
        "unsubscribed",
    ]
    .iter()
    .any(|w| has(w));
    if about_phone {
        return Target::Ignore;
    }
    if has("sms") {
        return Target::AdditionalPhone {
            label: Some("mobile".into()),
        };
    }
    let says_phone = has("phone")
        || has("tel")
        || t.starts_with("telefon")
        || t.starts_with("autotelefon")
        || has("mobile")
        || t.starts_with("mobil")
        || has("cell")
        || has("fax")
        || has("pager")
        || has("isdn")
        || has("celular")
        || t.starts_with("telefone")
        || t.starts_with("telefoon")
        || t.starts_with("cellulare")
        || t.starts_with("cercapersone")
        || t.contains("телефон")
        || has("факс")
        || has("пейджер")
        || t.starts_with("telefono")
        || t.starts_with("telephone")
        || has("portable");
    if says_phone {
        Target::AdditionalPhone { label }
    } else {
        Target::Ignore
    }
}

/// Resolves the two placeholders our own export's `email_label`/`phone_label` columns get in
/// [`guess`] into the columns of `email` and `phone`.
fn resolve_own_labels(mapping: &mut [ColumnMapping]) {
    let email = mapping.iter().position(|m| m.header == "email");
    let phone = mapping.iter().position(|m| m.header == "phone");
    for m in mapping.iter_mut() {
        if let Target::LabelOf { column } = m.target {
            let resolved = match column {
                usize::MAX => email,
                c if c == usize::MAX - 1 => phone,
                c => Some(c),
            };
            m.target = match resolved {
                Some(column) => Target::LabelOf { column },
                None => Target::Ignore,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(headers: &[&str]) -> Vec<Target> {
        suggest_mapping(headers).into_iter().map(|m| m.target).collect()
    }

    #[test]
    fn outlook_phones_are_all_kept_and_mobile_is_primary() {
        let t = targets(&[
            "Business Phone",
            "Mobile Phone",
            "Home Fax",
            "E-mail 2 Address",
            "E-mail Display Name",
        ]);
        assert_eq!(
            t[0],
            Target::AdditionalPhone {
                label: Some("work".into())
            }
        );
        assert_eq!(
            t[1],
            Target::Phone {
                label: Some("mobile".into())
            }
        );
        assert_eq!(
            t[2],
            Target::AdditionalPhone {
                label: Some("fax".into())
            }
        );
        assert_eq!(t[3], Target::AdditionalEmail { label: None });
        assert_eq!(t[4], Target::Ignore);
    }

    #[test]
    fn groups_companies_nicknames_and_phone_countries_are_known() {
        let t = targets(&[
            "Group",
            "Organization 1 - Name",
            "Associated Company",
            "Nickname",
            "Phones / Primary Phone Number",
            "Phones / Primary Phone Country Code",
            "Phones / Primary Phone Calling Code",
            "Assistant's Phone",
            "Car Phone",
        ]);
        let company = Target::Attribute {
            key: "company".into(),
        };
        assert_eq!(t[0], Target::Tags);
        assert_eq!((&t[1], &t[2]), (&company, &company));
        assert_eq!(
            t[3],
            Target::Attribute {
                key: "nickname".into()
            }
        );
        assert_eq!(t[4], Target::Phone { label: None });
        assert_eq!(t[5], Target::CountryOf { column: 4 });
        assert_eq!(t[6], Target::CountryOf { column: 4 });
        assert_eq!(
            t[7],
            Target::AdditionalPhone {
                label: Some("assistant".into())
            }
        );
        assert_eq!(
            t[8],
            Target::AdditionalPhone {
                label: Some("car".into())
            }
        );
    }

    #[test]
    fn brazilian_and_spanish_headers_are_known() {
        let t = targets(&[
            "Nome",
            "Sobrenome",
            "Celular",
            "Telefone Comercial",
            "Teléfono",
            "E-mail",
        ]);
        // Beside "Sobrenome", "Nome" is the first name (Google's and Outlook's Portuguese).
        assert_eq!(t[0], Target::FirstName);
        assert_eq!(t[1], Target::LastName);
        assert_eq!(
            t[2],
            Target::Phone {
                label: Some("mobile".into())
            }
        );
        assert_eq!(t[3], Target::AdditionalPhone { label: None });
        assert_eq!(t[4], Target::AdditionalPhone { label: None });
        assert_eq!(t[5], Target::Email { label: None });
    }

    #[test]
    fn yahoo_and_zoho_name_and_tag_columns_are_known() {
        let t = targets(&["First", "Middle", "Last", "Category", "Tag"]);
        assert_eq!(
            t,
            [
                Target::FirstName,
                Target::MiddleName,
                Target::LastName,
                Target::Tags,
                Target::Tags
            ]
        );
    }

    #[test]
    fn yahoo_phones_pipedrive_people_and_camel_case_headers_are_known() {
        let t = targets(&[
            "First",
            "Last",
            "Email",
            "Messenger ID",
            "Home",
            "Work",
            "Mobile",
            "Yahoo! Phone",
        ]);
        assert_eq!(
            t[4],
            Target::AdditionalPhone {
                label: Some("home".into())
            }
        );
        assert_eq!(
            t[5],
            Target::AdditionalPhone {
                label: Some("work".into())
            }
        );
        assert_eq!(
            t[6],
            Target::Phone {
                label: Some("mobile".into())
            }
        );
        // Without Yahoo's columns, `Home` and `Work` say nothing.
        assert_eq!(
            targets(&["Name", "Home", "Work"])[1..],
            [Target::Ignore, Target::Ignore]
        );
        let t = targets(&[
            "Person - Name",
            "Person - Email - Work",
            "Person - Phone - Mobile",
            "Person - Labels",
        ]);
        assert_eq!(
            t,
            [
                Target::Name,
                Target::AdditionalEmail {
                    label: Some("work".into())
                },
                Target::AdditionalPhone {
                    label: Some("mobile".into())
                },
                Target::Tags
            ]
        );
        let t = targets(&["FirstName", "LastName", "HomePhone", "MobilePhone", "AccountName"]);
        assert_eq!(t[..2], [Target::FirstName, Target::LastName]);
        assert_eq!(
            t[2],
            Target::AdditionalPhone {
                label: Some("home".into())
            }
        );
        assert_eq!(
            t[3],
            Target::Phone {
                label: Some("mobile".into())
            }
        );
        assert_eq!(
            t[4],
            Target::Attribute {
                key: "company".into()
            }
        );
    }

    #[test]
    fn italian_and_dutch_outlook_headers_are_known() {
        let t = targets(&[
            "Nome",
            "Secondo nome",
            "Cognome",
            "Società",
            "Telefono ufficio",
            "Telefono ufficio 2",
            "Telefono abitazione",
            "Cellulare",
            "Cercapersone",
            "Categorie",
            "Indirizzo posta elettronica",
            "Nome visualizzato posta elettronica",
            "Indirizzo posta elettronica 2",
        ]);
        let phone = |l: &str| Target::AdditionalPhone {
            label: Some(l.into()),
        };
        assert_eq!(
            t,
            [
                Target::FirstName,
                Target::MiddleName,
                Target::LastName,
                Target::Attribute {
                    key: "company".into()
                },
                phone("work"),
                phone("work"),
                phone("home"),
                Target::Phone {
                    label: Some("mobile".into())
                },
                phone("pager"),
                Target::Tags,
                Target::Email { label: None },
                Target::Ignore,
                Target::AdditionalEmail { label: None },
            ]
        );
        let t = targets(&[
            "Voornaam",
            "Middelste naam",
            "Achternaam",
            "Bedrijf",
            "Telefoon op werk",
            "Telefoon thuis",
            "Mobiele telefoon",
            "Fax op werk",
            "Categorieën",
            "E-mailadres",
            "Weergavenaam voor e-mail",
            "E-mailadres 2",
        ]);
        assert_eq!(
            t,
            [
                Target::FirstName,
                Target::MiddleName,
                Target::LastName,
                Target::Attribute {
                    key: "company".into()
                },
                phone("work"),
                phone("home"),
                Target::Phone {
                    label: Some("mobile".into())
                },
                phone("fax"),
                Target::Tags,
                Target::Email { label: None },
                Target::Ignore,
                Target::AdditionalEmail { label: None },
            ]
        );
    }

    #[test]
    fn russian_japanese_and_chinese_outlook_headers_are_known() {
        let phone = |l: &str| Target::AdditionalPhone {
            label: Some(l.into()),
        };
        let t = targets(&[
            "Имя",
            "Отчество",
            "Фамилия",
            "Организация",
            "Рабочий телефон",
            "Домашний телефон",
            "Телефон переносной",
            "Факс (раб.)",
            "Категории",
            "Адрес эл. почты",
            "Тип эл. почты",
            "Краткое имя эл. почты",
            "Адрес 2 эл. почты",
        ]);
        assert_eq!(
            t,
            [
                Target::FirstName,
                Target::MiddleName,
                Target::LastName,
                Target::Attribute {
                    key: "company".into()
                },
                phone("work"),
                phone("home"),
                Target::Phone {
                    label: Some("mobile".into())
                },
                phone("fax"),
                Target::Tags,
                Target::Email { label: None },
                Target::Ignore,
                Target::Ignore,
                Target::AdditionalEmail { label: None },
            ]
        );
        let t = targets(&[
            "姓",
            "名",
            "電子メール アドレス",
            "携帯電話",
            "会社電話",
            "分類",
            "会社名",
        ]);
        assert_eq!(
            t,
            [
                Target::LastName,
                Target::FirstName,
                Target::Email { label: None },
                Target::Phone {
                    label: Some("mobile".into())
                },
                phone("work"),
                Target::Tags,
                Target::Attribute {
                    key: "company".into()
                }
            ]
        );
        let t = targets(&["名", "姓", "电子邮件地址", "移动电话", "类别", "公司"]);
        assert_eq!(
            t,
            [
                Target::FirstName,
                Target::LastName,
                Target::Email { label: None },
                Target::Phone {
                    label: Some("mobile".into())
                },
                Target::Tags,
                Target::Attribute {
                    key: "company".into()
                }
            ]
        );
    }

    #[test]
    fn french_and_german_thunderbird_headers_are_known() {
        let t = targets(&[
            "Prénom",
            "Nom de famille",
            "Nom à afficher",
            "Adresse électronique principale",
            "Adresse électronique secondaire",
            "Tél. professionnel",
            "Tél. personnel",
            "Portable",
        ]);
        let phone = |l: &str| Target::AdditionalPhone {
            label: Some(l.into()),
        };
        assert_eq!(
            t,
            [
                Target::FirstName,
                Target::LastName,
                Target::Name,
                Target::Email { label: None },
                Target::AdditionalEmail { label: None },
                phone("work"),
                phone("home"),
                Target::Phone {
                    label: Some("mobile".into())
                },
            ]
        );
        let t = targets(&[
            "Primäre E-Mail-Adresse",
            "Sekundäre E-Mail-Adresse",
            "Tel. dienstlich",
        ]);
        assert_eq!(
            t,
            [
                Target::Email { label: None },
                Target::AdditionalEmail { label: None },
                Target::AdditionalPhone {
                    label: Some("work".into())
                }
            ]
        );
    }

    #[test]
    fn crm_flags_about_emails_are_not_email_columns() {
        let t = targets(&[
            "Email",
            "Email Opt Out",
            "Do Not Email",
            "Email Bounced Reason",
            "Asst Phone",
        ]);
        assert_eq!(t[0], Target::Email { label: None });
        assert_eq!(&t[1..4], [Target::Ignore, Target::Ignore, Target::Ignore]);
        assert_eq!(
            t[4],
            Target::AdditionalPhone {
                label: Some("assistant".into())
            }
        );
    }

    #[test]
    fn our_label_columns_point_at_the_primary_columns() {
        let t = targets(&["id", "name", "email", "phone", "email_label", "phone_label"]);
        assert_eq!(t[4], Target::LabelOf { column: 2 });
        assert_eq!(t[5], Target::LabelOf { column: 3 });
    }
}
