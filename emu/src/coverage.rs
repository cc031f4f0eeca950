//! Code coverage: which translated blocks ran, and how often (`--coverage FILE`, or every run
//! into a directory with `DB410C_EMU_COVERAGE_DIR`). `cargo xtask coverage` maps the blocks
//! to source lines through the firmware's DWARF.
//!
//! Design notes:
//! - Recorded from the block hook at the point where the block's instructions are counted
//!   (so a block the engine is stopped at before it runs is recorded when it does run, once).
//!   A translated block is a straight run of instructions that ends at the first branch, so
//!   its start address and its instruction count name every instruction it executed; there is
//!   no per-instruction hook. When the option is off, the hook pays one `Option` test.
//! - A block is counted as a whole when it starts, like virtual time: if an instruction in
//!   its middle ends the run (the PS_HOLD store, a fault), the instructions after it are
//!   still recorded. Exceptions and interrupts are taken between blocks or at their last
//!   instruction (SVC, HVC, SMC, BRK end a block), so they do not cut a recorded block short.
//! - The file is text, one line per distinct block, sorted by address, so two runs of the
//!   same firmware with the same input give the same file:
//!   ```text
//!   db410c-emu coverage 1
//!   image /path/to/firmware.elf
//!   80080000 4 1
//!   ```
//!   where each block line is `<start address, hex> <instructions> <times run>`.
//! - It is written when the run ends, however it ends (reset, fault, budget, no progress,
//!   console script), before the process exits.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// First line of a coverage file (the format's name and version).
pub const HEADER: &str = "db410c-emu coverage 1";

/// Environment variable naming a directory: every run writes its coverage file there (as if
/// `--coverage <dir>/<image name>.<pid>.cov` had been given), so a test harness that runs the
/// virtual board many times gets every run's coverage without changing its command lines.
pub const DIRECTORY_VARIABLE: &str = "DB410C_EMU_COVERAGE_DIR";

/// The blocks that ran: (start address, size in bytes) → times run.
#[derive(Debug, Default, Clone)]
pub struct Blocks {
    hits: HashMap<(u64, u32), u64>,
}

impl Blocks {
    /// One run of the block at `addr` of `size` bytes (called from the block hook).
    #[inline]
    pub fn record(&mut self, addr: u64, size: u32) {
        *self.hits.entry((addr, size)).or_insert(0) += 1;
    }

    /// The file's text, for the firmware image at `image`.
    pub fn render(&self, image: &Path) -> String {
        let mut blocks: Vec<_> = self
            .hits
            .iter()
            .map(|(&(a, s), &n)| (a, s / 4, n))
            .collect();
        blocks.sort_unstable();
        let mut text = format!("{HEADER}\nimage {}\n", image.display());
        for (addr, instructions, runs) in blocks {
            text.push_str(&format!("{addr:x} {instructions} {runs}\n"));
        }
        text
    }

    /// Writes the file to `path`.
    pub fn write(&self, image: &Path, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.render(image))
    }

    /// Writes the file into `directory` under a name no other run took
    /// (`<image name>.<pid>[-<n>].cov`); returns its path.
    pub fn write_into(&self, image: &Path, directory: &Path) -> std::io::Result<PathBuf> {
        let stem = image
            .file_name()
            .map_or_else(|| "image".into(), |n| n.to_string_lossy().into_owned());
        let pid = std::process::id();
        let text = self.render(image);
        for n in 0u32.. {
            let name = match n {
                0 => format!("{stem}.{pid}.cov"),
                n => format!("{stem}.{pid}-{n}.cov"),
            };
            let path = directory.join(name);
            match std::fs::File::create_new(&path) {
                Ok(mut file) => {
                    file.write_all(text.as_bytes())?;
                    return Ok(path);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        unreachable!("some file name is free")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_listed_by_address_with_instruction_counts_and_runs() {
        let mut blocks = Blocks::default();
        blocks.record(0x8008_0010, 16);
        blocks.record(0x8008_0000, 16);
        blocks.record(0x8008_0008, 8);
        blocks.record(0x8008_0008, 8);
        assert_eq!(
            blocks.render(Path::new("/fw.elf")),
            "db410c-emu coverage 1\nimage /fw.elf\n80080000 4 1\n80080008 2 2\n80080010 4 1\n"
        );
    }

    #[test]
    fn files_in_a_directory_never_overwrite_each_other() {
        let directory =
            std::env::temp_dir().join(format!("db410c-emu-coverage-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let mut blocks = Blocks::default();
        blocks.record(0x8008_0000, 4);
        let image = Path::new("/x/hello");
        let first = blocks.write_into(image, &directory).unwrap();
        let second = blocks.write_into(image, &directory).unwrap();
        assert_ne!(first, second);
        let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name(&first).starts_with("hello.") && name(&first).ends_with(".cov"));
        assert_eq!(
            std::fs::read_to_string(&second).unwrap(),
            blocks.render(image)
        );
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
