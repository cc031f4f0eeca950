//! Image loading through the `db410c-emu` binary: boot images whose sizes do not fit DRAM are
//! refused with a clear error (exit 1) before anything big is allocated, and ELF segments go
//! to their physical addresses.

mod common;
use common::{LOAD, Segment, elf_with_segments, image_path, run_image};

const DRAM_BASE: u64 = 0x8000_0000;
const DRAM_SIZE: u64 = 0x4000_0000;

// PS_HOLD release: the run ends with exit 0 and reports the PC of the store.
const MOVZ_X1_4A_LSL16: u32 = 0xD2A0_0941; // movz x1, #0x4a, lsl #16
const MOVK_X1_B000: u32 = 0xF296_0001; // movk x1, #0xb000
const STR_WZR_X1: u32 = 0xB900_003F; // str wzr, [x1]
const B_SELF: u32 = 0x1400_0000; // b .

/// A 64-byte arm64 `Image` header (its first word branches past the header).
fn image_header(text_offset: u64, image_size: u64) -> Vec<u8> {
    let mut h = vec![0u8; 0x40];
    h[0..4].copy_from_slice(&0x1400_0010u32.to_le_bytes()); // b +0x40
    h[8..16].copy_from_slice(&text_offset.to_le_bytes());
    h[16..24].copy_from_slice(&image_size.to_le_bytes());
    h[0x38..0x3C].copy_from_slice(b"ARM\x64");
    h
}

/// An Android boot image (v0, page 2048) with `kernel` and nothing else.
fn boot_image(kernel: &[u8]) -> Vec<u8> {
    let page = 2048usize;
    let mut img = vec![0u8; page];
    img[..8].copy_from_slice(b"ANDROID!");
    img[8..12].copy_from_slice(&(kernel.len() as u32).to_le_bytes());
    img[36..40].copy_from_slice(&(page as u32).to_le_bytes());
    img.extend_from_slice(kernel);
    img
}

/// Bits written least-significant first, as deflate packs them.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code: sent most-significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        for k in (0..len).rev() {
            self.put(u64::from(code >> k & 1), 1);
        }
    }

    /// A literal byte with the fixed Huffman code.
    fn literal(&mut self, b: u8) {
        match b {
            0..=143 => self.code(0x30 + u32::from(b), 8),
            _ => self.code(0x190 + u32::from(b - 144), 9),
        }
    }
}

/// CRC-32 (gzip's, bit by bit).
fn crc32(bytes: impl Iterator<Item = u8>) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                crc >> 1 ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A gzip member, built by hand, that inflates to `header` followed by `zeros` zero bytes
/// (a multiple of 258): one fixed-Huffman block of literals for the header, then
/// back-references of 258 bytes at distance 1 (13 bits each, so 1 GiB costs about 6.6 MB).
/// With `trailer` false its CRC and length are left zero (computing them for gigabytes is
/// slow): a loader that reads that far has already failed the test.
fn gzip_bomb(header: &[u8], zeros: u64, trailer: bool) -> Vec<u8> {
    assert_eq!(zeros % 258, 0);
    assert_eq!(
        header.last(),
        Some(&0),
        "the back-references repeat the last byte"
    );
    let mut bits = Bits {
        out: vec![0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF],
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE = fixed Huffman
    for &b in header {
        bits.literal(b);
    }
    let reference = |bits: &mut Bits| {
        bits.code(0xC5, 8); // length code 285: 258 bytes
        bits.code(0, 5); // distance code 0: distance 1
    };
    let mut left = zeros / 258;
    if left >= 16 {
        // Eight references are 104 bits = 13 bytes, so after a first group every further
        // group of eight is the same 13 bytes: copy them instead of writing bit by bit.
        (0..8).for_each(|_| reference(&mut bits));
        let start = bits.out.len();
        (0..8).for_each(|_| reference(&mut bits));
        let group = bits.out[start..].to_vec();
        assert_eq!(group.len(), 13);
        left -= 16;
        for _ in 0..left / 8 {
            bits.out.extend_from_slice(&group);
        }
        left %= 8;
    }
    (0..left).for_each(|_| reference(&mut bits));
    bits.code(0, 7); // end of block
    bits.put(0, 7);
    let mut out = bits.out;
    if trailer {
        let data = header.iter().copied().chain((0..zeros).map(|_| 0));
        out.extend_from_slice(&crc32(data).to_le_bytes());
        out.extend_from_slice(&((header.len() as u64 + zeros) as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&[0; 8]);
    }
    out
}

#[test]
fn huge_image_size_in_the_arm64_header_is_refused() {
    for (name, image_size) in [("size-max", u64::MAX), ("size-2g", 2 << 30)] {
        let r = run_image(name, &boot_image(&image_header(0x8_0000, image_size)), &[]);
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        let expected = format!(
            "emu: error: {}: boot image: the kernel's image_size {image_size:#x} does not fit in the 0x3ff80000 bytes of DRAM from its load address 0x80080000",
            image_path(name).display()
        );
        assert!(r.stderr.starts_with(&expected), "{name}: {}", r.stderr);
    }
}

#[test]
fn text_offset_outside_dram_is_refused() {
    let r = run_image("offset", &boot_image(&image_header(DRAM_SIZE, 0)), &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("boot image: the kernel's text_offset 0x40000000 puts it outside DRAM"),
        "{}",
        r.stderr
    );
}

/// A 5 MB file that would inflate to 1.1 GiB. The kernel is placed 1 MiB below the end of
/// DRAM, so the loader must stop inflating after about 1 MiB (fast, little memory).
#[test]
fn gzip_kernel_that_inflates_past_dram_is_refused_early() {
    let room = 0x10_0000;
    let bomb = gzip_bomb(&image_header(DRAM_SIZE - room, 0), 258 * 4_578_000, false);
    assert!(bomb.len() < 8 << 20);
    let started = std::time::Instant::now();
    let r = run_image("gzip-bomb", &boot_image(&bomb), &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "boot image: the gzip-compressed kernel inflates to more than the 0x100000 bytes of DRAM from its load address 0xbff00000"
        ),
        "{}",
        r.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

/// The same 1.1 GiB stream at the usual load address: the loader counts up to the whole of
/// DRAM before refusing it, without keeping the bytes. Run with its address space limited to
/// 256 MiB, so a loader that collected the inflated kernel in memory would abort instead.
#[cfg(target_os = "linux")]
#[test]
fn gzip_kernel_bomb_is_refused_with_little_memory() {
    let bomb = gzip_bomb(&image_header(0x8_0000, 0), 258 * 4_578_000, false);
    let path = image_path("gzip-bomb-full");
    std::fs::write(&path, boot_image(&bomb)).unwrap();
    let out = std::process::Command::new("sh")
        .args(["-c", "ulimit -v 262144 && exec \"$0\" \"$1\""])
        .arg(env!("CARGO_BIN_EXE_db410c-emu"))
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "boot image: the gzip-compressed kernel inflates to more than the 0x3ff80000 bytes of DRAM from its load address 0x80080000"
        ),
        "{stderr}"
    );
}

/// The same hand-made gzip writer gives a kernel that runs when it fits exactly: the refusal
/// above comes from the size, not from the stream.
#[test]
fn hand_made_gzip_kernel_that_exactly_fits_runs() {
    let code = [MOVZ_X1_4A_LSL16, MOVK_X1_B000, STR_WZR_X1, B_SELF];
    // Header, code and one zero byte as literals, then 4 x 258 zero bytes up to the end of DRAM.
    let room = 0x40 + 0x10 + 1 + 258 * 4;
    let mut literals = image_header(DRAM_SIZE - room, 0);
    literals.extend(code.iter().flat_map(|w| w.to_le_bytes()));
    literals.push(0);
    let r = run_image(
        "gzip-fits",
        &boot_image(&gzip_bomb(&literals, 258 * 4, true)),
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let store_at = DRAM_BASE + DRAM_SIZE - room + 0x40 + 8;
    assert!(
        r.stderr
            .contains(&format!("emu: PS_HOLD released at pc={store_at:#x}")),
        "{}",
        r.stderr
    );
}

/// Firmware linked at a high virtual address and loaded at 0x8008_0000 (p_paddr) runs from
/// its physical address, as it would from its boot image.
#[test]
fn elf_segments_load_at_their_physical_address() {
    let virt = 0xFFFF_FF80_0008_0000u64;
    let code: Vec<u8> = [MOVZ_X1_4A_LSL16, MOVK_X1_B000, STR_WZR_X1, B_SELF]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    let segment = Segment {
        vaddr: virt,
        paddr: LOAD,
        bytes: &code,
        mem_size: 0x1000,
    };
    let r = run_image("paddr", &elf_with_segments(virt, &[segment]), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: PS_HOLD released at pc=0x80080008: system reset"),
        "{}",
        r.stderr
    );
}

#[test]
fn elf_segment_past_dram_or_overlapping_is_refused() {
    let code = [0u8; 16];
    let seg = |paddr, mem_size| Segment {
        vaddr: paddr,
        paddr,
        bytes: &code,
        mem_size,
    };
    let r = run_image(
        "past-dram",
        &elf_with_segments(LOAD, &[seg(LOAD, u64::MAX / 2)]),
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("lies outside DRAM"), "{}", r.stderr);
    let r = run_image(
        "overlap",
        &elf_with_segments(LOAD, &[seg(LOAD, 0x100), seg(LOAD + 0x80, 0x10)]),
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("segments at 0x80080000..0x80080100 and 0x80080080..0x80080090 overlap"),
        "{}",
        r.stderr
    );
    let last = DRAM_BASE + DRAM_SIZE - 0x10;
    let r = run_image("at-end", &elf_with_segments(last, &[seg(last, 0x10)]), &[]);
    assert_eq!(
        r.code, 5,
        "a segment ending at the end of DRAM loads: {}",
        r.stderr
    );
}
