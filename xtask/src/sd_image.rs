//! SD card images for the virtual board's µSD slot (`db410c-emu --sd IMAGE`).
//!
//! Design notes: no root and no loop mounts. The file system is made by `mke2fs -d DIR` (Debian
//! package `e2fsprogs`), which fills a new ext4 file system from a folder, as a plain file; xtask
//! then writes an MBR partition table in front of it (one bootable Linux partition from 1 MiB)
//! and pads the card to a whole number of 512 KiB, the capacity unit of a high-capacity card.
//! The same inputs give the same image bytes: the UUID, the directory hash seed and the time
//! mke2fs writes are fixed (`E2FSPROGS_FAKE_TIME`), so runs on the image are reproducible.

use crate::process::SpawnRetrying;
use anyhow::{Context, Result, bail, ensure};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the partition starts, in 512-byte sectors (1 MiB, the usual alignment).
const PARTITION_START_SECTOR: u32 = 2048;
/// MBR partition type of a Linux file system.
const LINUX_PARTITION_TYPE: u8 = 0x83;
/// A card holds whole 512 KiB units (CSD version 2.0 capacity).
const CARD_UNIT: u64 = 512 * 1024;
/// Fixed file-system identity, so images are reproducible.
const FILE_SYSTEM_UUID: &str = "d8b4a10c-5d1e-4c3a-9b1f-410c0000cafe";
const HASH_SEED: &str = "d8b4a10c-5d1e-4c3a-9b1f-410c0000beef";
/// 2026-01-01 00:00:00 UTC, the time stamped into the file system.
const FAKE_TIME: &str = "1767225600";

/// One file to put on the card's file system.
pub struct CardFile<'a> {
    /// Path inside the file system, e.g. `extlinux/extlinux.conf`.
    pub path: &'a str,
    /// Its contents.
    pub contents: &'a [u8],
}

/// Builds a card image at `out`: an MBR with one bootable ext4 partition of `partition_mib`
/// MiB, labelled `label`, holding `files`.
pub fn build(out: &Path, label: &str, partition_mib: u32, files: &[CardFile]) -> Result<()> {
    let mke2fs = find_mke2fs()?;
    let work = out.with_extension("parts");
    let _ = std::fs::remove_dir_all(&work);
    let tree = work.join("tree");
    std::fs::create_dir_all(&tree).with_context(|| format!("cannot create {}", tree.display()))?;
    for file in files {
        ensure!(
            !file.path.starts_with('/') && !file.path.split('/').any(|part| part == ".."),
            "card file path {:?} must be relative, without `..`",
            file.path
        );
        let path = tree.join(file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, file.contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let partition = work.join("partition.ext4");
    let output = Command::new(&mke2fs)
        .env("E2FSPROGS_FAKE_TIME", FAKE_TIME)
        .args([
            "-q",
            "-F",
            "-t",
            "ext4",
            "-L",
            label,
            "-U",
            FILE_SYSTEM_UUID,
        ])
        .arg("-E")
        .arg(format!("hash_seed={HASH_SEED}"))
        .arg("-d")
        .arg(&tree)
        .arg(&partition)
        .arg(format!("{partition_mib}M"))
        .output_retrying()
        .with_context(|| format!("cannot run {}", mke2fs.display()))?;
    if !output.status.success() {
        bail!(
            "mke2fs could not make the card's file system ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let file_system = std::fs::read(&partition)
        .with_context(|| format!("cannot read {}", partition.display()))?;
    let image = with_partition_table(&file_system)?;
    std::fs::write(out, image).with_context(|| format!("cannot write {}", out.display()))?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// The card's bytes: an MBR naming `file_system` as partition 1 (bootable, type 0x83, from
/// sector 2048), the file system, and zeros up to a whole card unit.
pub fn with_partition_table(file_system: &[u8]) -> Result<Vec<u8>> {
    ensure!(
        file_system.len().is_multiple_of(512),
        "a partition must be whole 512-byte sectors"
    );
    let sectors = u32::try_from(file_system.len() / 512)
        .context("the partition is too big for an MBR partition table")?;
    let mut image = vec![0u8; PARTITION_START_SECTOR as usize * 512];
    // Partition entry 1 at byte 446: status, CHS start (unused: 0xFFFFFF as for LBA-only
    // tables), type, CHS end, first sector (LBA), sector count.
    let entry = &mut image[446..462];
    entry[0] = 0x80;
    entry[1..4].fill(0xFF);
    entry[4] = LINUX_PARTITION_TYPE;
    entry[5..8].fill(0xFF);
    entry[8..12].copy_from_slice(&PARTITION_START_SECTOR.to_le_bytes());
    entry[12..16].copy_from_slice(&sectors.to_le_bytes());
    image[510] = 0x55;
    image[511] = 0xAA;
    image.extend_from_slice(file_system);
    let padded = (image.len() as u64).div_ceil(CARD_UNIT) * CARD_UNIT;
    image.resize(padded as usize, 0);
    Ok(image)
}

/// `mke2fs`, from PATH or its usual Debian places.
fn find_mke2fs() -> Result<PathBuf> {
    if let Some(path) = crate::process::find_on_path("mke2fs") {
        return Ok(path);
    }
    for candidate in ["/usr/sbin/mke2fs", "/sbin/mke2fs"] {
        if Path::new(candidate).exists() {
            return Ok(candidate.into());
        }
    }
    bail!(
        "mke2fs not found: SD card images need the Debian package e2fsprogs (apt-get install e2fsprogs)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_table_names_the_file_system_and_pads_to_card_units() {
        let image = with_partition_table(&[7u8; 4096]).unwrap();
        assert_eq!(image.len() as u64 % CARD_UNIT, 0);
        assert_eq!(&image[510..512], &[0x55, 0xAA]);
        assert_eq!(image[446], 0x80, "bootable");
        assert_eq!(image[450], 0x83, "Linux");
        assert_eq!(
            u32::from_le_bytes(image[454..458].try_into().unwrap()),
            2048
        );
        assert_eq!(u32::from_le_bytes(image[458..462].try_into().unwrap()), 8);
        assert_eq!(image[2048 * 512], 7);
        assert!(with_partition_table(&[0; 100]).is_err());
    }
}
