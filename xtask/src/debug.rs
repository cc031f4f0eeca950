//! `cargo xtask debug EXAMPLE`: build the example, start it on the virtual board stopped
//! before its first instruction with the GDB server on (`--gdb PORT --gdb-wait`), and run
//! GDB (`$GDB`, else `gdb-multiarch`) on the example's ELF, attached to it.
//!
//! Design notes: the board runs in its own process group, so Ctrl-C in the terminal reaches
//! GDB only (which passes it on to the board as an interrupt); this process then becomes GDB
//! (`exec`), leaving the terminal to it. The board's console and its own lines share the
//! terminal with GDB. GDB retries the connection while the board starts listening.

use crate::{build, prereq};
use anyhow::{Context, Result, bail};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// A free port on 127.0.0.1 (the board listens on it right after).
pub fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind(("127.0.0.1", 0)).context("cannot find a free port on 127.0.0.1")?;
    Ok(listener.local_addr()?.port())
}

/// The GDB command line that attaches to the board on `port` with `elf`'s symbols.
pub fn gdb_command(gdb: &Path, elf: &Path, port: u16) -> Command {
    let mut command = Command::new(gdb);
    command
        .arg("-q")
        .arg(elf)
        // A busy machine may take a while to start the board.
        .args(["-ex", "set remotetimeout 30"])
        .args(["-ex", &format!("target remote 127.0.0.1:{port}")]);
    command
}

/// `cargo xtask debug EXAMPLE [--debug] [-- BOARD OPTIONS]`.
pub fn run(root: &Path, example: &str, profile: build::Profile, emu_args: &[String]) -> Result<()> {
    let name = build::check_example_name(root, example)?;
    prereq::firmware(root)?;
    prereq::virtual_board(root)?;
    let gdb = prereq::debugger()?;
    let elf = build::examples_with(root, &[name], profile)?.remove(0);
    let emu = build::virtual_board(root)?;
    let port = free_port()?;
    let mut board = Command::new(&emu);
    board
        .arg(&elf)
        .args(["--gdb", &port.to_string(), "--gdb-wait"])
        .args(emu_args)
        .process_group(0);
    board
        .spawn()
        .with_context(|| format!("cannot start {}", emu.display()))?;
    eprintln!(
        "xtask: the board waits for GDB on 127.0.0.1:{port}; starting {} (quit GDB to end the run)",
        gdb.display()
    );
    let error = gdb_command(&gdb, &elf, port).exec();
    bail!("cannot run {}: {error}", gdb.display())
}
