//! Checks of the `uart_irq_echo` example: interrupt-driven console receive (blocking and
//! async) loses nothing of a paste at line rate while the program is busy; the polled
//! receiver under the same load loses characters and reports the overrun; a framing error
//! keeps its place among the characters.

use super::{Run, Runner, documented_output};
use anyhow::{Context, Result, ensure};

/// The paste the documented output shows: six lines of 59 characters (with CR LF).
fn paste() -> String {
    (1..=6)
        .map(|n| format!("paste line {n}: the quick brown fox jumps over the lazy dog\r\n"))
        .collect()
}

/// `text` as `--input-str` / `--send-after` text (CR and LF escaped).
fn escaped(text: &str) -> String {
    text.replace('\r', r"\r").replace('\n', r"\n")
}

/// The three prompts (distinct parts of the documented prompt lines).
const BLOCKING_PROMPT: &str = "(by interrupt, busy";
const ASYNC_PROMPT: &str = "(async, busy";
const POLLED_PROMPT: &str = "(polled, busy";

/// Runs the example with `blocking`, `asynchronous` and `polled` typed at the three prompts.
fn run_with(runner: &Runner, blocking: &str, asynchronous: &str, polled: &str) -> Result<Run> {
    let run = runner.run(&[
        "--send-after",
        BLOCKING_PROMPT,
        blocking,
        "--send-after",
        ASYNC_PROMPT,
        asynchronous,
        "--send-after",
        POLLED_PROMPT,
        polled,
    ])?;
    run.ended_by_reset()?;
    Ok(run)
}

/// What the console shows between the line containing `after` and the line starting with
/// `until`.
fn between<'a>(run: &'a Run, after: &str, until: &str) -> Result<&'a str> {
    let start = run
        .stdout
        .find(after)
        .with_context(|| format!("no {after:?} on the console{}", run.context()))?;
    let start = start
        + run.stdout[start..]
            .find('\n')
            .context("prompt line not ended")?
        + 1;
    let end = start
        + run.stdout[start..]
            .find(until)
            .with_context(|| format!("no {until:?} after {after:?}{}", run.context()))?;
    Ok(&run.stdout[start..end])
}

/// The documented session, and independently of it: both interrupt-driven rounds echo the
/// 354-character paste exactly (the program is busy 10 ms, 115 character times, after each
/// read), while the polled round under the same load reports an overrun and receives fewer
/// characters than were sent.
pub fn nothing_lost(runner: &Runner) -> Result<()> {
    let paste = paste();
    let typed = format!(r"{}\x04", escaped(&paste));
    let run = run_with(runner, &typed, &typed, &escaped(&paste))?;
    run.console_has_lines(&documented_output("uart_irq_echo")?)?;

    for (prompt, summary) in [
        (BLOCKING_PROMPT, "by interrupt: "),
        (ASYNC_PROMPT, "async: "),
    ] {
        let echoed = between(&run, prompt, summary)?;
        ensure!(
            echoed == paste,
            "round {prompt:?}: the echo differs from the paste ({} of {} characters came back):\n{echoed:?}{}",
            echoed.len(),
            paste.len(),
            run.context()
        );
        run.console_has(&format!(
            r"{summary}{} bytes echoed, 0 errors\r\n",
            paste.len()
        ))?;
    }

    // The polled receiver: the same paste, the same busy loop, characters lost.
    let report = between(&run, POLLED_PROMPT, "polled: ")?;
    ensure!(
        report.contains("uart error: UART receive overrun"),
        "the polled round did not report an overrun:\n{report:?}{}",
        run.context()
    );
    let re = regex::Regex::new(r"polled: (\d+) bytes received")?;
    let received: usize = re.captures(&run.stdout).context("no polled summary")?[1].parse()?;
    ensure!(
        received < paste.len(),
        "the polled round received {received} of {} characters: it should have lost some{}",
        paste.len(),
        run.context()
    );
    Ok(())
}

/// A framing error in the interrupt-driven round is reported in its place: after the
/// characters before it, before the one that had it and those after it; none is lost.
pub fn framing_error_in_place(runner: &Runner) -> Result<()> {
    let run = run_with(runner, r"ab\e{framing}xcd\r\n\x04", r"\x04", r"z\r\n")?;
    run.console_has(
        r"\r\nab(uart error: UART framing error\r\n)xcd\r\nby interrupt: 7 bytes echoed, 1 errors\r\n",
    )?;
    run.console_has(r"async: 0 bytes echoed, 0 errors\r\n")?;
    run.console_has(r"polled: 3 bytes received, 0 errors\r\n")
}
