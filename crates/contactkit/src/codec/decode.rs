//! Text decoding of an import's input: BOM first, then UTF-16 without BOM, then `chardetng`'s
//! guess; decoded to UTF-8 as it streams by `encoding_rs_io`.

use std::io::{Chain, Cursor, Read};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, MACINTOSH, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

use crate::error::{Error, Result};

/// How much of the input is looked at to detect the encoding and sniff the layout.
pub(crate) const PREFIX_BYTES: usize = 64 * 1024;

/// Counts the bytes read from the raw input, for progress.
pub(crate) struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The raw input again, prefix first.
type Raw<R> = Chain<Cursor<Vec<u8>>, Counting<R>>;

/// The raw input decoded to UTF-8 as it is read.
pub(crate) enum DecodedReader<R> {
    /// A legacy or UTF-16 encoding, through `encoding_rs` (or a vCard's UTF-8 as it is).
    Transcoded(DecodeReaderBytes<Raw<R>, Vec<u8>>),
    /// UTF-8, each byte that is not part of valid UTF-8 read as Windows-1252.
    Utf8(LenientUtf8<Raw<R>>),
}

impl<R: Read> Read for DecodedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            DecodedReader::Transcoded(r) => r.read(buf),
            DecodedReader::Utf8(r) => r.read(buf),
        }
    }
}

/// Where a UTF-8 input had bytes that are not UTF-8: the offsets (in the decoded text) of
/// the first [`REPAIRS_KEPT`] such runs, each read as Windows-1252 instead of dropped.
pub(crate) type Repairs = Arc<Mutex<Vec<u64>>>;

/// How many repaired runs [`Repairs`] remembers.
const REPAIRS_KEPT: usize = 1000;

/// UTF-8 that passes through as it is, but for runs of bytes that are not valid UTF-8: a
/// UTF-8 file with one line pasted from a Windows-1252 one (`José` as `Jos\xE9`), or whose
/// legacy bytes begin after the sample the encoding was detected from, loses no letter (the
/// strict decoder makes each such byte U+FFFD) and the rows are told where it happened.
pub(crate) struct LenientUtf8<R> {
    inner: R,
    /// Raw bytes read and not yet decoded (at most the start of one character).
    pending: Vec<u8>,
    /// Decoded text not yet handed out.
    out: Vec<u8>,
    out_at: usize,
    /// Decoded bytes handed out so far.
    offset: u64,
    repairs: Repairs,
    bom_checked: bool,
    eof: bool,
}

impl<R: Read> LenientUtf8<R> {
    fn new(inner: R, repairs: Repairs) -> Self {
        LenientUtf8 {
            inner,
            pending: Vec::new(),
            out: Vec::new(),
            out_at: 0,
            offset: 0,
            repairs,
            bom_checked: false,
            eof: false,
        }
    }

    /// Decodes what `pending` holds into `out` (all of it at the end of the input).
    fn decode_pending(&mut self) {
        let mut rest: &[u8] = &self.pending;
        let start = self.offset + (self.out.len() - self.out_at) as u64;
        let mut produced = 0u64;
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    self.out.extend_from_slice(text.as_bytes());
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    self.out.extend_from_slice(valid);
                    produced += valid.len() as u64;
                    let bad = match e.error_len() {
                        Some(n) => n,
                        // The start of a character cut by the end of this read: wait for the
                        // rest of it, unless the input has ended.
                        None if !self.eof => {
                            rest = after;
                            break;
                        }
                        None => after.len(),
                    };
                    if let Ok(mut repairs) = self.repairs.lock()
                        && repairs.len() < REPAIRS_KEPT
                    {
                        repairs.push(start + produced);
                    }
                    let (legacy, _) = WINDOWS_1252.decode_without_bom_handling(&after[..bad]);
                    self.out.extend_from_slice(legacy.as_bytes());
                    produced += legacy.len() as u64;
                    rest = &after[bad..];
                }
            }
        }
        let keep = rest.len();
        let from = self.pending.len() - keep;
        self.pending.drain(..from);
    }
}

impl<R: Read> Read for LenientUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out_at == self.out.len() {
            self.out.clear();
            self.out_at = 0;
            if self.eof && self.pending.is_empty() {
                return Ok(0);
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self.inner.read(&mut chunk)?;
            self.eof = n == 0;
            self.pending.extend_from_slice(&chunk[..n]);
            if !self.bom_checked && (self.pending.len() >= 3 || self.eof) {
                self.bom_checked = true;
                if self.pending.starts_with(b"\xEF\xBB\xBF") {
                    self.pending.drain(..3);
                }
            }
            if self.bom_checked {
                self.decode_pending();
            }
        }
        let n = buf.len().min(self.out.len() - self.out_at);
        buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
        self.out_at += n;
        self.offset += n as u64;
        Ok(n)
    }
}

/// An input opened for reading as UTF-8 text.
pub(crate) struct Decoded<R> {
    pub reader: DecodedReader<R>,
    /// The encoding the input was read in.
    pub encoding: &'static Encoding,
    /// The decoded first bytes (at most [`PREFIX_BYTES`] of input), for sniffing.
    pub prefix: String,
    /// Bytes of raw input read so far (shared with the reader; see [`bytes_done`]).
    pub bytes_read: Arc<AtomicU64>,
    /// Where the text of a UTF-8 input was repaired, as the reader finds it.
    pub repairs: Repairs,
}

/// The bytes of raw input read so far, from a [`Decoded::bytes_read`].
pub(crate) fn bytes_done(count: &AtomicU64) -> u64 {
    count.load(Ordering::Relaxed)
}

/// Opens `input`: `encoding` is a WHATWG label (`windows-1252`, `shift_jis`, `utf-16le`...)
/// or `None` to detect it.
pub(crate) fn open<R: Read>(input: R, encoding: Option<&str>) -> Result<Decoded<R>> {
    let count = Arc::new(AtomicU64::new(0));
    let mut raw = Counting {
        inner: input,
        count: Arc::clone(&count),
    };
    let mut prefix = Vec::with_capacity(PREFIX_BYTES);
    (&mut raw).take(PREFIX_BYTES as u64).read_to_end(&mut prefix)?;
    let whole = prefix.len() < PREFIX_BYTES;

    let encoding = match encoding {
        Some(label) => Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| Error::Import {
            line: 1,
            column: None,
            byte: None,
            reason: format!(
                "{label:?} is not an encoding this library knows (try utf-8, windows-1252, shift_jis)"
            ),
        })?,
        None => detect(&prefix, whole),
    };
    let (text, _, _) = encoding.decode(&prefix);
    let prefix_text = text.into_owned();
    let repairs = Repairs::default();
    let bom = Encoding::for_bom(&prefix).map(|(bom, _)| bom);
    let vcard = is_vcard(&prefix);
    let raw = Cursor::new(prefix).chain(raw);
    let reader = if encoding == UTF_8 && !vcard && bom.is_none_or(|bom| bom == UTF_8) {
        DecodedReader::Utf8(LenientUtf8::new(raw, Arc::clone(&repairs)))
    } else {
        // A vCard's UTF-8 goes to its reader as it is: folding may split a character between
        // two lines, and only the unfolded card is valid UTF-8 (see `sources::vcard`). With
        // no encoding given, `encoding_rs_io` passes the bytes through (with an explicit
        // UTF-8 it would decode them, each half of a split character a U+FFFD).
        let passthru = encoding == UTF_8 && vcard;
        DecodedReader::Transcoded(
            DecodeReaderBytesBuilder::new()
                .encoding((!passthru).then_some(encoding))
                .bom_override(true)
                .strip_bom(true)
                .utf8_passthru(passthru)
                .build(raw),
        )
    };
    Ok(Decoded {
        reader,
        encoding,
        prefix: prefix_text,
        bytes_read: count,
        repairs,
    })
}

/// Guesses the encoding of the first bytes.
pub(crate) fn detect(prefix: &[u8], whole: bool) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(prefix) {
        return encoding;
    }
    if let Some(encoding) = utf16_without_bom(prefix) {
        return encoding;
    }
    let unfolded;
    let prefix = if is_vcard(prefix) {
        unfolded = unfold(prefix);
        // A vCard valid as UTF-8 once unfolded is UTF-8; else its own CHARSET parameter
        // (vCard 2.1's `CHARSET=SHIFT_JIS`) says what it is, before any guess.
        let utf8 = match std::str::from_utf8(&unfolded) {
            Ok(_) => true,
            Err(e) => !whole && e.error_len().is_none(),
        };
        // Cards of UTF-8 with one card in a legacy charset (each card is decoded on its own,
        // in its own CHARSET when it is not UTF-8: `sources::vcard`).
        if utf8 || mostly_utf8(&unfolded, whole) {
            return UTF_8;
        }
        if let Some(declared) = declared_charset(&unfolded) {
            return declared;
        }
        &unfolded[..]
    } else {
        prefix
    };
    if mostly_utf8(prefix, whole) {
        return UTF_8;
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(prefix, whole);
    match detector.guess(None, Utf8Detection::Allow) {
        guess if guess == WINDOWS_1252 && looks_mac_roman(prefix) => MACINTOSH,
        guess => guess,
    }
}

/// Whether the input is a vCard (in an ASCII-compatible encoding): `BEGIN:VCARD` is one of
/// its first four lines that are not blank, or they begin with `VERSION:` (a card whose
/// BEGIN line is missing) and an `END:VCARD` follows.
pub(crate) fn is_vcard(prefix: &[u8]) -> bool {
    let head = &prefix[..prefix.len().min(4096)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut lines = head
        .split(|b| matches!(b, b'\r' | b'\n'))
        .map(<[u8]>::trim_ascii)
        .filter(|l| !l.is_empty())
        .take(4)
        .peekable();
    let starts_with = |line: &[u8], start: &[u8]| {
        line.get(..start.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(start))
    };
    let first_is_version = lines.peek().is_some_and(|l| starts_with(l, b"VERSION:"));
    lines.any(|l| starts_with(l, b"BEGIN:VCAR"))
        || (first_is_version && head.windows(9).any(|w| w.eq_ignore_ascii_case(b"END:VCARD")))
}

/// The bytes with vCard folding undone: a line break (CRLF, LF or CR) followed by a space or
/// a tab is removed.
pub(crate) fn unfold(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let brk = match bytes[i..] {
            [b'\r', b'\n', ..] => 2,
            [b'\r' | b'\n', ..] => 1,
            _ => 0,
        };
        if brk > 0 && matches!(bytes.get(i + brk), Some(b' ' | b'\t')) {
            i += brk + 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The first `CHARSET=` parameter of a vCard that names an encoding other than UTF-8.
pub(crate) fn declared_charset(vcard: &[u8]) -> Option<&'static Encoding> {
    const KEY: &[u8] = b"CHARSET=";
    let mut rest = vcard;
    while let Some(at) = rest.windows(KEY.len()).position(|w| w.eq_ignore_ascii_case(KEY)) {
        rest = &rest[at + KEY.len()..];
        let end = rest
            .iter()
            .position(|b| matches!(b, b';' | b':' | b',' | b'\r' | b'\n'))
            .unwrap_or(rest.len());
        let label = rest[..end].trim_ascii();
        let label = label.strip_prefix(b"\"").unwrap_or(label);
        let label = label.strip_suffix(b"\"").unwrap_or(label);
        match Encoding::for_label(label) {
            Some(encoding) if encoding != UTF_8 => return Some(encoding),
            _ => {}
        }
    }
    None
}

/// Whether bytes `chardetng` takes for Windows-1252 are Mac OS Roman (what Excel for Mac and
/// old Mac apps write), which it does not detect. Read as Windows-1252, Mac Roman's accented
/// letters come out as C1 controls (its è, ç, ê: bytes Windows-1252 leaves undefined) or as
/// symbols in the middle of words (`JŸrgen`, `Gro§`, `RenŽe`): neither happens in real
/// Windows-1252 text, where such a symbol stands between words.
fn looks_mac_roman(prefix: &[u8]) -> bool {
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(prefix);
    let chars: Vec<char> = text.chars().collect();
    let mut score = 0;
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|b| chars.get(b)).copied();
        let after = chars.get(i + 1).copied();
        let between =
            |test: fn(&char) -> bool| before.is_some_and(|b| test(&b)) && after.is_some_and(|a| test(&a));
        if ('\u{80}'..='\u{9f}').contains(&c) {
            score += 2;
        } else if ("§†‡™•…€¶®©∞".contains(c) && between(|c| c.is_alphabetic()))
            // Capitals inside a lower-case word; the lower-case š and ž are Czech letters.
            || ("ŽŠŸ".contains(c) && between(|c| c.is_lowercase()))
        {
            score += 1;
        }
        if score >= 2 {
            return true;
        }
    }
    false
}

/// Whether bytes that are not all valid UTF-8 are UTF-8 all the same, with a few bytes of
/// something else in it (a line pasted from a Windows-1252 file, one stray byte): at least
/// two valid multi-byte characters, and no fewer than the invalid runs. Legacy text makes
/// a valid UTF-8 sequence only by rare chance (a lead byte such as `Ã` followed by a byte
/// of 0x80–0xBF: `Ã©`), while its accented letters are invalid runs each.
fn mostly_utf8(prefix: &[u8], whole: bool) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut rest = prefix;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                valid += text.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (good, after) = rest.split_at(e.valid_up_to());
                valid += std::str::from_utf8(good).map_or(0, |t| t.chars().filter(|c| !c.is_ascii()).count());
                match e.error_len() {
                    Some(n) => {
                        invalid += 1;
                        rest = &after[n..];
                    }
                    None => {
                        // Cut by the end of the sample: no evidence either way.
                        invalid += usize::from(whole);
                        break;
                    }
                }
            }
        }
    }
    invalid > 0 && valid >= 2 && valid >= invalid
}

/// Text in UTF-16 without a BOM has a zero byte in every other place for ASCII characters:
/// most of the even bytes (big endian) or most of the odd ones (little endian).
fn utf16_without_bom(prefix: &[u8]) -> Option<&'static Encoding> {
    let sample = &prefix[..prefix.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    if pairs < 4 {
        return None;
    }
    let even = sample.chunks_exact(2).filter(|p| p[0] == 0 && p[1] != 0).count();
    let odd = sample.chunks_exact(2).filter(|p| p[1] == 0 && p[0] != 0).count();
    if even * 10 >= pairs * 6 {
        Some(UTF_16BE)
    } else if odd * 10 >= pairs * 6 {
        Some(UTF_16LE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_is_found_with_or_without_a_bom() {
        let text: Vec<u8> = "name,email\r\n"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(detect(&text, true), UTF_16BE);
        let le: Vec<u8> = "name,email\r\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(detect(&le, true), UTF_16LE);
        assert_eq!(detect("é,ü".as_bytes(), true), encoding_rs::UTF_8);
    }

    /// Hands out its bytes a few at a time, as a pipe may.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn lenient(bytes: &[u8], step: usize) -> (String, Vec<u64>) {
        let repairs = Repairs::default();
        let mut text = String::new();
        LenientUtf8::new(Trickle(bytes, step), Arc::clone(&repairs))
            .read_to_string(&mut text)
            .expect("valid UTF-8 out");
        let at = repairs.lock().expect("lock").clone();
        (text, at)
    }

    #[test]
    fn utf8_with_a_few_legacy_bytes_is_utf8_and_keeps_their_letters() {
        let mixed = b"name\nZo\xC3\xAB \xC3\x85ngstr\xC3\xB6m\nJos\xE9 N\xFA\xF1ez\n";
        assert_eq!(detect(mixed, true), UTF_8);
        // Whatever the reads' sizes, characters cut between two reads come out whole.
        for step in [1, 2, 3, 7, 4096] {
            let (text, at) = lenient(b"\xEF\xBB\xBFname\nZo\xC3\xAB\nJos\xE9\nend\xE2\x82", step);
            assert_eq!(text, "name\nZoë\nJosé\nendâ‚", "step {step}");
            assert_eq!(at, [13, 19], "step {step}");
        }
        // Windows-1252 text with one sequence valid as UTF-8 by chance stays Windows-1252.
        let (legacy, _, _) = WINDOWS_1252.encode("name\nJosé Müller\nFrançois Côté\nRenée\n");
        let mut legacy = legacy.into_owned();
        legacy.extend_from_slice(b"\xC3\xA9");
        assert_ne!(detect(&legacy, true), UTF_8);
    }

    #[test]
    fn mac_roman_is_told_from_windows_1252() {
        let (mac, _, _) = MACINTOSH.encode("name,city\rJürgen Groß,München\rRenée Côté,Montréal\r");
        assert_eq!(detect(&mac, true), MACINTOSH);
        let (windows, _, _) =
            WINDOWS_1252.encode("name,city\r\nJürgen Groß,München\r\nRenée Côté,Montréal\r\n");
        assert_eq!(detect(&windows, true), WINDOWS_1252);
        let (czech, _, _) = WINDOWS_1252.encode("name,note\r\nŠimon Novák,Škoda © 2020 – Praha\r\n");
        assert_ne!(detect(&czech, true), MACINTOSH);
    }
}
