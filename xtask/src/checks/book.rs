//! Checks of the book (`cargo xtask book`): its generated chapters match their sources (every
//! example has one), its listings are compiled code, it builds without an mdBook warning, and
//! every internal link and anchor of the built HTML resolves.

use anyhow::{Result, ensure};
use std::path::Path;
use std::process::Command;

/// Generated chapters fresh, one per example, listings follow the rule, README reaches the
/// book's table of contents (two clicks to any chapter on a code host).
pub fn sources(root: &Path) -> Result<()> {
    crate::book::chapters::check_table(root)?;
    crate::book::check_generated(root)?;
    crate::book::listings::check(root)?;
    let readme = std::fs::read_to_string(root.join("README.md"))?;
    ensure!(
        readme.contains("](book/src/SUMMARY.md)"),
        "README.md has no link to book/src/SUMMARY.md (the book's table of contents)"
    );
    Ok(())
}

/// The book builds with mdBook warnings as errors; every internal link and anchor resolves;
/// every example chapter and the register browser are in the output.
pub fn builds_and_links_resolve(root: &Path) -> Result<()> {
    crate::figures::check_tracked(root)?;
    let built = crate::book::build(root)?;
    let report = crate::book::links::check(&built.html)?;
    for name in crate::build::example_names(root)? {
        let page = built.html.join(format!("examples/{name}.html"));
        ensure!(page.is_file(), "the built book has no {}", page.display());
    }
    ensure!(
        built.html.join("registers/index.html").is_file(),
        "the built book has no register browser"
    );
    ensure!(
        report.internal > 1000,
        "only {} internal links checked: the checker found too little",
        report.internal
    );
    Ok(())
}

/// Each example chapter's run line (`cargo xtask run NAME -- OPTIONS`, as the virtual board
/// runs it) prints the chapter's "Expected output": every documented line without a
/// placeholder (`..`, `<...>`) appears as a whole line, in order (defmt frames decoded), with
/// every number taken as a number: measured times and counts differ from the documented ones
/// within bounds that the example's own check holds them to.
pub fn run_lines_print_documented_output(root: &Path) -> Result<()> {
    let entries = crate::book::chapters::entries(root)?;
    let names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
    let elfs = crate::build::examples(root, &names)?;
    let emu = crate::build::virtual_board(root)?;
    let mut failures = Vec::new();
    for (entry, elf) in entries.iter().zip(&elfs) {
        if crate::book::chapters::INTERACTIVE.contains(&entry.name.as_str()) {
            continue;
        }
        let options = split_options(entry.emu_options)?;
        let run = super::run_process(Command::new(&emu).arg(elf).args(&options))?;
        let console = crate::defmt_decode::decode_console(elf, &run.console)
            .unwrap_or_else(|_| run.stdout.clone());
        let mut shown = console
            .split('\n')
            .map(|l| numbers_as_hash(l.trim_end_matches('\r')));
        for line in super::documented_output(&entry.name)? {
            if line.contains("..") || (line.contains('<') && line.contains('>')) {
                continue;
            }
            let wanted = numbers_as_hash(&line);
            if !shown.any(|l| l == wanted) {
                failures.push(format!(
                    "{}: `cargo xtask run {} -- {}` does not print {line:?} (in order)",
                    entry.name, entry.name, entry.emu_options
                ));
                break;
            }
        }
    }
    ensure!(
        failures.is_empty(),
        "book run lines disagree with the documented output (fix the options in \
         xtask/src/book/chapters.rs or the example's header):\n{}",
        failures.join("\n")
    );
    Ok(())
}

/// A line with each run of decimal digits replaced by one `#`.
fn numbers_as_hash(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a run line's options like a shell: whitespace separates, single quotes group.
fn split_options(text: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    ensure!(!quoted, "unbalanced quote in {text:?}");
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_split_like_a_shell() {
        assert_eq!(
            split_options(r"--input-str 'hello\rquit\r' --press 107@1ms  --x '' ").unwrap(),
            [
                "--input-str",
                r"hello\rquit\r",
                "--press",
                "107@1ms",
                "--x",
                ""
            ]
        );
        assert!(split_options("'open").is_err());
    }

    #[test]
    fn numbers_compare_as_numbers() {
        assert_eq!(
            numbers_as_hash("pressed at 2008 ms, 0.000019 [INFO ]"),
            "pressed at # ms, #.# [INFO ]"
        );
        assert_ne!(
            numbers_as_hash("pressed at 2 ms"),
            numbers_as_hash("released at 2 ms")
        );
    }
}
