//! `cargo xtask image`: a firmware example as an Android boot image the stock bootloader boots.
//!
//! Design notes:
//! - The stock DragonBoard 410c bootloader (LK "aboot", or lk2nd) only boots Android boot images
//!   (header v0, see docs/hardware/boot.md#boot-image) and only boots arm64 kernels that carry a device tree it can
//!   match to the board. So the image is: header page, then the "kernel" section holding
//!   `gzip(flat binary) ++ DTB`, padded to whole pages. No ramdisk, no second stage.
//! - Why gzip: LK finds an appended DTB at the offset it gets from the decompressor (the end of
//!   the gzip member) for a compressed kernel; for an uncompressed one it instead reads a 32-bit
//!   offset at byte 0x2C of the kernel, which in an arm64 `Image` header is reserved (zero), so
//!   it would look for the DTB at offset 0 and give up ("kernel image does not have appended
//!   DTB"). This is lk2nd's `dev_tree_appended()` / `decompress()` logic, read in
//!   msm8916-mainline/lk2nd (platform/msm_shared/dev_tree.c, lib/zlib_inflate/decompress.c);
//!   the 96Boards kernel images for this board are `Image.gz + dtb` for the same reason. LK
//!   decompresses into scratch memory and copies the kernel to DDR base + text_offset =
//!   0x8008_0000, where our firmware is linked.
//! - The flat binary is the ELF's PT_LOAD segments laid out from their lowest physical (load)
//!   address, gaps zero-filled, like `objcopy -O binary`. Its first 64 bytes must already be an
//!   arm64 `Image` header (the runtime writes it); we verify it rather than write it.
//! - The header's `id` is SHA-1 over each section's bytes followed by its size as a
//!   little-endian u32 (kernel, ramdisk, second), zero-padded to 32 bytes: what AOSP's
//!   `mkbootimg` writes for v0, so `unpack_bootimg`/`abootimg` and verified-boot tooling agree.

use crate::process::SpawnRetrying;
use crate::progress::Progress;
use crate::{build, prereq, process};
use anyhow::{Context, Result, bail, ensure};
use sha1::{Digest, Sha1};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the firmware is linked and where LK puts an arm64 kernel (contracts.md).
pub const LOAD_ADDRESS: u64 = 0x8008_0000;
/// The arm64 `Image` header's `text_offset` our firmware declares (load address - DDR base).
pub const TEXT_OFFSET: u64 = 0x8_0000;
/// Size of the arm64 `Image` header.
pub const IMAGE_HEADER_SIZE: usize = 64;
/// Refuse flat binaries bigger than this (a stray segment far away would make a huge file).
const MAX_FLAT_SIZE: u64 = 64 << 20;

/// Boot image header v0 values for the DragonBoard 410c (docs/hardware/boot.md#boot-image: page size 2048, base
/// 0x8000_0000 with mkbootimg's usual offsets; LK on msm8916 ignores the addresses anyway).
pub mod layout {
    pub const MAGIC: &[u8; 8] = b"ANDROID!";
    pub const PAGE_SIZE: u32 = 2048;
    pub const KERNEL_ADDR: u32 = 0x8000_8000;
    pub const RAMDISK_ADDR: u32 = 0x8100_0000;
    pub const SECOND_ADDR: u32 = 0x80F0_0000;
    pub const TAGS_ADDR: u32 = 0x81E0_0000;
    /// Bytes of the v0 header (magic .. extra_cmdline).
    pub const HEADER_SIZE: usize = 1632;
    pub const NAME_OFFSET: usize = 48;
    pub const NAME_SIZE: usize = 16;
    pub const ID_OFFSET: usize = 576;
}

/// Device tree identification of the DragonBoard 410c, which LK matches against the SoC and
/// board it runs on. Values: `QCOM_ID_APQ8016` = 247 and `QCOM_BOARD_ID_SBC` = 24, as in the
/// `dt-bindings/arm/qcom,ids.h` header and lk2nd's own `lk2nd/device/dts/msm8916/apq8016-sbc.dts`
/// (`qcom,msm-id = <247 0>`, `qcom,board-id = <24 0>`; second cells: SoC revision and board
/// subtype 0 = any). LK masks the board id to its low byte, so board version bits do not matter.
pub mod board_ids {
    pub const MSM_ID: [u32; 2] = [247, 0];
    pub const BOARD_ID: [u32; 2] = [24, 0];
}

/// The fields of an arm64 `Image` header we check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arm64Header {
    pub text_offset: u64,
    pub image_size: u64,
    pub flags: u64,
}

/// Parses and checks the arm64 `Image` header at the start of `flat` (`what` names the source).
pub fn arm64_header(flat: &[u8], what: &str) -> Result<Arm64Header> {
    ensure!(
        flat.len() >= IMAGE_HEADER_SIZE,
        "{what}: only {} bytes, too short for an arm64 Image header",
        flat.len()
    );
    let u64_at = |at: usize| u64::from_le_bytes(flat[at..at + 8].try_into().expect("8 bytes"));
    ensure!(
        &flat[0x38..0x3C] == b"ARM\x64",
        "{what}: no arm64 Image header (magic \"ARM\\x64\" missing at offset 0x38); \
         the firmware must start with the header the apq8016-hal runtime writes"
    );
    let header = Arm64Header {
        text_offset: u64_at(0x08),
        image_size: u64_at(0x10),
        flags: u64_at(0x18),
    };
    ensure!(
        header.text_offset == TEXT_OFFSET,
        "{what}: arm64 Image header text_offset is {:#x}, expected {TEXT_OFFSET:#x}",
        header.text_offset
    );
    ensure!(
        header.image_size >= flat.len() as u64,
        "{what}: arm64 Image header image_size {:#x} is smaller than the file contents ({:#x} bytes)",
        header.image_size,
        flat.len()
    );
    Ok(header)
}

/// Converts an aarch64 ELF to a flat binary starting at [`LOAD_ADDRESS`].
pub fn flat_binary(elf_path: &Path) -> Result<Vec<u8>> {
    let data =
        std::fs::read(elf_path).with_context(|| format!("cannot read {}", elf_path.display()))?;
    flat_binary_from(&data).with_context(|| format!("{}", elf_path.display()))
}

/// [`flat_binary`] on bytes already read.
pub fn flat_binary_from(data: &[u8]) -> Result<Vec<u8>> {
    use object::read::elf::{ElfFile64, FileHeader, ProgramHeader};
    let elf = ElfFile64::<object::Endianness>::parse(data)
        .map_err(|e| anyhow::anyhow!("not a 64-bit ELF file: {e}"))?;
    let endian = elf.endian();
    let machine = elf.elf_header().e_machine(endian);
    ensure!(
        machine == object::elf::EM_AARCH64,
        "not an aarch64 ELF (e_machine = {machine}, expected {} = AArch64)",
        object::elf::EM_AARCH64
    );
    let mut segments: Vec<(u64, &[u8])> = Vec::new();
    for header in elf.elf_program_headers() {
        if header.p_type(endian) != object::elf::PT_LOAD || header.p_filesz(endian) == 0 {
            continue;
        }
        let bytes = header
            .data(endian, data)
            .map_err(|()| anyhow::anyhow!("a PT_LOAD segment lies outside the file"))?;
        segments.push((header.p_paddr(endian), bytes));
    }
    segments.sort_by_key(|(address, _)| *address);
    let Some(&(base, _)) = segments.first() else {
        bail!("no PT_LOAD segment with file contents")
    };
    ensure!(
        base == LOAD_ADDRESS,
        "lowest load address is {base:#x}, expected {LOAD_ADDRESS:#x} (where the bootloader puts an arm64 kernel)"
    );
    let end = segments
        .iter()
        .map(|(a, b)| a + b.len() as u64)
        .max()
        .unwrap_or(base);
    ensure!(
        end - base <= MAX_FLAT_SIZE,
        "segments span {:#x}..{end:#x}, more than {} MiB",
        base,
        MAX_FLAT_SIZE >> 20
    );
    let mut flat = vec![0u8; (end - base) as usize];
    for (address, bytes) in segments {
        let at = (address - base) as usize;
        flat[at..at + bytes.len()].copy_from_slice(bytes);
    }
    Ok(flat)
}

/// The device tree blob appended to the kernel: just enough for LK to accept it and patch in
/// the memory map and command line (it needs `/memory` and `/chosen` to exist).
pub fn device_tree() -> Result<Vec<u8>> {
    let map = |e: vm_fdt::Error| anyhow::anyhow!("writing the device tree: {e}");
    let mut fdt = vm_fdt::FdtWriter::new().map_err(map)?;
    let root = fdt.begin_node("").map_err(map)?;
    fdt.property_string(
        "model",
        "Qualcomm Technologies, Inc. APQ 8016 SBC (DragonBoard 410c)",
    )
    .map_err(map)?;
    fdt.property_string_list(
        "compatible",
        vec!["qcom,apq8016-sbc".into(), "qcom,apq8016".into()],
    )
    .map_err(map)?;
    fdt.property_u32("#address-cells", 2).map_err(map)?;
    fdt.property_u32("#size-cells", 2).map_err(map)?;
    fdt.property_array_u32("qcom,msm-id", &board_ids::MSM_ID)
        .map_err(map)?;
    fdt.property_array_u32("qcom,board-id", &board_ids::BOARD_ID)
        .map_err(map)?;
    let chosen = fdt.begin_node("chosen").map_err(map)?;
    fdt.end_node(chosen).map_err(map)?;
    // 1 GiB of DDR at 0x8000_0000 (docs/hardware/memory-map.md#dram); LK rewrites `reg` from its own RAM table.
    let memory = fdt.begin_node("memory@80000000").map_err(map)?;
    fdt.property_string("device_type", "memory").map_err(map)?;
    fdt.property_array_u64("reg", &[0x8000_0000, 0x4000_0000])
        .map_err(map)?;
    fdt.end_node(memory).map_err(map)?;
    fdt.end_node(root).map_err(map)?;
    fdt.finish().map_err(map)
}

/// gzip with a fixed header (no name, mtime 0), so the same input gives the same image.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(data)
        .expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

/// Wraps `kernel` in an Android boot image v0 (no ramdisk, no second stage, empty cmdline).
/// `name` goes to the header's 16-byte name field (cut to 15 bytes plus NUL).
pub fn boot_image(kernel: &[u8], name: &str) -> Result<Vec<u8>> {
    use layout::*;
    let kernel_size = u32::try_from(kernel.len()).context("kernel larger than 4 GiB")?;
    let mut header = vec![0u8; HEADER_SIZE];
    let fields: [u32; 9] = [
        kernel_size,
        KERNEL_ADDR,
        0, // ramdisk_size
        RAMDISK_ADDR,
        0, // second_size
        SECOND_ADDR,
        TAGS_ADDR,
        PAGE_SIZE,
        0, // dt_size (v0: no QCDT table; the DTB is appended to the kernel)
    ];
    header[..8].copy_from_slice(MAGIC);
    for (i, value) in fields.iter().enumerate() {
        header[8 + 4 * i..12 + 4 * i].copy_from_slice(&value.to_le_bytes());
    }
    // os_version (offset 44) stays 0.
    let name_bytes = &name.as_bytes()[..name.len().min(NAME_SIZE - 1)];
    header[NAME_OFFSET..NAME_OFFSET + name_bytes.len()].copy_from_slice(name_bytes);
    // cmdline (64..576) and extra_cmdline (608..1632) stay empty.
    let mut sha = Sha1::new();
    for section in [kernel, &[], &[]] {
        sha.update(section);
        sha.update((section.len() as u32).to_le_bytes());
    }
    header[ID_OFFSET..ID_OFFSET + 20].copy_from_slice(&sha.finalize());

    let page = PAGE_SIZE as usize;
    let mut image = header;
    image.resize(page, 0);
    image.extend_from_slice(kernel);
    image.resize(image.len().div_ceil(page) * page, 0);
    Ok(image)
}

/// The kernel section of the boot image for a firmware ELF: gzip(flat binary) ++ DTB.
pub fn kernel_section(elf: &Path) -> Result<Vec<u8>> {
    let flat = flat_binary(elf)?;
    arm64_header(&flat, &elf.display().to_string())?;
    let mut kernel = gzip(&flat);
    kernel.extend_from_slice(&device_tree()?);
    Ok(kernel)
}

/// The default output path: next to the example's ELF, `<name>.boot.img`.
pub fn default_output(root: &Path, example: &str) -> PathBuf {
    build::target_dir(root)
        .join(prereq::TARGET)
        .join("release/examples")
        .join(format!("{example}.boot.img"))
}

/// `cargo xtask image`: builds the example and writes its boot image; returns the path.
pub fn build_image(
    root: &Path,
    example: &str,
    out: Option<&Path>,
    progress: &Progress,
) -> Result<PathBuf> {
    let name = build::check_example_name(root, example)?;
    prereq::firmware(root)?;
    progress.note(&format!("[1/3] building example `{name}`"));
    let elf = build::examples(root, std::slice::from_ref(&name))?.remove(0);
    let kernel = progress.step(
        &format!("[2/3] converting {} to a kernel with a DTB", elf.display()),
        || kernel_section(&elf),
    )?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| default_output(root, &name));
    progress.step(&format!("[3/3] writing {}", out.display()), || {
        let image = boot_image(&kernel, &name)?;
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&out, &image).with_context(|| format!("cannot write {}", out.display()))
    })?;
    Ok(out)
}

/// Makes sure an independent boot image reader (`unpack_bootimg`, Debian package `mkbootimg`)
/// is installed, installing it as root, and returns its path. Otherwise names the command.
pub fn ensure_boot_image_reader() -> Result<PathBuf> {
    if let Some(path) = process::find_on_path("unpack_bootimg") {
        return Ok(path);
    }
    let command =
        "apt-get install -y mkbootimg || (apt-get update && apt-get install -y mkbootimg)";
    if !process::is_root() {
        bail!("`unpack_bootimg` is missing; install it with:\n    sudo sh -c '{command}'");
    }
    eprintln!("xtask: installing the Debian package mkbootimg (for unpack_bootimg)");
    let status = Command::new("sh")
        .args(["-c", command])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status_retrying()
        .context("cannot run apt-get")?;
    ensure!(
        status.success(),
        "`{command}` failed; run it by hand and try again"
    );
    process::find_on_path("unpack_bootimg")
        .context("the mkbootimg package is installed but unpack_bootimg is not on PATH")
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A minimal little-endian ELF64 with the given machine and PT_LOAD segments
    /// (physical address, bytes), entered at the load address.
    pub fn tiny_elf(machine: u16, segments: &[(u64, &[u8])]) -> Vec<u8> {
        let segments: Vec<_> = segments
            .iter()
            .map(|&(address, bytes)| crate::elf_writer::Segment {
                address,
                bytes,
                flags: crate::elf_writer::READ_EXECUTE,
            })
            .collect();
        crate::elf_writer::executable(machine, LOAD_ADDRESS, &segments).expect("ELF written")
    }

    /// 64 bytes of arm64 Image header: branch, text_offset, image_size, flags, magic.
    pub fn image_header(image_size: u64) -> Vec<u8> {
        let mut header = vec![0u8; IMAGE_HEADER_SIZE];
        header[..4].copy_from_slice(&0x1400_0010u32.to_le_bytes()); // b +0x40
        header[8..16].copy_from_slice(&TEXT_OFFSET.to_le_bytes());
        header[16..24].copy_from_slice(&image_size.to_le_bytes());
        header[24..32].copy_from_slice(&0xAu64.to_le_bytes());
        header[0x38..0x3C].copy_from_slice(b"ARM\x64");
        header
    }

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn header_fields_are_at_the_v0_offsets() {
        let image = boot_image(b"abc", "hello").unwrap();
        assert_eq!(&image[0..8], b"ANDROID!");
        assert_eq!(u32_at(&image, 8), 3, "kernel_size");
        assert_eq!(u32_at(&image, 12), 0x8000_8000, "kernel_addr");
        assert_eq!(u32_at(&image, 16), 0, "ramdisk_size");
        assert_eq!(u32_at(&image, 20), 0x8100_0000, "ramdisk_addr");
        assert_eq!(u32_at(&image, 24), 0, "second_size");
        assert_eq!(u32_at(&image, 28), 0x80F0_0000, "second_addr");
        assert_eq!(u32_at(&image, 32), 0x81E0_0000, "tags_addr");
        assert_eq!(u32_at(&image, 36), 2048, "page_size");
        assert_eq!(u32_at(&image, 40), 0, "dt_size / header_version");
        assert_eq!(u32_at(&image, 44), 0, "os_version");
        assert_eq!(&image[48..54], b"hello\0");
        assert!(image[64..576].iter().all(|&b| b == 0), "cmdline is empty");
        // SHA-1("abc" ++ 3u32 ++ 0u32 ++ 0u32), computed independently with Python's hashlib.
        assert_eq!(
            &image[576..596],
            &[
                0x9c, 0x98, 0x3d, 0xd5, 0x1e, 0xf1, 0x29, 0x2b, 0x1d, 0x93, 0x66, 0x7a, 0xb5, 0x59,
                0x59, 0x32, 0xe2, 0xae, 0xa1, 0x88
            ]
        );
        assert!(
            image[596..2048].iter().all(|&b| b == 0),
            "id padding, extra cmdline, page padding"
        );
    }

    #[test]
    fn kernel_starts_on_the_second_page_and_image_is_page_aligned() {
        let kernel: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        let image = boot_image(&kernel, "a-very-long-example-name").unwrap();
        assert_eq!(
            image.len(),
            2048 * 4,
            "header page + 3 kernel pages (5000 bytes)"
        );
        assert_eq!(&image[2048..2048 + 5000], &kernel[..]);
        assert!(image[2048 + 5000..].iter().all(|&b| b == 0));
        assert_eq!(
            &image[48..64],
            b"a-very-long-exa\0",
            "name cut to 15 bytes + NUL"
        );
    }

    #[test]
    fn flat_binary_lays_segments_out_from_the_load_address() {
        let mut first = image_header(0x200);
        first.extend_from_slice(&[1, 2, 3, 4]);
        let elf = tiny_elf(
            object::elf::EM_AARCH64,
            &[(LOAD_ADDRESS + 0x100, &[9, 9]), (LOAD_ADDRESS, &first)],
        );
        let flat = flat_binary_from(&elf).unwrap();
        assert_eq!(flat.len(), 0x102);
        assert_eq!(&flat[..first.len()], &first[..]);
        assert!(
            flat[first.len()..0x100].iter().all(|&b| b == 0),
            "gap is zero-filled"
        );
        assert_eq!(&flat[0x100..], &[9, 9]);
        let header = arm64_header(&flat, "test").unwrap();
        assert_eq!(header.text_offset, TEXT_OFFSET);
        assert_eq!(header.image_size, 0x200);
    }

    #[test]
    fn wrong_load_address_is_an_error() {
        let elf = tiny_elf(
            object::elf::EM_AARCH64,
            &[(0x4000_0000, &image_header(0x100))],
        );
        let message = format!("{:#}", flat_binary_from(&elf).unwrap_err());
        assert!(message.contains("0x40000000"), "{message}");
    }

    #[test]
    fn missing_image_header_is_an_error() {
        let mut flat = image_header(0x100);
        flat[0x38] = b'X';
        let message = format!("{:#}", arm64_header(&flat, "fw.elf").unwrap_err());
        assert!(
            message.contains("fw.elf") && message.contains("ARM\\x64"),
            "{message}"
        );
        let mut flat = image_header(0x100);
        flat[10] = 0;
        assert!(format!("{:#}", arm64_header(&flat, "x").unwrap_err()).contains("text_offset"));
        assert!(
            format!("{:#}", arm64_header(&image_header(4), "x").unwrap_err())
                .contains("image_size")
        );
        assert!(format!("{:#}", arm64_header(&[0; 10], "x").unwrap_err()).contains("too short"));
    }

    #[test]
    fn malformed_and_foreign_elves_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("garbage.elf");
        std::fs::write(&garbage, b"this is not an ELF file at all, just text").unwrap();
        let message = format!("{:#}", flat_binary(&garbage).unwrap_err());
        assert!(
            message.contains("garbage.elf") && message.contains("ELF"),
            "{message}"
        );

        let x86 = dir.path().join("x86.elf");
        std::fs::write(
            &x86,
            tiny_elf(
                object::elf::EM_X86_64,
                &[(LOAD_ADDRESS, &image_header(0x100))],
            ),
        )
        .unwrap();
        let message = format!("{:#}", flat_binary(&x86).unwrap_err());
        assert!(
            message.contains("x86.elf") && message.contains("not an aarch64 ELF"),
            "{message}"
        );

        let missing = dir.path().join("missing.elf");
        assert!(format!("{:#}", flat_binary(&missing).unwrap_err()).contains("missing.elf"));
    }

    #[test]
    fn device_tree_has_what_lk_matches_and_patches() {
        let blob = device_tree().unwrap();
        let fdt = fdt::Fdt::new(&blob).unwrap();
        let root = fdt.find_node("/").unwrap();
        let compatible: Vec<&str> = root.compatible().unwrap().all().collect();
        assert_eq!(compatible, ["qcom,apq8016-sbc", "qcom,apq8016"]);
        let cells = |name: &str| root.property(name).unwrap().as_usize().unwrap();
        assert_eq!((cells("#address-cells"), cells("#size-cells")), (2, 2));
        let words = |name: &str| -> Vec<u32> {
            root.property(name)
                .unwrap()
                .value
                .chunks(4)
                .map(|c| u32::from_be_bytes(c.try_into().unwrap()))
                .collect()
        };
        assert_eq!(words("qcom,msm-id"), [247, 0]);
        assert_eq!(words("qcom,board-id"), [24, 0]);
        assert!(
            root.property("model")
                .unwrap()
                .as_str()
                .unwrap()
                .contains("APQ 8016")
        );
        assert!(fdt.find_node("/chosen").is_some());
        let memory = fdt.find_node("/memory@80000000").unwrap();
        let region = memory.reg().unwrap().next().unwrap();
        assert_eq!(region.starting_address as usize, 0x8000_0000);
        assert_eq!(region.size, Some(0x4000_0000));
    }

    #[test]
    fn kernel_section_is_gzip_then_dtb() {
        let mut first = image_header(0x80);
        first.extend_from_slice(&[0x55; 16]);
        let dir = tempfile::tempdir().unwrap();
        let elf = dir.path().join("fw");
        std::fs::write(
            &elf,
            tiny_elf(object::elf::EM_AARCH64, &[(LOAD_ADDRESS, &first)]),
        )
        .unwrap();
        let kernel = kernel_section(&elf).unwrap();
        let mut decoder = flate2::read::GzDecoder::new(&kernel[..]);
        let mut flat = Vec::new();
        std::io::Read::read_to_end(&mut decoder, &mut flat).unwrap();
        assert_eq!(flat, first);
        let dtb = device_tree().unwrap();
        assert_eq!(&kernel[kernel.len() - dtb.len()..], &dtb[..]);
        assert_eq!(kernel.len(), gzip(&first).len() + dtb.len());
    }
}
