//! Debian's `u-boot-qcom` build for the DragonBoard 410c, as the virtual board runs it.
//!
//! Design notes: the package comes through `debian.rs` (newest version in Debian's signed
//! index, cached, the version used is reported); nothing here pins a version or a hash. The
//! checks hold the board against U-Boot 2023.01, the version of Debian 12 (bookworm) and all
//! its updates.

use anyhow::{Context, Result, ensure};
use std::path::{Path, PathBuf};

/// The Debian package.
const PACKAGE: &str = "u-boot-qcom";
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
    let out = elf.with_file_name("u-boot-dtb.elf");
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

/// Returns the path of U-Boot's ELF in the unpacked package, fetching it if needed.
pub fn fetch(root: &Path) -> Result<PathBuf> {
    let package = crate::debian::fetch(root, PACKAGE)?;
    let elf = package.unpacked.join(ELF_IN_PACKAGE);
    ensure!(
        elf.is_file(),
        "Debian's {PACKAGE} {} does not contain {ELF_IN_PACKAGE}",
        package.version
    );
    Ok(elf)
}
