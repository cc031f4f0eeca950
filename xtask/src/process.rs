//! Shared process and workspace helpers: the one place xtask starts child processes with a
//! time limit, finds the workspace it works on, looks programs up on PATH and asks whether it
//! runs as root.
//!
//! Design notes:
//! - The workspace root is found at run time (`CARGO_MANIFEST_DIR`, which `cargo run` sets
//!   for the program it runs, else the directories above the current one), never baked in at
//!   compile time: cargo does not rebuild xtask when a checkout is moved or copied together
//!   with its `target/`, and a baked-in path would then point at the old checkout.
//! - Starting a program can fail with "Text file busy" (ETXTBSY) when the program file was
//!   written a moment ago and another thread of this process forked while its write handle was
//!   open (the child holds a copy of the handle until it execs). Tests write fake tools and
//!   run in parallel threads, so spawning retries that error for a short, bounded time.

use anyhow::{Context, Result, bail};
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The workspace root: the directory whose `Cargo.toml` declares `[workspace]`.
///
/// Looked up at run time: first from `CARGO_MANIFEST_DIR` (set by `cargo run` / `cargo xtask`
/// to xtask's own directory, one level below the root), else upwards from the current
/// directory.
pub fn workspace_root() -> Result<PathBuf> {
    let from_cargo = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let current = std::env::current_dir().ok();
    for start in from_cargo.iter().chain(current.iter()) {
        if let Some(root) = start.ancestors().find(|dir| is_workspace_root(dir)) {
            return Ok(root.to_path_buf());
        }
    }
    bail!(
        "cannot find the workspace: no Cargo.toml with [workspace] above {}; run `cargo xtask` \
         inside the checkout",
        current.as_deref().unwrap_or(Path::new(".")).display()
    )
}

fn is_workspace_root(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
}

/// The first executable called `name` in the directories of `path_env` (a `$PATH` value).
pub fn find_in_path(name: &str, path_env: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path_env?)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

/// The first executable called `name` on this process's PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    find_in_path(name, std::env::var_os("PATH").as_deref())
}

/// Whether `path` is a regular file with an execute bit.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Whether xtask runs as root (then it may install Debian packages itself).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// How long to keep retrying a start that fails with "Text file busy".
const BUSY_RETRY_FOR: Duration = Duration::from_secs(2);

/// Starts `command`, retrying while the program file is busy (see the design notes).
pub fn spawn(command: &mut Command) -> std::io::Result<Child> {
    let start = Instant::now();
    loop {
        match command.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                if start.elapsed() > BUSY_RETRY_FOR {
                    return Err(e);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// `Command::status` and `Command::output`, started through [`spawn`] (so a "Text file busy"
/// start is retried). Every child process of xtask starts through this module.
pub trait SpawnRetrying {
    /// Runs to completion with the standard streams inherited; returns the exit status.
    fn status_retrying(&mut self) -> std::io::Result<ExitStatus>;
    /// Runs to completion with stdout and stderr captured and stdin empty.
    fn output_retrying(&mut self) -> std::io::Result<std::process::Output>;
}

impl SpawnRetrying for Command {
    fn status_retrying(&mut self) -> std::io::Result<ExitStatus> {
        spawn(self)?.wait()
    }

    fn output_retrying(&mut self) -> std::io::Result<std::process::Output> {
        spawn(
            self.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        )?
        .wait_with_output()
    }
}

/// A finished process.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `command` to completion with its output captured and standard input empty; kills it
/// and fails with a message naming `what` if it is still running after `limit`.
pub fn run_with_limit(command: &mut Command, what: &str, limit: Duration) -> Result<Output> {
    let mut child = spawn(
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .with_context(|| format!("cannot run {what}"))?;
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
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{what} did not finish within {} s and was stopped",
                limit.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_this_workspace() {
        let root = workspace_root().unwrap();
        assert!(root.join("xtask").join("Cargo.toml").is_file(), "{root:?}");
    }

    #[test]
    fn a_hanging_program_is_stopped_and_named() {
        let started = Instant::now();
        let error = run_with_limit(
            Command::new("sleep").arg("30"),
            "`sleep 30`",
            Duration::from_millis(300),
        )
        .err()
        .expect("must time out");
        assert!(
            format!("{error:#}").contains("`sleep 30` did not finish within 0 s"),
            "{error:#}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_freshly_written_program_starts_while_other_threads_fork() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // Other threads keep forking while scripts are written and started here.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let forkers: Vec<_> = (0..2)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let _ = Command::new("true").status();
                    }
                })
            })
            .collect();
        for k in 0..50 {
            let path = dir.path().join(format!("tool{k}"));
            std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            let out =
                run_with_limit(&mut Command::new(&path), "tool", Duration::from_secs(10)).unwrap();
            assert!(out.status.success());
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for f in forkers {
            f.join().unwrap();
        }
    }
}
