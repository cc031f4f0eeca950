//! Checks of the `uart_config` example: `Uart::apply_config` changes the line rate the virtual
//! board's UART model runs at, a rate the clock cannot make is refused, and `Uart::free`
//! gives back pads a new driver accepts, with nothing the program printed lost on the way.

use super::Runner;
use anyhow::{Context, Result, ensure};
use regex::Regex;

/// Microseconds 64 characters of `bits` bits each take at `baud`.
fn wire_time_us(bits: u64, baud: u64) -> f64 {
    (64 * bits) as f64 * 1e6 / baud as f64
}

pub fn settings_change_line_rate(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.ended_by_reset()?;
    // Every line the example documents arrives whole, apart from the measured times (which
    // are checked against the line rate below, not against the documented figures).
    let timing = Regex::new(r"took \d+ us$").expect("valid");
    let printed: Vec<&str> = run.stdout.lines().map(str::trim_end).collect();
    for line in super::documented_output("uart_config")? {
        let found = if timing.is_match(&line) {
            let stem = timing.replace(&line, "took ");
            printed.iter().any(|p| p.starts_with(stem.as_ref()))
        } else {
            printed.contains(&line.as_str())
        };
        ensure!(found, "console lacks the line {line:?}{}", run.context());
    }
    let took = |setting: &str| -> Result<f64> {
        let re = Regex::new(&format!(r"at {setting} took (\d+) us")).expect("valid");
        let micros = re
            .captures(&run.stdout)
            .with_context(|| format!("no timing for {setting}{}", run.context()))?;
        Ok(micros[1].parse()?)
    };
    // The transfer takes what the line rate says, plus at most 1 % for the program itself.
    for (setting, bits, baud) in [("115200 8N1", 10, 115_200), ("9600 8E1", 11, 9_600)] {
        let measured = took(setting)?;
        let wire = wire_time_us(bits, baud);
        ensure!(
            measured >= wire && measured <= wire * 1.01,
            "64 characters at {setting} took {measured} us; the line rate gives {wire:.0} us{}",
            run.context()
        );
    }
    Ok(())
}
