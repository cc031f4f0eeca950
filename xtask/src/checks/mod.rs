//! What each example must do on the virtual board, and what xtask's own commands must do,
//! checked by `cargo xtask test`.
//!
//! Each example check runs the unmodified example ELF on the virtual board (`db410c-emu`) and
//! asserts on what the firmware printed (stdout = the console UART) and what the board observed
//! (stderr: `emu: ` lines, e.g. GPIO transitions with their virtual time, the PS_HOLD reset).
//!
//! Design notes: this module is the harness (running a program with a time limit, the
//! assertions on a finished run) and the registry of checks, in the order the suite runs them;
//! the checks themselves live in one file per example or per xtask command beside this one.
//! The suite names a step after the registry entry (`example <name>: <what>`, `xtask: <what>`),
//! so `cargo xtask test --only TEXT` selects by those names.

mod blinky;
mod button;
mod button_interrupt;
mod defmt;
mod echo;
mod expect;
mod faults;
mod flash;
mod gic;
mod hello;
mod i2c;
mod image;
mod lava;
mod multicore;
mod pmic;
mod rng;
mod rtc;
mod sgi;
mod size;
mod spi;
mod timer_interrupt;
mod tools;
mod uart_config;
mod uboot;
mod watchdog;

use anyhow::{Result, ensure};
use regex::Regex;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Generic timer ticks per second on this SoC (19.2 MHz XO).
pub const TICKS_PER_SECOND: u64 = 19_200_000;

/// LED1 is GPIO 21 and LED2 GPIO 120 on the DragonBoard 410c.
pub const LED1: u32 = 21;
pub const LED2: u32 = 120;

/// Host wall-clock limit for one virtual-board run: a hang is a failure, never a stuck CI.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// How a check reaches the virtual board and the example's ELF.
pub struct Runner<'a> {
    pub emu: &'a Path,
    pub elf: &'a Path,
}

/// A finished run.
pub struct Run {
    /// The console as text (lossy: defmt frames are binary, see `console`).
    pub stdout: String,
    /// The console bytes exactly as sent.
    pub console: Vec<u8>,
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
    let what = format!("{:?}", command.get_program());
    let output =
        crate::process::run_with_limit(command, &format!("the run of {what}"), RUN_TIMEOUT)?;
    Ok(Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        console: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    })
}

impl Run {
    /// Fails with the whole output attached, so a CI log shows what happened.
    pub fn context(&self) -> String {
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
        ensure!(
            re.is_match(&self.stdout),
            "console output lacks /{pattern}/{}",
            self.context()
        );
        Ok(())
    }

    /// Asserts that the console shows each of `lines` as a whole line, in this order (other
    /// lines may come in between).
    pub fn console_has_lines(&self, lines: &[String]) -> Result<()> {
        let mut console = self.stdout.split('\n').map(|l| l.trim_end_matches('\r'));
        for line in lines {
            ensure!(
                console.any(|shown| shown == line),
                "console output lacks the line {line:?} (after the lines before it in {lines:?}){}",
                self.context()
            );
        }
        Ok(())
    }

    /// Asserts that `pattern` (a regex) matches the virtual board's own report (stderr).
    pub fn board_has(&self, pattern: &str) -> Result<()> {
        let re = Regex::new(pattern).expect("valid regex in a check");
        ensure!(
            re.is_match(&self.stderr),
            "virtual board report lacks /{pattern}/{}",
            self.context()
        );
        Ok(())
    }

    /// Asserts the exit code of the virtual board.
    pub fn exit_code_is(&self, code: i32) -> Result<()> {
        ensure!(
            self.code == Some(code),
            "expected exit code {code}{}",
            self.context()
        );
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
            .map(|c| {
                (
                    c[1].parse().unwrap_or(0),
                    c[2].parse().unwrap_or(0),
                    c[3].to_owned(),
                )
            })
            .collect()
    }
}

/// An example's documented output (the `## Expected output` block of its source).
pub fn documented_output(example: &str) -> Result<Vec<String>> {
    crate::expected_output::lines(&crate::process::workspace_root()?, example)
}

/// The first documented line of an example (its banner).
pub fn banner(example: &str) -> Result<String> {
    Ok(documented_output(example)?.remove(0))
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
        ExampleCheck {
            example: "hello",
            what: "prints the banner and resets",
            run: hello::prints_documented_output,
        },
        ExampleCheck {
            example: "hello",
            what: "entered at EL2, drops to EL1",
            run: hello::entered_at_el2,
        },
        ExampleCheck {
            example: "hello",
            what: "boots from its boot image like the stock bootloader starts it",
            run: hello::boots_from_boot_image,
        },
        ExampleCheck {
            example: "hello",
            what: "same run twice gives the same output",
            run: hello::deterministic,
        },
        ExampleCheck {
            example: "blinky",
            what: "LEDs alternate with 100 ms spacing",
            run: blinky::leds_alternate,
        },
        ExampleCheck {
            example: "rng",
            what: "prints distinct random words per seed",
            run: rng::distinct_words,
        },
        ExampleCheck {
            example: "panic",
            what: "prints the panic report and resets",
            run: faults::panic_report,
        },
        ExampleCheck {
            example: "exception",
            what: "prints the exception report and resets",
            run: faults::exception_report,
        },
        ExampleCheck {
            example: "defmt_hello",
            what: "flash --monitor decodes a board's console (captured here from a run)",
            run: defmt::flash_monitor,
        },
        ExampleCheck {
            example: "defmt_hello",
            what: "defmt frames decode with level, location, timestamp",
            run: defmt::frames_decode,
        },
        ExampleCheck {
            example: "defmt_hello",
            what: "a damaged defmt frame is reported, the rest decodes",
            run: defmt::damaged_frame,
        },
        ExampleCheck {
            example: "echo",
            what: "echoes lines; CR LF is one line end; `quit` ends",
            run: echo::lines,
        },
        ExampleCheck {
            example: "echo",
            what: "framing error reported, no byte before or after it lost",
            run: echo::framing_error,
        },
        ExampleCheck {
            example: "echo",
            what: "overrun reported, the 64 FIFO bytes kept, later lines echo",
            run: echo::overrun,
        },
        ExampleCheck {
            example: "echo",
            what: "overrun and framing pending together: both reported, no byte lost",
            run: echo::overrun_and_framing,
        },
        ExampleCheck {
            example: "echo",
            what: "no input: gives up after 500 ms of silence, within 1 s",
            run: echo::idle_timeout,
        },
        ExampleCheck {
            example: "hello",
            what: "expect: banner met (stops there), a missing line is exit 7",
            run: expect::hello,
        },
        ExampleCheck {
            example: "panic",
            what: "expect: --fail-on panicked is exit 8 naming the line",
            run: expect::panic,
        },
        ExampleCheck {
            example: "echo",
            what: "expect: --send-after types a line and quit; timeout is exit 9",
            run: expect::send_after,
        },
        ExampleCheck {
            example: "button",
            what: "press 200..500 ms reported and mirrored on LED1 within one poll",
            run: button::press,
        },
        ExampleCheck {
            example: "button",
            what: "never pressed: pull-up holds it released, LED1 stays off",
            run: button::untouched,
        },
        ExampleCheck {
            example: "button",
            what: "held from power-on: pressed at the first poll, LED1 lit 1 s",
            run: button::held_from_start,
        },
        ExampleCheck {
            example: "pmic",
            what: "revision, power-on reason, SPMI error printed; five LEDs blink; power key at 2 s reported; power off",
            run: pmic::press_then_power_off,
        },
        ExampleCheck {
            example: "pmic",
            what: "no power key press (or only volume down): timeout, then power off",
            run: pmic::timeout_then_power_off,
        },
        ExampleCheck {
            example: "pmic",
            what: "--pon-reason hard-reset,usb-chg is the power-on reason printed",
            run: pmic::power_on_reason_from_the_board,
        },
        ExampleCheck {
            example: "rtc",
            what: "RTC read at its start value, set, 2 s counted; alarm 1 s ahead seen within one 10 ms poll",
            run: rtc::set_count_and_alarm,
        },
        ExampleCheck {
            example: "rtc",
            what: "--rtc 1000000000 is the first time read",
            run: rtc::start_from_the_command_line,
        },
        ExampleCheck {
            example: "watchdog",
            what: "five pets 500 ms apart keep the 1 s watchdog alive; bark 750 ms and bite 1 s after the last pet; run ends as a reset",
            run: watchdog::pets_then_bite,
        },
        ExampleCheck {
            example: "watchdog",
            what: "--reset-reason watchdog: the next boot reports the watchdog reset and powers off",
            run: watchdog::next_boot_knows_the_watchdog_reset_it,
        },
        ExampleCheck {
            example: "uart_config",
            what: "apply_config changes the line rate (9600 8E1 takes 64x11/9600 s), 921600 refused, free() then new() loses nothing",
            run: uart_config::settings_change_line_rate,
        },
        ExampleCheck {
            example: "i2c_eeprom",
            what: "page write, acknowledge polling through the 5 ms write cycle, write_read back equal; absent device NACKs its address",
            run: i2c::page_round_trip,
        },
        ExampleCheck {
            example: "i2c_eeprom",
            what: "injected address NACK: NoAcknowledge(Address) within 1 ms",
            run: i2c::address_nack,
        },
        ExampleCheck {
            example: "i2c_eeprom",
            what: "injected NACK at data byte 5: NoAcknowledge(Data) within 1 ms, bus usable after",
            run: i2c::data_nack,
        },
        ExampleCheck {
            example: "i2c_eeprom",
            what: "SDA held low: bus clear recovers; held for good: bus-stuck error within 5 ms",
            run: i2c::sda_held_low,
        },
        ExampleCheck {
            example: "i2c_eeprom",
            what: "SCL stretched for good: timeout within the driver's bound, bus usable after",
            run: i2c::clock_stretch_timeout,
        },
        ExampleCheck {
            example: "i2c_eeprom",
            what: "arbitration lost: ArbitrationLoss, bus usable after",
            run: i2c::arbitration_loss,
        },
        ExampleCheck {
            example: "spi_flash",
            what: "JEDEC ID of the model, 45 ms sector erase and 0.7 ms page program by WIP polling, read back equal, bus timing from the set clock (10 MHz, 1 MHz mode 3); core clock off: timeout within 1 ms, bus usable after",
            run: spi::flash_round_trip,
        },
        ExampleCheck {
            example: "spi_flash",
            what: "--spi 0:nor,id=0xc22015: that ID printed, round trip still equal",
            run: spi::other_jedec_id,
        },
        ExampleCheck {
            example: "spi_flash",
            what: "no device: JEDEC ID ff ff ff reported as no flash; clock-off timeout still bounded",
            run: spi::no_flash,
        },
        ExampleCheck {
            example: "gic_conformance",
            what: "GICv2 conformance: every documented item prints ok",
            run: gic::every_item_ok,
        },
        ExampleCheck {
            example: "timer_interrupt",
            what: "alarm interrupt every 100 ms exactly (LED1 trace), counts printed, CPU asleep in WFI, bad ID and second alarm refused",
            run: timer_interrupt::periodic_ticks,
        },
        ExampleCheck {
            example: "timer_interrupt",
            what: "entered at EL2: the same exact ticks, counts and sleep at EL1",
            run: timer_interrupt::periodic_ticks_entered_at_el2,
        },
        ExampleCheck {
            example: "button_interrupt",
            what: "press 200..500 ms by interrupt: both edges reported, LED1 follows each within 200 ticks",
            run: button_interrupt::press,
        },
        ExampleCheck {
            example: "button_interrupt",
            what: "never pressed: no interrupt, LED1 off, the alarm ends the run",
            run: button_interrupt::untouched,
        },
        ExampleCheck {
            example: "sgi",
            what: "SGI to itself taken; held off by a critical section and by the priority mask, taken when they end; secure SGI 8 refused; a missing handler reported",
            run: sgi::handled_masked_unhandled,
        },
        ExampleCheck {
            example: "multicore",
            what: "cores 1-3 started by PSCI CPU_ON count to 3000 under critical sections; MPIDR per core; a second start is AlreadyOn; same output and instruction count twice",
            run: multicore::four_cores_deterministic,
        },
    ]
}

/// Checks of xtask's own error handling.
pub fn tool_checks() -> Vec<ToolCheck> {
    vec![
        ToolCheck {
            what: "cargo runner: `cargo run-example hello` runs it; DB410C_RUNNER=board fastboots it",
            run: tools::cargo_runner,
        },
        ToolCheck {
            what: "run and runner exit 101 on a panic, 102 on an exception, 0 for hello",
            run: faults::exit_codes,
        },
        ToolCheck {
            what: "run --debug hello: overflow checks on, own directory, release build untouched",
            run: tools::run_debug,
        },
        ToolCheck {
            what: "new: refuses existing/bad names; a new example builds and runs as documented",
            run: tools::new_example,
        },
        ToolCheck {
            what: "a firmware without entry! gets the board's hint from the linker",
            run: tools::missing_entry_hint,
        },
        ToolCheck {
            what: "unknown example name is a clear error",
            run: tools::unknown_example,
        },
        ToolCheck {
            what: "hello boot image read back by unpack_bootimg",
            run: image::read_back,
        },
        ToolCheck {
            what: "flash drives a fake fastboot; missing fastboot is a clear error",
            run: flash::with_fake_fastboot,
        },
        ToolCheck {
            what: "lava job for hello has the required keys",
            run: lava::job_for_hello,
        },
        ToolCheck {
            what: "size prints the table; hello .text within its budget",
            run: size::table,
        },
        ToolCheck {
            what: "bench: HAL GPIO set-high is the same code as raw PAC (zero_cost)",
            run: crate::bench::check,
        },
        ToolCheck {
            what: "bench: CPU speed guests run their exact instruction counts (MMU off and on)",
            run: crate::bench::cpu_speed::check,
        },
        ToolCheck {
            what: "Debian's U-Boot 2023.01 boots to its prompt; scripted session; deterministic",
            run: uboot::session,
        },
    ]
}
