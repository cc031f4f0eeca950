//! `cargo xtask coverage`: which lines of the HAL and the board crate the examples' checks
//! execute on the virtual board, as an lcov tracefile and an HTML summary per crate.
//!
//! Design notes:
//! - Recording is the virtual board's (`db410c-emu --coverage`, `emu/src/coverage.rs`): the
//!   translated blocks that ran. This command sets `DB410C_EMU_COVERAGE_DIR` for the checks of
//!   `cargo xtask test` (`checks::all`), so every run of the board they make, whatever options
//!   it has, leaves its file in `target/coverage/runs/`; the checks themselves are unchanged.
//! - Mapping (`lines`): each run's ELF's DWARF line table gives the source line of every
//!   instruction. A line's count in a run is the most times any of its instructions ran; runs
//!   add up. Lines with code in a run's ELF that never executed count as not covered. Code the
//!   linker left out of every example that ran does not appear at all: this is coverage of the
//!   code the examples contain.
//! - Output (`target/coverage/`): `lcov.info` (SF/DA/LF/LH records, paths absolute) for
//!   `genhtml` or an editor, and `index.html` with a page per crate and per file (`html`).

mod html;
mod lines;
mod record;

use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The crates the report covers: name and directory (workspace-relative, with `/`).
pub const CRATES: [(&str, &str); 2] = [("apq8016-hal", "hal/apq8016/"), ("db410c", "bsp/db410c/")];

/// Environment variable the virtual board writes every run's coverage under (see
/// `emu/src/coverage.rs`).
const DIRECTORY_VARIABLE: &str = "DB410C_EMU_COVERAGE_DIR";

/// Execution counts per source line: workspace-relative file → line → times run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    pub files: BTreeMap<String, BTreeMap<u32, u64>>,
}

/// Lines with code and lines that ran, of one file or crate.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub found: usize,
    pub hit: usize,
}

impl Count {
    fn of(lines: &BTreeMap<u32, u64>) -> Self {
        Self {
            found: lines.len(),
            hit: lines.values().filter(|&&n| n > 0).count(),
        }
    }

    fn add(&mut self, other: Self) {
        self.found += other.found;
        self.hit += other.hit;
    }

    /// Line coverage in percent (100 for a crate without lines).
    pub fn percent(self) -> f64 {
        if self.found == 0 {
            100.0
        } else {
            100.0 * self.hit as f64 / self.found as f64
        }
    }
}

impl Coverage {
    /// The files of one crate (by directory) and their line counts.
    pub fn files_of<'a>(
        &'a self,
        directory: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a BTreeMap<u32, u64>)> + 'a {
        self.files
            .iter()
            .filter(move |(file, _)| file.starts_with(directory))
    }

    /// Lines found and hit in one crate.
    pub fn count(&self, directory: &str) -> Count {
        let mut total = Count::default();
        for (_, lines) in self.files_of(directory) {
            total.add(Count::of(lines));
        }
        total
    }
}

/// Whether a workspace-relative file belongs to a reported crate.
fn reported(file: &str) -> bool {
    CRATES
        .iter()
        .any(|(_, directory)| file.starts_with(directory))
}

/// Reads the coverage files of runs and merges them into line counts through their ELFs.
/// A run of an image without an ELF (e.g. U-Boot) is skipped with a note.
pub fn merge(root: &Path, runs: &[PathBuf]) -> Result<Coverage> {
    let mut coverage = Coverage::default();
    let mut tables: HashMap<PathBuf, lines::LineTable> = HashMap::new();
    for path in runs {
        let record = record::read(path)?;
        let Some(elf) = record::elf_of(&record.image) else {
            eprintln!(
                "xtask coverage: note: {} ran {}, which is not a firmware ELF of this workspace (skipped)",
                path.display(),
                record.image.display()
            );
            continue;
        };
        if !tables.contains_key(&elf) {
            tables.insert(elf.clone(), lines::read(&elf, root, reported)?);
        }
        let table = &tables[&elf];
        add_run(&mut coverage, table, &record.blocks);
    }
    Ok(coverage)
}

/// Adds one run of the ELF whose lines are `table` to `coverage`.
fn add_run(coverage: &mut Coverage, table: &lines::LineTable, blocks: &[record::Block]) {
    let mut runs_at: HashMap<u64, u64> = HashMap::new();
    for block in blocks {
        for address in block.addresses() {
            *runs_at.entry(address).or_default() += block.runs;
        }
    }
    let mut this_run: HashMap<(usize, u32), u64> = HashMap::new();
    for range in &table.ranges {
        let most = (range.start..range.end)
            .step_by(4)
            .map(|address| runs_at.get(&address).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        let count = this_run.entry((range.file, range.line)).or_default();
        *count = (*count).max(most);
    }
    for ((file, line), count) in this_run {
        *coverage
            .files
            .entry(table.files[file].clone())
            .or_default()
            .entry(line)
            .or_default() += count;
    }
}

/// The lcov tracefile of `coverage` (source paths absolute, under `root`).
pub fn lcov(root: &Path, coverage: &Coverage) -> String {
    let mut text = String::new();
    for (file, lines) in &coverage.files {
        let count = Count::of(lines);
        let _ = writeln!(text, "TN:\nSF:{}", root.join(file).display());
        for (line, runs) in lines {
            let _ = writeln!(text, "DA:{line},{runs}");
        }
        let _ = writeln!(text, "LF:{}\nLH:{}\nend_of_record", count.found, count.hit);
    }
    text
}

/// Reads an lcov tracefile back (the SF and DA records): file → line → count.
pub fn parse_lcov(text: &str) -> Result<BTreeMap<String, BTreeMap<u32, u64>>> {
    let mut files: BTreeMap<String, BTreeMap<u32, u64>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(file) = line.strip_prefix("SF:") {
            current = Some(file.to_owned());
            files.entry(file.to_owned()).or_default();
        } else if let Some(data) = line.strip_prefix("DA:") {
            let Some(file) = &current else {
                bail!("DA record outside a file: {line:?}");
            };
            let mut fields = data.split(',');
            let (Some(number), Some(count)) = (fields.next(), fields.next()) else {
                bail!("bad DA record {line:?}");
            };
            let entry = files.entry(file.clone()).or_default();
            entry.insert(
                number.parse().with_context(|| format!("{line:?}"))?,
                count.parse().with_context(|| format!("{line:?}"))?,
            );
        } else if line == "end_of_record" {
            current = None;
        }
    }
    Ok(files)
}

/// Writes `lcov.info` and the HTML pages into `out` (made if missing); returns each reported
/// crate's name and line counts.
pub fn write_report(
    root: &Path,
    coverage: &Coverage,
    out: &Path,
) -> Result<Vec<(&'static str, Count)>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    std::fs::write(out.join("lcov.info"), lcov(root, coverage))?;
    html::write(root, coverage, out)?;
    Ok(CRATES
        .iter()
        .map(|&(name, directory)| (name, coverage.count(directory)))
        .collect())
}

/// `cargo xtask coverage [--only TEXT]`: run the examples' checks with coverage recorded,
/// then write the report to `target/coverage/`.
pub fn run(root: &Path, only: Option<&str>) -> Result<ExitCode> {
    let out = crate::build::target_dir(root).join("coverage");
    let runs_directory = out.join("runs");
    if runs_directory.exists() {
        std::fs::remove_dir_all(&runs_directory)
            .with_context(|| format!("removing {}", runs_directory.display()))?;
    }
    std::fs::create_dir_all(&runs_directory)?;
    // SAFETY: xtask has started no thread yet (the prerequisite checks and builds below run
    // child processes, which inherit the variable), so nothing reads the environment while it
    // changes.
    unsafe { std::env::set_var(DIRECTORY_VARIABLE, &runs_directory) };
    crate::prereq::firmware(root)?;
    crate::prereq::virtual_board(root)?;
    let names = crate::build::example_names(root)?;
    let elfs: Vec<(String, PathBuf)> = names
        .iter()
        .cloned()
        .zip(crate::build::examples(root, &names)?)
        .collect();
    let emu = crate::build::virtual_board(root)?;
    let mut failed = Vec::new();
    let mut ran = 0;
    for check in crate::checks::all() {
        let name = format!("example {}: {}", check.example, check.what);
        if only.is_some_and(|o| !name.contains(o)) || check.what.starts_with("coverage:") {
            continue;
        }
        let Some((_, elf)) = elfs.iter().find(|(n, _)| n == check.example) else {
            bail!(
                "example `{}` is not declared in examples/Cargo.toml",
                check.example
            );
        };
        ran += 1;
        eprintln!("xtask coverage: {name} ...");
        if let Err(e) = (check.run)(&crate::checks::Runner { emu: &emu, elf }) {
            eprintln!("xtask coverage: FAIL {name}: {e:#}");
            failed.push(name);
        }
    }
    if ran == 0 {
        bail!("no example check matches --only {:?}", only.unwrap_or(""));
    }
    let mut runs: Vec<PathBuf> = std::fs::read_dir(&runs_directory)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    runs.sort();
    let coverage = merge(root, &runs)?;
    let summary = write_report(root, &coverage, &out)?;
    println!("{} runs of {ran} checks", runs.len());
    for (name, count) in summary {
        println!(
            "{name}: {:.1} % of lines ({} of {})",
            count.percent(),
            count.hit,
            count.found
        );
    }
    println!("{}", out.join("lcov.info").display());
    println!("{}", out.join("index.html").display());
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "xtask coverage: {} check(s) failed (their runs are counted as they went): {}",
            failed.len(),
            failed.join("; ")
        );
        Ok(ExitCode::FAILURE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lines::{LineTable, Range};
    use record::Block;

    fn table() -> LineTable {
        LineTable {
            files: vec!["hal/apq8016/src/a.rs".into(), "bsp/db410c/src/b.rs".into()],
            ranges: vec![
                Range {
                    start: 0x100,
                    end: 0x108,
                    file: 0,
                    line: 10,
                },
                Range {
                    start: 0x108,
                    end: 0x10c,
                    file: 1,
                    line: 5,
                },
                Range {
                    start: 0x10c,
                    end: 0x110,
                    file: 0,
                    line: 11,
                },
                Range {
                    start: 0x200,
                    end: 0x208,
                    file: 0,
                    line: 10,
                },
                Range {
                    start: 0x208,
                    end: 0x20c,
                    file: 0,
                    line: 20,
                },
            ],
        }
    }

    #[test]
    fn lines_count_their_most_run_instruction_and_runs_add_up() {
        let mut coverage = Coverage::default();
        let table = table();
        // 0x100..0x10c once, the loop 0x104..0x108 three more times; 0x200 never.
        let blocks = [
            Block {
                start: 0x100,
                instructions: 3,
                runs: 1,
            },
            Block {
                start: 0x104,
                instructions: 1,
                runs: 3,
            },
        ];
        add_run(&mut coverage, &table, &blocks);
        add_run(&mut coverage, &table, &blocks[..1]);
        let a = &coverage.files["hal/apq8016/src/a.rs"];
        assert_eq!(
            a.iter().map(|(l, n)| (*l, *n)).collect::<Vec<_>>(),
            [(10, 5), (11, 0), (20, 0)]
        );
        assert_eq!(coverage.files["bsp/db410c/src/b.rs"][&5], 2);
        assert_eq!(coverage.count("hal/apq8016/"), Count { found: 3, hit: 1 });
        assert_eq!(coverage.count("bsp/db410c/"), Count { found: 1, hit: 1 });
    }

    #[test]
    fn lcov_records_read_back() {
        let mut coverage = Coverage::default();
        add_run(
            &mut coverage,
            &table(),
            &[Block {
                start: 0x100,
                instructions: 1,
                runs: 2,
            }],
        );
        let text = lcov(Path::new("/ws"), &coverage);
        assert!(
            text.starts_with(
                "TN:\nSF:/ws/bsp/db410c/src/b.rs\nDA:5,0\nLF:1\nLH:0\nend_of_record\n"
            ),
            "{text}"
        );
        assert!(text.contains("SF:/ws/hal/apq8016/src/a.rs\nDA:10,2\nDA:11,0\nDA:20,0\nLF:3\nLH:1\nend_of_record\n"), "{text}");
        let back = parse_lcov(&text).unwrap();
        assert_eq!(back["/ws/hal/apq8016/src/a.rs"][&10], 2);
        assert_eq!(back["/ws/bsp/db410c/src/b.rs"][&5], 0);
    }
}
