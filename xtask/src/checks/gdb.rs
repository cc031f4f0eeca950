//! The virtual board's GDB server (`--gdb`, `--gdb-wait`) driven by a real GDB in batch mode
//! (`gdb-multiarch -batch -ex ...`, installed by `prereq::debugger`), asserted on GDB's own
//! output, and on the board's: a debugged run prints the same console output and executes
//! the same number of instructions as an undebugged one.

use super::{Run, Runner};
use anyhow::{Context, Result, bail, ensure};
use regex::Regex;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Host wall-clock limit for one GDB session.
const SESSION_LIMIT: Duration = Duration::from_secs(120);

/// GDB's answers in a session, and the board's run.
struct Session {
    gdb: String,
    board: Run,
}

/// Start the board with `--gdb 0 --gdb-wait --stats`, run GDB in batch mode with `commands`
/// (each an `-ex`) attached to it, and collect both outputs.
fn session(runner: &Runner, commands: &[&str]) -> Result<Session> {
    let gdb = crate::prereq::debugger()?;
    let mut board = Command::new(runner.emu)
        .arg(runner.elf)
        .args(["--gdb", "0", "--gdb-wait", "--stats"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", runner.emu.display()))?;
    let result = attach(runner, &gdb, &mut board, commands);
    if result.is_err() {
        let _ = board.kill();
        let _ = board.wait();
    }
    result
}

fn attach(
    runner: &Runner,
    gdb: &std::path::Path,
    board: &mut Child,
    commands: &[&str],
) -> Result<Session> {
    let mut stderr = BufReader::new(board.stderr.take().context("board stderr")?);
    let mut first = String::new();
    stderr.read_line(&mut first)?;
    let port = Regex::new(r"emu: GDB server listening on 127\.0\.0\.1:(\d+)")
        .expect("valid regex")
        .captures(&first)
        .map(|c| c[1].to_owned())
        .with_context(|| format!("the board did not say where it listens: {first:?}"))?;
    let mut stdout = board.stdout.take().context("board stdout")?;
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut command = Command::new(gdb);
    command
        .args(["-nx", "-batch", "-q"])
        .arg(runner.elf)
        .args(["-ex", "set remotetimeout 30"])
        .args(["-ex", &format!("target remote 127.0.0.1:{port}")]);
    for c in commands {
        command.args(["-ex", c]);
    }
    let output = crate::process::run_with_limit(&mut command, "the GDB session", SESSION_LIMIT)?;
    let gdb_text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = board.try_wait()? {
            break status;
        }
        if start.elapsed() > SESSION_LIMIT {
            bail!("the board did not end after the GDB session:\n{gdb_text}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let console = out_thread.join().unwrap_or_default();
    Ok(Session {
        gdb: gdb_text,
        board: Run {
            stdout: String::from_utf8_lossy(&console).into_owned(),
            console,
            stderr: err_thread.join().unwrap_or_default(),
            code: status.code(),
        },
    })
}

impl Session {
    /// Asserts that GDB printed something matching `pattern` (a regex).
    fn gdb_has(&self, pattern: &str) -> Result<()> {
        let re = Regex::new(pattern).expect("valid regex in a check");
        ensure!(
            re.is_match(&self.gdb),
            "GDB's output lacks /{pattern}/\n--- GDB:\n{}{}",
            self.gdb,
            self.board.context()
        );
        Ok(())
    }
}

/// The `--stats` line of a run.
fn stats(run: &Run) -> Result<String> {
    run.stderr
        .lines()
        .find(|l| l.starts_with("emu: stats: "))
        .map(str::to_owned)
        .with_context(|| format!("no stats line{}", run.context()))
}

/// `blinky` under GDB: break at a HAL function, read a variable, step into the function it
/// calls, step one instruction and read registers (PC, a general register, CurrentEL,
/// VBAR_EL1), watch the LED 1 pad's GPIO_IN_OUT register (MMIO: the core stops when the
/// firmware writes it), continue to the end (GDB sees the exit); the run matches the
/// undebugged one.
pub fn blinky_session(runner: &Runner) -> Result<()> {
    let plain = runner.run(&["--stats"])?;
    plain.ended_by_reset()?;
    let s = session(
        runner,
        &[
            "break apq8016_hal::console::ConsoleWriter::put",
            "continue",
            "print self.gave_up",
            "step",
            "stepi",
            "info registers pc x0",
            "info registers CurrentEL VBAR_EL1",
            "delete",
            "awatch *(0x01015004 as *mut u32)",
            "continue",
            "delete",
            "continue",
        ],
    )?;
    s.gdb_has(
        r"Breakpoint 1, apq8016_hal::console::ConsoleWriter::put \(self=0x[0-9a-f]+.*\) at hal/apq8016/src/console\.rs:\d+",
    )?;
    // The source-level step: into the function `put` calls (a new frame line) or to the next
    // line of `put` (just the line), whichever the optimiser left.
    s.gdb_has(
        r"\$1 = false\s+(apq8016_hal::console::ConsoleWriter::\w+ \(self=0x[0-9a-f]+.*\) at hal/apq8016/src/console\.rs:\d+\s+)?\d+\t",
    )?;
    s.gdb_has(r"pc\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <apq8016_hal::console::ConsoleWriter::put\+\d+>")?;
    s.gdb_has(r"x0\s+0x[0-9a-f]+")?;
    s.gdb_has(r"CurrentEL\s+0x4\s")?;
    s.gdb_has(r"VBAR_EL1\s+0x8008[0-9a-f]{4}\s")?;
    s.gdb_has(
        r"Hardware access \(read/write\) watchpoint 2: \*\(0x01015004 as \*mut u32\)\s+(Old value = 0\s+New value = \d+|Value = \d+)\s+blinky::main \(\) at examples/blinky\.rs:\d+",
    )?;
    s.gdb_has(r"\[Inferior 1 \(process 1\) exited normally\]")?;
    s.board.ended_by_reset()?;
    ensure!(
        s.board.stdout == plain.stdout,
        "the console differs under GDB:\n--- without GDB:\n{}\n--- with GDB:\n{}",
        plain.stdout,
        s.board.stdout
    );
    ensure!(
        stats(&s.board)? == stats(&plain)?,
        "the instruction count differs under GDB: {} vs {}",
        stats(&s.board)?,
        stats(&plain)?
    );
    Ok(())
}

/// `multicore` under GDB: the started cores are GDB threads; a breakpoint in the worker stops
/// core 1 (thread 2); the run matches the undebugged one.
pub fn multicore_threads(runner: &Runner) -> Result<()> {
    let plain = runner.run(&["--stats"])?;
    plain.ended_by_reset()?;
    let s = session(
        runner,
        &[
            "break multicore::worker",
            "continue",
            "info threads",
            "print $x0",
            "delete",
            "continue",
        ],
    )?;
    s.gdb_has(
        r"Thread 2 hit Breakpoint 1, multicore::worker \(core=1\) at examples/multicore\.rs:\d+",
    )?;
    s.gdb_has(r"\* 2\s+Thread 1\.2\s+multicore::worker")?;
    s.gdb_has(r"\[Inferior 1 \(process 1\) exited normally\]")?;
    s.board.ended_by_reset()?;
    ensure!(
        s.board.stdout == plain.stdout && stats(&s.board)? == stats(&plain)?,
        "the run differs under GDB:\n--- without GDB:\n{}{}\n--- with GDB:\n{}{}",
        plain.stdout,
        stats(&plain)?,
        s.board.stdout,
        stats(&s.board)?
    );
    Ok(())
}
