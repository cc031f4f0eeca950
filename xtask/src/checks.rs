//! What each example must do on the virtual board, checked by `cargo xtask test`.
//!
//! Each check runs the unmodified example ELF on the virtual board (`db410c-emu`) and asserts on
//! what the firmware printed (stdout = the console UART) and what the board observed (stderr:
//! `emu: ` lines, e.g. GPIO transitions with their virtual time, the PS_HOLD reset).

use anyhow::{Context, Result, ensure};
use regex::Regex;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Generic timer ticks per second on this SoC (19.2 MHz XO).
pub const TICKS_PER_SECOND: u64 = 19_200_000;

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
    fn context(&self) -> String {
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
            run: hello,
        },
        ExampleCheck {
            example: "hello",
            what: "entered at EL2, drops to EL1",
            run: hello_el2,
        },
        ExampleCheck {
            example: "hello",
            what: "boots from its boot image like the stock bootloader starts it",
            run: hello_boot_image,
        },
        ExampleCheck {
            example: "hello",
            what: "same run twice gives the same output",
            run: hello_deterministic,
        },
        ExampleCheck {
            example: "blinky",
            what: "LEDs alternate with 100 ms spacing",
            run: blinky,
        },
        ExampleCheck {
            example: "rng",
            what: "prints distinct random words per seed",
            run: rng,
        },
        ExampleCheck {
            example: "panic",
            what: "prints the panic report and resets",
            run: panic,
        },
        ExampleCheck {
            example: "exception",
            what: "prints the exception report and resets",
            run: exception,
        },
        ExampleCheck {
            example: "defmt_hello",
            what: "flash --monitor decodes a board's console (captured here from a run)",
            run: flash_monitor,
        },
        ExampleCheck {
            example: "defmt_hello",
            what: "defmt frames decode with level, location, timestamp",
            run: defmt_hello,
        },
        ExampleCheck {
            example: "defmt_hello",
            what: "a damaged defmt frame is reported, the rest decodes",
            run: defmt_hello_corrupted,
        },
        ExampleCheck {
            example: "echo",
            what: "echoes lines; CR LF is one line end; `quit` ends",
            run: echo_lines,
        },
        ExampleCheck {
            example: "echo",
            what: "framing error reported, no byte before or after it lost",
            run: echo_framing_error,
        },
        ExampleCheck {
            example: "echo",
            what: "overrun reported, the 64 FIFO bytes kept, later lines echo",
            run: echo_overrun,
        },
        ExampleCheck {
            example: "echo",
            what: "overrun and framing pending together: both reported, no byte lost",
            run: echo_overrun_and_framing,
        },
        ExampleCheck {
            example: "echo",
            what: "no input: gives up after 500 ms of silence, within 1 s",
            run: echo_idle_timeout,
        },
        ExampleCheck {
            example: "button",
            what: "press 200..500 ms reported and mirrored on LED1 within one poll",
            run: button_press,
        },
        ExampleCheck {
            example: "button",
            what: "never pressed: pull-up holds it released, LED1 stays off",
            run: button_untouched,
        },
        ExampleCheck {
            example: "button",
            what: "held from power-on: pressed at the first poll, LED1 lit 1 s",
            run: button_held_from_start,
        },
    ]
}

/// Checks of xtask's own error handling.
pub fn tool_checks() -> Vec<ToolCheck> {
    vec![
        ToolCheck {
            what: "cargo runner: `cargo run-example hello` runs it; DB410C_RUNNER=board fastboots it",
            run: cargo_runner,
        },
        ToolCheck {
            what: "unknown example name is a clear error",
            run: unknown_example,
        },
        ToolCheck {
            what: "hello boot image read back by unpack_bootimg",
            run: boot_image_read_back,
        },
        ToolCheck {
            what: "flash drives a fake fastboot; missing fastboot is a clear error",
            run: flash_with_fake_fastboot,
        },
        ToolCheck {
            what: "lava job for hello has the required keys",
            run: lava_job_for_hello,
        },
        ToolCheck {
            what: "size prints the table; hello .text within its budget",
            run: size_table,
        },
        ToolCheck {
            what: "bench: HAL GPIO set-high is the same code as raw PAC (zero_cost)",
            run: crate::bench::check,
        },
        ToolCheck {
            what: "Debian's U-Boot 2023.01 boots to its prompt; scripted session; deterministic",
            run: uboot_session,
        },
    ]
}

fn hello(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--stats"])?;
    run.console_has(r"Hello from the DragonBoard 410c!")?;
    run.console_has(r"chip: Qualcomm APQ8016E")?;
    run.console_has(r"running at EL1")?;
    run.console_has(r"generic timer: 19200000 Hz")?;
    run.board_has(r"emu: stats: instructions=\d+ first-console-byte-at=\d+")?;
    run.ended_by_reset()
}

/// What `cargo xtask flash hello` sends to the board: the boot image (gzip'd Image + DTB in an
/// Android v0 container), loaded the way LK does it (kernel at 0x8008_0000, x0 = DTB).
fn hello_boot_image(runner: &Runner) -> Result<()> {
    let image = runner.elf.with_extension("boot.img");
    let name = runner
        .elf
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("hello");
    let kernel = crate::image::kernel_section(runner.elf)?;
    std::fs::write(&image, crate::image::boot_image(&kernel, name)?)?;
    let run = run_process(Command::new(runner.emu).arg(&image).arg("--stats"))?;
    run.console_has(r"Hello from the DragonBoard 410c!")?;
    run.console_has(r"running at EL1")?;
    run.ended_by_reset()
}

fn hello_el2(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--entry-el", "2"])?;
    run.console_has(r"running at EL1")?;
    run.ended_by_reset()
}

fn hello_deterministic(runner: &Runner) -> Result<()> {
    let first = runner.run(&["--stats", "--trace", "gpio"])?;
    let second = runner.run(&["--stats", "--trace", "gpio"])?;
    ensure!(
        first.stdout == second.stdout,
        "console output differs between two runs"
    );
    ensure!(
        first.stderr == second.stderr,
        "board report differs between two runs"
    );
    Ok(())
}

/// LED1 is GPIO 21 and LED2 GPIO 120 on the DragonBoard 410c.
const LED1: u32 = 21;
const LED2: u32 = 120;
/// blinky toggles every 100 ms.
const BLINK_PERIOD_TICKS: u64 = TICKS_PER_SECOND / 10;

fn blinky(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--trace", "gpio"])?;
    run.ended_by_reset()?;
    let trace = run.gpio_trace();
    let led1: Vec<_> = trace.iter().filter(|(_, pin, _)| *pin == LED1).collect();
    let led2: Vec<_> = trace.iter().filter(|(_, pin, _)| *pin == LED2).collect();
    ensure!(
        led1.len() >= 6 && led2.len() >= 6,
        "too few LED transitions: {trace:?}"
    );
    // Consecutive LED1 changes alternate high/low and are one blink period apart (2 %).
    for pair in led1.windows(2) {
        ensure!(pair[0].2 != pair[1].2, "LED1 did not alternate: {pair:?}");
    }
    let driven: Vec<_> = led1
        .iter()
        .filter(|(_, _, level)| level != "input")
        .collect();
    for pair in driven.windows(2).skip(1) {
        let spacing = pair[1].0 - pair[0].0;
        let error = spacing.abs_diff(BLINK_PERIOD_TICKS);
        ensure!(
            error * 50 <= BLINK_PERIOD_TICKS,
            "LED1 changes {spacing} ticks apart, expected {BLINK_PERIOD_TICKS} +- 2 %: {pair:?}"
        );
    }
    // The LEDs alternate: whenever LED1 goes high LED2 is (or goes) low within the same step.
    let mut led2_level = "low".to_owned();
    let mut checked = 0;
    for (ticks, pin, level) in &trace {
        if *pin == LED2 {
            led2_level = level.clone();
        } else if *pin == LED1 && level == "high" && checked > 0 {
            let next_led2 = trace.iter().find(|(t, p, _)| *p == LED2 && t >= ticks);
            let after = next_led2.filter(|(t, _, _)| t - ticks < BLINK_PERIOD_TICKS / 10);
            let level2 = after
                .map(|(_, _, l)| l.clone())
                .unwrap_or(led2_level.clone());
            ensure!(
                level2 == "low",
                "LED1 and LED2 on together at t={ticks}: {trace:?}"
            );
        }
        if *pin == LED1 {
            checked += 1;
        }
    }
    Ok(())
}

fn rng(runner: &Runner) -> Result<()> {
    let words = |run: &Run| -> Vec<String> {
        let re = Regex::new(r"(?m)0x([0-9a-f]{8})\b").expect("valid");
        re.captures_iter(&run.stdout)
            .map(|c| c[1].to_owned())
            .collect()
    };
    let first = runner.run(&["--seed", "1"])?;
    first.ended_by_reset()?;
    let w1 = words(&first);
    ensure!(
        w1.len() >= 8,
        "expected at least 8 random words{}",
        first.context()
    );
    let mut unique = w1.clone();
    unique.sort();
    unique.dedup();
    ensure!(unique.len() == w1.len(), "random words repeat: {w1:?}");
    ensure!(
        !w1.iter().any(|w| w == "00000000"),
        "a random word is zero: {w1:?}"
    );
    let again = runner.run(&["--seed", "1"])?;
    ensure!(words(&again) == w1, "same seed gave different words");
    let other = runner.run(&["--seed", "2"])?;
    ensure!(words(&other) != w1, "a different seed gave the same words");
    Ok(())
}

fn panic(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.console_has(r"panicked at examples/panic\.rs:\d+:\d+")?;
    run.ended_by_reset()
}

fn exception(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.console_has(r"(?i)undefined instruction|brk")?;
    run.console_has(r"ESR[^\n]*0x[0-9a-f]+")?;
    run.console_has(r"ELR[^\n]*0x[0-9a-f]+")?;
    run.ended_by_reset()
}

fn unknown_example(root: &Path) -> Result<()> {
    let error = crate::build::check_example_name(root, "no-such-example")
        .err()
        .context("an unknown example name was accepted")?;
    let message = format!("{error:#}");
    ensure!(
        message.contains("no-such-example"),
        "message does not name the example: {message}"
    );
    ensure!(
        message.contains("hello"),
        "message does not list the known examples: {message}"
    );
    Ok(())
}

// ---- Checks of `cargo xtask image`, `flash`, `lava`, `size` (boot-image engineer). ----

/// The `key: value` lines `unpack_bootimg` prints about a boot image.
fn unpack_bootimg_fields(stdout: &str) -> std::collections::HashMap<String, String> {
    stdout
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

/// Builds hello's boot image and has an independent reader (AOSP's `unpack_bootimg`) parse it:
/// header fields, and the kernel section is gzip(the ELF's flat binary, starting with the arm64
/// Image header) followed by our device tree.
fn boot_image_read_back(root: &Path) -> Result<()> {
    use crate::image;
    let reader = image::ensure_boot_image_reader()?;
    let scratch = tempfile::tempdir()?;
    let img = scratch.path().join("hello.boot.img");
    image::build_image(
        root,
        "hello",
        Some(&img),
        &crate::progress::Progress::quiet(),
    )?;
    let out = scratch.path().join("unpacked");
    let output = Command::new(&reader)
        .arg("--boot_img")
        .arg(&img)
        .arg("--out")
        .arg(&out)
        .output()
        .with_context(|| format!("cannot run {}", reader.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "unpack_bootimg failed: {}{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    let fields = unpack_bootimg_fields(&stdout);
    let kernel = std::fs::read(out.join("kernel")).context("unpack_bootimg wrote no kernel")?;
    let expect = |key: &str, value: String| -> Result<()> {
        let got = fields
            .get(key)
            .with_context(|| format!("unpack_bootimg did not print `{key}`:\n{stdout}"))?;
        ensure!(
            *got == value,
            "unpack_bootimg: {key} is `{got}`, expected `{value}`"
        );
        Ok(())
    };
    expect("boot_magic", "ANDROID!".into())?;
    expect("kernel_size", kernel.len().to_string())?;
    expect("kernel load address", "0x80008000".into())?;
    expect("ramdisk size", "0".into())?;
    expect("second bootloader size", "0".into())?;
    expect("kernel tags load address", "0x81e00000".into())?;
    expect("page size", "2048".into())?;
    expect("boot image header version", "0".into())?;
    expect("product name", "hello".into())?;
    expect("command line args", String::new())?;

    let elf = crate::build::examples(root, &["hello".to_owned()])?.remove(0);
    let flat = image::flat_binary(&elf)?;
    let mut rest: &[u8] = &kernel;
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::bufread::GzDecoder::new(&mut rest),
        &mut unzipped,
    )
    .context("the unpacked kernel is not gzip data")?;
    image::arm64_header(&unzipped, "unpacked kernel")?;
    ensure!(
        unzipped == flat,
        "the unpacked kernel differs from hello's flat binary"
    );
    ensure!(
        rest == image::device_tree()?.as_slice(),
        "the bytes after the gzip member are not our device tree"
    );
    Ok(())
}

/// Runs this xtask binary (a fresh process, so exit codes and messages are checked as a user
/// sees them) with the given PATH and no FASTBOOT.
fn xtask(root: &Path, args: &[&str], path: &std::ffi::OsStr) -> Result<Run> {
    let me = std::env::current_exe().context("cannot find the xtask executable")?;
    run_process(
        Command::new(me)
            .current_dir(root)
            .args(args)
            .env("PATH", path)
            .env_remove("FASTBOOT"),
    )
}

fn flash_with_fake_fastboot(root: &Path) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let log = scratch.path().join("log");
    let fake_dir = scratch.path().join("bin");
    std::fs::create_dir(&fake_dir)?;
    crate::flash::write_fake_fastboot(&fake_dir, &log, "0123abcd\\tfastboot\\n", None)?;
    let original = std::env::var_os("PATH").unwrap_or_default();
    let without_fastboot: Vec<_> = std::env::split_paths(&original)
        .filter(|dir| !dir.join("fastboot").exists())
        .collect();
    let with_fake = std::env::join_paths(
        std::iter::once(fake_dir.clone()).chain(without_fastboot.iter().cloned()),
    )?;
    let image = crate::image::default_output(root, "hello");
    let take_log = || -> String {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        text
    };

    let run = xtask(root, &["flash", "hello"], &with_fake)?;
    ensure!(
        run.code == Some(0),
        "`xtask flash hello` failed{}",
        run.context()
    );
    let recorded = take_log();
    ensure!(
        recorded == format!("devices\nboot {}\n", image.display()),
        "fastboot saw:\n{recorded}"
    );

    let run = xtask(root, &["flash", "hello", "--persist"], &with_fake)?;
    ensure!(
        run.code == Some(0),
        "`xtask flash hello --persist` failed{}",
        run.context()
    );
    let recorded = take_log();
    ensure!(
        recorded == format!("devices\nflash boot {}\nreboot\n", image.display()),
        "fastboot saw:\n{recorded}"
    );

    let run = xtask(
        root,
        &["flash", "hello", "--persist", "--dry-run"],
        &with_fake,
    )?;
    ensure!(
        run.code == Some(0),
        "`xtask flash --dry-run` failed{}",
        run.context()
    );
    ensure!(take_log().is_empty(), "--dry-run ran fastboot");
    ensure!(
        run.stdout
            .contains(&format!("flash boot {}", image.display()))
            && run.stdout.contains("reboot"),
        "--dry-run did not print the commands{}",
        run.context()
    );

    crate::flash::write_fake_fastboot(&fake_dir, &log, "", None)?;
    let run = xtask(root, &["flash", "hello"], &with_fake)?;
    ensure!(
        run.code != Some(0),
        "no device, yet `xtask flash` succeeded{}",
        run.context()
    );
    run.board_has("no device in fastboot mode")?;

    let run = xtask(
        root,
        &["flash", "hello"],
        &std::env::join_paths(&without_fastboot)?,
    )?;
    ensure!(
        run.code != Some(0),
        "no fastboot, yet `xtask flash` succeeded{}",
        run.context()
    );
    run.board_has(r"apt-get install fastboot")?;
    Ok(())
}

fn lava_job_for_hello(root: &Path) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let out = scratch.path().join("hello.yaml");
    crate::lava::run(
        root,
        "hello",
        Some(&out),
        None,
        &crate::progress::Progress::quiet(),
    )?;
    let yaml = std::fs::read_to_string(&out)?;
    crate::lava::check_job(&yaml, "hello")?;
    let image = crate::image::default_output(root, "hello").canonicalize()?;
    ensure!(
        yaml.contains(&format!("file://{}", image.display())),
        "the job does not point at the image:\n{yaml}"
    );
    Ok(())
}

/// Code-size budget for `hello` (`.init` + `.text`, release). The goal is 8 KiB; today it is
/// about 16 KiB (2 KiB exception vectors, ~4 KiB core::fmt, drivers, runtime), so this budget
/// catches regressions while the goal is worked towards. Lower it as the code shrinks.
const HELLO_TEXT_BUDGET: u64 = 16 * 1024 + 512;

fn size_table(root: &Path) -> Result<()> {
    let run = xtask(
        root,
        &["size"],
        &std::env::var_os("PATH").unwrap_or_default(),
    )?;
    ensure!(run.code == Some(0), "`xtask size` failed{}", run.context());
    let mut lines = run.stdout.lines();
    let header = lines.next().unwrap_or_default();
    ensure!(
        Regex::new(r"^example\s+\.text\s+\.rodata\s+\.data\s+\.bss$")?.is_match(header),
        "bad table header: {header:?}"
    );
    let row = Regex::new(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$")?;
    let mut names = Vec::new();
    let mut hello_text = None;
    for line in lines {
        let caps = row
            .captures(line)
            .with_context(|| format!("bad table row: {line:?}"))?;
        if &caps[1] == "hello" {
            hello_text = Some(caps[2].parse::<u64>()?);
        }
        names.push(caps[1].to_owned());
    }
    ensure!(
        names == crate::build::example_names(root)?,
        "table rows {names:?} are not the examples in order"
    );
    let text = hello_text.context("no row for hello")?;
    ensure!(
        text > 0 && text <= HELLO_TEXT_BUDGET,
        "hello's .text is {text} bytes, over its budget of {HELLO_TEXT_BUDGET}"
    );
    Ok(())
}

// ---- defmt logging (defmt_hello): console splitter/decoder checks. ----

// Until `mod defmt_decode;` is declared in main.rs, the decoder is compiled as part of this
use crate::defmt_decode;

/// The decoded defmt lines of defmt_hello, in the order the example logs them.
const DEFMT_HELLO_LINES: [(&str, &str); 4] = [
    ("INFO ", r"defmt_hello: logging over the console UART"),
    (
        "INFO ",
        r"generic timer: 19200000 Hz, 4 cores, sum of \[1, 2, 3, 4\] = 10",
    ),
    (
        "INFO ",
        r"status register 0x000000c8, console ready: (true|false)",
    ),
    ("WARN ", r"about to reset the board through PS_HOLD"),
];

/// Finds the decoded line for `message` at `level`; returns (timestamp in µs, source line).
fn defmt_line(decoded: &str, level: &str, message: &str) -> Result<(u64, usize)> {
    let pattern = format!(
        r"(?m)^(?<secs>\d+)\.(?<micros>\d{{6}}) \[{}\] {message} \(examples/defmt_hello\.rs:(?<line>\d+)\)$",
        regex::escape(level)
    );
    let caps = Regex::new(&pattern)
        .expect("valid regex in a check")
        .captures(decoded)
        .with_context(|| format!("decoded console lacks /{pattern}/:\n{decoded}"))?;
    let micros = caps["secs"].parse::<u64>()? * 1_000_000 + caps["micros"].parse::<u64>()?;
    Ok((micros, caps["line"].parse()?))
}

fn defmt_hello(runner: &Runner) -> Result<()> {
    use defmt_decode::{FRAME_END, FRAME_START};
    let raw = runner.run(&[])?;
    raw.ended_by_reset()?;
    // The messages really travel as defmt frames, not as text.
    ensure!(
        raw.console
            .windows(2)
            .any(|w| w == [FRAME_END, FRAME_START]),
        "no defmt frame start on the console{}",
        raw.context()
    );
    ensure!(
        !raw.stdout.contains("logging over the console UART"),
        "a defmt message appears as plain text{}",
        raw.context()
    );
    let decoded = defmt_decode::decode_console(runner.elf, &raw.console)?;
    ensure!(
        !decoded.contains("[defmt: corrupted frame"),
        "a frame did not decode:\n{decoded}"
    );
    ensure!(
        decoded.contains("plain text from the console driver\r\n"),
        "the plain-text line is missing or damaged:\n{decoded}"
    );
    // Compiled out by DEFMT_LOG=info.
    ensure!(
        !decoded.contains("[DEBUG]") && !decoded.contains("board taken"),
        "the debug message was not filtered out:\n{decoded}"
    );
    let source =
        std::fs::read_to_string(crate::process::workspace_root()?.join("examples/defmt_hello.rs"))?;
    let source_lines: Vec<&str> = source.lines().collect();
    let mut previous_micros = 0;
    for (level, message) in DEFMT_HELLO_LINES {
        let (micros, line) = defmt_line(&decoded, level, message)?;
        ensure!(
            micros >= previous_micros,
            "timestamps go backwards at `{message}`:\n{decoded}"
        );
        previous_micros = micros;
        // The location points at the logging macro.
        let macro_name = if level == "WARN " { "warn!(" } else { "info!(" };
        let text = line
            .checked_sub(1)
            .and_then(|i| source_lines.get(i))
            .copied()
            .unwrap_or_default();
        ensure!(
            text.contains(macro_name),
            "`{message}` is located at examples/defmt_hello.rs:{line}, which reads {text:?}"
        );
    }
    let first = decoded.find("logging over the console UART");
    let text = decoded.find("plain text from the console driver");
    let second = decoded.find("generic timer:");
    ensure!(
        first < text && text < second,
        "text and defmt lines are out of order:\n{decoded}"
    );
    Ok(())
}

/// Byte ranges of the defmt frames in raw console output: from the 0xFF to the closing 0x00.
fn frame_ranges(console: &[u8]) -> Vec<std::ops::Range<usize>> {
    use defmt_decode::{FRAME_END, FRAME_START};
    let mut ranges = Vec::new();
    let mut at = 0;
    while let Some(offset) = console[at..]
        .windows(2)
        .position(|w| w == [FRAME_END, FRAME_START])
    {
        let start = at + offset + 1;
        let Some(len) = console[start..].iter().position(|&b| b == FRAME_END) else {
            break;
        };
        ranges.push(start..start + len + 1);
        at = start + len;
    }
    ranges
}

fn defmt_hello_corrupted(runner: &Runner) -> Result<()> {
    let raw = runner.run(&[])?;
    raw.ended_by_reset()?;
    let frames = frame_ranges(&raw.console);
    ensure!(
        frames.len() == DEFMT_HELLO_LINES.len(),
        "expected {} defmt frames, found {}{}",
        DEFMT_HELLO_LINES.len(),
        frames.len(),
        raw.context()
    );
    // Damage the second message (generic timer) two ways: a changed byte in the middle, and a
    // byte turned into 0x00 (which splits the frame in two).
    let victim = frames[1].clone();
    let middle = victim.start + victim.len() / 2;
    let reports = Regex::new(r"(?m)^\[defmt: corrupted frame: [^\n]+, \d+ bytes skipped\]$")?;
    for (how, value) in [
        ("flipped bit", raw.console[middle] ^ 0x04),
        ("byte set to 0x00", 0x00),
    ] {
        let mut bytes = raw.console.clone();
        bytes[middle] = value;
        let decoded = defmt_decode::decode_console(runner.elf, &bytes)?;
        ensure!(
            reports.find_iter(&decoded).count() == 1,
            "{how}: the damaged frame was not reported exactly once:\n{decoded}"
        );
        ensure!(
            !decoded.contains("generic timer"),
            "{how}: the damaged frame was decoded anyway:\n{decoded}"
        );
        for (level, message) in DEFMT_HELLO_LINES
            .iter()
            .filter(|(_, m)| !m.starts_with("generic timer"))
        {
            defmt_line(&decoded, level, message).context(how)?;
        }
        ensure!(
            decoded.contains("plain text from the console driver\r\n"),
            "{how}: the plain text was damaged:\n{decoded}"
        );
    }
    Ok(())
}

/// The scripted U-Boot session: typed at the prompt, answers asserted.
/// `\w{N}` lets the line stay idle while U-Boot prints a long answer: like a person typing,
/// the script waits, so U-Boot's 64-byte receive FIFO never overflows.
const UBOOT_SESSION: &str = concat!(
    r"\rversion\r\w{2000000}gpio status -a\r\w{12000000}",
    r"gpio set 21\r\w{2000000}gpio clear 21\r\w{2000000}",
    r"led list\r\w{2000000}led green:user3 on\r\w{2000000}led list\r\w{2000000}",
    r"led green:user3 off\r\w{2000000}reset\r",
);

/// Debian's U-Boot boots to its prompt on the virtual board, and a scripted session works:
/// `version`, `gpio set/clear 21` (the model's LED1 pad follows), `led list`, and `reset`
/// ends the run through PSCI SYSTEM_RESET -> PS_HOLD. The same boot twice is identical.
fn uboot_session(root: &Path) -> Result<()> {
    let image = crate::uboot::bootable_image(root)?;
    let emu = crate::build::virtual_board(root)?;
    let args = [
        "--trace",
        "gpio",
        "--max-instructions",
        "2000000000",
        "--input-str",
        UBOOT_SESSION,
    ];
    let run = run_process(Command::new(&emu).arg(&image).args(args))?;
    run.console_has(r"U-Boot 2023\.01")?;
    run.console_has(r"Qualcomm-DragonBoard 410C")?;
    run.console_has(r"DRAM:  1 GiB")?;
    run.console_has(r"dragonboard410c => version\r?\nU-Boot 2023\.01")?;
    run.console_has(r"gpio set 21\r?\ngpio: pin 21 \(gpio 21\) value is 1")?;
    run.console_has(r"gpio clear 21\r?\ngpio: pin 21 \(gpio 21\) value is 0")?;
    run.console_has(r"gpio status -a\r?\nBank soc:\r?\nsoc0: input: 0 \[ \]")?;
    run.console_has(r"soc121: ")?;
    run.console_has(r"led list\r?\ngreen:user1 +<inactive>\r?\ngreen:user2 +<inactive>\r?\ngreen:user3 +<inactive>")?;
    run.console_has(
        r"led list\r?\ngreen:user1 +<inactive>\r?\ngreen:user2 +<inactive>\r?\ngreen:user3 +on",
    )?;
    // LED3 is driven by the PM8916's GPIO1 behind the SPMI arbiter.
    run.board_has(r"(?s)emu: t=\d+ pm8916-gpio1 high\n.*emu: t=\d+ pm8916-gpio1 low\n")?;
    run.console_has(r"dragonboard410c => reset")?;
    let led1: Vec<String> = run
        .gpio_trace()
        .into_iter()
        .filter(|(_, pin, _)| *pin == LED1)
        .map(|(_, _, level)| level)
        .collect();
    ensure!(
        led1.ends_with(&["high".to_owned(), "low".to_owned()]),
        "LED1 (GPIO 21) did not follow `gpio set`/`gpio clear`: {led1:?}{}",
        run.context()
    );
    run.ended_by_reset()?;
    let again = run_process(Command::new(&emu).arg(&image).args(args))?;
    ensure!(
        again.stdout == run.stdout && again.stderr == run.stderr,
        "two boots of U-Boot with the same input differ"
    );
    Ok(())
}

// ---- Input paths: console receive (echo) and GPIO input (button). ----

/// echo's prompt line; everything after it is what the session printed.
const ECHO_PROMPT: &str = "echo: type lines; `quit` or 500 ms of silence ends\r\n";
/// echo does not read for 50 ms after its prompt (the overrun demonstration).
const ECHO_PAUSE_TICKS: u64 = TICKS_PER_SECOND / 20;

/// `\w{N}` for echo's input: the line stays idle for `ticks`.
fn idle_for(ticks: u64) -> String {
    format!(r"\w{{{ticks}}}")
}

/// Asserts that what echo printed after its prompt is exactly `pattern` (a regex).
fn echo_session_is(run: &Run, pattern: &str) -> Result<()> {
    let at = run
        .stdout
        .find(ECHO_PROMPT)
        .with_context(|| format!("echo did not print its prompt{}", run.context()))?;
    let session = &run.stdout[at + ECHO_PROMPT.len()..];
    let re = Regex::new(&format!("^{pattern}$")).expect("valid regex in a check");
    ensure!(
        re.is_match(session),
        "echo's output after the prompt is not /^{pattern}$/: {session:?}{}",
        run.context()
    );
    Ok(())
}

/// Lines come back one by one; CR LF counts as one line end; `quit` ends the session.
fn echo_lines(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--input-str", r"hello\rworld\r\nquit\r"])?;
    run.ended_by_reset()?;
    echo_session_is(&run, r"echo: hello\r\necho: world\r\nbye\r\n")
}

/// A character with a framing error: the error is reported once, and neither the characters
/// received before it nor the ones after it are lost; the session goes on. Three ways: the
/// whole line (with the error flag set) waits in the FIFO when echo starts reading; the line
/// arrives while echo reads; the parity-error escape, which with parity off can only be
/// reported as a framing error.
fn echo_framing_error(runner: &Runner) -> Result<()> {
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
fn echo_overrun(runner: &Runner) -> Result<()> {
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
fn echo_overrun_and_framing(runner: &Runner) -> Result<()> {
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
fn echo_idle_timeout(runner: &Runner) -> Result<()> {
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

/// The volume-up button (active low) and button's polling period.
const VOLUME_UP: u32 = 107;
const BUTTON_POLL_TICKS: u64 = TICKS_PER_SECOND / 1000;

/// Whether `ticks` is at or after `event` and at most one polling period (+5 % for the loop
/// itself) later.
fn within_one_poll(ticks: u64, event: u64) -> bool {
    ticks >= event && ticks - event <= BUTTON_POLL_TICKS + BUTTON_POLL_TICKS / 20
}

/// LED1's changes after `Board::take` switched it off (which must be its first trace line).
fn led1_changes(run: &Run) -> Result<Vec<(u64, String)>> {
    let led1: Vec<(u64, String)> = run
        .gpio_trace()
        .into_iter()
        .filter(|(_, pin, _)| *pin == LED1)
        .map(|(ticks, _, level)| (ticks, level))
        .collect();
    ensure!(
        led1.first().is_some_and(|(_, level)| level == "low"),
        "LED1 was not first switched off{}",
        run.context()
    );
    Ok(led1[1..].to_vec())
}

/// button's `pressed at N ms` / `released at N ms` lines, in order.
fn button_reports(run: &Run) -> Vec<(String, u64)> {
    let re = Regex::new(r"(?m)^(pressed|released) at (\d+) ms\r$").expect("valid");
    re.captures_iter(&run.stdout)
        .map(|c| (c[1].to_owned(), c[2].parse().unwrap_or(u64::MAX)))
        .collect()
}

/// Pressed from 200 ms to 500 ms: reported with those times, LED1 lit in between, each
/// change within one polling period of the button's.
fn button_press(runner: &Runner) -> Result<()> {
    let (press, release) = (TICKS_PER_SECOND / 5, TICKS_PER_SECOND / 2);
    let ms = |ticks: u64| ticks * 1000 / TICKS_PER_SECOND;
    let run = runner.run(&[
        "--press",
        &format!("{VOLUME_UP}@{press}:{release}"),
        "--trace",
        "gpio",
    ])?;
    run.ended_by_reset()?;
    run.console_has(r"(?m)^done\r$")?;
    let reports = button_reports(&run);
    ensure!(
        matches!(reports.as_slice(),
            [(p, p_ms), (r, r_ms)] if p == "pressed" && r == "released"
                && (ms(press)..=ms(press) + 1).contains(p_ms)
                && (ms(release)..=ms(release) + 1).contains(r_ms)),
        "expected `pressed at {} ms` and `released at {} ms` (+1), got {reports:?}{}",
        ms(press),
        ms(release),
        run.context()
    );
    let led1 = led1_changes(&run)?;
    ensure!(
        matches!(led1.as_slice(),
            [(on, high), (off, low)] if high == "high" && low == "low"
                && within_one_poll(*on, press) && within_one_poll(*off, release)),
        "LED1 should go high within one poll of t={press} and low within one poll of \
         t={release}; it changed {led1:?}{}",
        run.context()
    );
    Ok(())
}

/// Never pressed: the pull-up keeps the pad high, so nothing is reported and LED1 stays off.
fn button_untouched(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--trace", "gpio"])?;
    run.ended_by_reset()?;
    run.console_has(r"(?m)^done\r$")?;
    let reports = button_reports(&run);
    ensure!(
        reports.is_empty(),
        "reports without a press: {reports:?}{}",
        run.context()
    );
    let led1 = led1_changes(&run)?;
    ensure!(
        led1.is_empty(),
        "LED1 changed without a press: {led1:?}{}",
        run.context()
    );
    Ok(())
}

/// Held from power-on: reported at the first poll, LED1 lit until the end of the 1 s run.
fn button_held_from_start(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--press", &format!("{VOLUME_UP}@0"), "--trace", "gpio"])?;
    run.ended_by_reset()?;
    run.console_has(r"(?m)^done\r$")?;
    let reports = button_reports(&run);
    ensure!(
        matches!(reports.as_slice(), [(p, p_ms)] if p == "pressed" && *p_ms < 10),
        "expected one `pressed` within 10 ms, got {reports:?}{}",
        run.context()
    );
    let led1 = led1_changes(&run)?;
    ensure!(
        matches!(led1.as_slice(),
            [(on, high), (off, low)] if high == "high" && low == "low"
                && off - on >= TICKS_PER_SECOND - BUTTON_POLL_TICKS
                && off - on <= TICKS_PER_SECOND + TICKS_PER_SECOND / 20),
        "LED1 should be lit for the 1 s run, then switched off; it changed {led1:?}{}",
        run.context()
    );
    Ok(())
}

/// The cargo runner in `.cargo/config.toml`: `cargo run-example hello` builds and runs the
/// firmware on the virtual board; with `DB410C_RUNNER=board` it `fastboot boot`s the boot
/// image instead (here with a fake fastboot that records its arguments).
fn cargo_runner(root: &Path) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let run = run_process(
        Command::new(&cargo)
            .current_dir(root)
            .args(["run-example", "hello"])
            .env_remove("DB410C_RUNNER"),
    )?;
    run.console_has(r"Hello from the DragonBoard 410c!")?;
    run.ended_by_reset()?;

    let scratch = tempfile::tempdir()?;
    let log = scratch.path().join("fastboot.log");
    let fake = scratch.path().join("fastboot");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n", log.display()),
    )?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755))?;
    }
    let run = run_process(
        Command::new(&cargo)
            .current_dir(root)
            .args(["run-example", "hello"])
            .env("DB410C_RUNNER", "board")
            .env("FASTBOOT", &fake),
    )?;
    run.exit_code_is(0)?;
    let recorded = std::fs::read_to_string(&log).context("the fake fastboot was not called")?;
    ensure!(
        recorded.trim_end().starts_with("boot ") && recorded.trim_end().ends_with("hello.boot.img"),
        "unexpected fastboot call: {recorded:?}"
    );
    Ok(())
}

/// `cargo xtask flash defmt_hello --monitor PORT` with a fake fastboot: the "port" is a file
/// holding the console bytes the virtual board captured, so the monitor decodes exactly what
/// a board would send (plain text and defmt frames) and ends at its end.
fn flash_monitor(runner: &Runner) -> Result<()> {
    let root = crate::process::workspace_root()?;
    let capture = runner.run(&[])?;
    capture.ended_by_reset()?;
    let scratch = tempfile::tempdir()?;
    let port = scratch.path().join("console.bin");
    std::fs::write(&port, &capture.console)?;
    let log = scratch.path().join("log");
    let fake_dir = scratch.path().join("bin");
    std::fs::create_dir(&fake_dir)?;
    crate::flash::write_fake_fastboot(&fake_dir, &log, "0123abcd\\tfastboot\\n", None)?;
    let path = std::env::join_paths(std::iter::once(fake_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))?;
    let port_arg = port.to_string_lossy().into_owned();
    let run = xtask(
        &root,
        &["flash", "defmt_hello", "--monitor", &port_arg],
        &path,
    )?;
    run.exit_code_is(0)?;
    run.console_has(
        r"\[INFO \] defmt_hello: logging over the console UART \(examples/defmt_hello\.rs:\d+\)",
    )?;
    run.console_has(r"plain text from the console driver")?;
    run.console_has(r"\[WARN \] about to reset the board through PS_HOLD")?;
    let recorded = std::fs::read_to_string(&log).unwrap_or_default();
    ensure!(
        recorded.contains("boot "),
        "fastboot was not asked to boot: {recorded:?}"
    );
    Ok(())
}
