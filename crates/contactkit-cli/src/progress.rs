//! Progress bars on stderr for long commands, hidden when stderr is not a terminal.

use std::io::IsTerminal;
use std::ops::ControlFlow;

use contactkit::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// A bar (bytes when the total is known, else a row counter) that draws only on a terminal.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A bar for `what` ("importing", "exporting") of `total` bytes, if known.
    pub fn new(what: &str, total: Option<u64>) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            match total {
                Some(bytes) => ProgressBar::new(bytes),
                None => ProgressBar::new_spinner(),
            }
        } else {
            ProgressBar::hidden()
        };
        let template = if total.is_some() {
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({pos_rows}) {eta}"
        } else {
            "{msg} {spinner} {pos} rows"
        };
        let template = template.replace("({pos_rows})", "");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_owned());
        Bar { bar }
    }

    /// The callback the core calls with each step.
    pub fn update(&self, progress: Progress) -> ControlFlow<()> {
        if self.bar.length().is_some() {
            self.bar.set_position(progress.bytes_done);
        } else {
            self.bar.set_position(progress.rows_done);
        }
        ControlFlow::Continue(())
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
