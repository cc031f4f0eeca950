//! Prerequisite checks: install what can be installed, otherwise name the exact command.
//!
//! Design notes: the environment sets `RUSTUP_AUTO_INSTALL=0`, so nothing appears by itself.
//! The firmware needs the `aarch64-unknown-none` standard library (rustup). The virtual board
//! builds unicorn's bundled C sources, which needs `cmake` and `libclang` (for bindgen): Debian
//! packages `cmake` and `libclang-dev`; its engine patch needs `patch` and `pkg-config`
//! (`engine`). As root we install them with apt-get; otherwise we stop
//! with the command to run.

use crate::process;
use crate::process::SpawnRetrying;
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

/// The firmware target.
pub const TARGET: &str = "aarch64-unknown-none";

/// Makes sure the firmware target's standard library is installed.
pub fn firmware(root: &Path) -> Result<()> {
    let installed = Command::new("rustup")
        .current_dir(root)
        .args(["target", "list", "--installed"])
        .output_retrying()
        .context("cannot run `rustup` (needed to install the aarch64-unknown-none target)")?;
    let list = String::from_utf8_lossy(&installed.stdout);
    if list.lines().any(|line| line.trim() == TARGET) {
        return Ok(());
    }
    eprintln!("xtask: installing the Rust target {TARGET} (rustup target add {TARGET})");
    let status = Command::new("rustup")
        .current_dir(root)
        .args(["target", "add", TARGET])
        .status_retrying()
        .context("cannot run `rustup target add`")?;
    if !status.success() {
        bail!("`rustup target add {TARGET}` failed; run it by hand and try again");
    }
    Ok(())
}

/// Debian packages the virtual board needs to build, with a file that proves each is there.
const DEBIAN_PACKAGES: &[(&str, &[&str])] = &[
    ("cmake", &["/usr/bin/cmake"]),
    // mke2fs: the file systems of SD card images (`sd_image.rs`).
    ("e2fsprogs", &["/usr/sbin/mke2fs", "/sbin/mke2fs"]),
    // The engine patch (`engine`): applied with patch, found by the engine crate's build
    // script through pkg-config.
    ("patch", &["/usr/bin/patch"]),
    ("pkg-config", &["/usr/bin/pkg-config"]),
    (
        "libclang-dev",
        &[
            "/usr/lib/llvm-14/lib/libclang.so",
            "/usr/lib/llvm-15/lib/libclang.so",
            "/usr/lib/llvm-16/lib/libclang.so",
            "/usr/lib/x86_64-linux-gnu/libclang.so",
        ],
    ),
];

/// Makes sure the virtual board can be built (cmake, libclang, patch and pkg-config
/// present), and builds its patched CPU engine (`engine`).
pub fn virtual_board(root: &Path) -> Result<()> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(_, files)| !files.iter().any(|f| Path::new(f).exists()) && !on_path(files))
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return crate::engine::prepare(root);
    }
    let command = format!("apt-get update && apt-get install -y {}", missing.join(" "));
    if !process::is_root() {
        bail!(
            "the virtual board needs the Debian packages {}; install them with:\n    sudo sh -c '{command}'",
            missing.join(", ")
        );
    }
    eprintln!("xtask: installing Debian packages for the virtual board: {command}");
    let status = Command::new("sh")
        .args(["-c", &command])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status_retrying()
        .context("cannot run apt-get")?;
    if !status.success() {
        bail!("`{command}` failed; run it by hand and try again");
    }
    crate::engine::prepare(root)
}

/// Whether any of the given absolute paths' file names (other than libraries) is an
/// executable on PATH.
fn on_path(files: &[&str]) -> bool {
    files.iter().any(|f| {
        let name = Path::new(f)
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        !name.ends_with(".so") && process::find_on_path(&name).is_some()
    })
}

/// The Debian package with a GDB that debugs AArch64 firmware.
const GDB_PACKAGE: &str = "gdb-multiarch";

/// The GDB `cargo xtask debug` and the GDB check use: `$GDB` if set, else `gdb-multiarch`
/// from PATH, installed with apt-get when run as root (otherwise we stop with the command).
pub fn debugger() -> Result<std::path::PathBuf> {
    if let Some(gdb) = std::env::var_os("GDB") {
        return Ok(gdb.into());
    }
    if let Some(path) = process::find_on_path(GDB_PACKAGE) {
        return Ok(path);
    }
    let command = format!("apt-get update && apt-get install -y {GDB_PACKAGE}");
    if !process::is_root() {
        bail!(
            "debugging needs GDB for AArch64 (Debian package {GDB_PACKAGE}); install it with:\n    sudo sh -c '{command}'\nor point $GDB at another GDB that knows aarch64"
        );
    }
    eprintln!("xtask: installing the debugger: {command}");
    let status = Command::new("sh")
        .args(["-c", &command])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status_retrying()
        .context("cannot run apt-get")?;
    if !status.success() {
        bail!("`{command}` failed; run it by hand and try again");
    }
    process::find_on_path(GDB_PACKAGE)
        .with_context(|| format!("{GDB_PACKAGE} installed but not on PATH"))
}
