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
Pins: --pin 107=0@1000 drives GPIO 107 low from tick 1000 (z = stop driving); --press 107@1000:5000 is an \
active-low button (e.g. volume-up on GPIO 107) pressed from tick 1000 to 5000 (no end: held).
Ticks are counts of the 19.2 MHz generic timer; one guest instruction = one tick. Timed events (pin \
changes, UART characters leaving the wire) happen at their tick. WFI skips to the next enabled, unmasked \
timer event, running the timed events before it in order (there is no GIC model, so no interrupt is taken).
Exit codes: 0 PS_HOLD released, 1 bad image/option, 2 usage, 3 unclaimed access, 4 budget exhausted, \
5 guest stopped for good.";

/// The virtual DragonBoard 410c: runs a firmware image on an emulated Cortex-A53 with the
/// peripheral models listed below (the machine table).
#[derive(Parser, Debug)]
#[command(name = "db410c-emu", version, after_help = format!("{}\n{AFTER_HELP}", machine::help_text()))]
struct Cli {
    /// Firmware: an AArch64 ELF (loaded at its segment addresses) or an Android boot image (v0).
    image: PathBuf,
    /// Comma-separated: gpio, uart, clock, mmio.
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
    /// Drive a pad from outside: <gpio>=<0|1|z>@<ticks> (repeatable).
    #[arg(long, value_parser = parse_pin)]
    pin: Vec<PinEvent>,
    /// Active-low button: <gpio>@<press ticks>[:<release ticks>] (repeatable).
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

fn parse_pin(s: &str) -> Result<PinEvent, String> {
    let (pin, at) = s.split_once('@').ok_or("expected <gpio>=<0|1|z>@<ticks>")?;
    let (gpio, level) = pin
        .split_once('=')
        .ok_or("expected <gpio>=<0|1|z>@<ticks>")?;
    let level = match level {
        "0" => Some(false),
        "1" => Some(true),
        "z" | "Z" => None,
        l => return Err(format!("bad level {l:?} (0, 1 or z)")),
    };
    Ok(PinEvent {
        at: parse_u64(at)?,
        gpio: parse_gpio(gpio)?,
        level,
    })
}

fn parse_press(s: &str) -> Result<(PinEvent, Option<PinEvent>), String> {
    let (gpio, times) = s
        .split_once('@')
        .ok_or("expected <gpio>@<ticks>[:<ticks>]")?;
    let gpio = parse_gpio(gpio)?;
    let (press, release) = match times.split_once(':') {
        Some((p, r)) => (parse_u64(p)?, Some(parse_u64(r)?)),
        None => (parse_u64(times)?, None),
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
            other => {
                eprintln!("emu: error: --trace: unknown item {other:?} (gpio, uart, clock, mmio)");
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
