//! Which source line each instruction of a firmware ELF belongs to, from its DWARF line
//! table (`gimli`, sections read with `object`).
//!
//! Design notes:
//! - A row of the line table gives the line of the instructions from its address up to the
//!   next row's address (within one sequence). Inlined code has rows of its own source file
//!   and line, so a HAL function inlined into an example's `main` counts for the HAL's file.
//! - Every row of the workspace crates' files is kept, executed or not: a line with code that
//!   never ran is a line not covered. Rows with line 0 (compiler-made code with no line) and
//!   rows outside the ELF's executable sections (functions the linker dropped, left at
//!   address 0) are not code of the image and are left out.
//! - File names are made relative to the workspace root (the directory rustc ran in, or the
//!   root of this checkout), so runs of ELFs built in another checkout still merge.

use anyhow::{Context, Result};
use object::{Object, ObjectSection, SectionKind};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The lines of the selected source files in one ELF.
pub struct LineTable {
    /// Source files, relative to the workspace root (`hal/apq8016/src/uart.rs`).
    pub files: Vec<String>,
    /// Address ranges [start, end) with their (file index, line), sorted by start, disjoint.
    pub ranges: Vec<Range>,
}

/// Instructions of one source line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: u64,
    pub end: u64,
    pub file: usize,
    pub line: u32,
}

impl LineTable {
    /// The range holding the instruction at `address`.
    pub fn find(&self, address: u64) -> Option<&Range> {
        let after = self.ranges.partition_point(|r| r.start <= address);
        let range = self.ranges.get(after.checked_sub(1)?)?;
        (address < range.end).then_some(range)
    }
}

/// Reads the line table of `elf`, keeping the files (workspace-relative) `keep` accepts.
pub fn read(elf: &Path, root: &Path, keep: impl Fn(&str) -> bool) -> Result<LineTable> {
    let data = std::fs::read(elf).with_context(|| format!("reading {}", elf.display()))?;
    let file = object::File::parse(&*data).with_context(|| format!("{}", elf.display()))?;
    table(&file, root, keep).with_context(|| format!("DWARF line table of {}", elf.display()))
}

fn table(file: &object::File, root: &Path, keep: impl Fn(&str) -> bool) -> Result<LineTable> {
    let endian = if file.is_little_endian() {
        gimli::RunTimeEndian::Little
    } else {
        gimli::RunTimeEndian::Big
    };
    let load = |id: gimli::SectionId| -> Result<Cow<[u8]>> {
        Ok(match file.section_by_name(id.name()) {
            Some(section) => section.uncompressed_data()?,
            None => Cow::Borrowed(&[]),
        })
    };
    let sections = gimli::DwarfSections::load(load)?;
    let dwarf = sections.borrow(|section| gimli::EndianSlice::new(section, endian));
    let code: Vec<(u64, u64)> = file
        .sections()
        .filter(|s| s.kind() == SectionKind::Text && s.size() > 0)
        .map(|s| (s.address(), s.address() + s.size()))
        .collect();
    let in_code = |start: u64, end: u64| code.iter().any(|&(s, e)| s <= start && end <= e);

    let mut files: Vec<String> = Vec::new();
    let mut file_numbers: HashMap<String, usize> = HashMap::new();
    let mut ranges = Vec::new();
    let mut units = dwarf.units();
    while let Some(header) = units.next()? {
        let unit = dwarf.unit(header)?;
        let Some(program) = unit.line_program.clone() else {
            continue;
        };
        let comp_dir = match &unit.comp_dir {
            Some(dir) => PathBuf::from(dir.to_string_lossy().into_owned()),
            None => PathBuf::new(),
        };
        // Per line-table file index: the index in `files`, or None for a file not kept.
        let mut selected: HashMap<u64, Option<usize>> = HashMap::new();
        // The previous row of the current sequence: (address, file index, line).
        let mut previous: Option<(u64, u64, u32)> = None;
        let mut rows = program.rows();
        while let Some((header, row)) = rows.next_row()? {
            if let Some((start, file_index, line)) = previous.take() {
                let end = row.address();
                if line != 0 && end > start && in_code(start, end) {
                    let number = match selected.get(&file_index) {
                        Some(number) => *number,
                        None => {
                            let name = file_path(&dwarf, &unit, header, file_index)?
                                .and_then(|path| workspace_relative(&path, root, &comp_dir))
                                .filter(|name| keep(name));
                            let number = name.map(|name| {
                                *file_numbers.entry(name.clone()).or_insert_with(|| {
                                    files.push(name);
                                    files.len() - 1
                                })
                            });
                            selected.insert(file_index, number);
                            number
                        }
                    };
                    if let Some(file) = number {
                        ranges.push(Range {
                            start,
                            end,
                            file,
                            line,
                        });
                    }
                }
            }
            if !row.end_sequence() {
                let line = row
                    .line()
                    .map_or(0, |l| u32::try_from(l.get()).unwrap_or(0));
                previous = Some((row.address(), row.file_index(), line));
            }
        }
    }
    ranges.sort_by_key(|r| r.start);
    Ok(LineTable { files, ranges })
}

type Reader<'a> = gimli::EndianSlice<'a, gimli::RunTimeEndian>;

/// The path of file `index` of a line table, as the compiler wrote it (directory joined).
fn file_path(
    dwarf: &gimli::Dwarf<Reader<'_>>,
    unit: &gimli::Unit<Reader<'_>>,
    header: &gimli::LineProgramHeader<Reader<'_>>,
    index: u64,
) -> Result<Option<PathBuf>> {
    let Some(entry) = header.file(index) else {
        return Ok(None);
    };
    let mut path = PathBuf::new();
    if let Some(directory) = entry.directory(header) {
        path.push(
            dwarf
                .attr_string(unit, directory)?
                .to_string_lossy()
                .as_ref(),
        );
    }
    path.push(
        dwarf
            .attr_string(unit, entry.path_name())?
            .to_string_lossy()
            .as_ref(),
    );
    Ok(Some(path))
}

/// `path` relative to the workspace root (`root`, or the directory the compiler ran in),
/// with `.` and `..` resolved; None for a file outside it (the standard library, crates.io).
fn workspace_relative(path: &Path, root: &Path, comp_dir: &Path) -> Option<String> {
    let relative = if path.is_absolute() {
        path.strip_prefix(root)
            .or_else(|_| path.strip_prefix(comp_dir))
            .ok()?
    } else {
        path
    };
    let mut parts: Vec<&str> = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_workspace_relative() {
        let root = Path::new("/work/here");
        let built = Path::new("/work/elsewhere");
        let rel = |p: &str| workspace_relative(Path::new(p), root, built);
        assert_eq!(
            rel("hal/apq8016/src/uart.rs").as_deref(),
            Some("hal/apq8016/src/uart.rs")
        );
        assert_eq!(
            rel("/work/here/bsp/db410c/src/lib.rs").as_deref(),
            Some("bsp/db410c/src/lib.rs")
        );
        assert_eq!(
            rel("/work/elsewhere/hal/apq8016/src/lib.rs").as_deref(),
            Some("hal/apq8016/src/lib.rs")
        );
        assert_eq!(
            rel("hal/apq8016/src/../src/./gpio.rs").as_deref(),
            Some("hal/apq8016/src/gpio.rs")
        );
        assert_eq!(rel("/rustc/abc/library/core/src/ptr/mod.rs"), None);
    }

    #[test]
    fn an_address_finds_its_range() {
        let table = LineTable {
            files: vec!["a.rs".into()],
            ranges: vec![
                Range {
                    start: 0x100,
                    end: 0x108,
                    file: 0,
                    line: 3,
                },
                Range {
                    start: 0x110,
                    end: 0x114,
                    file: 0,
                    line: 4,
                },
            ],
        };
        assert_eq!(table.find(0x104).map(|r| r.line), Some(3));
        assert_eq!(table.find(0x108), None);
        assert_eq!(table.find(0x110).map(|r| r.line), Some(4));
        assert_eq!(table.find(0xfc), None);
        assert_eq!(table.find(0x114), None);
    }
}
