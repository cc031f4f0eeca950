//! Checks of the `pmic` example: the PM8916 over SPMI (revision, power-on reason, an SPMI
//! error, the five LEDs, the power key polled, power-off through the PMIC's PS_HOLD action).

use super::{LED1, LED2, Run, Runner, TICKS_PER_SECOND, documented_output};
use anyhow::{Result, ensure};
use regex::Regex;

/// The documented line with a measured time, and the lines that are printed as documented.
const PRESSED_LINE: &str = "power key pressed at ";

/// The run ended with the PMIC powering the board off (exit 0), not with a reset.
fn ended_by_power_off(run: &Run) -> Result<()> {
    run.board_has(r"emu: PS_HOLD released at pc=0x[0-9a-f]+: power off\n")?;
    ensure!(
        !run.stderr.contains(": system reset"),
        "a power-off run also reported a system reset{}",
        run.context()
    );
    run.exit_code_is(0)
}

/// Changes of a PM8916 pin (`pm8916-gpio1`, `pm8916-mpp3`) with `--trace gpio`.
fn pmic_pin_trace(run: &Run, pin: &str) -> Vec<(u64, String)> {
    let re = Regex::new(&format!(
        r"(?m)^emu: t=(\d+) pm8916-{pin} (high|low|input)$"
    ))
    .expect("valid");
    re.captures_iter(&run.stderr)
        .map(|c| (c[1].parse().unwrap_or(0), c[2].to_owned()))
        .collect()
}

/// Each LED: switched off at set-up (PMIC LEDs) or by `Board::take` (SoC LEDs), then lit for
/// 100 ms once, in the order LED1, LED2, LED3, LED4, BT.
fn five_leds_blinked(run: &Run) -> Result<()> {
    let soc = |gpio: u32| -> Vec<(u64, String)> {
        run.gpio_trace()
            .into_iter()
            .filter(|(_, pin, _)| *pin == gpio)
            .map(|(t, _, level)| (t, level))
            .collect()
    };
    let leds = [
        ("LED1 (gpio21)", soc(LED1)),
        ("LED2 (gpio120)", soc(LED2)),
        ("LED3 (pm8916-gpio1)", pmic_pin_trace(run, "gpio1")),
        ("LED4 (pm8916-gpio2)", pmic_pin_trace(run, "gpio2")),
        ("BT LED (pm8916-mpp3)", pmic_pin_trace(run, "mpp3")),
    ];
    let blink = TICKS_PER_SECOND / 10;
    let mut previous_off = 0;
    for (name, changes) in leds {
        let levels: Vec<&str> = changes.iter().map(|(_, l)| l.as_str()).collect();
        ensure!(
            levels == ["low", "high", "low"],
            "{name}: expected off, on, off; got {changes:?}{}",
            run.context()
        );
        let (on, off) = (changes[1].0, changes[2].0);
        ensure!(
            off - on >= blink && off - on <= blink + blink / 20 && on >= previous_off,
            "{name}: lit from t={on} to t={off}, expected 100 ms after the previous LED{}",
            run.context()
        );
        previous_off = off;
    }
    Ok(())
}

/// The power key pressed at 2 s (held 200 ms): every documented line (the press time within
/// one 10 ms poll), all five LEDs blinked, then a power-off.
pub fn press_then_power_off(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--press", "power@2s:2200ms", "--trace", "gpio"])?;
    let documented = documented_output("pmic")?;
    let fixed: Vec<String> = documented
        .iter()
        .filter(|l| !l.starts_with(PRESSED_LINE))
        .cloned()
        .collect();
    ensure!(
        fixed.len() + 1 == documented.len(),
        "the documented output has no `{PRESSED_LINE}..` line: {documented:?}"
    );
    run.console_has_lines(&fixed)?;
    let re = Regex::new(r"(?m)^power key pressed at (\d+) ms\r$").expect("valid");
    let at: Vec<u64> = re
        .captures_iter(&run.stdout)
        .map(|c| c[1].parse().unwrap_or(u64::MAX))
        .collect();
    ensure!(
        matches!(at.as_slice(), [ms] if (2000..=2011).contains(ms)),
        "expected one `power key pressed at 2000..2011 ms`, got {at:?}{}",
        run.context()
    );
    five_leds_blinked(&run)?;
    ended_by_power_off(&run)
}

/// No press, and a press of the other PMIC key (volume down) does not count: the wait ends
/// after 3 s with the timeout line, then the board powers off.
pub fn timeout_then_power_off(runner: &Runner) -> Result<()> {
    for args in [&[][..], &["--press", "volume-down@2s:2200ms"][..]] {
        let run = runner.run(args)?;
        run.console_has(r"(?m)^press the power key within 3000 ms\r\nno power key press within 3000 ms\r\npowering off\r$")?;
        ensure!(
            !run.stdout.contains(PRESSED_LINE),
            "a press was reported with {args:?}{}",
            run.context()
        );
        ended_by_power_off(&run)?;
    }
    Ok(())
}

/// `--pon-reason hard-reset,usb-chg`: the PMIC reports exactly those reasons.
pub fn power_on_reason_from_the_board(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--pon-reason", "hard-reset,usb-chg"])?;
    run.console_has(r"(?m)^power-on reason: HARD_RESET USB_CHG \(0x11\)\r$")?;
    run.console_has(r"(?m)^warm reset: no\r$")?;
    ended_by_power_off(&run)
}

/// `leds`: the documented lines, each of the five LEDs lit 100 ms in turn, then a reset.
pub fn leds_in_turn(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--trace", "gpio"])?;
    run.console_has_lines(&documented_output("leds")?)?;
    five_leds_blinked(&run)?;
    run.ended_by_reset()
}

/// `poweroff`: the PS_HOLD action as the board starts (hard reset) is printed, then the
/// board powers off, not resets.
pub fn power_off_not_reset(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.console_has_lines(&documented_output("poweroff")?)?;
    ended_by_power_off(&run)
}
