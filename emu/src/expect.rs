//! Scripted expectations on the console, for users' own CI: `--expect`, `--fail-on`,
//! `--timeout` and `--send-after` (see docs/virtual-board.md, "Scripted expectations").
//!
//! Design notes:
//! - The console watch sits at the console-output layer: [`ConsoleTap`] wraps the writer the
//!   board sends console bytes to and feeds every byte to the shared [`Watch`] before passing
//!   it on. The board side (`board::script`) tells the watch the virtual time before each
//!   flush, takes the input `--send-after` queued, and ends the run when the watch has a
//!   verdict. Nothing depends on host time: the same run gives the same verdict.
//! - Matching is per console line (a match never spans a line end; `\n` ends a line and
//!   belongs to it), tried as the text arrives, so a prompt without a line end matches as
//!   soon as it is printed (like `expect`). A regex therefore sees the line received so far:
//!   end it with `\n` to wait for the whole line. Bytes are matched raw (defmt frames are
//!   binary noise to a pattern, nothing more).
//! - Order: expectations match in sequence, each after the end of the previous match (in the
//!   same line or a later one); `--send-after` patterns have their own sequence; a
//!   `--fail-on` pattern matches anywhere. When several match in the same new text, the one
//!   whose match ends first wins (a `--fail-on` on a tie).
//! - Verdicts: the last expectation matching ends the run at once with success (exit 0); a
//!   `--fail-on` match ends it with exit 8; reaching the `--timeout` tick with an expectation
//!   pending ends it with exit 9 (with none pending, e.g. only `--fail-on` given, that is a
//!   clean soak: exit 0). A run that ends any other way with an expectation pending exits 7.
//!   After a verdict the watch is frozen: what the transmitters still drain is printed but not
//!   matched, except that the line a `--fail-on` matched in is completed for the report.
//! - A line longer than [`LINE_LIMIT`] (binary output without line ends) keeps only its last
//!   half, so matching stays cheap.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use regex::bytes::Regex;

use crate::models::uart_dm::InputItem;

/// Exit code: the run ended (or was stopped) with an expectation not met.
pub const EXIT_NOT_MET: u8 = 7;
/// Exit code: a `--fail-on` pattern matched.
pub const EXIT_FAIL_ON: u8 = 8;
/// Exit code: the `--timeout` was reached with an expectation pending.
pub const EXIT_TIMEOUT: u8 = 9;

/// A console line is cut to its last half beyond this many bytes.
const LINE_LIMIT: usize = 4096;

/// A console pattern: plain text, or a regex (`re:...` or `/.../`).
#[derive(Debug, Clone)]
pub struct Pattern {
    /// As given on the command line.
    source: String,
    matcher: Matcher,
}

#[derive(Debug, Clone)]
enum Matcher {
    Text(Vec<u8>),
    Regex(Regex),
}

impl Pattern {
    /// `re:REGEX` or `/REGEX/` is a regex (the `regex` crate's syntax); anything else is plain
    /// text.
    pub fn parse(s: &str) -> Result<Self, String> {
        let regex = s.strip_prefix("re:").or_else(|| {
            (s.len() >= 2 && s.starts_with('/') && s.ends_with('/')).then(|| &s[1..s.len() - 1])
        });
        let matcher = match regex {
            Some(r) => Matcher::Regex(Regex::new(r).map_err(|e| format!("bad regex {s:?}: {e}"))?),
            None if s.is_empty() => return Err("empty pattern".into()),
            None => Matcher::Text(s.as_bytes().to_vec()),
        };
        Ok(Self {
            source: s.to_string(),
            matcher,
        })
    }

    /// The first match in `line` starting at or after `from`: its end.
    fn find_end(&self, line: &[u8], from: usize) -> Option<usize> {
        match &self.matcher {
            Matcher::Text(t) => line
                .get(from..)?
                .windows(t.len())
                .position(|w| w == t.as_slice())
                .map(|at| from + at + t.len()),
            Matcher::Regex(r) => r.find_at(line, from).map(|m| m.end()),
        }
    }
}

/// What the run is checked against.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// `--expect`, in order.
    pub expect: Vec<Pattern>,
    /// `--fail-on`.
    pub fail_on: Vec<Pattern>,
    /// `--send-after`: when the pattern appears, the input is fed to the console receiver.
    pub send_after: Vec<(Pattern, Vec<InputItem>)>,
    /// `--timeout`: tick of the virtual counter.
    pub timeout: Option<u64>,
}

impl Script {
    /// Whether any option was given.
    pub fn is_empty(&self) -> bool {
        self.expect.is_empty()
            && self.fail_on.is_empty()
            && self.send_after.is_empty()
            && self.timeout.is_none()
    }
}

/// How the script ended the run.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// The last expectation matched at this tick.
    Met { at: u64 },
    /// `--fail-on` pattern (index) matched at this tick.
    Failed { pattern: usize, at: u64 },
    /// The timeout was reached at this tick.
    TimedOut { at: u64 },
}

/// The console watch: patterns, progress and verdict.
#[derive(Debug)]
pub struct Watch {
    script: Script,
    /// The current console line so far (with its `\n` once complete).
    line: Vec<u8>,
    /// Where the next expectation may start matching in `line`.
    expect_from: usize,
    /// Where the next `--send-after` pattern may start matching in `line`.
    send_from: usize,
    next_expect: usize,
    next_send: usize,
    /// Input queued by `--send-after`, not yet given to the board.
    input: Vec<InputItem>,
    verdict: Option<Verdict>,
    /// The console line a `--fail-on` matched in, completed as it drains.
    failed_line: Vec<u8>,
    failed_line_open: bool,
    /// Virtual time of the bytes being received.
    now: u64,
    /// The board has been told to stop.
    stop_taken: bool,
}

/// The watch shared by the console tap and the board (cloning shares it).
#[derive(Clone)]
pub struct Link(Rc<RefCell<Watch>>);

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Link(..)")
    }
}

/// What the board should do after a flush.
pub struct Poll {
    /// Input for the console receiver.
    pub input: Vec<InputItem>,
    /// End the run now.
    pub stop: bool,
}

impl Link {
    /// A watch for `script`.
    pub fn new(script: Script) -> Self {
        Self(Rc::new(RefCell::new(Watch {
            script,
            line: Vec::new(),
            expect_from: 0,
            send_from: 0,
            next_expect: 0,
            next_send: 0,
            input: Vec::new(),
            verdict: None,
            failed_line: Vec::new(),
            failed_line_open: false,
            now: 0,
            stop_taken: false,
        })))
    }

    /// The board is about to pass on console bytes that left the wire by tick `now`. Past the
    /// timeout tick, the run is over: those bytes are no longer matched.
    pub fn set_time(&self, now: u64) {
        let mut w = self.0.borrow_mut();
        w.now = now;
        if w.verdict.is_none() && w.script.timeout.is_some_and(|t| now > t) {
            w.verdict = Some(Verdict::TimedOut { at: now });
        }
    }

    /// The `--timeout` tick.
    pub fn timeout(&self) -> Option<u64> {
        self.0.borrow().script.timeout
    }

    /// After a flush: input to feed to the console receiver, and whether to end the run.
    pub fn poll(&self) -> Poll {
        let mut w = self.0.borrow_mut();
        let stop = w.verdict.is_some() && !std::mem::replace(&mut w.stop_taken, true);
        Poll {
            input: std::mem::take(&mut w.input),
            stop,
        }
    }

    /// Console bytes as they reach the host.
    pub fn console(&self, bytes: &[u8]) {
        self.0.borrow_mut().receive(bytes);
    }

    /// The report after the run: the lines to print (`emu: ` prefixed) and the exit code
    /// replacing the board's, if the script decides it. `board_code` is the board's own.
    pub fn conclude(&self, board_code: u8) -> (Vec<String>, u8) {
        let w = self.0.borrow();
        let total = w.script.expect.len();
        let pending = w.script.expect.get(w.next_expect);
        let waiting = |p: &Pattern| {
            format!(
                "expectation {} of {total} not met: {:?}",
                w.next_expect + 1,
                p.source
            )
        };
        match &w.verdict {
            Some(Verdict::Met { at }) => (
                vec![format!(
                    "emu: expect: all {total} expectations met at tick {at}"
                )],
                0,
            ),
            Some(Verdict::Failed { pattern, at }) => (
                vec![format!(
                    "emu: fail-on: {:?} matched at tick {at} in console line {:?}",
                    w.script.fail_on[*pattern].source,
                    String::from_utf8_lossy(&w.failed_line).trim_end_matches(['\r', '\n'])
                )],
                EXIT_FAIL_ON,
            ),
            Some(Verdict::TimedOut { at }) => {
                let limit = w.script.timeout.unwrap_or(*at);
                match pending {
                    Some(p) => (
                        vec![format!(
                            "emu: timeout: {limit} ticks reached (at tick {at}): {}",
                            waiting(p)
                        )],
                        EXIT_TIMEOUT,
                    ),
                    None => (
                        vec![format!(
                            "emu: timeout: {limit} ticks reached (at tick {at}) with no expectation pending and no --fail-on match"
                        )],
                        0,
                    ),
                }
            }
            None => match pending {
                Some(p) => (
                    vec![format!("emu: expect: the run ended: {}", waiting(p))],
                    EXIT_NOT_MET,
                ),
                None => (Vec::new(), board_code),
            },
        }
    }
}

impl Watch {
    fn receive(&mut self, bytes: &[u8]) {
        if self.verdict.is_some() {
            self.complete_failed_line(bytes);
            return;
        }
        let mut rest = bytes;
        while !rest.is_empty() && self.verdict.is_none() {
            let (piece, more) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => rest.split_at(i + 1),
                None => (rest, &[][..]),
            };
            rest = more;
            self.line.extend_from_slice(piece);
            self.match_line();
            if self.verdict.is_some() {
                self.complete_failed_line(rest);
                return;
            }
            if self.line.ends_with(b"\n") {
                self.line.clear();
                self.expect_from = 0;
                self.send_from = 0;
            } else if self.line.len() > LINE_LIMIT {
                let cut = self.line.len() - LINE_LIMIT / 2;
                self.line.drain(..cut);
                self.expect_from = self.expect_from.saturating_sub(cut);
                self.send_from = self.send_from.saturating_sub(cut);
            }
        }
    }

    /// After a `--fail-on` verdict, the rest of its line as it drains.
    fn complete_failed_line(&mut self, bytes: &[u8]) {
        if !self.failed_line_open {
            return;
        }
        let end = bytes.iter().position(|&b| b == b'\n');
        self.failed_line
            .extend_from_slice(&bytes[..end.unwrap_or(bytes.len())]);
        self.failed_line_open = end.is_none();
    }

    /// Apply every match in the current line, earliest end first, until a verdict.
    fn match_line(&mut self) {
        loop {
            let fail = self
                .script
                .fail_on
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.find_end(&self.line, 0).map(|end| (end, i)))
                .min();
            let expect = self
                .script
                .expect
                .get(self.next_expect)
                .and_then(|p| p.find_end(&self.line, self.expect_from));
            let send = self
                .script
                .send_after
                .get(self.next_send)
                .and_then(|(p, _)| p.find_end(&self.line, self.send_from));
            let first = [fail.map(|f| f.0), expect, send]
                .into_iter()
                .flatten()
                .min();
            let Some(first) = first else { return };
            if let Some((end, pattern)) = fail
                && end == first
            {
                self.verdict = Some(Verdict::Failed {
                    pattern,
                    at: self.now,
                });
                self.failed_line = self.line.clone();
                self.failed_line_open = !self.line.ends_with(b"\n");
                return;
            }
            if expect == Some(first) {
                self.next_expect += 1;
                self.expect_from = first;
                if self.next_expect == self.script.expect.len() {
                    self.verdict = Some(Verdict::Met { at: self.now });
                    return;
                }
            } else if send == Some(first) {
                let items = self.script.send_after[self.next_send].1.clone();
                self.input.extend(items);
                self.next_send += 1;
                self.send_from = first;
            }
        }
    }
}

/// The console writer with the watch in front of it.
pub struct ConsoleTap<'a> {
    /// Where console bytes go after the watch saw them.
    pub out: &'a mut dyn Write,
    /// The watch.
    pub link: Link,
}

impl Write for ConsoleTap<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.link.console(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(expect: &[&str], fail_on: &[&str]) -> Script {
        Script {
            expect: expect.iter().map(|p| Pattern::parse(p).unwrap()).collect(),
            fail_on: fail_on.iter().map(|p| Pattern::parse(p).unwrap()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn patterns_plain_and_regex() {
        let p = Pattern::parse("a.b").unwrap();
        assert_eq!(p.find_end(b"xa.b", 0), Some(4));
        assert_eq!(p.find_end(b"xaxb", 0), None);
        let r = Pattern::parse("re:a.b").unwrap();
        assert_eq!(r.find_end(b"xaxb", 0), Some(4));
        let s = Pattern::parse("/n=[0-9]+/").unwrap();
        assert_eq!(s.find_end(b"n=42\n", 0), Some(4));
        assert!(Pattern::parse("re:(").unwrap_err().contains("bad regex"));
        assert!(Pattern::parse("").is_err());
        // A lone "/" is plain text.
        assert!(Pattern::parse("/").unwrap().find_end(b"a/b", 0).is_some());
    }

    #[test]
    fn expectations_match_in_order_across_chunks() {
        let link = Link::new(script(&["Hello", "world"], &[]));
        link.console(b"wor");
        link.console(b"ld\nHel");
        assert!(!link.poll().stop);
        link.set_time(50);
        link.console(b"lo, wo");
        assert!(!link.poll().stop);
        link.set_time(60);
        link.console(b"rld\n");
        assert!(link.poll().stop);
        // Asked once only.
        assert!(!link.poll().stop);
        let (lines, code) = link.conclude(5);
        assert_eq!(code, 0);
        assert_eq!(lines, ["emu: expect: all 2 expectations met at tick 60"]);
    }

    #[test]
    fn the_same_text_does_not_count_twice() {
        let link = Link::new(script(&["ab", "ab"], &[]));
        link.console(b"xxab\n");
        assert!(!link.poll().stop);
        link.console(b"abab");
        assert!(link.poll().stop);
    }

    #[test]
    fn fail_on_reports_the_whole_line() {
        let link = Link::new(script(&["done"], &["re:panick?ed"]));
        link.set_time(7);
        link.console(b"ok\npanicked at");
        assert!(link.poll().stop);
        link.console(b" src/main.rs:3\nmore done\n");
        let (lines, code) = link.conclude(0);
        assert_eq!(code, EXIT_FAIL_ON);
        assert_eq!(
            lines,
            [
                "emu: fail-on: \"re:panick?ed\" matched at tick 7 in console line \"panicked at src/main.rs:3\""
            ]
        );
    }

    #[test]
    fn earliest_match_wins() {
        let link = Link::new(script(&["good"], &["bad"]));
        link.console(b"good bad\n");
        assert_eq!(link.conclude(0).1, 0);
        let link = Link::new(script(&["good"], &["bad"]));
        link.console(b"bad good\n");
        assert_eq!(link.conclude(0).1, EXIT_FAIL_ON);
    }

    #[test]
    fn unmet_and_timeout() {
        let link = Link::new(script(&["a", "z"], &[]));
        link.console(b"a\n");
        let (lines, code) = link.conclude(0);
        assert_eq!(code, EXIT_NOT_MET);
        assert_eq!(
            lines,
            ["emu: expect: the run ended: expectation 2 of 2 not met: \"z\""]
        );
        let mut s = script(&["z"], &[]);
        s.timeout = Some(100);
        let link = Link::new(s);
        link.set_time(100);
        assert!(!link.poll().stop);
        link.set_time(120);
        link.console(b"z\n");
        assert!(link.poll().stop);
        let (lines, code) = link.conclude(0);
        assert_eq!(code, EXIT_TIMEOUT);
        assert!(
            lines[0].contains("100 ticks reached (at tick 120)"),
            "{lines:?}"
        );
        // No expectation: the timeout is a clean end.
        let mut s = script(&[], &["bad"]);
        s.timeout = Some(10);
        let link = Link::new(s);
        link.set_time(10);
        assert!(!link.poll().stop);
        link.set_time(11);
        assert!(link.poll().stop);
        assert_eq!(link.conclude(6).1, 0);
        // Nothing given but --fail-on: the board decides.
        let link = Link::new(script(&[], &["bad"]));
        assert_eq!(link.conclude(6), (Vec::new(), 6));
    }

    #[test]
    fn send_after_queues_input_once() {
        let mut s = script(&[], &[]);
        s.send_after = vec![
            (
                Pattern::parse("> ").unwrap(),
                vec![InputItem::Byte(b'x', false)],
            ),
            (
                Pattern::parse("> ").unwrap(),
                vec![InputItem::Byte(b'y', false)],
            ),
        ];
        let link = Link::new(s);
        link.console(b"> ");
        assert_eq!(link.poll().input, [InputItem::Byte(b'x', false)]);
        assert!(link.poll().input.is_empty());
        link.console(b"x\n> ");
        assert_eq!(link.poll().input, [InputItem::Byte(b'y', false)]);
    }

    #[test]
    fn long_lines_are_cut() {
        let link = Link::new(script(&["needle"], &[]));
        link.console(&vec![b'x'; 3 * LINE_LIMIT]);
        assert!(link.0.borrow().line.len() <= LINE_LIMIT);
        link.console(b"nee");
        link.console(b"dle");
        assert!(link.poll().stop);
    }
}
