//! Python files as Rust streams, and progress callbacks: what import and export run on
//! while the GIL is released. Each re-attaches only for the Python call it must make.

use std::io::{self, Read, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

use crate::values::Progress;

/// How often a progress callback runs at most (plus its first call).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// How many bytes a writer gathers before it calls the Python file's `write`.
const WRITE_CHUNK: usize = 64 * 1024;

/// Where an import reads from.
pub enum Input {
    /// A file on disk.
    Path(PathBuf),
    /// The content itself (`bytes`).
    Bytes(Vec<u8>),
    /// A Python file object (anything with `read`).
    File(PyReader),
}

impl Input {
    /// A path (`str` or `os.PathLike`), `bytes`/`bytearray` content, or a file object.
    pub fn from_py(source: &Bound<'_, PyAny>) -> PyResult<Input> {
        if let Ok(bytes) = source.cast::<PyBytes>() {
            return Ok(Input::Bytes(bytes.as_bytes().to_vec()));
        }
        if let Ok(bytes) = source.cast::<PyByteArray>() {
            return Ok(Input::Bytes(bytes.to_vec()));
        }
        if source.hasattr("read")? {
            return Ok(Input::File(PyReader {
                file: source.clone().unbind(),
                pending: Vec::new(),
                error: None,
            }));
        }
        Ok(Input::Path(source.extract()?))
    }
}

/// Where an export (or an import's error report) writes to.
pub enum Output {
    /// A new file on disk (truncated if it exists).
    Path(PathBuf),
    /// A Python file object (anything with `write`), binary or text.
    File(PyWriter),
}

impl Output {
    /// A path (`str` or `os.PathLike`) or a file object.
    pub fn from_py(destination: &Bound<'_, PyAny>) -> PyResult<Output> {
        if destination.hasattr("write")? {
            let io = destination.py().import("io")?;
            let text = destination.is_instance(&io.getattr("TextIOBase")?)?;
            return Ok(Output::File(PyWriter {
                file: destination.clone().unbind(),
                text,
                pending: Vec::new(),
                error: None,
            }));
        }
        Ok(Output::Path(destination.extract()?))
    }
}

/// A Python file object read as an `io::Read`. `str` chunks (a text file) are taken as UTF-8.
pub struct PyReader {
    file: Py<PyAny>,
    pending: Vec<u8>,
    /// The Python exception `read` raised, re-raised as is once the core gives up.
    pub error: Option<PyErr>,
}

impl Read for PyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            let chunk = Python::attach(|py| -> PyResult<Vec<u8>> {
                let data = self.file.bind(py).call_method1("read", (buf.len().max(1),))?;
                if let Ok(text) = data.cast::<PyString>() {
                    Ok(text.extract::<String>()?.into_bytes())
                } else {
                    data.extract()
                }
            });
            match chunk {
                Ok(chunk) => self.pending = chunk,
                Err(err) => {
                    let message = err.to_string();
                    self.error = Some(err);
                    return Err(io::Error::other(message));
                }
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

/// A Python file object written as an `io::Write`, in chunks. A text file gets `str`s cut
/// on character boundaries.
pub struct PyWriter {
    file: Py<PyAny>,
    text: bool,
    pending: Vec<u8>,
    /// The Python exception `write` raised, re-raised as is once the core gives up.
    pub error: Option<PyErr>,
}

impl PyWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        // A text file takes whole characters: keep an incomplete UTF-8 tail for next time.
        let cut = if self.text {
            match std::str::from_utf8(&self.pending) {
                Ok(_) => self.pending.len(),
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
        } else {
            self.pending.len()
        };
        let chunk: Vec<u8> = self.pending.drain(..cut).collect();
        let text = self.text;
        let result = Python::attach(|py| -> PyResult<()> {
            let file = self.file.bind(py);
            if text {
                file.call_method1("write", (String::from_utf8_lossy(&chunk),))?;
            } else {
                file.call_method1("write", (PyBytes::new(py, &chunk),))?;
            }
            Ok(())
        });
        result.map_err(|err| {
            let message = err.to_string();
            self.error = Some(err);
            io::Error::other(message)
        })
    }
}

impl Write for PyWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= WRITE_CHUNK {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// A Python progress callback, throttled, that cancels the operation by raising.
pub struct Callback {
    func: Option<Py<PyAny>>,
    last: Option<Instant>,
    /// The exception the callback raised: the operation stops, and this is what the caller
    /// sees.
    pub error: Option<PyErr>,
}

impl Callback {
    /// Wraps an optional callable.
    pub fn new(func: Option<Py<PyAny>>) -> Self {
        Callback {
            func,
            last: None,
            error: None,
        }
    }

    /// Hands `progress` to the callback (at most every 100 ms, and the first time);
    /// `Break` when it raised.
    pub fn call(&mut self, progress: contactkit::Progress) -> ControlFlow<()> {
        let Some(func) = &self.func else {
            return ControlFlow::Continue(());
        };
        if self.last.is_some_and(|t| t.elapsed() < PROGRESS_EVERY) {
            return ControlFlow::Continue(());
        }
        self.last = Some(Instant::now());
        let result = Python::attach(|py| {
            let progress = Progress::from(progress);
            func.bind(py).call1((progress,)).map(drop)
        });
        match result {
            Ok(()) => ControlFlow::Continue(()),
            Err(err) => {
                self.error = Some(err);
                ControlFlow::Break(())
            }
        }
    }
}
