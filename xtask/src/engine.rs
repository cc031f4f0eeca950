//! The virtual board's CPU engine: unicorn as bundled with `unicorn-engine-sys`, with the
//! project's patch (`emu/engine-patch/`), built into `target/engine/` before the virtual board.
//!
//! Design notes:
//! - No copy of the engine is kept in the repository, and the workspace's manifests do not
//!   change: a `[patch.crates-io]` path would have to exist before cargo can even load the
//!   workspace that builds xtask, and a patch given on the command line rewrites Cargo.lock.
//!   Instead `unicorn-engine-sys`'s own build script is used as it is: it links a libunicorn
//!   that pkg-config finds, and `.cargo/config.toml` points pkg-config at
//!   `target/engine/install/lib/pkgconfig` only (`PKG_CONFIG_LIBDIR` replaces the default
//!   search path, so a system libunicorn is never picked). Before anything is there (a plain
//!   `cargo build` in a fresh clone), the build script builds its bundled copy, unpatched.
//! - `prepare` takes the pristine `.crate` from cargo's registry cache (downloaded by
//!   `cargo fetch` if missing), checks its SHA-256 against the one the patch was made for
//!   (and Cargo.lock's), unpacks it, applies the patch with `patch -p1` (exact, no fuzz),
//!   and builds it with cmake the way the crate's build script does (same options and
//!   flags). A stamp file records what was built from (crate checksum, patch hash, options)
//!   and where it is installed, so later calls cost one file read.
//! - After a (re)build, `unicorn-engine-sys` is cleaned in the target directory, so its build
//!   script runs again and links the new library (it does not watch our files).

use crate::build;
use anyhow::{Context, Result, ensure};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The engine crate, its version and the SHA-256 of its `.crate` file (as in Cargo.lock).
const CRATE: &str = "unicorn-engine-sys";
const VERSION: &str = "2.1.5";
const CHECKSUM: &str = "685282714d35a6fbfed0ae14d81bb11c91838bc7a165cac778321679a7bb91d8";

/// The patch, relative to the workspace root.
const PATCH: &str = "emu/engine-patch/unicorn-engine-sys-2.1.5.patch";

/// cmake options, as `unicorn-engine-sys`'s build script passes them (through the `cmake`
/// crate, for the release profile with debug info) for the `arch_aarch64` feature.
const CMAKE_OPTIONS: &[&str] = &[
    "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
    "-DCMAKE_C_FLAGS=-ffunction-sections -fdata-sections -fPIC -m64 -w",
    "-DUNICORN_ARCH=arm;aarch64",
    "-DUNICORN_BUILD_TESTS=OFF",
    "-DUNICORN_INSTALL=ON",
    "-DCMAKE_INSTALL_LIBDIR=lib",
];

/// `target/engine` (always under the workspace root: `.cargo/config.toml` names it).
pub fn dir(root: &Path) -> PathBuf {
    root.join("target/engine")
}

/// What the installed engine must have been built from.
fn wanted_stamp(root: &Path) -> Result<String> {
    let patch = std::fs::read(root.join(PATCH))
        .with_context(|| format!("cannot read the engine patch {PATCH}"))?;
    // The install directory is part of it: the library's pkg-config file names that
    // directory, so a target directory copied from another tree would otherwise link the
    // other tree's engine.
    Ok(format!(
        "{CRATE} {VERSION} {CHECKSUM}\npatch {}\ncmake {}\ninstall {}\n",
        hex(&Sha256::digest(&patch)),
        CMAKE_OPTIONS.join(" "),
        dir(root).join("install").display()
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes sure the patched engine is built in `target/engine/install`.
pub fn prepare(root: &Path) -> Result<()> {
    let dir = dir(root);
    let stamp_path = dir.join("stamp");
    let wanted = wanted_stamp(root)?;
    let pc = dir.join("install/lib/pkgconfig/unicorn.pc");
    if pc.exists() && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == wanted) {
        return Ok(());
    }
    eprintln!(
        "xtask: building the CPU engine ({CRATE} {VERSION} with {PATCH}) in {}",
        dir.display()
    );
    let crate_file = registry_crate(root)?;
    let bytes = std::fs::read(&crate_file)
        .with_context(|| format!("cannot read {}", crate_file.display()))?;
    let checksum = hex(&Sha256::digest(&bytes));
    ensure!(
        checksum == CHECKSUM,
        "{} has SHA-256 {checksum}, not {CHECKSUM}: not the crate the engine patch was made for",
        crate_file.display()
    );
    let _ = std::fs::remove_file(&stamp_path);
    for sub in ["src", "build", "install"] {
        let path = dir.join(sub);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    let src = dir.join("src");
    std::fs::create_dir_all(&src).with_context(|| format!("cannot create {}", src.display()))?;
    build::run_checked(
        Command::new("tar")
            .arg("-xzf")
            .arg(&crate_file)
            .arg("-C")
            .arg(&src),
        "unpacking the engine crate",
    )?;
    let source = src.join(format!("{CRATE}-{VERSION}"));
    build::run_checked(
        Command::new("patch")
            .args(["-p1", "--batch", "--forward", "--fuzz=0", "--quiet", "-d"])
            .arg(&source)
            .arg("-i")
            .arg(root.join(PATCH)),
        &format!("applying {PATCH}"),
    )?;
    let build_dir = dir.join("build");
    let mut configure = Command::new("cmake");
    configure
        .arg("-S")
        .arg(&source)
        .arg("-B")
        .arg(&build_dir)
        .args(CMAKE_OPTIONS)
        .arg(format!(
            "-DCMAKE_INSTALL_PREFIX={}",
            dir.join("install").display()
        ));
    if crate::process::find_on_path("ninja").is_some() {
        configure.args(["-G", "Ninja"]);
    }
    build::run_checked(configure.arg("-Wno-dev"), "configuring the engine (cmake)")?;
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    build::run_checked(
        Command::new("cmake")
            .arg("--build")
            .arg(&build_dir)
            .args(["--target", "install", "--parallel"])
            .arg(jobs.to_string()),
        "building the engine (cmake)",
    )?;
    ensure!(
        pc.exists(),
        "the engine build did not install {}",
        pc.display()
    );
    // Link the static library: remove the shared one the engine's install also produces.
    for shared in ["libunicorn.so", "libunicorn.so.2"] {
        let _ = std::fs::remove_file(dir.join("install/lib").join(shared));
    }
    // The objects (about 170 MB) are not needed again: a rebuild starts from scratch.
    let _ = std::fs::remove_dir_all(&build_dir);
    // unicorn-engine-sys's build script must run again to link the new library.
    for profile in [&[][..], &["--release"][..]] {
        build::run_checked(
            build::cargo(root)
                .args(["clean", "--quiet", "--package", CRATE])
                .args(profile),
            "cleaning unicorn-engine-sys",
        )?;
    }
    std::fs::write(&stamp_path, wanted)
        .with_context(|| format!("cannot write {}", stamp_path.display()))?;
    Ok(())
}

/// The pristine `.crate` file in cargo's registry cache, fetched if needed.
fn registry_crate(root: &Path) -> Result<PathBuf> {
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).context("cannot read Cargo.lock")?;
    let locked = lock_checksum(&lock)?;
    ensure!(
        locked == CHECKSUM,
        "Cargo.lock wants {CRATE} {VERSION} with SHA-256 {locked}; the engine patch \
         ({PATCH}) was made for {CHECKSUM}"
    );
    if let Some(path) = find_in_cache()? {
        return Ok(path);
    }
    build::run_checked(build::cargo(root).arg("fetch"), "cargo fetch")?;
    find_in_cache()?.with_context(|| {
        format!("{CRATE}-{VERSION}.crate is not in cargo's registry cache after `cargo fetch`")
    })
}

/// The checksum Cargo.lock records for the engine crate.
fn lock_checksum(lock: &str) -> Result<String> {
    let table: toml::Table = lock.parse().context("Cargo.lock is not valid TOML")?;
    let packages = table.get("package").and_then(|p| p.as_array());
    packages
        .into_iter()
        .flatten()
        .find(|p| {
            p.get("name").and_then(|n| n.as_str()) == Some(CRATE)
                && p.get("version").and_then(|v| v.as_str()) == Some(VERSION)
        })
        .and_then(|p| p.get("checksum")?.as_str().map(str::to_owned))
        .with_context(|| format!("Cargo.lock has no {CRATE} {VERSION} from crates.io"))
}

/// `$CARGO_HOME/registry/cache/*/<crate>-<version>.crate`, if present.
fn find_in_cache() -> Result<Option<PathBuf>> {
    let cargo_home = match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => {
            let home = std::env::var_os("HOME").context("neither CARGO_HOME nor HOME is set")?;
            PathBuf::from(home).join(".cargo")
        }
    };
    let cache = cargo_home.join("registry/cache");
    let Ok(indexes) = std::fs::read_dir(&cache) else {
        return Ok(None);
    };
    let name = format!("{CRATE}-{VERSION}.crate");
    Ok(indexes
        .filter_map(|e| e.ok())
        .map(|e| e.path().join(&name))
        .find(|p| p.is_file()))
}

/// A short description of the engine for reports: patched or bundled.
pub fn describe(root: &Path) -> String {
    let stamped = std::fs::read_to_string(dir(root).join("stamp")).is_ok();
    if stamped {
        format!("{CRATE} {VERSION} with {PATCH}")
    } else {
        format!("{CRATE} {VERSION} as bundled (unpatched)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_engine_checksum_from_the_lock_file() {
        let lock = format!(
            "version = 4\n\n[[package]]\nname = \"{CRATE}\"\nversion = \"{VERSION}\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\
             checksum = \"abc\"\n"
        );
        assert_eq!(lock_checksum(&lock).unwrap(), "abc");
        assert!(lock_checksum("version = 4\n").is_err());
    }

    #[test]
    fn the_workspace_lock_file_has_the_patched_version() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
        assert_eq!(lock_checksum(&lock).unwrap(), CHECKSUM);
        assert!(root.join(PATCH).is_file());
    }
}
