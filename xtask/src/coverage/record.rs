//! A coverage file written by the virtual board (`db410c-emu --coverage FILE`, format in
//! `emu/src/coverage.rs`): the image that ran and the blocks it executed.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// First line of a coverage file.
const HEADER: &str = "db410c-emu coverage 1";

/// One run's executed blocks.
#[derive(Debug, PartialEq, Eq)]
pub struct Record {
    /// The image the board ran (an ELF, or a boot image next to its ELF).
    pub image: PathBuf,
    /// (start address, instructions, times run), by address.
    pub blocks: Vec<Block>,
}

/// A translated block that ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub start: u64,
    pub instructions: u64,
    pub runs: u64,
}

impl Block {
    /// The address of each instruction of the block (4 bytes each).
    pub fn addresses(&self) -> impl Iterator<Item = u64> + use<> {
        let start = self.start;
        (0..self.instructions).map(move |i| start + 4 * i)
    }
}

/// Reads a coverage file.
pub fn read(path: &Path) -> Result<Record> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("coverage file {}", path.display()))
}

/// Parses a coverage file's text.
pub fn parse(text: &str) -> Result<Record> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        bail!("does not start with {HEADER:?}");
    }
    let Some(image) = lines.next().and_then(|l| l.strip_prefix("image ")) else {
        bail!("second line is not `image PATH`");
    };
    let mut blocks = Vec::new();
    for (n, line) in lines.enumerate() {
        let bad = || {
            format!(
                "line {}: expected `<hex start> <instructions> <runs>`",
                n + 3
            )
        };
        let mut fields = line.split(' ');
        let (Some(start), Some(instructions), Some(runs), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            bail!("{}: {line:?}", bad());
        };
        blocks.push(Block {
            start: u64::from_str_radix(start, 16).with_context(bad)?,
            instructions: instructions.parse().with_context(bad)?,
            runs: runs.parse().with_context(bad)?,
        });
    }
    Ok(Record {
        image: PathBuf::from(image),
        blocks,
    })
}

/// The ELF with the symbols and line table of `image`: the image itself, or for a boot image
/// `NAME.boot.img` (made by `cargo xtask image`) the ELF `NAME` beside it.
pub fn elf_of(image: &Path) -> Option<PathBuf> {
    let is_elf = |p: &Path| {
        std::fs::read(p)
            .ok()
            .is_some_and(|bytes| bytes.starts_with(b"\x7fELF"))
    };
    if is_elf(image) {
        return Some(image.to_owned());
    }
    let name = image.file_name()?.to_str()?.strip_suffix(".boot.img")?;
    let elf = image.with_file_name(name);
    is_elf(&elf).then_some(elf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_board_s_format() {
        let record =
            parse("db410c-emu coverage 1\nimage /t/hello\n80080000 4 1\n80080010 2 300\n").unwrap();
        assert_eq!(record.image, PathBuf::from("/t/hello"));
        assert_eq!(
            record.blocks,
            [
                Block {
                    start: 0x8008_0000,
                    instructions: 4,
                    runs: 1
                },
                Block {
                    start: 0x8008_0010,
                    instructions: 2,
                    runs: 300
                }
            ]
        );
        assert_eq!(
            record.blocks[1].addresses().collect::<Vec<_>>(),
            [0x8008_0010, 0x8008_0014]
        );
    }

    #[test]
    fn bad_files_are_named_errors() {
        assert!(parse("something else\n").is_err());
        assert!(parse("db410c-emu coverage 1\n").is_err());
        let e = parse("db410c-emu coverage 1\nimage /x\n8008 4\n").unwrap_err();
        assert!(format!("{e:#}").contains("line 3"), "{e:#}");
        assert!(parse("db410c-emu coverage 1\nimage /x\nzz 4 1\n").is_err());
    }
}
