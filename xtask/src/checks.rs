//! What each example must do on the virtual board, checked by `cargo xtask test`.
//!
//! Each check runs the unmodified example ELF on the virtual board (`db410c-emu`) and asserts on
//! what the firmware printed (stdout = the console UART) and what the board observed (stderr:
//! `emu: ` lines, e.g. GPIO transitions with their virtual time, the PS_HOLD reset).

use anyhow::{Context, Result, bail, ensure};
use regex::Regex;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    pub stdout: String,
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
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    let mut stdout_pipe = child.stdout.take().expect("piped");
    let mut stderr_pipe = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "the run did not finish within {} s and was killed",
                RUN_TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    Ok(Run {
        stdout,
        stderr,
        code: status.code(),
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
            what: "defmt frames decode with level, location, timestamp",
            run: defmt_hello,
        },
        ExampleCheck {
            example: "defmt_hello",
            what: "a damaged defmt frame is reported, the rest decodes",
            run: defmt_hello_corrupted,
        },
    ]
}

/// Checks of xtask's own error handling.
pub fn tool_checks() -> Vec<ToolCheck> {
    vec![
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

/// A run whose console output is kept as raw bytes (defmt frames are binary).
struct RawRun {
    console: Vec<u8>,
    /// The same run with the console as text, for the board-report assertions.
    run: Run,
}

/// Runs the example like [`Runner::run`], keeping the console bytes exactly as sent.
fn run_raw(runner: &Runner, args: &[&str]) -> Result<RawRun> {
    let mut child = Command::new(runner.emu)
        .arg(runner.elf)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", runner.emu.display()))?;
    let mut stdout_pipe = child.stdout.take().expect("piped");
    let mut stderr_pipe = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "the run did not finish within {} s and was killed",
                RUN_TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let console = out.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    Ok(RawRun {
        run: Run {
            stdout: String::from_utf8_lossy(&console).into_owned(),
            stderr,
            code: status.code(),
        },
        console,
    })
}

/// The workspace root (for reading example sources).
fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
}

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
    let raw = run_raw(runner, &[])?;
    raw.run.ended_by_reset()?;
    // The messages really travel as defmt frames, not as text.
    ensure!(
        raw.console
            .windows(2)
            .any(|w| w == [FRAME_END, FRAME_START]),
        "no defmt frame start on the console{}",
        raw.run.context()
    );
    ensure!(
        !raw.run.stdout.contains("logging over the console UART"),
        "a defmt message appears as plain text{}",
        raw.run.context()
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
    let source = std::fs::read_to_string(workspace_root().join("examples/defmt_hello.rs"))?;
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
    let raw = run_raw(runner, &[])?;
    raw.run.ended_by_reset()?;
    let frames = frame_ranges(&raw.console);
    ensure!(
        frames.len() == DEFMT_HELLO_LINES.len(),
        "expected {} defmt frames, found {}{}",
        DEFMT_HELLO_LINES.len(),
        frames.len(),
        raw.run.context()
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
