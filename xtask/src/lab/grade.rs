//! Grading: the criteria a lab's check judges, each met or not with what was expected and
//! what was seen, and the report a student reads.

use crate::checks::{Run, TICKS_PER_SECOND};
use std::fmt;

/// One judged criterion.
#[derive(Debug)]
pub struct Criterion {
    /// What the firmware must do, as the task statement says it.
    pub what: String,
    pub passed: bool,
    /// What the check wanted to see, and what it saw (shown for a failed criterion).
    pub expected: String,
    pub seen: String,
}

impl Criterion {
    /// A criterion met when `passed`.
    pub fn new(
        what: impl Into<String>,
        passed: bool,
        expected: impl Into<String>,
        seen: impl Into<String>,
    ) -> Self {
        Criterion {
            what: what.into(),
            passed,
            expected: expected.into(),
            seen: seen.into(),
        }
    }

    /// A criterion met when what was seen is what was expected.
    pub fn equal(
        what: impl Into<String>,
        expected: impl Into<String>,
        seen: impl Into<String>,
    ) -> Self {
        let (expected, seen) = (expected.into(), seen.into());
        Criterion::new(what, expected == seen, expected, seen)
    }
}

/// A lab's graded result.
#[derive(Debug)]
pub struct Report {
    pub lab: String,
    pub title: String,
    pub criteria: Vec<Criterion>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.criteria.iter().filter(|c| c.passed).count()
    }

    pub fn all_passed(&self) -> bool {
        self.passed() == self.criteria.len()
    }

    pub fn failed(&self) -> impl Iterator<Item = &Criterion> {
        self.criteria.iter().filter(|c| !c.passed)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "lab {}: {}", self.lab, self.title)?;
        for criterion in &self.criteria {
            if criterion.passed {
                writeln!(f, "  PASS  {}", criterion.what)?;
            } else {
                writeln!(f, "  FAIL  {}", criterion.what)?;
                writeln!(f, "          expected: {}", criterion.expected)?;
                writeln!(f, "          seen:     {}", criterion.seen)?;
            }
        }
        write!(
            f,
            "score: {} of {} criteria met",
            self.passed(),
            self.criteria.len()
        )?;
        if self.all_passed() {
            write!(f, ": lab {} passed", self.lab)?;
        }
        Ok(())
    }
}

/// The runtime's fault report on the console, if any (a panic or an unexpected exception),
/// as the line it printed.
pub fn fault_line(run: &Run) -> Option<String> {
    run.stdout
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        .find(|line| line.starts_with("*** panicked at") || line.starts_with("*** exception:"))
        .map(str::to_owned)
}

/// How the run ended, in a few words.
pub fn ending(run: &Run) -> String {
    if let Some(fault) = fault_line(run) {
        return format!("the firmware reported `{fault}`");
    }
    if run.stderr.contains("PS_HOLD released") && run.stderr.contains("system reset") {
        return "a board reset".into();
    }
    // The board's last own line that is not a trace or the statistics: how the run ended.
    let board_line = run.stderr.lines().rev().find(|line| {
        line.starts_with("emu: ") && !line.starts_with("emu: t=") && !line.starts_with("emu: stats")
    });
    match board_line {
        Some(line) => format!("`{line}` (exit code {:?})", run.code),
        None => format!("exit code {:?}", run.code),
    }
}

/// The criterion every lab has: the program ends by resetting the board (after `what_first`),
/// neither panicking nor hanging.
pub fn ends_with_reset(run: &Run, what_first: &str) -> Criterion {
    let seen = ending(run);
    Criterion::new(
        format!("{what_first}, then the board is reset (no panic, no hang)"),
        seen == "a board reset" && run.code == Some(0),
        "a board reset",
        seen,
    )
}

/// The console's lines, without line ends.
pub fn console_lines(run: &Run) -> Vec<&str> {
    run.stdout
        .split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .collect()
}

/// Ticks as milliseconds with one decimal.
pub fn ms(ticks: u64) -> String {
    let tenths = ticks * 10_000 / TICKS_PER_SECOND;
    format!("{}.{} ms", tenths / 10, tenths % 10)
}

/// A list of items for a report line, e.g. `[100.0 ms, 300.0 ms]`, shortened if long.
pub fn list(items: &[String]) -> String {
    const SHOWN: usize = 12;
    if items.is_empty() {
        return "none".into();
    }
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(", ... ({} in all)", items.len()));
    }
    format!("[{text}]")
}

/// The changes of one pad in the GPIO trace after its set-up: (ticks, level) of each change
/// to high or low, dropping the first entries while they only set it up low.
pub fn pad_changes(run: &Run, pad: u32) -> Vec<(u64, String)> {
    let changes: Vec<(u64, String)> = run
        .gpio_trace()
        .into_iter()
        .filter(|(_, number, level)| *number == pad && level != "input")
        .map(|(ticks, _, level)| (ticks, level))
        .collect();
    let setup = changes
        .iter()
        .take_while(|(_, level)| level == "low")
        .count();
    changes[setup..].to_vec()
}

/// The pulses (high from, low at) of a pad that starts low; an unfinished pulse ends at
/// `u64::MAX`.
pub fn pulses(changes: &[(u64, String)]) -> Vec<(u64, u64)> {
    let mut pulses = Vec::new();
    let mut rise = None;
    for (ticks, level) in changes {
        match (level.as_str(), rise) {
            ("high", None) => rise = Some(*ticks),
            ("low", Some(start)) => {
                pulses.push((start, *ticks));
                rise = None;
            }
            _ => {}
        }
    }
    if let Some(start) = rise {
        pulses.push((start, u64::MAX));
    }
    pulses
}

/// The `emu: stats: instructions=N` count of a run made with `--stats`.
pub fn instructions(run: &Run) -> Option<u64> {
    let re = regex::Regex::new(r"emu: stats: instructions=(\d+)").expect("valid regex");
    re.captures(&run.stderr)?[1].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stdout: &str, stderr: &str, code: i32) -> Run {
        Run {
            stdout: stdout.into(),
            console: stdout.as_bytes().to_vec(),
            stderr: stderr.into(),
            code: Some(code),
        }
    }

    #[test]
    fn a_panic_is_not_a_clean_reset() {
        let panicked = run(
            "hi\r\n*** panicked at labs/x.rs:1:1: oops\r\n",
            "emu: PS_HOLD released at pc=0x1: system reset\n",
            0,
        );
        let criterion = ends_with_reset(&panicked, "it says hi");
        assert!(!criterion.passed);
        assert!(
            criterion
                .seen
                .contains("*** panicked at labs/x.rs:1:1: oops")
        );
        let clean = run(
            "hi\r\n",
            "emu: PS_HOLD released at pc=0x1: system reset\n",
            0,
        );
        assert!(ends_with_reset(&clean, "it says hi").passed);
        let hung = run(
            "hi\r\n",
            "emu: error: instruction budget of 5 exhausted (pc=0x1)\n",
            4,
        );
        let criterion = ends_with_reset(&hung, "it says hi");
        assert!(!criterion.passed);
        assert!(criterion.seen.contains("budget"), "{}", criterion.seen);
    }

    #[test]
    fn pulses_skip_the_set_up_and_pair_edges() {
        let trace = "emu: t=5 gpio21 low\nemu: t=10 gpio21 high\nemu: t=20 gpio21 low\n\
                     emu: t=25 gpio120 high\nemu: t=30 gpio21 high\n";
        let changes = pad_changes(&run("", trace, 0), 21);
        assert_eq!(changes.len(), 3);
        assert_eq!(pulses(&changes), [(10, 20), (30, u64::MAX)]);
    }

    #[test]
    fn report_lists_failures_with_expected_and_seen() {
        let report = Report {
            lab: "demo".into(),
            title: "a demonstration".into(),
            criteria: vec![
                Criterion::equal("says 1", "1", "1"),
                Criterion::equal("says 2", "2", "3"),
            ],
        };
        let text = report.to_string();
        assert!(text.contains("  PASS  says 1\n"));
        assert!(text.contains("  FAIL  says 2\n          expected: 2\n          seen:     3\n"));
        assert!(text.ends_with("score: 1 of 2 criteria met"));
        assert_eq!(ms(19_200 * 25 + 1_920), "25.1 ms");
    }
}
