//! `cargo xtask linux`: Debian's arm64 kernel booted by Debian's U-Boot from an SD card on the
//! virtual board.
//!
//! Design notes:
//! - Everything comes from Debian, unchanged: the kernel (`linux-image-arm64` names the current
//!   `linux-image-<ABI>-arm64`), its `qcom/apq8016-sbc.dtb`, and `busybox-static` for a shell.
//!   `debian.rs` fetches them (apt's signed index, cached, the version used is reported).
//! - The initramfs is a newc cpio archive written with the `cpio` crate: `/init` (a shell
//!   script that mounts /proc and /sys, installs busybox's applets and starts a shell), busybox,
//!   and the `/dev/console` device node. A cpio entry is only a header, so device nodes need no
//!   root.
//! - The card (`sd_image.rs`: MBR + ext4 from a folder, no root, no loop mounts) holds `Image`,
//!   the device tree, the initramfs, `extlinux/extlinux.conf`, and a U-Boot script `boot.scr`.
//!   The script is there because of load addresses: U-Boot's environment for this board puts
//!   the device tree 32 MiB after the kernel (kernel_addr_r 0x8100_0000, fdt_addr_r
//!   0x8300_0000), and Debian's kernel is larger than that, so `booti` refuses ("FDT image
//!   overlaps OS image"), on the real board as here. U-Boot's distro boot runs `/boot.scr`
//!   before it looks in `/boot/`; the script moves the device tree and the initramfs above the
//!   kernel and outside the memory the device tree reserves for the modem and other
//!   subsystems (0x8600_0000 - 0x8C00_0000), then hands `/boot/extlinux/extlinux.conf` to
//!   U-Boot's own `sysboot`, so the boot itself is U-Boot's standard extlinux boot.

use crate::sd_image::CardFile;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The kernel meta-package that names the current kernel package.
const KERNEL_META_PACKAGE: &str = "linux-image-arm64";
/// The device tree inside the kernel package (`usr/lib/linux-image-<ABI>/` + this).
const DEVICE_TREE: &str = "qcom/apq8016-sbc.dtb";
/// Where the device tree and the initramfs go (above the kernel, below U-Boot's own data at
/// the top of RAM, outside the reserved-memory regions of the device tree).
const FDT_ADDRESS: u32 = 0x9000_0000;
const RAMDISK_ADDRESS: u32 = 0x9100_0000;

/// The kernel command line: the console on BLSP1 UART2 (`ttyMSM0`), early console on the
/// same UART.
const KERNEL_COMMAND_LINE: &str =
    "console=ttyMSM0,115200n8 earlycon=msm_serial_dm,0x78b0000 rdinit=/init";

/// Kernel modules copied into the initramfs (`/lib/modules/NAME.ko`, for `insmod`), as paths
/// under the kernel's `lib/modules/<ABI>/kernel/`. None: the power key driver
/// (`drivers/input/misc/pm8941-pwrkey.ko`), whose reboot notifier would set the PMIC's PS_HOLD
/// reset type to shutdown before a power-off, can never bind with this kernel: its device is
/// created only by the PON driver (`qcom-pon`), which Debian does not build
/// (docs/hardware/ps-hold-reset.md#power-off-with-debians-bookworm-kernel).
const MODULES: [&str; 0] = [];

/// What the initramfs's `/init` runs.
const INIT_SCRIPT: &str = "#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox --install -s /bin
echo \"initramfs: $(/bin/busybox cat /proc/cpuinfo | /bin/busybox grep -c ^processor) CPUs online\"
exec /bin/sh
";

/// The pieces of a bootable card.
pub struct Card {
    /// The card image.
    pub image: PathBuf,
    /// Debian versions used: (package, version).
    pub versions: Vec<(String, String)>,
}

/// Fetches the packages and builds the card image under `target/linux/`.
pub fn prepare(root: &Path) -> Result<Card> {
    let meta = crate::debian::fetch(root, KERNEL_META_PACKAGE)?;
    let kernel_package = depends_on_kernel(&meta.control).with_context(|| {
        format!(
            "{KERNEL_META_PACKAGE} {} names no linux-image-*-arm64",
            meta.version
        )
    })?;
    let abi = kernel_package
        .strip_prefix("linux-image-")
        .unwrap_or(&kernel_package)
        .to_owned();
    // The kernel package is mostly modules; only the kernel and the device trees are needed.
    let modules: Vec<String> = MODULES
        .iter()
        .map(|m| format!("./lib/modules/{abi}/kernel/{m}"))
        .collect();
    let mut parts = vec![
        "./boot".to_owned(),
        format!("./usr/lib/linux-image-{abi}/qcom"),
    ];
    parts.extend(modules.iter().cloned());
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let kernel = crate::debian::fetch_parts(root, &kernel_package, &parts)?;
    let mut module_files = Vec::new();
    for (module, path) in MODULES.iter().zip(&modules) {
        let name = module.rsplit('/').next().unwrap_or(module);
        module_files.push((name.to_owned(), read(&kernel.unpacked.join(path))?));
    }
    let busybox = crate::debian::fetch(root, "busybox-static")?;
    let image = read(&kernel.unpacked.join(format!("boot/vmlinuz-{abi}")))?;
    if image.get(0x38..0x3C) != Some(b"ARM\x64") {
        bail!("boot/vmlinuz-{abi} in {kernel_package} is not an uncompressed arm64 Image");
    }
    let device_tree = read(
        &kernel
            .unpacked
            .join(format!("usr/lib/linux-image-{abi}"))
            .join(DEVICE_TREE),
    )?;
    let initramfs = initramfs(&read(&busybox.unpacked.join("bin/busybox"))?, &module_files)?;
    let boot_script = boot_script(&format!(
        "setenv fdt_addr_r {FDT_ADDRESS:#x}\n\
         setenv ramdisk_addr_r {RAMDISK_ADDRESS:#x}\n\
         sysboot ${{devtype}} ${{devnum}}:${{distro_bootpart}} any ${{scriptaddr}} \
         /boot/extlinux/extlinux.conf\n"
    ))?;
    let extlinux = format!(
        "default debian\ntimeout 0\n\nlabel debian\n  kernel /boot/Image\n  fdt /boot/apq8016-sbc.dtb\n  \
         initrd /boot/initrd.cpio\n  append {KERNEL_COMMAND_LINE}\n"
    );
    let dir = crate::build::target_dir(root).join("linux");
    std::fs::create_dir_all(&dir)?;
    let card = dir.join("card.img");
    let size_mib = (image.len() + initramfs.len()) / (1 << 20) + 24;
    crate::sd_image::build(
        &card,
        "DEBIAN",
        size_mib as u32,
        &[
            CardFile {
                path: "boot.scr",
                contents: &boot_script,
            },
            CardFile {
                path: "boot/extlinux/extlinux.conf",
                contents: extlinux.as_bytes(),
            },
            CardFile {
                path: "boot/Image",
                contents: &image,
            },
            CardFile {
                path: "boot/apq8016-sbc.dtb",
                contents: &device_tree,
            },
            CardFile {
                path: "boot/initrd.cpio",
                contents: &initramfs,
            },
        ],
    )?;
    Ok(Card {
        image: card,
        versions: vec![
            (kernel_package.clone(), kernel.version),
            ("busybox-static".into(), busybox.version),
        ],
    })
}

/// The `linux-image-*-arm64` package named in a control file's Depends field.
fn depends_on_kernel(control: &str) -> Option<String> {
    let depends = control
        .lines()
        .find_map(|line| line.strip_prefix("Depends:"))?;
    depends
        .split([',', '|'])
        .map(|d| d.split_whitespace().next().unwrap_or(""))
        .find(|name| name.starts_with("linux-image-") && name.ends_with("-arm64"))
        .map(str::to_owned)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The initramfs: a newc cpio archive with `/init`, busybox, `/bin/sh`, `/dev/console`,
/// `/proc` and `/sys`.
pub fn initramfs(busybox: &[u8], modules: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    use cpio::newc::Builder;
    const DIRECTORY: u32 = 0o040_755;
    const EXECUTABLE: u32 = 0o100_755;
    const SYMLINK: u32 = 0o120_777;
    const CHARACTER_DEVICE: u32 = 0o020_600;
    let entry = |name: &str, ino: u32, mode: u32| {
        Builder::new(name)
            .ino(ino)
            .mode(mode)
            .nlink(if mode & 0o170_000 == 0o040_000 { 2 } else { 1 })
            .mtime(0)
    };
    let mut inputs: Vec<(Builder, &[u8])> = vec![
        (entry("dev", 1, DIRECTORY), &[]),
        // /dev/console: character device 5:1, for init's standard input and output.
        (
            entry("dev/console", 2, CHARACTER_DEVICE)
                .rdev_major(5)
                .rdev_minor(1),
            &[],
        ),
        (entry("proc", 3, DIRECTORY), &[]),
        (entry("sys", 4, DIRECTORY), &[]),
        (entry("bin", 5, DIRECTORY), &[]),
        (entry("bin/busybox", 6, EXECUTABLE), busybox),
        (entry("bin/sh", 7, SYMLINK), b"busybox"),
        (entry("init", 8, EXECUTABLE), INIT_SCRIPT.as_bytes()),
        (entry("lib", 9, DIRECTORY), &[]),
        (entry("lib/modules", 10, DIRECTORY), &[]),
    ];
    for (k, (name, bytes)) in modules.iter().enumerate() {
        let path = format!("lib/modules/{name}");
        inputs.push((entry(&path, 11 + k as u32, 0o100_644), bytes));
    }
    let mut archive = Vec::new();
    for (builder, contents) in inputs {
        let mut writer = builder.write(&mut archive, contents.len() as u32);
        std::io::Write::write_all(&mut writer, contents)?;
        writer.finish()?;
    }
    cpio::newc::trailer(&mut archive)?;
    Ok(archive)
}

/// A U-Boot script image (legacy image header, type "script", uncompressed) holding `text`.
pub fn boot_script(text: &str) -> Result<Vec<u8>> {
    // Payload of a script image: a table of part lengths ending with 0, then the parts.
    let mut payload = Vec::new();
    payload.extend_from_slice(&(text.len() as u32).to_be_bytes());
    payload.extend_from_slice(&0u32.to_be_bytes());
    payload.extend_from_slice(text.as_bytes());
    let mut header = [0u8; 64];
    header[0..4].copy_from_slice(&0x2705_1956u32.to_be_bytes()); // magic
    // 4..8 header CRC (below), 8..12 time 0 (reproducible).
    header[12..16].copy_from_slice(&(payload.len() as u32).to_be_bytes());
    // 16..20 load address, 20..24 entry point: 0 for a script.
    header[24..28].copy_from_slice(&crc32fast::hash(&payload).to_be_bytes());
    header[28] = 5; // OS: Linux
    header[29] = 22; // architecture: ARM64
    header[30] = 6; // type: script
    header[31] = 0; // compression: none
    let name = b"db410c virtual board boot script";
    header[32..32 + name.len()].copy_from_slice(name);
    let header_crc = crc32fast::hash(&header);
    header[4..8].copy_from_slice(&header_crc.to_be_bytes());
    let mut image = header.to_vec();
    image.extend_from_slice(&payload);
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_dependency_is_read_from_the_control_file() {
        let control = "Package: linux-image-arm64\nVersion: 6.1.192-3\n\
                       Depends: linux-image-6.1.0-57-arm64 (= 6.1.192-3)\n";
        assert_eq!(
            depends_on_kernel(control).as_deref(),
            Some("linux-image-6.1.0-57-arm64")
        );
        assert_eq!(depends_on_kernel("Depends: busybox\n"), None);
    }

    #[test]
    fn initramfs_is_newc_with_init_console_and_trailer() {
        let archive =
            initramfs(b"\x7fELF-busybox", &[("a.ko".into(), b"module".to_vec())]).unwrap();
        assert_eq!(&archive[..6], b"070701");
        let mut names = Vec::new();
        let mut reader = std::io::Cursor::new(&archive);
        loop {
            let entry = cpio::NewcReader::new(&mut reader).unwrap();
            if entry.entry().is_trailer() {
                break;
            }
            let e = entry.entry();
            names.push((
                e.name().to_owned(),
                e.mode(),
                e.rdev_major(),
                e.rdev_minor(),
            ));
            entry.finish().unwrap();
        }
        assert!(names.contains(&("dev/console".into(), 0o020_600, 5, 1)));
        assert!(
            names
                .iter()
                .any(|(n, m, ..)| n == "init" && *m == 0o100_755)
        );
        assert!(
            names
                .iter()
                .any(|(n, m, ..)| n == "bin/sh" && *m == 0o120_777)
        );
    }

    #[test]
    fn boot_script_header_has_valid_crcs() {
        let image = boot_script("echo hi\n").unwrap();
        assert_eq!(&image[..4], &[0x27, 0x05, 0x19, 0x56]);
        let mut header = image[..64].to_vec();
        let stored = u32::from_be_bytes(header[4..8].try_into().unwrap());
        header[4..8].fill(0);
        assert_eq!(crc32fast::hash(&header), stored);
        let payload = &image[64..];
        assert_eq!(
            u32::from_be_bytes(image[24..28].try_into().unwrap()),
            crc32fast::hash(payload)
        );
        assert_eq!(&payload[..8], &[0, 0, 0, 8, 0, 0, 0, 0]);
        assert_eq!(&payload[8..], b"echo hi\n");
        assert_eq!(image[30], 6, "script");
    }
}
