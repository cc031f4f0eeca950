//! Checks of the `echo` example: the console receive path and its error reports.

use super::{Run, Runner, TICKS_PER_SECOND};
use anyhow::{Context, Result, ensure};
use regex::Regex;

/// echo's prompt line (the first documented line); everything after it is what the session
/// printed.
fn prompt() -> Result<String> {
    Ok(format!("{}\r\n", super::banner("echo")?))
}
/// echo does not read for 50 ms after its prompt (the overrun demonstration).
const ECHO_PAUSE_TICKS: u64 = TICKS_PER_SECOND / 20;

/// `\w{N}` for echo's input: the line stays idle for `ticks`.
fn idle_for(ticks: u64) -> String {
    format!(r"\w{{{ticks}}}")
}

/// Asserts that what echo printed after its prompt is exactly `pattern` (a regex).
fn echo_session_is(run: &Run, pattern: &str) -> Result<()> {
    let prompt = prompt()?;
    let at = run
        .stdout
        .find(&prompt)
        .with_context(|| format!("echo did not print its prompt{}", run.context()))?;
    let session = &run.stdout[at + prompt.len()..];
    let re = Regex::new(&format!("^{pattern}$")).expect("valid regex in a check");
    ensure!(
        re.is_match(session),
        "echo's output after the prompt is not /^{pattern}$/: {session:?}{}",
        run.context()
    );
    Ok(())
}

/// Lines come back one by one; CR LF counts as one line end; `quit` ends the session.
pub fn lines(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--input-str", r"hello\rworld\r\nquit\r"])?;
    run.ended_by_reset()?;
    echo_session_is(&run, r"echo: hello\r\necho: world\r\nbye\r\n")
}

/// A character with a framing error: the error is reported once, and neither the characters
/// received before it nor the ones after it are lost; the session goes on. Three ways: the
/// whole line (with the error flag set) waits in the FIFO when echo starts reading; the line
/// arrives while echo reads; the parity-error escape, which with parity off can only be
/// reported as a framing error.
pub fn framing_error(runner: &Runner) -> Result<()> {
    let late = idle_for(2 * ECHO_PAUSE_TICKS);
    for (how, input) in [
        (
            "in the FIFO before reading",
            r"ab\e{framing}xcd\rquit\r".to_owned(),
        ),
        (
            "while reading",
            format!(r"{late}ab\e{{framing}}xcd\rquit\r"),
        ),
        (
            "parity flag, parity off",
            format!(r"{late}ab\e{{parity}}xcd\rquit\r"),
        ),
    ] {
        let run = runner.run(&["--input-str", &input])?;
        run.ended_by_reset().context(how)?;
        echo_session_is(
            &run,
            r"uart error: [^\r\n]*(?i:framing)[^\r\n]*\r\necho: abxcd\r\nbye\r\n",
        )
        .context(how)?;
    }
    Ok(())
}

/// 100 characters while echo is not reading: the FIFO keeps exactly the first 64, the first
/// read reports the overrun, then those 64 come through, and later lines still echo.
pub fn overrun(runner: &Runner) -> Result<()> {
    let input = format!(
        r"{}{}\rnext\rquit\r",
        "x".repeat(100),
        idle_for(2 * ECHO_PAUSE_TICKS)
    );
    let run = runner.run(&["--input-str", &input])?;
    run.ended_by_reset()?;
    echo_session_is(
        &run,
        r"uart error: [^\r\n]*(?i:overrun)[^\r\n]*\r\necho: x{64}\r\necho: next\r\nbye\r\n",
    )
}

/// A framing error and then an overrun while echo is not reading: both flags are pending at
/// once, and both are reported (overrun first), none lost; the bytes are still echoed.
pub fn overrun_and_framing(runner: &Runner) -> Result<()> {
    let input = format!(
        r"ab\e{{framing}}{}{}\rnext\rquit\r",
        "x".repeat(100),
        idle_for(2 * ECHO_PAUSE_TICKS)
    );
    let run = runner.run(&["--input-str", &input])?;
    run.ended_by_reset()?;
    echo_session_is(
        &run,
        r"uart error: [^\r\n]*(?i:overrun)[^\r\n]*\r\nuart error: [^\r\n]*(?i:framing)[^\r\n]*\r\necho: abx{62}\r\necho: next\r\nbye\r\n",
    )
}

/// With no input, echo gives up after its 500 ms idle timeout: within 1 s of virtual time
/// (an instruction budget: one instruction takes at least one tick), and not before 500 ms of
/// silence (a line arriving ~445 ms after reading began is still echoed).
pub fn idle_timeout(runner: &Runner) -> Result<()> {
    let budget = TICKS_PER_SECOND.to_string();
    let run = runner.run(&["--max-instructions", &budget])?;
    run.ended_by_reset()?;
    echo_session_is(&run, r"no input for 500 ms\r\nbye\r\n")?;

    // Input starts when the receiver is enabled, before the prompt and the 50 ms pause.
    let input = format!(r"{}late\r", idle_for(TICKS_PER_SECOND / 2));
    let run = runner.run(&["--input-str", &input])?;
    run.ended_by_reset()?;
    echo_session_is(&run, r"echo: late\r\nno input for 500 ms\r\nbye\r\n")
}
