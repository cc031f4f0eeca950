//! What each example must do on the virtual board, checked by `cargo xtask test`.
//!
//! Each check runs the unmodified example ELF on the virtual board (`db410c-emu`) and asserts on
//! what the firmware printed (stdout = the console UART) and what the board observed (stderr:
//! `emu: ` lines, e.g. GPIO transitions with their virtual time, the PS_HOLD reset).

use anyhow::{Context, Result, bail, ensure};
use regex::Regex;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Generic timer ticks per second on this SoC (19.2 MHz XO).
pub const TICKS_PER_SECOND: u64 = 19_200_000;

/// Host wall-clock limit for one virtual-board run: a hang is a failure, never a stuck CI.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// How a check reaches the virtual board and the example's ELF.
pub struct Runner<'a> {
    pub emu: &'a Path,
    pub elf: &'a Path,
}

/// A finished run.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Runner<'_> {
    /// Runs the example with extra virtual-board options.
    pub fn run(&self, args: &[&str]) -> Result<Run> {
        run_process(Command::new(self.emu).arg(self.elf).args(args))
    }
}

/// Runs a process with a wall-clock limit, capturing its output.
pub fn run_process(command: &mut Command) -> Result<Run> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    let mut stdout_pipe = child.stdout.take().expect("piped");
    let mut stderr_pipe = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the run did not finish within {} s and was killed", RUN_TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    Ok(Run { stdout, stderr, code: status.code() })
}

impl Run {
    /// Fails with the whole output attached, so a CI log shows what happened.
    fn context(&self) -> String {
        format!(
            "\n--- exit code: {:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.code,
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }

    /// Asserts that `pattern` (a regex) matches the console output.
    pub fn console_has(&self, pattern: &str) -> Result<()> {
        let re = Regex::new(pattern).expect("valid regex in a check");
        ensure!(re.is_match(&self.stdout), "console output lacks /{pattern}/{}", self.context());
        Ok(())
    }

    /// Asserts that `pattern` (a regex) matches the virtual board's own report (stderr).
    pub fn board_has(&self, pattern: &str) -> Result<()> {
        let re = Regex::new(pattern).expect("valid regex in a check");
        ensure!(re.is_match(&self.stderr), "virtual board report lacks /{pattern}/{}", self.context());
        Ok(())
    }

    /// Asserts the exit code of the virtual board.
    pub fn exit_code_is(&self, code: i32) -> Result<()> {
        ensure!(self.code == Some(code), "expected exit code {code}{}", self.context());
        Ok(())
    }

    /// Asserts the run ended by the firmware releasing PS_HOLD (a system reset).
    pub fn ended_by_reset(&self) -> Result<()> {
        self.board_has(r"emu: PS_HOLD released at pc=0x[0-9a-f]+: system reset")?;
        self.exit_code_is(0)
    }

    /// The GPIO trace (`--trace gpio`): (ticks, pin, level) in order.
    pub fn gpio_trace(&self) -> Vec<(u64, u32, String)> {
        let re = Regex::new(r"(?m)^emu: t=(\d+) gpio(\d+) (high|low|input)$").expect("valid");
        re.captures_iter(&self.stderr)
            .map(|c| (c[1].parse().unwrap_or(0), c[2].parse().unwrap_or(0), c[3].to_owned()))
            .collect()
    }
}

/// The last 60 lines of a text (CI logs stay readable).
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(60);
    lines[start..].join("\n")
}

/// A check of one example.
pub struct ExampleCheck {
    pub example: &'static str,
    pub what: &'static str,
    pub run: fn(&Runner) -> Result<()>,
}

/// A check of xtask itself (bad input gives a clear error).
pub struct ToolCheck {
    pub what: &'static str,
    pub run: fn(&Path) -> Result<()>,
}

/// Every example check, in the order they run.
pub fn all() -> Vec<ExampleCheck> {
    vec![
        ExampleCheck { example: "hello", what: "prints the banner and resets", run: hello },
        ExampleCheck { example: "hello", what: "entered at EL2, drops to EL1", run: hello_el2 },
        ExampleCheck { example: "hello", what: "same run twice gives the same output", run: hello_deterministic },
        ExampleCheck { example: "blinky", what: "LEDs alternate with 100 ms spacing", run: blinky },
        ExampleCheck { example: "rng", what: "prints distinct random words per seed", run: rng },
        ExampleCheck { example: "panic", what: "prints the panic report and resets", run: panic },
        ExampleCheck { example: "exception", what: "prints the exception report and resets", run: exception },
    ]
}

/// Checks of xtask's own error handling.
pub fn tool_checks() -> Vec<ToolCheck> {
    vec![ToolCheck { what: "unknown example name is a clear error", run: unknown_example }]
}

fn hello(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--stats"])?;
    run.console_has(r"DragonBoard 410c")?;
    run.console_has(r"APQ8016")?;
    run.console_has(r"exception level: EL1")?;
    run.console_has(r"19200000 Hz")?;
    run.board_has(r"emu: stats: instructions=\d+ first-console-byte-at=\d+")?;
    run.ended_by_reset()
}

fn hello_el2(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--entry-el", "2"])?;
    run.console_has(r"exception level: EL1")?;
    run.ended_by_reset()
}

fn hello_deterministic(runner: &Runner) -> Result<()> {
    let first = runner.run(&["--stats", "--trace", "gpio"])?;
    let second = runner.run(&["--stats", "--trace", "gpio"])?;
    ensure!(first.stdout == second.stdout, "console output differs between two runs");
    ensure!(first.stderr == second.stderr, "board report differs between two runs");
    Ok(())
}

/// LED1 is GPIO 21 and LED2 GPIO 120 on the DragonBoard 410c.
const LED1: u32 = 21;
const LED2: u32 = 120;
/// blinky toggles every 100 ms.
const BLINK_PERIOD_TICKS: u64 = TICKS_PER_SECOND / 10;

fn blinky(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--trace", "gpio"])?;
    run.ended_by_reset()?;
    let trace = run.gpio_trace();
    let led1: Vec<_> = trace.iter().filter(|(_, pin, _)| *pin == LED1).collect();
    let led2: Vec<_> = trace.iter().filter(|(_, pin, _)| *pin == LED2).collect();
    ensure!(led1.len() >= 6 && led2.len() >= 6, "too few LED transitions: {trace:?}");
    // Consecutive LED1 changes alternate high/low and are one blink period apart (2 %).
    for pair in led1.windows(2) {
        ensure!(pair[0].2 != pair[1].2, "LED1 did not alternate: {pair:?}");
    }
    let driven: Vec<_> = led1.iter().filter(|(_, _, level)| level != "input").collect();
    for pair in driven.windows(2).skip(1) {
        let spacing = pair[1].0 - pair[0].0;
        let error = spacing.abs_diff(BLINK_PERIOD_TICKS);
        ensure!(
            error * 50 <= BLINK_PERIOD_TICKS,
            "LED1 changes {spacing} ticks apart, expected {BLINK_PERIOD_TICKS} +- 2 %: {pair:?}"
        );
    }
    // The LEDs alternate: whenever LED1 goes high LED2 is (or goes) low within the same step.
    let mut led2_level = "low".to_owned();
    let mut checked = 0;
    for (ticks, pin, level) in &trace {
        if *pin == LED2 {
            led2_level = level.clone();
        } else if *pin == LED1 && level == "high" && checked > 0 {
            let next_led2 = trace.iter().find(|(t, p, _)| *p == LED2 && t >= ticks);
            let after = next_led2.filter(|(t, _, _)| t - ticks < BLINK_PERIOD_TICKS / 10);
            let level2 = after.map(|(_, _, l)| l.clone()).unwrap_or(led2_level.clone());
            ensure!(level2 == "low", "LED1 and LED2 on together at t={ticks}: {trace:?}");
        }
        if *pin == LED1 {
            checked += 1;
        }
    }
    Ok(())
}

fn rng(runner: &Runner) -> Result<()> {
    let words = |run: &Run| -> Vec<String> {
        let re = Regex::new(r"(?m)0x([0-9a-f]{8})\b").expect("valid");
        re.captures_iter(&run.stdout).map(|c| c[1].to_owned()).collect()
    };
    let first = runner.run(&["--seed", "1"])?;
    first.ended_by_reset()?;
    let w1 = words(&first);
    ensure!(w1.len() >= 8, "expected at least 8 random words{}", first.context());
    let mut unique = w1.clone();
    unique.sort();
    unique.dedup();
    ensure!(unique.len() == w1.len(), "random words repeat: {w1:?}");
    ensure!(!w1.iter().any(|w| w == "00000000"), "a random word is zero: {w1:?}");
    let again = runner.run(&["--seed", "1"])?;
    ensure!(words(&again) == w1, "same seed gave different words");
    let other = runner.run(&["--seed", "2"])?;
    ensure!(words(&other) != w1, "a different seed gave the same words");
    Ok(())
}

fn panic(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.console_has(r"panicked at examples/panic\.rs:\d+:\d+")?;
    run.ended_by_reset()
}

fn exception(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.console_has(r"(?i)undefined instruction|brk")?;
    run.console_has(r"ESR[^\n]*0x[0-9a-f]+")?;
    run.console_has(r"ELR[^\n]*0x[0-9a-f]+")?;
    run.ended_by_reset()
}

fn unknown_example(root: &Path) -> Result<()> {
    let error = crate::build::check_example_name(root, "no-such-example")
        .err()
        .context("an unknown example name was accepted")?;
    let message = format!("{error:#}");
    ensure!(message.contains("no-such-example"), "message does not name the example: {message}");
    ensure!(message.contains("hello"), "message does not list the known examples: {message}");
    Ok(())
}
