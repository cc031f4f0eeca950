//! `db410c-emu`: the virtual DragonBoard 410c. See docs/contracts.md for the command line,
//! output format and exit codes.

mod board;
mod bus;
mod coverage;
mod expect;
mod gdb;
mod loader;
mod machine;
mod models;
mod regfile;
mod scheduler;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::models::i2c_devices::{self, Attachment, Fault as I2cFault};
use crate::models::spi_devices;
use crate::models::spmi::{
    DEFAULT_PON_REASON, DEFAULT_RTC_SECONDS, KeyEvent, PON_REASON_NAMES, PmicKey,
};
use crate::models::tlmm::{NUM_GPIOS, PinEvent};
use crate::models::uart_dm::{InputItem, parse_input_str};

const AFTER_HELP: &str = "\
--input-str escapes: \\n \\r \\t \\\\ \\xHH; \\p or \\e{parity} (\\f or \\e{framing}): the next character \
arrives with a parity (framing) error and sets SR.PAR_FRAME_ERR; \\w{N}: the line stays idle for N ticks.
Input reaches the console receiver at 115200 8N1 line rate once the guest enables the receiver (CR.RX_EN) or \
reads RF; a character arriving while the 64-byte RX FIFO is full is lost and sets SR.OVERRUN.
Pins: --pin 107=0@1ms drives GPIO 107 low from 1 ms (z = stop driving); --press 107@200ms:500ms is an \
active-low button (e.g. volume-up on GPIO 107) pressed from 200 ms to 500 ms (no end: held); --press power@1s \
and --press volume-down@1s press the PM8916's power key (KPDPWR_N) and volume-down key (RESIN_N). Times are \
virtual: a number with a unit s, ms, us or ns (rounded down to whole ticks), or a plain number of ticks \
(e.g. 1_920_000 or 0x1d4c00 = 100 ms).
Ticks are counts of the 19.2 MHz generic timer (1 ms = 19_200 ticks); one guest instruction = one tick. Timed \
events (pin changes, UART characters leaving the wire) happen at their tick. WFI skips to the next enabled, \
unmasked timer event or to the timed event after which the GIC signals an interrupt, running the timed events \
before it in order.
Interrupts: the GICv2 model (GIC_DIST, GIC_CPU; Non-secure view, group 1) delivers IRQs to core 0 at EL1 \
(HCR_EL2.IMO/FMO stay set, VI is the line); no FIQ reaches the Non-secure guest.
PS_HOLD: the PM8916's PS_HOLD configuration decides the outcome line: `system reset`, or `power off` when the \
PS_HOLD reset is enabled with type shutdown (the model starts as hard reset, enabled).
I2C devices (--i2c BUS:ADDR=DEVICE[,OPTIONS]): 24c32 = 4 KiB EEPROM, two address bytes, 32-byte pages \
(writes wrap within the page), stored at STOP, then busy for the write cycle (option write-cycle=TIME, \
default 5ms) during which it does not acknowledge its address; sensor = 256 16-bit registers (options \
regN=VALUE), first written byte = register pointer, values most significant byte first, the pointer \
moves on after each register; lm75 = LM75 temperature sensor (registers 0 temperature, 1 configuration, \
2 T_HYST, 3 T_OS; 9-bit, 0.5 C steps; a conversion every 100 ms, none in shutdown) reading temp=CELSIUS \
(default 25), changed from a time on by temp@TIME=CELSIUS (repeatable). Bus timing: 9 SCL periods per byte from I2C_MASTER_CLK_CTL and the core clock.
I2C faults (--i2c-fault BUS:FAULT): nack-addr@ADDR (the device never acknowledges its address), \
nack-data@ADDR:N (it refuses data byte N, counted from 0 after its address, in every write), sda-low (a \
device holds SDA low until a bus clear frees it), sda-stuck (SDA low for good), stretch@ADDR (the device \
holds SCL low after its address, for good: the transfer never ends), arb-lost (the first START on the \
bus loses arbitration).
SPI devices (--spi BUS:DEVICE[,OPTIONS], bus 0 = header SPI0 (QUP5), chip select = the level of GPIO 18 as \
the firmware drives it): nor = 1 MiB 25-series SPI NOR flash, JEDEC ID 0xEF4014 (option id=HEX: another \
three-byte ID, its last byte the log2 of the size), commands 0x9F JEDEC ID, 0x03 READ, 0x06/0x04 WREN/WRDI, \
0x05 READ STATUS (bit 0 WIP, bit 1 WEL), 0x02 PAGE PROGRAM (wraps within the 256-byte page) and 0x20 \
SECTOR ERASE (4 KiB); program and erase need WEL and keep WIP set for 0.7 ms / 45 ms from chip select \
rising, ignoring every other command meanwhile. Bus timing: 8 SCLK periods per byte, SCLK = the QUP5 SPI \
core clock; without a device MISO reads 0xFF.
SPI faults (--spi-fault BUS:FAULT): busy-stuck (the flash's program and erase never finish: WIP stays set \
and every other command stays ignored), miso-low (MISO held low: every byte read is 0x00), miso-high (the \
flash does not answer: every byte read is 0xFF); the device still receives every byte.
Scripted expectations (--expect, --fail-on, --timeout, --send-after): patterns match within one console \
line, as the text arrives (a regex sees the line received so far: end it with \\n to wait for the whole line); \
each --expect (and each --send-after) matches after the end of the previous one's match; a --fail-on anywhere. \
The first of them to match in the console stream wins. The run stops at the last expectation's match (exit 0), \
at a --fail-on match (exit 8, naming the pattern and the console line) or at the --timeout tick with an \
expectation pending (exit 9); a run that ends otherwise with one pending exits 7. With no --expect, the firmware's \
own end decides the exit code, unless a --fail-on matches (8) or the --timeout is reached first (0).
GDB (--gdb PORT, --gdb-wait): `target remote :PORT` in gdb-multiarch; threads 1..4 are cores 0..3 (those \
that are on); registers x0-x30, sp, pc, cpsr (PSTATE), v0-v31, fpsr, fpcr and CurrentEL, SCTLR/TTBR0/TTBR1/TCR/\
MAIR/VBAR/ESR/FAR/ELR/SPSR_EL1, SP_EL0/SP_EL1, SCTLR/HCR/VBAR/ESR/FAR/ELR/SPSR_EL2 (`info registers system`); \
memory through the MMU of the selected thread (MMIO through the bus, 32-bit words); breakpoints (software and \
hardware alike), watchpoints on RAM and MMIO (the core stops after the access), stepping, Ctrl-C. The run is the \
same as without GDB (instruction counts, output). kill ends the run (exit 5), detach lets it go on.
Exit codes: 0 PS_HOLD released (reset or power off), APSS watchdog bite (reset) or the last --expect matched, 1 bad image/option, 2 usage, 3 unclaimed access, 4 budget exhausted, \
5 guest stopped for good (no vector, unreportable abort, bus hang), 6 no progress (WFI nothing can wake, \
an endless loop of branches/hints/barriers no interrupt can end, the same exception over and over inside \
its own vector), 7 an --expect not met when the run ended, 8 a --fail-on pattern matched, 9 --timeout \
reached with an --expect pending.";

/// The virtual DragonBoard 410c: runs a firmware image on an emulated Cortex-A53 with the
/// peripheral models listed below (the machine table).
#[derive(Parser, Debug)]
#[command(name = "db410c-emu", version, after_help = format!("{}\n{AFTER_HELP}", machine::help_text()))]
struct Cli {
    /// Firmware: an AArch64 ELF (segments at their physical addresses) or an Android boot image (v0).
    image: PathBuf,
    /// Comma-separated: gpio, uart, clock, mmio, irq, i2c, spi.
    #[arg(long, value_delimiter = ',')]
    trace: Vec<String>,
    /// Print `emu: t=<ticks> pc <ADDR>` each time a translated block starting at ADDR runs
    /// (a function's entry, a branch target, an exception return target); repeatable.
    #[arg(long, value_parser = parse_u64)]
    trace_pc: Vec<u64>,
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
    /// Button: <gpio|power|volume-down>@<press time>[:<release time>] (repeatable; e.g. 107@200ms:500ms, power@1s).
    #[arg(long, value_parser = parse_press)]
    press: Vec<Press>,
    /// PM8916 power-on reason(s) of this run (PON_REASON1), comma-separated: hard-reset, smpl, rtc, dc-chg, usb-chg, pon1, cblpwr, kpdpwr (default kpdpwr).
    #[arg(long, value_parser = parse_pon_reason)]
    pon_reason: Option<u8>,
    /// PM8916 RTC count at the start of the run, in seconds (default 1767225600 =
    /// 2026-01-01 00:00:00 UTC); it then counts in virtual time.
    #[arg(long, value_parser = parse_u32)]
    rtc: Option<u32>,
    /// How the previous run ended, for the reset-reason registers: `watchdog` sets the APSS
    /// watchdog's WDT_STS bit 0 (the last reset was a bite); `none` (default) is a cold start.
    #[arg(long, value_parser = ["none", "watchdog"])]
    reset_reason: Option<String>,
    /// Resets (PS_HOLD reset, watchdog bite) that restart the firmware within this run, with
    /// the PMIC and the reset reasons kept (default 0: a reset ends the run).
    #[arg(long, default_value_t = 0)]
    max_resets: u32,
    /// Attach an I2C device: BUS:ADDR=DEVICE[,OPTIONS] (repeatable; bus 0 = header I2C0 (QUP2),
    /// 1 = I2C1 (QUP6)); e.g. 0:0x50=24c32, 0:0x48=sensor,reg0=0x1234,
    /// 0:0x48=lm75,temp=21.5,temp@1s=30 (details below).
    #[arg(long = "i2c", value_parser = parse_i2c)]
    i2c: Vec<Attachment>,
    /// Inject an I2C fault: BUS:FAULT (repeatable): nack-addr@ADDR, nack-data@ADDR:N, sda-low,
    /// sda-stuck, stretch@ADDR, arb-lost (details below).
    #[arg(long = "i2c-fault", value_parser = i2c_devices::parse_fault)]
    i2c_fault: Vec<(usize, I2cFault)>,
    /// Console text that must appear, after the previous --expect's match (repeatable, in
    /// order); the run ends with exit 0 as soon as the last one matches. Plain text, or a regex
    /// as re:REGEX or /REGEX/.
    #[arg(long, value_name = "PATTERN", value_parser = expect::Pattern::parse)]
    expect: Vec<expect::Pattern>,
    /// Console text that fails the run at once with exit 8 (repeatable; text or regex as for --expect).
    #[arg(long, value_name = "PATTERN", value_parser = expect::Pattern::parse)]
    fail_on: Vec<expect::Pattern>,
    /// Virtual time by which every --expect must have matched, else exit 9 (time as for --press;
    /// with no --expect, reaching it ends the run with exit 0).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    timeout: Option<u64>,
    /// When PATTERN appears on the console, feed TEXT (--input-str escapes) to the console
    /// receiver at line rate (repeatable, in order: each after the previous one's match).
    #[arg(long, num_args = 2, value_names = ["PATTERN", "TEXT"])]
    send_after: Vec<String>,
    /// Attach an SPI device: BUS:DEVICE[,OPTIONS] (repeatable, one per bus; bus 0 = header
    /// SPI0 (QUP5), CS on GPIO 18); e.g. 0:nor, 0:nor,id=0xC22014 (details below).
    #[arg(long = "spi", value_parser = spi_devices::parse_attachment)]
    spi: Vec<spi_devices::Attachment>,
    /// Put a high-capacity SD card holding IMAGE (a whole number of 512 KiB) in the µSD slot
    /// (SDHC2). The guest's writes stay in memory unless --sd-writable is given.
    #[arg(long, value_name = "IMAGE")]
    sd: Option<PathBuf>,
    /// Let the guest's writes to the SD card reach the image file.
    #[arg(long, requires = "sd")]
    sd_writable: bool,
    /// Write the code coverage of the run to FILE when it ends, however it ends: each
    /// translated block that ran (start address, instructions, times run). `cargo xtask
    /// coverage` maps it to source lines. The environment variable DB410C_EMU_COVERAGE_DIR=DIR
    /// does the same for every run, into a new file in DIR.
    #[arg(long, value_name = "FILE")]
    coverage: Option<PathBuf>,
    /// Inject an SPI fault: BUS:FAULT (repeatable): busy-stuck, miso-low, miso-high (details
    /// below).
    #[arg(long = "spi-fault", value_parser = spi_devices::parse_fault)]
    spi_fault: Vec<(usize, spi_devices::Fault)>,
    /// GDB remote server on 127.0.0.1:PORT (0: any free port; the port is printed); each core
    /// is a GDB thread (details below).
    #[arg(long, value_name = "PORT")]
    gdb: Option<u16>,
    /// With --gdb: stop before the first instruction until GDB connects and resumes.
    #[arg(long, requires = "gdb")]
    gdb_wait: bool,
    /// Count every translated block in the board's block hook instead of letting the CPU
    /// engine count blocks inline between the hook's bounds. Same counts and output, slower:
    /// for comparing the two (only a loop that can never end may be reported a little
    /// sooner).
    #[arg(long)]
    no_inline_count: bool,
}

/// A `--press`: a SoC pad (active low) or a PM8916 key, pressed and maybe released.
#[derive(Debug, Clone, Copy)]
enum Press {
    Pin(PinEvent, Option<PinEvent>),
    Key(KeyEvent, Option<KeyEvent>),
}

fn parse_pon_reason(s: &str) -> Result<u8, String> {
    let mut bits = 0;
    for name in s.split(',') {
        let (_, bit) = PON_REASON_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| {
                let names: Vec<_> = PON_REASON_NAMES.iter().map(|(n, _)| *n).collect();
                format!("unknown power-on reason {name:?} ({})", names.join(", "))
            })?;
        bits |= bit;
    }
    Ok(bits)
}

fn parse_i2c(s: &str) -> Result<Attachment, String> {
    i2c_devices::parse_attachment(s, parse_time)
}

fn parse_u64(s: &str) -> Result<u64, String> {
    let t = s.replace('_', "");
    match t.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse(),
    }
    .map_err(|e| format!("{s}: {e}"))
}

fn parse_u32(s: &str) -> Result<u32, String> {
    u32::try_from(parse_u64(s)?).map_err(|e| format!("{s}: {e}"))
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

fn parse_press(s: &str) -> Result<Press, String> {
    let (what, times) = s
        .split_once('@')
        .ok_or("expected <gpio|power|volume-down>@<time>[:<time>]")?;
    let (press, release) = match times.split_once(':') {
        Some((p, r)) => (parse_time(p)?, Some(parse_time(r)?)),
        None => (parse_time(times)?, None),
    };
    if release.is_some_and(|r| r < press) {
        return Err("release before press".into());
    }
    if let Some(key) = PmicKey::from_name(what) {
        let event = |at, pressed| KeyEvent { at, key, pressed };
        return Ok(Press::Key(
            event(press, true),
            release.map(|at| event(at, false)),
        ));
    }
    if !what.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "unknown button {what:?} (a GPIO number, power or volume-down)"
        ));
    }
    let gpio = parse_gpio(what)?;
    Ok(Press::Pin(
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
    config.trace_pcs = cli.trace_pc.clone();
    config.inline_count = !cli.no_inline_count;
    for t in &cli.trace {
        match t.as_str() {
            "gpio" => config.trace_gpio = true,
            "uart" => config.trace_uart = true,
            "clock" => config.trace_clock = true,
            "mmio" => config.trace_mmio = true,
            "irq" => config.trace_irq = true,
            "i2c" => config.i2c.trace = true,
            "spi" => config.spi.trace = true,
            other => {
                eprintln!(
                    "emu: error: --trace: unknown item {other:?} (gpio, uart, clock, mmio, irq, i2c, spi)"
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
    config.i2c.devices = cli.i2c.clone();
    config.i2c.faults = cli.i2c_fault.clone();
    config.spi.devices = cli.spi.clone();
    config.sd = cli.sd.clone().map(|image| board::SdSetup {
        image,
        writable: cli.sd_writable,
    });
    config.spi.faults = cli.spi_fault.clone();
    config.pins = cli.pin.clone();
    for press in &cli.press {
        match press {
            Press::Pin(p, r) => {
                config.pins.push(*p);
                config.pins.extend(r);
            }
            Press::Key(p, r) => {
                config.keys.push(*p);
                config.keys.extend(r);
            }
        }
    }
    config.pon_reason = cli.pon_reason.unwrap_or(DEFAULT_PON_REASON);
    let script = match script(&cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("emu: error: --send-after: {e}");
            return ExitCode::from(1);
        }
    };
    config.script = script.clone();
    config.rtc_seconds = cli.rtc.unwrap_or(DEFAULT_RTC_SECONDS);
    config.watchdog_reset = cli.reset_reason.as_deref() == Some("watchdog");
    let coverage_directory = std::env::var_os(coverage::DIRECTORY_VARIABLE)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    config.coverage = cli.coverage.is_some() || coverage_directory.is_some();
    config.max_resets = cli.max_resets;
    if let Some(port) = cli.gdb {
        match gdb::Options::listen(port, cli.gdb_wait) {
            Ok(options) => {
                eprintln!(
                    "emu: GDB server listening on 127.0.0.1:{}{}",
                    options.port,
                    if cli.gdb_wait {
                        " (waiting for GDB before the first instruction)"
                    } else {
                        ""
                    }
                );
                config.gdb = Some(options);
            }
            Err(e) => {
                eprintln!("emu: error: {e}");
                return ExitCode::from(1);
            }
        }
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
    let mut stdout = std::io::stdout().lock();
    let mut tap;
    let out: &mut dyn std::io::Write = match &script {
        Some(link) => {
            tap = expect::ConsoleTap {
                out: &mut stdout,
                link: link.clone(),
            };
            &mut tap
        }
        None => &mut stdout,
    };
    let mut err = std::io::stderr();
    let result = match board::run(&image, &config, stdin, out, &mut err) {
        Ok(r) => r,
        Err(e) => return fail(&cli.image, e),
    };
    let coverage_written = result.coverage.as_ref().map_or(Ok(()), |blocks| {
        write_coverage(blocks, &cli, coverage_directory.as_deref())
    });
    let mut code = result.outcome.exit_code() as u8;
    if !matches!(result.outcome, board::Outcome::Script { .. }) {
        eprintln!("{}", result.outcome.line());
    }
    if let Some(link) = &script {
        let (lines, script_code) = link.conclude(code);
        for line in lines {
            eprintln!("{line}");
        }
        code = script_code;
    }
    if cli.stats {
        let first = result
            .first_console_byte_at
            .map_or_else(|| "none".to_string(), |t| t.to_string());
        eprintln!(
            "emu: stats: instructions={} first-console-byte-at={first}",
            result.instructions
        );
        let ic = result.code_invalidations;
        if ic != board::code_invalidation::Counts::default() {
            eprintln!(
                "emu: stats: instruction-cache invalidations between cores: ic-ivau={} \
                 ic-iallu={} full-flushes={} pages-invalidated={}",
                ic.by_address, ic.all, ic.full_flushes, ic.pages
            );
        }
    }
    if let Err(e) = coverage_written {
        // The run itself went as reported above; its coverage was asked for and is missing.
        eprintln!("emu: error: coverage: {e}");
        return ExitCode::from(1);
    }
    ExitCode::from(code)
}

/// The run's coverage file(s): `--coverage FILE`, and a new file in the directory named by
/// `DB410C_EMU_COVERAGE_DIR`.
fn write_coverage(
    blocks: &coverage::Blocks,
    cli: &Cli,
    directory: Option<&std::path::Path>,
) -> Result<(), String> {
    let image = std::path::absolute(&cli.image).unwrap_or_else(|_| cli.image.clone());
    if let Some(file) = &cli.coverage {
        blocks
            .write(&image, file)
            .map_err(|e| format!("{}: {e}", file.display()))?;
    }
    if let Some(directory) = directory {
        blocks
            .write_into(&image, directory)
            .map_err(|e| format!("{}: {e}", directory.display()))?;
    }
    Ok(())
}

/// The console script from the command line (`None` when no option of it was given).
fn script(cli: &Cli) -> Result<Option<expect::Link>, String> {
    let mut send_after = Vec::new();
    for pair in cli.send_after.chunks(2) {
        let [pattern, text] = pair else {
            return Err("expected PATTERN TEXT".into());
        };
        send_after.push((expect::Pattern::parse(pattern)?, parse_input_str(text)?));
    }
    let script = expect::Script {
        expect: cli.expect.clone(),
        fail_on: cli.fail_on.clone(),
        send_after,
        timeout: cli.timeout,
    };
    Ok((!script.is_empty()).then(|| expect::Link::new(script)))
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
        let Press::Pin(press, release) = parse_press("107@200ms:500ms").unwrap() else {
            panic!("a GPIO press")
        };
        assert_eq!(
            (press.gpio, press.level, press.at),
            (107, Some(false), 3_840_000)
        );
        let release = release.unwrap();
        assert_eq!(
            (release.gpio, release.level, release.at),
            (107, None, 9_600_000)
        );
        let Press::Pin(press, release) = parse_press("107@1s").unwrap() else {
            panic!("a GPIO press")
        };
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

    #[test]
    fn pmic_keys_by_name_and_power_on_reasons() {
        let Press::Key(press, release) = parse_press("power@200ms:300ms").unwrap() else {
            panic!("a key press")
        };
        assert_eq!(
            (press.key, press.pressed, press.at),
            (PmicKey::Power, true, 3_840_000)
        );
        let release = release.unwrap();
        assert_eq!((release.key, release.pressed), (PmicKey::Power, false));
        let Press::Key(press, None) = parse_press("volume-down@1ms").unwrap() else {
            panic!("a held key")
        };
        assert_eq!(press.key, PmicKey::VolumeDown);
        assert!(
            parse_press("volume-up@1ms")
                .unwrap_err()
                .contains("unknown button")
        );
        assert_eq!(parse_pon_reason("kpdpwr"), Ok(0x80));
        assert_eq!(parse_pon_reason("hard-reset,usb-chg"), Ok(0x11));
        assert!(parse_pon_reason("lightning").unwrap_err().contains("smpl"));
    }
}
