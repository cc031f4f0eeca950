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

mod async_blinky;
mod blinky;
mod book;
mod bus_async;
mod button;
mod coverage;
mod critical_section_contention;
mod defmt;
mod echo;
mod expect;
mod faults;
mod figures;
mod flash;
mod gdb;
mod gic;
mod gpio_irq;
mod hello;
mod i2c;
mod i2c_scan;
mod i2c_sensor;
mod image;
mod labs;
mod lava;
mod linux;
mod multicore;
mod pmic;
mod power_key;
mod reboot;
mod rng;
mod rtc;
mod sgi;
mod size;
mod spi;
mod throughput;
mod timer_irq;
mod tools;
mod uart_config;
mod uart_irq_echo;
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
    run_process_with_limit(command, RUN_TIMEOUT)
}

/// [`run_process`] with another wall-clock limit (runs that boot an operating system).
pub fn run_process_with_limit(command: &mut Command, limit: Duration) -> Result<Run> {
    let what = format!("{:?}", command.get_program());
    let output = crate::process::run_with_limit(command, &format!("the run of {what}"), limit)?;
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
            example: "power_key",
            what: "power key and volume down by PMIC interrupt (GIC 222): each edge reported within its millisecond, CPU asleep between, power off",
            run: power_key::presses_by_interrupt,
        },
        ExampleCheck {
            example: "power_key",
            what: "no press: no interrupt; a key held from power-on: only its release is an edge",
            run: power_key::untouched_and_held,
        },
        ExampleCheck {
            example: "rtc_alarm",
            what: "RTC alarm by PMIC interrupt exactly 2 s after setting the time, CPU asleep meanwhile, power off",
            run: power_key::alarm_by_interrupt,
        },
        ExampleCheck {
            example: "watchdog",
            what: "--max-resets 3: bitten, then the next boot in the same run reports the watchdog reset and powers off",
            run: reboot::bite_then_next_boot_in_one_run,
        },
        ExampleCheck {
            example: "pmic_info",
            what: "revision, reasons, RTC; hard reset; --max-resets 1: the next boot sees HARD_RESET and powers off (without it the run ends at the reset)",
            run: reboot::hard_reset_seen_by_the_next_boot,
        },
        ExampleCheck {
            example: "leds",
            what: "LED1, LED2, LED3, LED4 and the BT LED lit 100 ms each in turn through one API",
            run: pmic::leds_in_turn,
        },
        ExampleCheck {
            example: "poweroff",
            what: "PS_HOLD action printed, then power off (not a reset)",
            run: pmic::power_off_not_reset,
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
            example: "spi_flash",
            what: "busy-stuck flash: reported by the bounded WIP wait after 400 ms, the driver crate not called, bus still running",
            run: spi::busy_stuck,
        },
        ExampleCheck {
            example: "spi_flash",
            what: "MISO held low: ID 00 00 00 reported as no flash, nothing written",
            run: spi::miso_low,
        },
        ExampleCheck {
            example: "spi_flash",
            what: "flash not answering (MISO high): ID ff ff ff reported as no flash, nothing written",
            run: spi::miso_high,
        },
        ExampleCheck {
            example: "i2c_throughput",
            what: "256-byte write at 100/400/960 kHz: never under the wire time; at 400 kHz at most 1.10 x",
            run: throughput::i2c_write,
        },
        ExampleCheck {
            example: "spi_throughput",
            what: "4 KiB flash read at 1-50 MHz in BLOCK mode with packing, raw register loop and HAL: never under the wire time; HAL within 1.05 x the raw loop; at 1, 10 and 25 MHz at most 1.10 x (50 MHz: 1.60 x guard), 1, 10 and 25 MHz data runs without idle time",
            run: throughput::spi_read,
        },
        ExampleCheck {
            example: "i2c_scan",
            what: "table of the attached devices on both buses; every other address NoAcknowledge(Address) within wire time + 60 us",
            run: i2c_scan::documented_devices,
        },
        ExampleCheck {
            example: "i2c_scan",
            what: "another set of devices (one refusing its address) gives another table",
            run: i2c_scan::other_devices,
        },
        ExampleCheck {
            example: "i2c_scan",
            what: "SDA stuck on I2C0: scan stops with the bus-stuck error after 3 bus clears; I2C1 still scanned",
            run: i2c_scan::bus_stuck,
        },
        ExampleCheck {
            example: "i2c_sensor",
            what: "lm75 crate reads the LM75 model: readings set with --i2c at their conversions, held in shutdown",
            run: i2c_sensor::documented_readings,
        },
        ExampleCheck {
            example: "i2c_sensor",
            what: "other readings (rounded to 0.5 C, limited to -55 C) are the ones printed",
            run: i2c_sensor::other_readings,
        },
        ExampleCheck {
            example: "i2c_sensor",
            what: "no sensor: the crate returns NoAcknowledge(Address) at every step",
            run: i2c_sensor::no_sensor,
        },
        ExampleCheck {
            example: "gic_conformance",
            what: "GICv2 conformance: every documented item prints ok",
            run: gic::every_item_ok,
        },
        ExampleCheck {
            example: "timer_irq",
            what: "alarm interrupt every 100 ms exactly (LED1 trace), counts printed, CPU asleep in WFI, bad ID and second alarm refused",
            run: timer_irq::periodic_ticks,
        },
        ExampleCheck {
            example: "timer_irq",
            what: "entered at EL2: the same exact ticks, counts and sleep at EL1",
            run: timer_irq::periodic_ticks_entered_at_el2,
        },
        ExampleCheck {
            example: "gpio_irq",
            what: "press 200..500 ms by interrupt: both edges reported, LED1 follows each within 200 ticks",
            run: gpio_irq::press,
        },
        ExampleCheck {
            example: "gpio_irq",
            what: "never pressed: no interrupt, LED1 off, the alarm ends the run",
            run: gpio_irq::untouched,
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
        ExampleCheck {
            example: "hello",
            what: "coverage: one run mapped through DWARF to lcov and HTML; current_el covered, the exception report not",
            run: coverage::hello_report,
        },
        ExampleCheck {
            example: "uart_irq_echo",
            what: "interrupt-driven receive (blocking and async) echoes a 354-character paste at line rate exactly while busy 10 ms per read; polled under the same load reports overrun and loses characters",
            run: uart_irq_echo::nothing_lost,
        },
        ExampleCheck {
            example: "uart_irq_echo",
            what: "framing error reported in its place among the received characters, none lost",
            run: uart_irq_echo::framing_error_in_place,
        },
        ExampleCheck {
            example: "critical_section_contention",
            what: "four cores x 200 slow read-modify-writes: exact under critical_section::with, updates lost with interrupt masking only; same output twice",
            run: critical_section_contention::lock_needed_with_four_cores,
        },
        ExampleCheck {
            example: "interrupt_latency",
            what: "interrupt latency (trace irq + trace-pc): line to handler <= 80 instructions, handler return to interrupted code <= 40, the same for all 8 SGIs",
            run: crate::bench::interrupt_latency::guard,
        },
        ExampleCheck {
            example: "blinky",
            what: "gdb: break at a HAL function, step, registers, a variable, an MMIO watchpoint, run to the exit; same output and instruction count as without GDB",
            run: gdb::blinky_session,
        },
        ExampleCheck {
            example: "multicore",
            what: "gdb: cores as threads, a breakpoint hit on core 1; same output and instruction count as without GDB",
            run: gdb::multicore_threads,
        },
        ExampleCheck {
            example: "bus_async",
            what: "async EEPROM page write and read back, absent address NACK, flash JEDEC ID and read, each transfer ended by its QUP interrupt (SPI: one per chunk), LED 1 toggling meanwhile",
            run: bus_async::round_trip_by_interrupt,
        },
        ExampleCheck {
            example: "bus_async",
            what: "async: injected NACK at data byte 5: NoAcknowledge(Data), bus usable after",
            run: bus_async::data_nack_then_bus_usable,
        },
        ExampleCheck {
            example: "bus_async",
            what: "async: SCL stretched for good: timeout after the message's bound, no hang, bus usable after",
            run: bus_async::clock_stretch_times_out,
        },
        ExampleCheck {
            example: "bus_async",
            what: "async: 10 ms more EEPROM write cycle cost under a quarter of its ticks in instructions (the core sleeps)",
            run: bus_async::sleeps_through_the_write_cycle,
        },
        ExampleCheck {
            example: "async_blinky",
            what: "async tasks: LED1/LED2 toggle exactly every 100/200 ms, button press and typed line reported, core asleep between wake-ups",
            run: async_blinky::tasks_exact_and_asleep,
        },
        ExampleCheck {
            example: "async_blinky",
            what: "async tasks untouched: no button or echo line, the same exact blinking",
            run: async_blinky::untouched,
        },
        ExampleCheck {
            example: "async_wake",
            what: "a task on a sleeping core woken from core 1 by SGI (core 0, WFI) and by SEV (core 2, WFE), within bounds, deterministic",
            run: async_blinky::wake_across_cores,
        },
    ]
}

/// Checks of xtask's own error handling.
pub fn tool_checks() -> Vec<ToolCheck> {
    vec![
        ToolCheck {
            what: "figures: docs/figures/*.svg are fresh; the register browser builds",
            run: figures::fresh_and_browser_builds,
        },
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
            what: "labs: every reference solution passes its lab's check, every untouched start fails naming its unmet criteria; lab list/check",
            run: labs::references_pass_starts_fail,
        },
        ToolCheck {
            what: "book: generated chapters fresh (one per example), listings compiled, README links it",
            run: book::sources,
        },
        ToolCheck {
            what: "book: builds without mdBook warnings; every internal link and anchor resolves",
            run: book::builds_and_links_resolve,
        },
        ToolCheck {
            what: "book: every example chapter's run line prints its documented output",
            run: book::run_lines_print_documented_output,
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
        ToolCheck {
            what: "uboot: Debian's U-Boot reads and writes an SD card in the µSD slot (mmc, ls, load)",
            run: uboot::sd_card,
        },
        ToolCheck {
            what: "linux: Debian's U-Boot boots Debian's kernel from the SD card to a shell on four CPUs; typed commands; poweroff; deterministic",
            run: linux::boots_to_a_shell,
        },
    ]
}
