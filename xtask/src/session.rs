//! Running firmware on the virtual board with its console on this terminal: `cargo xtask run`,
//! the cargo runner (`cargo run-example`) and `cargo xtask uboot`.
//!
//! Design notes:
//! - The board's console (its stdout) and its own `emu:` lines (its stderr) are both piped
//!   through xtask and merged line-aware ([`LineMerger`]): an `emu:` line that arrives while the
//!   console is in the middle of a line waits until the console ends that line, so neither is
//!   cut in two. If the console stays in mid-line for longer than [`HOLD_LIMIT`] (a prompt
//!   waiting for input), xtask ends the console line itself and shows the waiting lines.
//! - A firmware panic or an unexpected exception ends with the runtime resetting the board, so
//!   the virtual board exits 0. xtask watches the console for the runtime's report lines
//!   (`*** panicked at ...`, `*** exception: ...`, at the start of a line) and then exits with
//!   [`PANIC_EXIT`] or [`EXCEPTION_EXIT`] instead, so CI can tell a fault from a pass. The
//!   first report wins (an exception inside the panic handler stays a panic).

use crate::defmt_decode::ConsoleDecoder;
use crate::process::SpawnRetrying;
use crate::{build, flash, image, prereq};
use anyhow::{Context, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{ExitCode, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Exit code when the firmware reported a panic on its console.
pub const PANIC_EXIT: u8 = 101;
/// Exit code when the firmware reported an unexpected CPU exception on its console.
pub const EXCEPTION_EXIT: u8 = 102;

/// The runtime's report lines (hal/apq8016/src/rt/panic.rs and exceptions.rs) as they start
/// a console line.
const PANIC_REPORT: &[u8] = b"*** panicked at ";
const EXCEPTION_REPORT: &[u8] = b"*** exception: ";

/// How long an `emu:` line may wait for the console to finish its line.
const HOLD_LIMIT: Duration = Duration::from_millis(200);

/// A fault the firmware reported on its console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Panic,
    Exception,
}

impl Fault {
    pub fn exit_code(self) -> u8 {
        match self {
            Fault::Panic => PANIC_EXIT,
            Fault::Exception => EXCEPTION_EXIT,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Fault::Panic => "a panic",
            Fault::Exception => "an unexpected exception",
        }
    }
}

/// Watches console text for the runtime's fault reports at the start of a line.
#[derive(Default)]
pub struct FaultWatcher {
    /// The start of the current line (at most as long as the longest report prefix).
    line_start: Vec<u8>,
    /// The first fault seen.
    pub fault: Option<Fault>,
}

impl FaultWatcher {
    pub fn push(&mut self, bytes: &[u8]) {
        let longest = PANIC_REPORT.len().max(EXCEPTION_REPORT.len());
        for &byte in bytes {
            match byte {
                b'\n' => self.line_start.clear(),
                b'\r' if self.line_start.is_empty() => {}
                _ if self.line_start.len() < longest => {
                    self.line_start.push(byte);
                    if self.fault.is_none() {
                        if self.line_start == PANIC_REPORT {
                            self.fault = Some(Fault::Panic);
                        } else if self.line_start == EXCEPTION_REPORT {
                            self.fault = Some(Fault::Exception);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// One piece of merged output.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// Console bytes, for our stdout.
    Console(Vec<u8>),
    /// One whole `emu:` line (with its newline), for our stderr.
    Board(Vec<u8>),
}

/// Merges console bytes and whole board lines so that a board line never lands in the middle
/// of a console line (see the design notes).
pub struct LineMerger {
    console_at_line_start: bool,
    held: Vec<Vec<u8>>,
    held_since: Option<Instant>,
}

impl Default for LineMerger {
    fn default() -> Self {
        LineMerger {
            console_at_line_start: true,
            held: Vec::new(),
            held_since: None,
        }
    }
}

impl LineMerger {
    /// Console bytes arrived: pass them on, releasing waiting board lines after the first
    /// line end.
    pub fn console(&mut self, bytes: &[u8]) -> Vec<Piece> {
        let mut out = Vec::new();
        let mut rest = bytes;
        if !self.held.is_empty() {
            match rest.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    out.push(Piece::Console(rest[..=end].to_vec()));
                    rest = &rest[end + 1..];
                    out.extend(self.release());
                }
                None => {
                    out.push(Piece::Console(rest.to_vec()));
                    return out;
                }
            }
        }
        if let Some(&last) = rest.last() {
            self.console_at_line_start = last == b'\n';
            out.push(Piece::Console(rest.to_vec()));
        }
        out
    }

    /// A whole board line arrived: shown now if the console is at a line start, else held.
    pub fn board_line(&mut self, line: &[u8]) -> Vec<Piece> {
        let mut line = line.to_vec();
        if line.last() != Some(&b'\n') {
            line.push(b'\n');
        }
        if self.console_at_line_start {
            vec![Piece::Board(line)]
        } else {
            self.held_since.get_or_insert_with(Instant::now);
            self.held.push(line);
            Vec::new()
        }
    }

    /// Since when board lines have been waiting, if any are.
    pub fn held_since(&self) -> Option<Instant> {
        self.held_since
    }

    /// The console did not finish its line in time (or ended): end it here and show the
    /// waiting board lines.
    pub fn break_console_line(&mut self) -> Vec<Piece> {
        if self.held.is_empty() {
            return Vec::new();
        }
        let mut out = vec![Piece::Console(b"\n".to_vec())];
        out.extend(self.release());
        out
    }

    fn release(&mut self) -> Vec<Piece> {
        self.console_at_line_start = true;
        self.held_since = None;
        self.held.drain(..).map(Piece::Board).collect()
    }
}

/// `cargo xtask run EXAMPLE`: builds the example with `profile` and runs it on the virtual
/// board.
pub fn run_example(
    root: &Path,
    example: &str,
    profile: build::Profile,
    emu_args: &[String],
) -> Result<ExitCode> {
    let name = build::check_example_name(root, example)?;
    prereq::firmware(root)?;
    prereq::virtual_board(root)?;
    let elf = build::examples_with(root, &[name], profile)?.remove(0);
    let emu = build::virtual_board(root)?;
    run_firmware(&emu, &elf, emu_args)
}

/// The cargo runner (`cargo xtask runner ELF ARGS`): runs the ELF cargo built on the virtual
/// board, or with `DB410C_RUNNER=board` wraps it in a boot image and `fastboot boot`s it.
pub fn cargo_runner(root: &Path, elf: &Path, args: &[String]) -> Result<ExitCode> {
    if std::env::var("DB410C_RUNNER").as_deref() == Ok("board") {
        let kernel = image::kernel_section(elf)?;
        let name = elf
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("firmware");
        let out = elf.with_extension("boot.img");
        std::fs::write(&out, image::boot_image(&kernel, name)?)
            .with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!(
            "xtask: DB410C_RUNNER=board: fastboot boot {}",
            out.display()
        );
        let fastboot =
            flash::find_fastboot(std::env::var_os("FASTBOOT"), std::env::var_os("PATH"))?;
        let status = std::process::Command::new(&fastboot)
            .arg("boot")
            .arg(&out)
            .status_retrying()
            .with_context(|| format!("cannot run {}", fastboot.display()))?;
        return Ok(ExitCode::from(exit_code(status, None)));
    }
    prereq::virtual_board(root)?;
    let emu = build::virtual_board(root)?;
    run_firmware(&emu, elf, args)
}

/// Runs a firmware ELF on the virtual board, decoding defmt frames on the console with the
/// ELF's table (plain text passes unchanged).
fn run_firmware(emu: &Path, elf: &Path, args: &[String]) -> Result<ExitCode> {
    let elf_bytes = std::fs::read(elf).with_context(|| format!("cannot read {}", elf.display()))?;
    let decoder = ConsoleDecoder::new(&elf_bytes)?;
    run_on_board(emu, elf, args, Some(decoder))
}

/// What the reader threads report.
enum Event {
    Console(Vec<u8>),
    ConsoleEnd,
    Board(Vec<u8>),
    BoardEnd,
}

/// Runs an image on the virtual board, streaming its console (through `decoder` if given) to
/// our stdout and its own lines to our stderr, merged line-aware; stdin is shared with the
/// board. Returns the board's exit status, or [`PANIC_EXIT`] / [`EXCEPTION_EXIT`] when the
/// firmware reported a fault.
pub fn run_on_board(
    emu: &Path,
    image: &Path,
    args: &[String],
    mut decoder: Option<ConsoleDecoder>,
) -> Result<ExitCode> {
    let mut child = crate::process::spawn(
        std::process::Command::new(emu)
            .arg(image)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .with_context(|| format!("cannot start {}", emu.display()))?;
    let (sender, events) = mpsc::channel();
    let mut console = child.stdout.take().expect("stdout is piped");
    let console_sender = sender.clone();
    let console_thread = std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        loop {
            match console.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    if console_sender
                        .send(Event::Console(buffer[..n].to_vec()))
                        .is_err()
                    {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = console_sender.send(Event::ConsoleEnd);
    });
    let board = BufReader::new(child.stderr.take().expect("stderr is piped"));
    let board_thread = std::thread::spawn(move || {
        for line in board.split(b'\n') {
            let Ok(line) = line else { break };
            if sender.send(Event::Board(line)).is_err() {
                break;
            }
        }
        let _ = sender.send(Event::BoardEnd);
    });

    let mut merger = LineMerger::default();
    let mut watcher = FaultWatcher::default();
    let mut open_streams = 2;
    while open_streams > 0 {
        let wait = merger.held_since().map_or(HOLD_LIMIT, |since| {
            HOLD_LIMIT.saturating_sub(since.elapsed())
        });
        let pieces = match events.recv_timeout(wait) {
            Ok(Event::Console(bytes)) => {
                let text = match decoder.as_mut() {
                    Some(d) => d.push(&bytes),
                    None => bytes,
                };
                watcher.push(&text);
                merger.console(&text)
            }
            Ok(Event::Board(line)) => merger.board_line(&line),
            Ok(Event::ConsoleEnd | Event::BoardEnd) => {
                open_streams -= 1;
                Vec::new()
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Vec::new(),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        show(&pieces)?;
        if merger
            .held_since()
            .is_some_and(|since| since.elapsed() >= HOLD_LIMIT)
        {
            show(&merger.break_console_line())?;
        }
    }
    if let Some(d) = decoder.as_mut() {
        let text = d.finish();
        watcher.push(&text);
        show(&merger.console(&text))?;
    }
    show(&merger.break_console_line())?;
    let _ = console_thread.join();
    let _ = board_thread.join();
    let status = child.wait()?;
    Ok(ExitCode::from(exit_code(status, watcher.fault)))
}

/// Our exit code: the fault's if the firmware reported one, else the board's (signals are 1).
pub fn exit_code(status: ExitStatus, fault: Option<Fault>) -> u8 {
    if let Some(fault) = fault {
        eprintln!(
            "xtask: the firmware reported {} on its console: exit code {}",
            fault.describe(),
            fault.exit_code()
        );
        return fault.exit_code();
    }
    status.code().map_or(1, |c| c.clamp(0, 255) as u8)
}

/// Writes merged pieces: console bytes to stdout, board lines to stderr.
fn show(pieces: &[Piece]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for piece in pieces {
        match piece {
            Piece::Console(bytes) => {
                out.write_all(bytes)?;
                out.flush()?;
            }
            Piece::Board(line) => {
                out.flush()?;
                std::io::stderr().write_all(line)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn console(text: &str) -> Piece {
        Piece::Console(text.as_bytes().to_vec())
    }

    fn board(text: &str) -> Piece {
        Piece::Board(text.as_bytes().to_vec())
    }

    #[test]
    fn board_line_at_a_console_line_start_passes_at_once() {
        let mut merger = LineMerger::default();
        assert_eq!(
            merger.board_line(b"emu: t=1 gpio21 high"),
            [board("emu: t=1 gpio21 high\n")]
        );
        assert_eq!(merger.console(b"ready\r\n"), [console("ready\r\n")]);
        assert_eq!(merger.board_line(b"emu: two\n"), [board("emu: two\n")]);
    }

    #[test]
    fn board_line_waits_for_the_end_of_the_console_line() {
        let mut merger = LineMerger::default();
        assert_eq!(merger.console(b"cycle"), [console("cycle")]);
        assert!(merger.board_line(b"emu: t=5 gpio21 low").is_empty());
        assert!(merger.board_line(b"emu: t=6 gpio120 high").is_empty());
        assert!(merger.held_since().is_some());
        assert_eq!(merger.console(b" 1"), [console(" 1")]);
        assert_eq!(
            merger.console(b"\r\ncycle 2\r\nnext"),
            [
                console("\r\n"),
                board("emu: t=5 gpio21 low\n"),
                board("emu: t=6 gpio120 high\n"),
                console("cycle 2\r\nnext"),
            ]
        );
        assert!(merger.held_since().is_none());
        // Mid-line again: the next board line waits.
        assert!(merger.board_line(b"emu: later").is_empty());
    }

    #[test]
    fn a_console_line_that_never_ends_is_broken_for_waiting_lines() {
        let mut merger = LineMerger::default();
        merger.console(b"dragonboard410c => ");
        assert!(merger.board_line(b"emu: PS_HOLD released").is_empty());
        assert_eq!(
            merger.break_console_line(),
            [console("\n"), board("emu: PS_HOLD released\n")]
        );
        assert!(merger.break_console_line().is_empty());
        assert_eq!(merger.board_line(b"emu: x"), [board("emu: x\n")]);
    }

    #[test]
    fn merged_output_never_cuts_a_console_line() {
        // Console text in awkward chunks, a board line after every chunk: every board line
        // must land right after a console newline (or at the very start).
        let chunks = [
            "Hel",
            "lo\r\nchip: Q",
            "ualcomm\r",
            "\nrunning at EL1\r\n",
            "tail",
        ];
        let mut merger = LineMerger::default();
        let mut pieces = Vec::new();
        for (k, chunk) in chunks.iter().enumerate() {
            pieces.extend(merger.console(chunk.as_bytes()));
            pieces.extend(merger.board_line(format!("emu: line {k}").as_bytes()));
        }
        pieces.extend(merger.break_console_line());
        let mut console_text = Vec::new();
        let mut board_lines = 0;
        for piece in &pieces {
            match piece {
                Piece::Console(bytes) => console_text.extend_from_slice(bytes),
                Piece::Board(_) => {
                    board_lines += 1;
                    assert!(
                        console_text.is_empty() || console_text.ends_with(b"\n"),
                        "board line after {:?}",
                        String::from_utf8_lossy(&console_text)
                    );
                }
            }
        }
        assert_eq!(board_lines, chunks.len());
        assert_eq!(
            console_text,
            b"Hello\r\nchip: Qualcomm\r\nrunning at EL1\r\ntail\n"
        );
    }

    #[test]
    fn fault_reports_are_recognised_at_line_starts_only() {
        let mut watcher = FaultWatcher::default();
        watcher.push(b"panic example: about to panic\r\n");
        watcher.push(b"text *** panicked at nowhere\r\n");
        assert_eq!(watcher.fault, None);
        watcher.push(b"\r\n*** pani");
        watcher.push(b"cked at examples/panic.rs:20:5: deliberate\r\n");
        assert_eq!(watcher.fault, Some(Fault::Panic));
        watcher.push(b"*** exception: synchronous\r\n");
        assert_eq!(watcher.fault, Some(Fault::Panic), "the first report wins");

        let mut watcher = FaultWatcher::default();
        watcher.push(b"exception example\r\n\r\n*** exception: synchronous (current EL)\r\n");
        assert_eq!(watcher.fault, Some(Fault::Exception));
        assert_eq!(Fault::Exception.exit_code(), EXCEPTION_EXIT);
        assert_eq!(Fault::Panic.exit_code(), PANIC_EXIT);
    }
}
