//! Which source line each instruction of a firmware ELF belongs to, from its DWARF line
//! table (`gimli`, sections read with `object`).
//!
//! Design notes:
//! - A row of the line table gives the line of the instructions from its address up to the
//!   next row's address (within one sequence). Inlined code has rows of its own source file
//!   and line, so a HAL function inlined into an example's `main` counts for the HAL's file.
//! - An instruction also belongs to each line that called the inlined code it is part of
//!   (`DW_TAG_inlined_subroutine`: its call file and line, its address ranges): a HAL line
//!   that is nothing but a register write through the PAC has no rows of its own, yet it ran
//!   when the inlined PAC code did. So a line's instructions are its rows' and those of every
//!   call it makes that was inlined.
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
    /// Address ranges [start, end) with their (file index, line), sorted by start. Ranges
    /// overlap where code is inlined: its own line and each line that called it.
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

    let mut names = FileNames::default();
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
        // Per line-table file index: the index in `names`, or None for a file not kept.
        let mut selected: HashMap<u64, Option<usize>> = HashMap::new();
        let mut select =
            |header: &gimli::LineProgramHeader<Reader<'_>>, index: u64| -> Result<Option<usize>> {
                if let Some(number) = selected.get(&index) {
                    return Ok(*number);
                }
                let number = file_path(&dwarf, &unit, header, index)?
                    .and_then(|path| workspace_relative(&path, root, &comp_dir))
                    .filter(|name| keep(name))
                    .map(|name| names.number(name));
                selected.insert(index, number);
                Ok(number)
            };
        let mut add = |start: u64, end: u64, file: Option<usize>, line: u32| {
            if let Some(file) = file
                && line != 0
                && end > start
                && in_code(start, end)
            {
                ranges.push(Range {
                    start,
                    end,
                    file,
                    line,
                });
            }
        };
        // The line table: each row's line holds the instructions up to the next row.
        let header = program.header().clone();
        let mut previous: Option<(u64, u64, u32)> = None;
        let mut rows = program.rows();
        while let Some((header, row)) = rows.next_row()? {
            if let Some((start, file_index, line)) = previous.take() {
                add(start, row.address(), select(header, file_index)?, line);
            }
            if !row.end_sequence() {
                let line = row
                    .line()
                    .map_or(0, |l| u32::try_from(l.get()).unwrap_or(0));
                previous = Some((row.address(), row.file_index(), line));
            }
        }
        // Inlined calls: the calling line holds every instruction of the inlined code.
        let mut entries = unit.entries();
        while let Some((_, entry)) = entries.next_dfs()? {
            if entry.tag() != gimli::DW_TAG_inlined_subroutine {
                continue;
            }
            let file_index = match entry.attr_value(gimli::DW_AT_call_file)? {
                Some(gimli::AttributeValue::FileIndex(index)) => index,
                Some(value) => match value.udata_value() {
                    Some(index) => index,
                    None => continue,
                },
                None => continue,
            };
            let Some(line) = entry
                .attr_value(gimli::DW_AT_call_line)?
                .and_then(|v| v.udata_value())
                .and_then(|l| u32::try_from(l).ok())
            else {
                continue;
            };
            let file = select(&header, file_index)?;
            if file.is_none() {
                continue;
            }
            let mut inlined = dwarf.die_ranges(&unit, entry)?;
            while let Some(range) = inlined.next()? {
                add(range.begin, range.end, file, line);
            }
        }
    }
    ranges.sort_by_key(|r| (r.start, r.end, r.file, r.line));
    ranges.dedup();
    Ok(LineTable {
        files: names.files,
        ranges,
    })
}

/// The kept source files, numbered in the order they were first seen.
#[derive(Default)]
struct FileNames {
    files: Vec<String>,
    numbers: HashMap<String, usize>,
}

impl FileNames {
    fn number(&mut self, name: String) -> usize {
        if let Some(&number) = self.numbers.get(&name) {
            return number;
        }
        self.files.push(name.clone());
        self.numbers.insert(name, self.files.len() - 1);
        self.files.len() - 1
    }
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
}
