//! The one place xtask writes ELF executables: a file header and one `PT_LOAD` program header
//! per segment, no sections. Used to wrap a raw image (Debian's `u-boot.bin`) so the virtual
//! board can load it, and by unit tests that need small synthetic firmware files.
//!
//! Design notes: the file is laid out with `object`'s low-level ELF writer. Each segment's
//! file offset is congruent to its address modulo the 4 KiB page size (`p_align` = 4 KiB),
//! which is what loaders that map segments expect; the padding costs at most a page each.

use anyhow::{Context, Result};
use object::elf;
use object::write::elf::{FileHeader, ProgramHeader, Writer};

/// Page size the segments are aligned to in the file.
const PAGE: u64 = 0x1000;

/// Segment permissions (`p_flags`).
#[cfg(test)]
pub const READ_EXECUTE: u32 = elf::PF_R | elf::PF_X;
pub const READ_WRITE_EXECUTE: u32 = elf::PF_R | elf::PF_W | elf::PF_X;

/// One loadable segment: `bytes` at `address` (virtual = physical).
pub struct Segment<'a> {
    pub address: u64,
    pub bytes: &'a [u8],
    pub flags: u32,
}

/// A little-endian ELF64 executable for `machine` (e.g. `object::elf::EM_AARCH64`) with the
/// given segments, entered at `entry`.
pub fn executable(machine: u16, entry: u64, segments: &[Segment]) -> Result<Vec<u8>> {
    let mut buffer = Vec::new();
    let mut writer = Writer::new(object::Endianness::Little, true, &mut buffer);
    writer.reserve_file_header();
    writer.reserve_program_headers(u32::try_from(segments.len()).context("too many segments")?);
    let mut offsets = Vec::with_capacity(segments.len());
    for segment in segments {
        let here = writer.reserved_len() as u64;
        let padding = (segment.address.wrapping_sub(here)) % PAGE;
        writer.reserve(padding as usize, 1);
        offsets.push(writer.reserve(segment.bytes.len(), 1));
    }
    writer
        .write_file_header(&FileHeader {
            os_abi: elf::ELFOSABI_NONE,
            abi_version: 0,
            e_type: elf::ET_EXEC,
            e_machine: machine,
            e_entry: entry,
            e_flags: 0,
        })
        .context("writing the ELF header")?;
    writer.write_align_program_headers();
    for (segment, &offset) in segments.iter().zip(&offsets) {
        let size = segment.bytes.len() as u64;
        writer.write_program_header(&ProgramHeader {
            p_type: elf::PT_LOAD,
            p_flags: segment.flags,
            p_offset: offset as u64,
            p_vaddr: segment.address,
            p_paddr: segment.address,
            p_filesz: size,
            p_memsz: size,
            p_align: PAGE,
        });
    }
    for (segment, &offset) in segments.iter().zip(&offsets) {
        writer.pad_until(offset);
        writer.write(segment.bytes);
    }
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::{Object, ObjectSegment};

    #[test]
    fn segments_read_back_with_their_addresses_and_bytes() {
        let first = [1u8, 2, 3, 4, 5];
        let second = [9u8; 3];
        let bytes = executable(
            elf::EM_AARCH64,
            0x8008_0000,
            &[
                Segment {
                    address: 0x8008_0000,
                    bytes: &first,
                    flags: READ_EXECUTE,
                },
                Segment {
                    address: 0x8009_0010,
                    bytes: &second,
                    flags: READ_WRITE_EXECUTE,
                },
            ],
        )
        .unwrap();
        let file = object::File::parse(&*bytes).unwrap();
        assert_eq!(file.architecture(), object::Architecture::Aarch64);
        assert_eq!(file.entry(), 0x8008_0000);
        let segments: Vec<_> = file.segments().collect();
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[0].address(), 0x8008_0000);
        assert_eq!(segments[0].data().unwrap(), first);
        assert_eq!(segments[1].address(), 0x8009_0010);
        assert_eq!(segments[1].data().unwrap(), second);
        let (offset, _) = segments[1].file_range();
        assert_eq!(offset % PAGE, 0x10, "offset congruent to the address");
    }
}
