//! The virtual board's scripted expectations (`--expect`, `--fail-on`, `--timeout`,
//! `--send-after`) on real example firmware, the way a user's CI job would run them: one
//! command, judged by its exit code (0 met, 7 not met, 8 a `--fail-on` matched, 9 timeout).

use super::{Runner, banner};
use anyhow::{Context, Result};

/// `hello`: its banner is expected and found (the run stops there, before the reset); a line
/// it never prints is an unmet expectation once it resets.
pub fn hello(runner: &Runner) -> Result<()> {
    let banner = banner("hello")?;
    let run = runner.run(&["--expect", &banner, "--fail-on", "panicked"])?;
    run.exit_code_is(0)?;
    run.board_has(r"emu: expect: all 1 expectations met at tick \d+")?;
    anyhow::ensure!(
        !run.stderr.contains("PS_HOLD"),
        "the run went on past its last expectation{}",
        run.context()
    );
    let run = runner.run(&["--expect", &banner, "--expect", "Goodbye from"])?;
    run.exit_code_is(7)?;
    run.board_has(r"emu: PS_HOLD released at pc=0x[0-9a-f]+: system reset")?;
    run.board_has(r#"emu: expect: the run ended: expectation 2 of 2 not met: "Goodbye from""#)
}

/// `panic`: `--fail-on panicked` ends the run at once with exit 8, naming the whole panic
/// line (the rest of it drains from the TX FIFO); without the panic there is no failure.
pub fn panic(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--fail-on", "panicked", "--expect", "resetting"])?;
    run.exit_code_is(8)?;
    run.board_has(
        r#"emu: fail-on: "panicked" matched at tick \d+ in console line "\*\*\* panicked at examples/panic\.rs:\d+:\d+: deliberate panic, answer = 42""#,
    )?;
    let run = runner.run(&["--fail-on", "re:panicked at .*answer = 43"])?;
    run.ended_by_reset()
}

/// `echo`: `--send-after` types a line after the prompt, the echo is expected, then `quit`
/// is typed after it and the goodbye expected; the session never waits for its 500 ms idle
/// timeout, which a `--timeout` below it proves.
pub fn send_after(runner: &Runner) -> Result<()> {
    let prompt = banner("echo")?;
    let run = runner.run(&[
        "--send-after",
        &prompt,
        r"hello, board\r",
        "--send-after",
        "echo: hello, board",
        r"quit\r",
        "--expect",
        "echo: hello, board\r\n",
        "--expect",
        "re:^bye\r\n",
        "--timeout",
        "300ms",
    ])?;
    run.exit_code_is(0)
        .context("typed after the prompt, expecting the echo and bye")?;
    run.console_has(r"echo: hello, board\r\nbye\r\n")?;
    // Nothing typed: the echo never comes, and the timeout (before echo's own 500 ms idle
    // end) is reported with its tick.
    let run = runner.run(&["--expect", "echo: hello", "--timeout", "300ms"])?;
    run.exit_code_is(9)?;
    run.board_has(
        r#"emu: timeout: 5760000 ticks reached \(at tick \d+\): expectation 1 of 1 not met: "echo: hello""#,
    )
}
