//! JSON whose strings hold a lone UTF-16 surrogate escape (`"\ud83d"`, half of an emoji cut
//! by a program that truncated a string): valid to JavaScript, refused by `serde_json`,
//! which would refuse the whole file for one name. Each lone surrogate becomes `\ufffd`, the
//! replacement character, as it goes by; everything else passes through unchanged.

use std::io::Read;

/// Reads JSON text from `inner` with its lone surrogate escapes replaced.
pub(crate) struct LoneSurrogates<R> {
    inner: R,
    /// Bytes read and not yet looked at, from `at` on.
    pending: Vec<u8>,
    at: usize,
    /// Bytes looked at and not yet handed out, from `ready_at` on.
    ready: Vec<u8>,
    ready_at: usize,
    in_string: bool,
    eof: bool,
}

impl<R: Read> LoneSurrogates<R> {
    pub(crate) fn new(inner: R) -> Self {
        LoneSurrogates {
            inner,
            pending: Vec::new(),
            at: 0,
            ready: Vec::new(),
            ready_at: 0,
            in_string: false,
            eof: false,
        }
    }

    /// Reads more input and moves what can be decided of it to `ready`.
    fn advance(&mut self) -> std::io::Result<()> {
        self.pending.drain(..self.at);
        self.at = 0;
        if !self.eof {
            let mut chunk = [0u8; 8192];
            let n = self.inner.read(&mut chunk)?;
            self.eof = n == 0;
            self.pending.extend_from_slice(&chunk[..n]);
        }
        self.ready.clear();
        self.ready_at = 0;
        loop {
            let rest = &self.pending[self.at..];
            // Room for the longest sequence decided at once, a surrogate pair (12 bytes),
            // unless the input has ended.
            if rest.is_empty() || (rest.len() < 12 && !self.eof) {
                return Ok(());
            }
            let b = rest[0];
            let used = match (self.in_string, b) {
                (_, b'"') => {
                    self.in_string = !self.in_string;
                    1
                }
                (true, b'\\') => match escape_at(rest) {
                    Some(0xD800..=0xDBFF) if matches!(escape_at(&rest[6..]), Some(0xDC00..=0xDFFF)) => 12,
                    Some(0xD800..=0xDFFF) => {
                        self.ready.extend_from_slice(b"\\ufffd");
                        self.at += 6;
                        continue;
                    }
                    Some(_) => 6,
                    // Any other escape: the backslash and the character it escapes.
                    None => rest.len().min(2),
                },
                // A run of bytes that are neither a quote nor a backslash passes at once.
                _ => rest
                    .iter()
                    .position(|c| matches!(c, b'"' | b'\\'))
                    .unwrap_or(rest.len()),
            };
            self.ready.extend_from_slice(&rest[..used]);
            self.at += used;
        }
    }
}

/// The code unit of the escape `\uXXXX` at the start of `bytes`, if it is one.
fn escape_at(bytes: &[u8]) -> Option<u16> {
    let hex = bytes.strip_prefix(b"\\u")?.get(..4)?;
    u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
}

impl<R: Read> Read for LoneSurrogates<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.ready_at == self.ready.len() {
            if self.eof && self.at == self.pending.len() {
                return Ok(0);
            }
            self.advance()?;
        }
        let n = buf.len().min(self.ready.len() - self.ready_at);
        buf[..n].copy_from_slice(&self.ready[self.ready_at..self.ready_at + n]);
        self.ready_at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mended(json: &str, step: usize) -> String {
        let mut reader = LoneSurrogates::new(json.as_bytes());
        let mut out = Vec::new();
        let mut buf = vec![0u8; step];
        loop {
            let n = reader.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn lone_surrogates_become_replacement_characters_and_pairs_stay() {
        let json = r#"[{"name": "Bad \ud83d cut", "b": "\\ud83d", "x": "\udc00", "ok": "\ud83d\ude00 \u00e9 \" \\"}]"#;
        for step in [1, 5, 12, 13, 64, 4096] {
            let text = mended(json, step);
            assert_eq!(
                text,
                r#"[{"name": "Bad \ufffd cut", "b": "\\ud83d", "x": "\ufffd", "ok": "\ud83d\ude00 \u00e9 \" \\"}]"#,
                "step {step}"
            );
            let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON now");
            assert_eq!(value[0]["name"], "Bad \u{FFFD} cut");
            assert_eq!(value[0]["ok"], "😀 é \" \\");
        }
    }
}
