//! Checks of the `rtc` example: the PM8916 RTC read, set, counting in virtual time, and its
//! alarm polled.

use super::{Run, Runner, documented_output};
use anyhow::{Result, ensure};
use regex::Regex;

/// The documented line with a measured time.
const ALARM_LINE: &str = "alarm went off after ";

/// The run ended with the board powering off (exit 0).
fn ended_by_power_off(run: &Run) -> Result<()> {
    run.board_has(r"emu: PS_HOLD released at pc=0x[0-9a-f]+: power off\n")?;
    run.exit_code_is(0)
}

/// Default start: every documented line (the RTC at 2026-01-01 00:00:00, 2 s counted after
/// setting it), and the alarm seen within one 10 ms poll of the second it was set for.
pub fn set_count_and_alarm(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    let documented = documented_output("rtc")?;
    let fixed: Vec<String> = documented
        .iter()
        .filter(|l| !l.starts_with(ALARM_LINE))
        .cloned()
        .collect();
    ensure!(
        fixed.len() + 1 == documented.len(),
        "the documented output has no `{ALARM_LINE}..` line: {documented:?}"
    );
    run.console_has_lines(&fixed)?;
    let re = Regex::new(r"(?m)^alarm went off after (\d+) ms, at 1800000003\r$").expect("valid");
    let waited: Vec<u64> = re
        .captures_iter(&run.stdout)
        .map(|c| c[1].parse().unwrap_or(u64::MAX))
        .collect();
    ensure!(
        matches!(waited.as_slice(), [ms] if (990..=1010).contains(ms)),
        "expected one `alarm went off after 990..1010 ms, at 1800000003`, got {waited:?}{}",
        run.context()
    );
    ended_by_power_off(&run)
}

/// `--rtc 1000000000`: the first reading is that count (2001-09-09 01:46:40 UTC); setting the
/// time then behaves the same.
pub fn start_from_the_command_line(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--rtc", "1000000000"])?;
    run.console_has(r"(?m)^time now: 1000000000 \(2001-09-09 01:46:40 UTC\)\r$")?;
    run.console_has(r"(?m)^after 2000 ms: 1800000002 \(2027-01-15 08:00:02 UTC\)\r$")?;
    ended_by_power_off(&run)
}
