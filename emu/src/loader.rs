//! Image loading: ELF files (segments at their physical addresses) and Android boot images
//! (v0 header; arm64 `Image` kernel placed at DRAM base + text_offset, device tree at
//! 0x81E0_0000 as the stock LK does).

use object::{Architecture, Object, ObjectSegment};

/// DRAM base.
pub const DRAM_BASE: u64 = 0x8000_0000;
/// DRAM size (1 GiB on the DragonBoard 410c).
pub const DRAM_SIZE: u64 = 0x4000_0000;
/// Where the stock boot chain puts the device tree.
pub const DTB_ADDR: u64 = 0x81E0_0000;

/// An image ready to be copied into DRAM.
#[derive(Debug)]
pub struct LoadedImage {
    /// (address, bytes) chunks; bytes beyond the file contents are zero-filled already.
    pub chunks: Vec<(u64, Vec<u8>)>,
    /// Entry point.
    pub entry: u64,
    /// Value for x0 (device-tree address or 0).
    pub x0: u64,
}

fn in_dram(addr: u64, len: u64) -> bool {
    addr >= DRAM_BASE
        && addr
            .checked_add(len)
            .is_some_and(|end| end <= DRAM_BASE + DRAM_SIZE)
}

/// Load an ELF or Android boot image from `data`. Errors name the problem (the caller adds
/// the file name).
pub fn load(data: &[u8]) -> Result<LoadedImage, String> {
    if data.starts_with(b"ANDROID!") {
        return load_boot_image(data);
    }
    let file =
        object::File::parse(data).map_err(|e| format!("not an ELF or Android boot image: {e}"))?;
    if file.architecture() != Architecture::Aarch64 || !file.is_64() {
        return Err(format!(
            "wrong machine {:?}: need a 64-bit AArch64 ELF",
            file.architecture()
        ));
    }
    let mut chunks = Vec::new();
    for seg in file.segments() {
        let (addr, size) = (seg.address(), seg.size());
        let bytes = seg
            .data()
            .map_err(|e| format!("bad segment at {addr:#x}: {e}"))?;
        if size == 0 && bytes.is_empty() {
            continue;
        }
        if !in_dram(addr, size.max(bytes.len() as u64)) {
            return Err(format!(
                "segment at {addr:#x} (size {size:#x}) lies outside DRAM {DRAM_BASE:#x}..{:#x}",
                DRAM_BASE + DRAM_SIZE
            ));
        }
        let mut v = bytes.to_vec();
        v.resize(size.max(bytes.len() as u64) as usize, 0);
        chunks.push((addr, v));
    }
    if chunks.is_empty() {
        return Err("ELF has no loadable segments".into());
    }
    let entry = file.entry();
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
        use std::io::Read;
        let mut decoder = flate2::bufread::GzDecoder::new(kernel);
        let mut out = Vec::new();
        decoder
            .read_to_end(&mut out)
            .map_err(|e| format!("boot image: the gzip-compressed kernel is corrupt: {e}"))?;
        after_gzip = Some(decoder.into_inner());
        inflated = out;
        &inflated[..]
    } else {
        after_gzip = None;
        kernel
    };
    if kernel.get(0x38..0x3C) != Some(b"ARM\x64") {
        return Err(
            "boot image: kernel is not an arm64 Image (no \"ARM\\x64\" magic at 0x38)".into(),
        );
    }
    let text_offset = le64(kernel, 8)?;
    let image_size = le64(kernel, 16)? as usize;
    let load_at = DRAM_BASE + text_offset;
    let (kernel_part, appended) =
        if image_size != 0 && image_size < kernel.len() && is_fdt(&kernel[image_size..]) {
            (&kernel[..image_size], Some(&kernel[image_size..]))
        } else {
            (kernel, None)
        };
    let second_off = page + pages(kernel_size) + pages(ramdisk_size);
    let second = d
        .get(second_off..second_off + second_size)
        .filter(|s| is_fdt(s));
    let dtb = after_gzip
        .filter(|rest| is_fdt(rest))
        .or(appended)
        .or(second);
    let mut v = kernel_part.to_vec();
    v.resize(v.len().max(image_size), 0);
    if !in_dram(load_at, v.len() as u64) {
        return Err(format!("kernel at {load_at:#x} does not fit in DRAM"));
    }
    let mut chunks = vec![(load_at, v)];
    let mut x0 = 0;
    if let Some(dtb) = dtb {
        chunks.push((DTB_ADDR, dtb.to_vec()));
        x0 = DTB_ADDR;
    }
    Ok(LoadedImage {
        chunks,
        entry: load_at,
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
