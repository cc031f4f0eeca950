//! `cargo xtask size`: how many bytes each example puts in code, constants, data and bss.
//!
//! Design notes: sizes are summed over the ELF's allocated sections by the kind the `object`
//! crate gives them (code, read-only data, initialised data, zero-initialised data), so output
//! sections with other names (e.g. a separate vector table section) are still counted; the
//! columns are named after the usual sections. Rows are sorted by example name.

use crate::build;
use anyhow::{Context, Result};
use object::{Object, ObjectSection, SectionKind};
use std::fmt::Write;
use std::path::Path;

/// One example's section sizes in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sizes {
    pub text: u64,
    pub rodata: u64,
    pub data: u64,
    pub bss: u64,
}

/// The sizes of an ELF file.
pub fn sizes(elf_path: &Path) -> Result<Sizes> {
    let data =
        std::fs::read(elf_path).with_context(|| format!("cannot read {}", elf_path.display()))?;
    let file = object::File::parse(&*data)
        .with_context(|| format!("{}: not an object file", elf_path.display()))?;
    let mut sizes = Sizes::default();
    for section in file.sections() {
        let slot = match section.kind() {
            SectionKind::Text => &mut sizes.text,
            SectionKind::ReadOnlyData
            | SectionKind::ReadOnlyString
            | SectionKind::ReadOnlyDataWithRel => &mut sizes.rodata,
            SectionKind::Data | SectionKind::Tls => &mut sizes.data,
            SectionKind::UninitializedData | SectionKind::UninitializedTls => &mut sizes.bss,
            _ => continue,
        };
        *slot += section.size();
    }
    Ok(sizes)
}

/// The table: a header line, then one line per example.
pub fn table(rows: &[(String, Sizes)]) -> String {
    let width = rows
        .iter()
        .map(|(n, _)| n.len())
        .chain([7])
        .max()
        .unwrap_or(7);
    let mut out = format!(
        "{:<width$} {:>8} {:>8} {:>8} {:>8}\n",
        "example", ".text", ".rodata", ".data", ".bss"
    );
    for (name, s) in rows {
        let _ = writeln!(
            out,
            "{name:<width$} {:>8} {:>8} {:>8} {:>8}",
            s.text, s.rodata, s.data, s.bss
        );
    }
    out
}

/// `cargo xtask size`: builds every example (release) and returns the table.
pub fn run(root: &Path) -> Result<String> {
    let names = build::example_names(root)?;
    let elfs = build::examples(root, &names)?;
    let mut rows = Vec::new();
    for (name, elf) in names.into_iter().zip(elfs) {
        rows.push((name, sizes(&elf)?));
    }
    Ok(table(&rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_aligned_and_ordered() {
        let rows = vec![
            (
                "a".to_owned(),
                Sizes {
                    text: 1,
                    rodata: 2,
                    data: 3,
                    bss: 4,
                },
            ),
            (
                "longer-name".to_owned(),
                Sizes {
                    text: 12345,
                    rodata: 0,
                    data: 0,
                    bss: 65536,
                },
            ),
        ];
        let text = table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "example        .text  .rodata    .data     .bss");
        assert_eq!(lines[1], "a                  1        2        3        4");
        assert_eq!(lines[2], "longer-name    12345        0        0    65536");
    }

    #[test]
    fn sizes_of_a_real_elf() {
        // This test program is an ELF with code and constants.
        let me = std::env::current_exe().unwrap();
        let sizes = sizes(&me).unwrap();
        assert!(sizes.text > 1000 && sizes.rodata > 100, "{sizes:?}");
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("garbage");
        std::fs::write(&garbage, b"not an object file").unwrap();
        assert!(format!("{:#}", super::sizes(&garbage).unwrap_err()).contains("garbage"));
    }
}
