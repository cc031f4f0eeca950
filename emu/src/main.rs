//! `db410c-emu`: the virtual DragonBoard 410c. See docs/contracts.md for the command line,
//! output format and exit codes.

mod board;
mod bus;
mod loader;
mod machine;
mod models;
mod regfile;
mod scheduler;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::models::tlmm::{NUM_GPIOS, PinEvent};
use crate::models::uart_dm::{InputItem, parse_input_str};

const AFTER_HELP: &str = "\
--input-str escapes: \\n \\r \\t \\\\ \\xHH; \\p or \\e{parity} (\\f or \\e{framing}): the next character \
arrives with a parity (framing) error and sets SR.PAR_FRAME_ERR; \\w{N}: the line stays idle for N ticks.
Input reaches the console receiver at 115200 8N1 line rate once the guest enables the receiver (CR.RX_EN) or \
reads RF; a character arriving while the 64-byte RX FIFO is full is lost and sets SR.OVERRUN.
Pins: --pin 107=0@1ms drives GPIO 107 low from 1 ms (z = stop driving); --press 107@200ms:500ms is an \
active-low button (e.g. volume-up on GPIO 107) pressed from 200 ms to 500 ms (no end: held). Times are \
virtual: a number with a unit s, ms, us or ns (rounded down to whole ticks), or a plain number of ticks \
(e.g. 1_920_000 or 0x1d4c00 = 100 ms).
Ticks are counts of the 19.2 MHz generic timer (1 ms = 19_200 ticks); one guest instruction = one tick. Timed \
events (pin changes, UART characters leaving the wire) happen at their tick. WFI skips to the next enabled, \
unmasked timer event or to the timed event after which the GIC signals an interrupt, running the timed events \
before it in order.
Interrupts: the GICv2 model (GIC_DIST, GIC_CPU; Non-secure view, group 1) delivers IRQs to core 0 at EL1 \
(HCR_EL2.IMO/FMO stay set, VI is the line); no FIQ reaches the Non-secure guest.
Exit codes: 0 PS_HOLD released, 1 bad image/option, 2 usage, 3 unclaimed access, 4 budget exhausted, \
5 guest stopped for good (no vector, unreportable abort, bus hang), 6 no progress (WFI nothing can wake, \
an endless loop of branches/hints/barriers no interrupt can end, the same exception over and over inside \
its own vector).";

/// The virtual DragonBoard 410c: runs a firmware image on an emulated Cortex-A53 with the
/// peripheral models listed below (the machine table).
#[derive(Parser, Debug)]
#[command(name = "db410c-emu", version, after_help = format!("{}\n{AFTER_HELP}", machine::help_text()))]
struct Cli {
    /// Firmware: an AArch64 ELF (segments at their physical addresses) or an Android boot image (v0).
    image: PathBuf,
    /// Comma-separated: gpio, uart, clock, mmio, irq.
    #[arg(long, value_delimiter = ',')]
    trace: Vec<String>,
    /// Bytes to feed to the console UART (BLSP1 UART2) receiver.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Same, from the command line (escapes below).
    #[arg(long)]
    input_str: Option<String>,
    /// Feed host stdin to the console receiver (interactive; not deterministic).
    #[arg(long)]
    stdin: bool,
    /// Instruction budget.
    #[arg(long, default_value = "4_000_000_000", value_parser = parse_u64)]
    max_instructions: u64,
    /// Seed for the PRNG model.
    #[arg(long, default_value = "1", value_parser = parse_u64)]
    seed: u64,
    /// Exception level at entry.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    entry_el: u8,
    /// Print instruction counts at the end.
    #[arg(long)]
    stats: bool,
    /// Drive a pad from outside: <gpio>=<0|1|z>@<time> (repeatable; time: 5ms, 250us, 2s, 1500ns or ticks).
    #[arg(long, value_parser = parse_pin)]
    pin: Vec<PinEvent>,
    /// Active-low button: <gpio>@<press time>[:<release time>] (repeatable; e.g. 107@200ms:500ms).
    #[arg(long, value_parser = parse_press)]
    press: Vec<(PinEvent, Option<PinEvent>)>,
}

fn parse_u64(s: &str) -> Result<u64, String> {
    let t = s.replace('_', "");
    match t.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse(),
    }
    .map_err(|e| format!("{s}: {e}"))
}

fn parse_gpio(s: &str) -> Result<usize, String> {
    let n: usize = s.parse().map_err(|_| format!("bad GPIO number {s:?}"))?;
    if n >= NUM_GPIOS {
        return Err(format!("GPIO {n} does not exist (0..{})", NUM_GPIOS - 1));
    }
    Ok(n)
}

/// Generic timer ticks per second (the 19.2 MHz XO).
const TICKS_PER_SECOND: u128 = 19_200_000;

/// A virtual time: `<number><unit>` with unit `s`, `ms`, `us` (or `µs`) or `ns`, rounded down to
/// whole ticks, or a plain number of ticks (decimal or `0x` hex, `_` allowed).
fn parse_time(s: &str) -> Result<u64, String> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let expected = || {
        format!(
            "bad time {s:?}: expected ticks (e.g. 1920000) or a number with a unit (e.g. 100ms)"
        )
    };
    if s.starts_with("0x") || unit.is_empty() {
        return parse_u64(s).map_err(|_| expected());
    }
    let per_second: u128 = match unit {
        "s" => 1,
        "ms" => 1_000,
        "us" | "µs" => 1_000_000,
        "ns" => 1_000_000_000,
        _ => {
            return Err(format!(
                "bad time {s:?}: unknown unit {unit:?} (use s, ms, us or ns, or no unit for ticks of the 19.2 MHz counter)"
            ));
        }
    };
    let value = parse_u64(number).map_err(|_| expected())?;
    u64::try_from(u128::from(value) * TICKS_PER_SECOND / per_second)
        .map_err(|_| format!("time {s:?} is too far in the future"))
}

fn parse_pin(s: &str) -> Result<PinEvent, String> {
    let (pin, at) = s.split_once('@').ok_or("expected <gpio>=<0|1|z>@<time>")?;
    let (gpio, level) = pin
        .split_once('=')
        .ok_or("expected <gpio>=<0|1|z>@<time>")?;
    let level = match level {
        "0" => Some(false),
        "1" => Some(true),
        "z" | "Z" => None,
        l => return Err(format!("bad level {l:?} (0, 1 or z)")),
    };
    Ok(PinEvent {
        at: parse_time(at)?,
        gpio: parse_gpio(gpio)?,
        level,
    })
}

fn parse_press(s: &str) -> Result<(PinEvent, Option<PinEvent>), String> {
    let (gpio, times) = s.split_once('@').ok_or("expected <gpio>@<time>[:<time>]")?;
    let gpio = parse_gpio(gpio)?;
    let (press, release) = match times.split_once(':') {
        Some((p, r)) => (parse_time(p)?, Some(parse_time(r)?)),
        None => (parse_time(times)?, None),
    };
    if release.is_some_and(|r| r < press) {
        return Err("release before press".into());
    }
    Ok((
        PinEvent {
            at: press,
            gpio,
            level: Some(false),
        },
        release.map(|at| PinEvent {
            at,
            gpio,
            level: None,
        }),
    ))
}

fn fail(file: &std::path::Path, problem: impl std::fmt::Display) -> ExitCode {
    eprintln!("emu: error: {}: {problem}", file.display());
    ExitCode::from(1)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = board::Config {
        max_instructions: cli.max_instructions,
        seed: cli.seed,
        entry_el: cli.entry_el,
        ..Default::default()
    };
    for t in &cli.trace {
        match t.as_str() {
            "gpio" => config.trace_gpio = true,
            "uart" => config.trace_uart = true,
            "clock" => config.trace_clock = true,
            "mmio" => config.trace_mmio = true,
            "irq" => config.trace_irq = true,
            other => {
                eprintln!(
                    "emu: error: --trace: unknown item {other:?} (gpio, uart, clock, mmio, irq)"
                );
                return ExitCode::from(1);
            }
        }
    }
    if let Some(path) = &cli.input {
        match std::fs::read(path) {
            Ok(b) => config
                .input
                .extend(b.into_iter().map(|c| InputItem::Byte(c, false))),
            Err(e) => return fail(path, e),
        }
    }
    if let Some(s) = &cli.input_str {
        match parse_input_str(s) {
            Ok(items) => config.input.extend(items),
            Err(e) => {
                eprintln!("emu: error: --input-str: {e}");
                return ExitCode::from(1);
            }
        }
    }
    config.pins = cli.pin.clone();
    for (p, r) in &cli.press {
        config.pins.push(*p);
        config.pins.extend(r);
    }
    let data = match std::fs::read(&cli.image) {
        Ok(d) => d,
        Err(e) => return fail(&cli.image, e),
    };
    let image = match loader::load(&data) {
        Ok(i) => i,
        Err(e) => return fail(&cli.image, e),
    };
    let stdin = cli.stdin.then(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            let mut input = std::io::stdin();
            while let Ok(n) = input.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        rx
    });
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    let result = match board::run(&image, &config, stdin, &mut out, &mut err) {
        Ok(r) => r,
        Err(e) => return fail(&cli.image, e),
    };
    eprintln!("{}", result.outcome.line());
    if cli.stats {
        let first = result
            .first_console_byte_at
            .map_or_else(|| "none".to_string(), |t| t.to_string());
        eprintln!(
            "emu: stats: instructions={} first-console-byte-at={first}",
            result.instructions
        );
    }
    ExitCode::from(result.outcome.exit_code() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_units_become_ticks() {
        assert_eq!(parse_time("1000"), Ok(1000));
        assert_eq!(parse_time("1_920_000"), Ok(1_920_000));
        assert_eq!(parse_time("0x10"), Ok(16));
        assert_eq!(parse_time("1ms"), Ok(19_200));
        assert_eq!(parse_time("200ms"), Ok(3_840_000));
        assert_eq!(parse_time("250us"), Ok(4_800));
        assert_eq!(parse_time("250µs"), Ok(4_800));
        assert_eq!(parse_time("2s"), Ok(38_400_000));
        // 1500 ns = 28.8 ticks: rounded down.
        assert_eq!(parse_time("1500ns"), Ok(28));
        assert_eq!(parse_time("0s"), Ok(0));
    }

    #[test]
    fn bad_times_are_clear_errors() {
        let e = parse_time("5h").unwrap_err();
        assert!(
            e.contains("unknown unit \"h\"") && e.contains("s, ms, us or ns"),
            "{e}"
        );
        let e = parse_time("5 ms").unwrap_err();
        assert!(e.contains("unknown unit \" ms\""), "{e}");
        assert!(parse_time("ms").unwrap_err().contains("bad time"));
        assert!(parse_time("").unwrap_err().contains("bad time"));
        assert!(parse_time("0x10ms").is_err());
        assert!(
            parse_time("18446744073709551615s")
                .unwrap_err()
                .contains("too far")
        );
    }

    #[test]
    fn pin_and_press_take_units() {
        let p = parse_pin("107=0@1ms").unwrap();
        assert_eq!((p.gpio, p.level, p.at), (107, Some(false), 19_200));
        let p = parse_pin("21=z@7").unwrap();
        assert_eq!((p.gpio, p.level, p.at), (21, None, 7));
        let (press, release) = parse_press("107@200ms:500ms").unwrap();
        assert_eq!(
            (press.gpio, press.level, press.at),
            (107, Some(false), 3_840_000)
        );
        let release = release.unwrap();
        assert_eq!(
            (release.gpio, release.level, release.at),
            (107, None, 9_600_000)
        );
        let (press, release) = parse_press("107@1s").unwrap();
        assert_eq!(press.at, 19_200_000);
        assert!(release.is_none());
        assert_eq!(
            parse_press("107@500ms:200ms").unwrap_err(),
            "release before press"
        );
        assert!(
            parse_press("107@2min")
                .unwrap_err()
                .contains("unknown unit \"min\"")
        );
        assert!(
            parse_pin("122=1@1ms")
                .unwrap_err()
                .contains("does not exist")
        );
    }
}
