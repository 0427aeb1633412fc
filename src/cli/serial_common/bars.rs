//! The indicatif progress adapter of the device subcommands (stderr only, hidden with
//! `--json` or when stderr is not a terminal).

use crate::serial::{ProgressEvent, Task};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Renders [`ProgressEvent`]s as indicatif bars on stderr. While the chip works before a
/// reply ([`ProgressEvent::ChipBusy`]) the bar's spinner turns on its own (a steady tick) and
/// its message says what the chip does.
pub struct Bars {
    enabled: bool,
    notes: bool,
    bar: Option<ProgressBar>,
    /// The bar is only the chip-busy spinner (no task bar was running).
    spinner_only: bool,
    target: Box<dyn Fn() -> ProgressDrawTarget>,
}

/// How often the spinner turns while the chip works.
const BUSY_TICK: std::time::Duration = std::time::Duration::from_millis(120);

impl Bars {
    /// Bars, shown only when `!json` and stderr is a terminal.
    pub fn new(json: bool) -> Self {
        Self::with_target(
            !json && std::io::stderr().is_terminal(),
            !json,
            Box::new(ProgressDrawTarget::stderr),
        )
    }

    /// Bars drawn to `target()` when `enabled`; notes printed when `notes`.
    pub fn with_target(
        enabled: bool,
        notes: bool,
        target: Box<dyn Fn() -> ProgressDrawTarget>,
    ) -> Self {
        Bars {
            enabled,
            notes,
            bar: None,
            spinner_only: false,
            target,
        }
    }

    /// The chip works (`Some`) or has replied (`None`).
    fn chip_busy(&mut self, what: Option<String>) {
        if !self.enabled {
            return;
        }
        match what {
            Some(m) => {
                let b = self.bar.get_or_insert_with(|| {
                    let b = ProgressBar::with_draw_target(None, (self.target)());
                    if let Ok(st) =
                        ProgressStyle::with_template("{prefix:>8} {spinner} {msg} {elapsed}")
                    {
                        b.set_style(st);
                    }
                    b.set_prefix("chip");
                    self.spinner_only = true;
                    b
                });
                b.set_message(format!("{}…", crate::render::escape::escape(&m)));
                b.enable_steady_tick(BUSY_TICK);
            }
            None => {
                if self.spinner_only {
                    self.spinner_only = false;
                    if let Some(b) = self.bar.take() {
                        b.finish_and_clear();
                    }
                } else if let Some(b) = &self.bar {
                    b.disable_steady_tick();
                    b.set_message("");
                }
            }
        }
    }

    /// Handle one event.
    pub fn event(&mut self, e: ProgressEvent) {
        match e {
            ProgressEvent::Begin { task, total } => {
                if let Some(b) = self.bar.take() {
                    b.finish_and_clear();
                }
                self.spinner_only = false;
                if !self.enabled {
                    return;
                }
                let (label, bytes) = match task {
                    Task::UploadStub => ("stub", true),
                    Task::Scan => ("compare", false),
                    Task::Read => ("read", true),
                    Task::Write => ("write", true),
                    Task::Erase => ("erase", true),
                    Task::Verify => ("verify", true),
                };
                let b = ProgressBar::with_draw_target(Some(total), (self.target)());
                let tmpl = if bytes {
                    "{prefix:>8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta} {spinner} {msg}"
                } else {
                    "{prefix:>8} [{bar:30}] {pos}/{len} sectors {spinner} {msg}"
                };
                if let Ok(st) = ProgressStyle::with_template(tmpl) {
                    b.set_style(st.progress_chars("=> "));
                }
                b.set_prefix(label);
                self.bar = Some(b);
            }
            ProgressEvent::Advance { done, .. } => {
                if let Some(b) = &self.bar {
                    b.set_position(done);
                }
            }
            ProgressEvent::End { .. } => {
                if let Some(b) = self.bar.take() {
                    b.finish_and_clear();
                }
                self.spinner_only = false;
            }
            ProgressEvent::ChipBusy(what) => self.chip_busy(what),
            ProgressEvent::Note(n) => {
                let line = format!("espdump: {}", crate::render::escape::escape(&n));
                match &self.bar {
                    Some(b) => b.println(line),
                    None => {
                        if self.notes {
                            eprintln!("{line}");
                        }
                    }
                }
            }
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A terminal that records every line indicatif draws.
    #[derive(Debug, Default, Clone)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            if !s.is_empty() {
                self.0.lock().expect("lock").push(s.to_string());
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn bars(screen: &Screen) -> Bars {
        let s = screen.clone();
        Bars::with_target(
            true,
            true,
            Box::new(move || ProgressDrawTarget::term_like(Box::new(s.clone()))),
        )
    }

    /// Frames drawn with `needle`, and how many different ones.
    fn frames(screen: &Screen, needle: &str) -> (usize, usize) {
        let v = screen.0.lock().expect("lock");
        let hits: Vec<&String> = v.iter().filter(|l| l.contains(needle)).collect();
        let mut distinct: Vec<&String> = hits.clone();
        distinct.sort();
        distinct.dedup();
        (hits.len(), distinct.len())
    }

    /// While the chip works and no byte moves, the bar keeps being redrawn with a turning
    /// spinner and says what the chip does; the reply stops it and clears the message.
    #[test]
    fn bar_keeps_moving_while_the_chip_works() {
        let screen = Screen::default();
        let mut b = bars(&screen);
        b.event(ProgressEvent::Begin {
            task: Task::Write,
            total: 1 << 20,
        });
        b.event(ProgressEvent::Advance {
            task: Task::Write,
            done: 0x4000,
        });
        let msg = "chip erasing and programming 1.0 MiB";
        b.event(ProgressEvent::ChipBusy(Some(msg.into())));
        std::thread::sleep(std::time::Duration::from_millis(900));
        let (n, distinct) = frames(&screen, msg);
        assert!(n >= 3 && distinct >= 2, "{n} frames, {distinct} distinct");
        b.event(ProgressEvent::ChipBusy(None));
        let before = screen.0.lock().expect("lock").len();
        std::thread::sleep(std::time::Duration::from_millis(400));
        let after = screen.0.lock().expect("lock").len();
        assert!(after <= before + 1, "still ticking: {before} -> {after}");
        assert_eq!(b.bar.as_ref().map(|b| b.message()), Some(String::new()));
    }

    /// A wait with no task bar running (e.g. before any bar) gets a spinner of its own that
    /// the reply removes.
    #[test]
    fn busy_without_a_bar_is_a_spinner_of_its_own() {
        let screen = Screen::default();
        let mut b = bars(&screen);
        b.event(ProgressEvent::ChipBusy(Some("chip erasing 2.0 MiB".into())));
        std::thread::sleep(std::time::Duration::from_millis(600));
        let (n, distinct) = frames(&screen, "chip erasing 2.0 MiB");
        assert!(n >= 2 && distinct >= 2, "{n} frames, {distinct} distinct");
        b.event(ProgressEvent::ChipBusy(None));
        assert!(b.bar.is_none());
    }
}
