//! Image loading: ELF files (segments at their physical addresses) and Android boot images
//! (v0 header; arm64 `Image` kernel placed at DRAM base + text_offset, device tree at
//! 0x81E0_0000 as the stock LK does).
//!
//! Design notes:
//! - Every size taken from the file (segment sizes, the Image header's `text_offset` and
//!   `image_size`, the inflated length of a gzip kernel) is checked against DRAM (1 GiB at
//!   0x8000_0000) before anything is allocated for it, so a damaged or hostile image is a
//!   clear error, never a panic or a huge allocation.
//! - A gzip kernel is inflated through `Read::take` with the room left in DRAM above its load
//!   address as the limit: a small file that inflates to gigabytes is refused once it passes
//!   that limit. The limit is only known after the 64-byte Image header, so the header is
//!   inflated first; then one pass only counts bytes (memory stays small whatever the
//!   stream holds) and a second one, for a kernel that fits, keeps them.
//! - Chunks carry the bytes present in the file only. The rest of an ELF segment (`p_memsz`
//!   beyond `p_filesz`) and of a kernel's `image_size` is zero because the board maps DRAM
//!   zero-filled; so that no zero tail can hide another segment's bytes, overlapping ELF
//!   segments are refused.
//! - ELF segments go to their physical address (`p_paddr`), the address the boot-image writer
//!   (`cargo xtask image`) uses too. The entry point `e_entry` is a virtual address; when it
//!   lies in a segment linked at another physical address it is moved with that segment.

use std::io::Read;

use object::elf;
use object::read::elf::{ElfFile64, FileHeader, ProgramHeader};
use object::{Architecture, Endianness, Object};

/// DRAM base.
pub const DRAM_BASE: u64 = 0x8000_0000;
/// DRAM size (1 GiB on the DragonBoard 410c).
pub const DRAM_SIZE: u64 = 0x4000_0000;
/// First address past DRAM.
pub const DRAM_END: u64 = DRAM_BASE + DRAM_SIZE;
/// Where the stock boot chain puts the device tree.
pub const DTB_ADDR: u64 = 0x81E0_0000;

/// An image ready to be copied into DRAM.
#[derive(Debug)]
pub struct LoadedImage {
    /// (address, bytes) chunks: the bytes the file holds. DRAM must be zero-filled before they
    /// are written (segment and kernel space beyond them is zero, see the design notes).
    pub chunks: Vec<(u64, Vec<u8>)>,
    /// Entry point.
    pub entry: u64,
    /// Value for x0 (device-tree address or 0).
    pub x0: u64,
}

fn in_dram(addr: u64, len: u64) -> bool {
    addr >= DRAM_BASE && addr.checked_add(len).is_some_and(|end| end <= DRAM_END)
}

/// Load an ELF or Android boot image from `data`. Errors name the problem (the caller adds
/// the file name).
pub fn load(data: &[u8]) -> Result<LoadedImage, String> {
    if data.starts_with(b"ANDROID!") {
        return load_boot_image(data);
    }
    load_elf(data)
}

fn load_elf(data: &[u8]) -> Result<LoadedImage, String> {
    let file =
        object::File::parse(data).map_err(|e| format!("not an ELF or Android boot image: {e}"))?;
    if file.architecture() != Architecture::Aarch64 || !file.is_64() {
        return Err(format!(
            "wrong machine {:?}: need a 64-bit AArch64 ELF",
            file.architecture()
        ));
    }
    let file = ElfFile64::<Endianness>::parse(data)
        .map_err(|e| format!("not an ELF or Android boot image: {e}"))?;
    let endian = file.endian();
    let entry = file.elf_header().e_entry(endian);
    let mut chunks = Vec::new();
    // Physical ranges [start, end) of every segment, zero tail included, for the overlap check.
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    let mut entry_phys = None;
    for header in file.elf_program_headers() {
        if header.p_type(endian) != elf::PT_LOAD {
            continue;
        }
        let (vaddr, paddr) = (header.p_vaddr(endian), header.p_paddr(endian));
        let (file_size, mem_size) = (header.p_filesz(endian), header.p_memsz(endian));
        if file_size > mem_size {
            return Err(format!(
                "segment at {paddr:#x}: file size {file_size:#x} exceeds its memory size {mem_size:#x}"
            ));
        }
        if mem_size == 0 {
            continue;
        }
        if !in_dram(paddr, mem_size) {
            return Err(format!(
                "segment at {paddr:#x} (size {mem_size:#x}) lies outside DRAM {DRAM_BASE:#x}..{DRAM_END:#x}"
            ));
        }
        let bytes = header.data(endian, data).map_err(|()| {
            format!("segment at {paddr:#x}: its file range lies past the end of the file")
        })?;
        if entry_phys.is_none() && (vaddr..vaddr.saturating_add(mem_size)).contains(&entry) {
            entry_phys = Some(entry - vaddr + paddr);
        }
        ranges.push((paddr, paddr + mem_size));
        if !bytes.is_empty() {
            chunks.push((paddr, bytes.to_vec()));
        }
    }
    if ranges.is_empty() {
        return Err("ELF has no loadable segments".into());
    }
    ranges.sort_unstable();
    if let Some(w) = ranges.windows(2).find(|w| w[1].0 < w[0].1) {
        return Err(format!(
            "segments at {:#x}..{:#x} and {:#x}..{:#x} overlap",
            w[0].0, w[0].1, w[1].0, w[1].1
        ));
    }
    let entry = entry_phys.unwrap_or(entry);
    if !in_dram(entry, 4) {
        return Err(format!("entry point {entry:#x} is outside DRAM"));
    }
    Ok(LoadedImage {
        chunks,
        entry,
        x0: 0,
    })
}

fn le32(d: &[u8], off: usize) -> Result<u32, String> {
    d.get(off..off + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| "truncated header".to_string())
}

fn le64(d: &[u8], off: usize) -> Result<u64, String> {
    Ok(u64::from(le32(d, off)?) | u64::from(le32(d, off + 4)?) << 32)
}

fn is_fdt(d: &[u8]) -> bool {
    d.starts_with(&[0xD0, 0x0D, 0xFE, 0xED])
}

/// Size of the arm64 `Image` header.
const IMAGE_HEADER_SIZE: usize = 0x40;

/// Where an arm64 `Image` goes and how much DRAM it claims, from its header.
struct ImageHeader {
    /// DRAM base + text_offset.
    load_at: u64,
    /// `image_size` (0: unknown, the file length counts).
    image_size: u64,
    /// Bytes of DRAM from `load_at` to the end of DRAM.
    room: u64,
}

fn image_header(kernel: &[u8]) -> Result<ImageHeader, String> {
    if kernel.get(0x38..0x3C) != Some(b"ARM\x64") {
        return Err(
            "boot image: kernel is not an arm64 Image (no \"ARM\\x64\" magic at 0x38)".into(),
        );
    }
    let text_offset = le64(kernel, 8)?;
    let image_size = le64(kernel, 16)?;
    let load_at = DRAM_BASE
        .checked_add(text_offset)
        .filter(|&a| a < DRAM_END)
        .ok_or_else(|| {
            format!(
                "boot image: the kernel's text_offset {text_offset:#x} puts it outside DRAM {DRAM_BASE:#x}..{DRAM_END:#x}"
            )
        })?;
    let room = DRAM_END - load_at;
    if image_size > room {
        return Err(format!(
            "boot image: the kernel's image_size {image_size:#x} does not fit in the {room:#x} bytes of DRAM from its load address {load_at:#x}"
        ));
    }
    Ok(ImageHeader {
        load_at,
        image_size,
        room,
    })
}

/// Inflate a gzip kernel, refusing it once it passes what fits in DRAM from its load address.
/// Returns the kernel and the file bytes after the gzip member.
///
/// Two passes: the first only counts the inflated bytes (up to the limit), so a stream that
/// inflates past DRAM is refused without holding any of it; the second keeps the bytes.
fn inflate_kernel(compressed: &[u8]) -> Result<(Vec<u8>, &[u8]), String> {
    let corrupt =
        |e: std::io::Error| format!("boot image: the gzip-compressed kernel is corrupt: {e}");
    let mut decoder = flate2::bufread::GzDecoder::new(compressed);
    let mut header = [0u8; IMAGE_HEADER_SIZE];
    decoder
        .read_exact(&mut header)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                "boot image: the gzip-compressed kernel is shorter than an arm64 Image header"
                    .to_string()
            }
            _ => corrupt(e),
        })?;
    let header = image_header(&header)?;
    // One byte more than fits tells "too big" from "exactly fits".
    let limit = header.room + 1;
    let inflated_size = std::io::copy(
        &mut flate2::bufread::GzDecoder::new(compressed).take(limit),
        &mut std::io::sink(),
    )
    .map_err(corrupt)?;
    if inflated_size > header.room {
        return Err(format!(
            "boot image: the gzip-compressed kernel inflates to more than the {:#x} bytes of DRAM from its load address {:#x}",
            header.room, header.load_at
        ));
    }
    let mut decoder = flate2::bufread::GzDecoder::new(compressed);
    // `inflated_size` fits in DRAM, so in usize.
    let mut kernel = Vec::with_capacity(inflated_size as usize);
    decoder.read_to_end(&mut kernel).map_err(corrupt)?;
    Ok((kernel, decoder.into_inner()))
}

fn load_boot_image(d: &[u8]) -> Result<LoadedImage, String> {
    let kernel_size = le32(d, 8)? as usize;
    let ramdisk_size = le32(d, 16)? as usize;
    let second_size = le32(d, 24)? as usize;
    let page = le32(d, 36)? as usize;
    if !page.is_power_of_two() || page < 2048 {
        return Err(format!("boot image page size {page} is not valid"));
    }
    let pages = |n: usize| n.div_ceil(page) * page;
    let kernel = d
        .get(page..page + kernel_size)
        .ok_or("boot image: kernel runs past the end of the file")?;
    // LK's layout for a compressed kernel: gzip(Image) followed directly by the device tree;
    // the bootloader finds the DTB where the gzip member ends and inflates the kernel.
    let (inflated, after_gzip);
    let kernel = if kernel.starts_with(&[0x1F, 0x8B]) {
        let (k, rest) = inflate_kernel(kernel)?;
        inflated = k;
        after_gzip = Some(rest);
        &inflated[..]
    } else {
        after_gzip = None;
        kernel
    };
    let header = image_header(kernel)?;
    // `image_header` checked image_size against DRAM, so it fits in usize.
    let image_size = header.image_size as usize;
    let (kernel_part, appended) =
        if image_size != 0 && image_size < kernel.len() && is_fdt(&kernel[image_size..]) {
            (&kernel[..image_size], Some(&kernel[image_size..]))
        } else {
            (kernel, None)
        };
    let claimed = (kernel_part.len() as u64).max(header.image_size);
    if claimed > header.room {
        return Err(format!(
            "boot image: the kernel ({claimed:#x} bytes) does not fit in the {:#x} bytes of DRAM from its load address {:#x}",
            header.room, header.load_at
        ));
    }
    let second_off = page + pages(kernel_size) + pages(ramdisk_size);
    let second = d
        .get(second_off..second_off.saturating_add(second_size))
        .filter(|s| is_fdt(s));
    let dtb = after_gzip
        .filter(|rest| is_fdt(rest))
        .or(appended)
        .or(second);
    let mut chunks = vec![(header.load_at, kernel_part.to_vec())];
    let mut x0 = 0;
    if let Some(dtb) = dtb {
        if !in_dram(DTB_ADDR, dtb.len() as u64) {
            return Err(format!(
                "boot image: the device tree ({:#x} bytes) does not fit in DRAM at {DTB_ADDR:#x}",
                dtb.len()
            ));
        }
        chunks.push((DTB_ADDR, dtb.to_vec()));
        x0 = DTB_ADDR;
    }
    Ok(LoadedImage {
        chunks,
        entry: header.load_at,
        x0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_and_boot_image_places_kernel_and_dtb() {
        assert!(load(b"hello").is_err());
        let page = 2048usize;
        let mut kernel = vec![0u8; 0x40];
        kernel[8..16].copy_from_slice(&0x80000u64.to_le_bytes());
        kernel[16..24].copy_from_slice(&0x40u64.to_le_bytes());
        kernel[0x38..0x3C].copy_from_slice(b"ARM\x64");
        kernel.extend_from_slice(&[0xD0, 0x0D, 0xFE, 0xED, 1, 2, 3, 4]);
        let mut img = vec![0u8; page];
        img[..8].copy_from_slice(b"ANDROID!");
        img[8..12].copy_from_slice(&(kernel.len() as u32).to_le_bytes());
        img[36..40].copy_from_slice(&(page as u32).to_le_bytes());
        img.extend_from_slice(&kernel);
        let l = load(&img).unwrap();
        assert_eq!(l.entry, 0x8008_0000);
        assert_eq!(l.x0, DTB_ADDR);
        assert_eq!(l.chunks[0].1.len(), 0x40);
        assert_eq!(
            l.chunks[1],
            (DTB_ADDR, vec![0xD0, 0x0D, 0xFE, 0xED, 1, 2, 3, 4])
        );
    }

    fn boot_image(kernel: &[u8]) -> Vec<u8> {
        let page = 2048usize;
        let mut img = vec![0u8; page];
        img[..8].copy_from_slice(b"ANDROID!");
        img[8..12].copy_from_slice(&(kernel.len() as u32).to_le_bytes());
        img[36..40].copy_from_slice(&(page as u32).to_le_bytes());
        img.extend_from_slice(kernel);
        img
    }

    fn image_header(text_offset: u64, image_size: u64) -> Vec<u8> {
        let mut h = vec![0u8; IMAGE_HEADER_SIZE];
        h[8..16].copy_from_slice(&text_offset.to_le_bytes());
        h[16..24].copy_from_slice(&image_size.to_le_bytes());
        h[0x38..0x3C].copy_from_slice(b"ARM\x64");
        h
    }

    /// Sizes from the file that do not fit DRAM are errors, never panics or allocations.
    #[test]
    fn header_sizes_outside_dram_are_errors() {
        for (offset, size, problem) in [
            (u64::MAX, 0, "text_offset"),
            (DRAM_SIZE, 0, "text_offset"),
            (0x8_0000, u64::MAX, "image_size"),
            (0x8_0000, DRAM_SIZE, "image_size"),
            (DRAM_SIZE - 0x10, 0, "does not fit"),
        ] {
            let e = load(&boot_image(&image_header(offset, size))).unwrap_err();
            assert!(e.contains(problem), "{offset:#x} {size:#x}: {e}");
        }
        // Exactly up to the end of DRAM is fine.
        let l = load(&boot_image(&image_header(DRAM_SIZE - 0x40, 0x40))).unwrap();
        assert_eq!(l.entry, DRAM_BASE + DRAM_SIZE - 0x40);
        // A huge image_size that fits is not allocated: only the file's bytes are kept.
        let l = load(&boot_image(&image_header(0x8_0000, 0x3000_0000))).unwrap();
        assert_eq!(l.chunks[0].1.len(), IMAGE_HEADER_SIZE);
    }

    /// A gzip kernel that inflates past the end of DRAM from its load address is refused.
    #[test]
    fn gzip_kernel_past_the_end_of_dram_is_refused() {
        use std::io::Write;
        let room = 0x1000;
        let mut image = image_header(DRAM_SIZE - room, 0);
        image.resize(room as usize + 1, 0);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&image).unwrap();
        let e = load(&boot_image(&gz.finish().unwrap())).unwrap_err();
        assert!(e.contains("inflates to more than the 0x1000 bytes"), "{e}");
        image.pop();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&image).unwrap();
        let l = load(&boot_image(&gz.finish().unwrap())).unwrap();
        assert_eq!(l.chunks[0].1.len(), room as usize);
    }

    /// LK's compressed layout: gzip(Image) then the device tree right after the gzip member.
    #[test]
    fn boot_image_with_gzip_kernel_and_dtb_after_it() {
        use std::io::Write;
        let page = 2048usize;
        let mut image = vec![0u8; 0x80];
        image[8..16].copy_from_slice(&0x80000u64.to_le_bytes());
        image[16..24].copy_from_slice(&0x80u64.to_le_bytes());
        image[0x38..0x3C].copy_from_slice(b"ARM\x64");
        image[0x40] = 0xAA;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&image).unwrap();
        let mut kernel = gz.finish().unwrap();
        let dtb = vec![0xD0, 0x0D, 0xFE, 0xED, 9, 8, 7, 6];
        kernel.extend_from_slice(&dtb);
        let mut img = vec![0u8; page];
        img[..8].copy_from_slice(b"ANDROID!");
        img[8..12].copy_from_slice(&(kernel.len() as u32).to_le_bytes());
        img[36..40].copy_from_slice(&(page as u32).to_le_bytes());
        img.extend_from_slice(&kernel);
        let l = load(&img).unwrap();
        assert_eq!(l.entry, 0x8008_0000);
        assert_eq!(l.chunks[0], (0x8008_0000, image));
        assert_eq!(l.chunks[1], (DTB_ADDR, dtb));
        assert_eq!(l.x0, DTB_ADDR);

        // A damaged gzip stream is an error, not a half-loaded kernel.
        let mut bad = img.clone();
        bad[page + 20] ^= 0xFF;
        assert!(load(&bad).unwrap_err().contains("gzip"));
    }
}
