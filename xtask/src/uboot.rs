//! Fetching Debian's `u-boot-qcom` build for the DragonBoard 410c into `.cache/`.
//!
//! Design notes: the package is never committed. We ask apt for one pinned version of the arm64
//! package (with a private package list directory, so the host's apt state is untouched), then
//! verify the .deb against the SHA-256 pinned here before unpacking it with `dpkg-deb`. apt itself
//! also checks the file against the signed archive index. When Debian drops the pinned version,
//! the error says so and names the two constants to update.

use crate::process::SpawnRetrying;
use anyhow::{Context, Result, bail, ensure};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Debian package version the virtual board is held against.
pub const PACKAGE_VERSION: &str = "2023.01+dfsg-2+deb12u3";
/// SHA-256 of `u-boot-qcom_<PACKAGE_VERSION>_arm64.deb`.
pub const PACKAGE_SHA256: &str = "520a7bde51484b68db18f3e8c0a3de836e0516df96eed915a4911da84e18bff7";
/// The U-Boot ELF inside the package.
const ELF_IN_PACKAGE: &str = "usr/lib/u-boot/dragonboard410c/uboot.elf";
/// U-Boot's load and entry address for this board (CONFIG_TEXT_BASE).
const UBOOT_TEXT_BASE: u64 = 0x8F60_0000;

/// The image the board really runs: `u-boot.bin` (U-Boot followed by its device tree),
/// wrapped in a one-segment ELF at TEXT_BASE so the virtual board can load it.
///
/// `uboot.elf` in the package is the link output *without* the appended device tree that
/// U-Boot looks for right after its image, so it stops in its device-tree set-up before any
/// console output (it loops printing nothing).
pub fn bootable_image(root: &Path) -> Result<PathBuf> {
    let elf = fetch(root)?;
    let bin_path = elf.with_file_name("u-boot.bin");
    let bin =
        std::fs::read(&bin_path).with_context(|| format!("cannot read {}", bin_path.display()))?;
    let out = root.join(".cache/u-boot-qcom/u-boot-dtb.elf");
    let elf = crate::elf_writer::executable(
        object::elf::EM_AARCH64,
        UBOOT_TEXT_BASE,
        &[crate::elf_writer::Segment {
            address: UBOOT_TEXT_BASE,
            bytes: &bin,
            flags: crate::elf_writer::READ_WRITE_EXECUTE,
        }],
    )?;
    std::fs::write(&out, elf).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(out)
}

/// Returns the path of the cached U-Boot ELF, downloading and verifying the package if needed.
pub fn fetch(root: &Path) -> Result<PathBuf> {
    let cache = root.join(".cache/u-boot-qcom");
    let elf = cache.join("unpacked").join(ELF_IN_PACKAGE);
    let deb = cache.join(format!(
        "u-boot-qcom_{}_arm64.deb",
        PACKAGE_VERSION.replace(':', "%3a")
    ));
    if elf.is_file() && deb.is_file() && verify(&deb).is_ok() {
        return Ok(elf);
    }
    std::fs::create_dir_all(cache.join("lists/partial"))
        .with_context(|| format!("cannot create {}", cache.display()))?;
    if !deb.is_file() {
        download(&cache)?;
    }
    verify(&deb)?;
    let unpacked = cache.join("unpacked");
    let _ = std::fs::remove_dir_all(&unpacked);
    let status = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&unpacked)
        .status_retrying()
        .context("cannot run dpkg-deb (Debian package `dpkg`)")?;
    ensure!(status.success(), "dpkg-deb -x {} failed", deb.display());
    ensure!(
        elf.is_file(),
        "{} does not contain {ELF_IN_PACKAGE}",
        deb.display()
    );
    Ok(elf)
}

/// Downloads the pinned arm64 package into `cache` with a private apt list directory.
fn download(cache: &Path) -> Result<()> {
    let lists = cache.join("lists");
    let options = [
        "-oAPT::Architecture=arm64".to_owned(),
        "-oAPT::Architectures=arm64".to_owned(),
        format!("-oDir::State::Lists={}", lists.display()),
        "-oDebug::NoLocking=1".to_owned(),
    ];
    eprintln!("xtask: downloading u-boot-qcom {PACKAGE_VERSION} (arm64) from the Debian archive");
    let update = Command::new("apt-get")
        .args(&options)
        .args(["-qq", "update"])
        .status_retrying()
        .context("cannot run apt-get (needed to download Debian's u-boot-qcom)")?;
    ensure!(
        update.success(),
        "apt-get update for the arm64 package lists failed"
    );
    let download = Command::new("apt-get")
        .current_dir(cache)
        .args(&options)
        .args(["-qq", "download", &format!("u-boot-qcom={PACKAGE_VERSION}")])
        .status_retrying()
        .context("cannot run apt-get download")?;
    if !download.success() {
        bail!(
            "apt-get could not download u-boot-qcom={PACKAGE_VERSION}; if Debian no longer serves \
             that version, update PACKAGE_VERSION and PACKAGE_SHA256 in xtask/src/uboot.rs"
        );
    }
    Ok(())
}

/// Checks the .deb against the pinned SHA-256.
fn verify(deb: &Path) -> Result<()> {
    let bytes = std::fs::read(deb).with_context(|| format!("cannot read {}", deb.display()))?;
    let digest = Sha256::digest(&bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if hex != PACKAGE_SHA256 {
        let _ = std::fs::remove_file(deb);
        bail!(
            "{} has SHA-256 {hex}, expected {PACKAGE_SHA256}; the file was removed, run again",
            deb.display()
        );
    }
    Ok(())
}
