//! Which module of the HAL (or of the board crate) uses a PAC item: a text scan of their
//! sources.
//!
//! Method: every `.rs` file under `hal/apq8016/src` and `bsp/db410c/src` is read and its unit
//! tests dropped (everything from the first `#[cfg(test)]` line on: the tests sit at the end
//! of each file). What is left is split into code (without comments and string literals)
//! and doc comments (`///`, `//!`: their examples show how a driver is used). A peripheral is
//! used by a module whose code names its PAC type as a whole word (`BLSP1_UART2`, not after
//! `Interrupt::`; the register-block modules such as `pac::blsp1_qup1::` are shared by every
//! instance derived from it, so they do not count). An interrupt is used by a module whose
//! code or doc examples name it (`Interrupt::BLSP1_UART2`: the UART's interrupt driver takes
//! the ID as an argument, its documentation shows which; the interrupt controller's own
//! modules, which handle every line, do not count). A file's module path comes from its
//! path (`uart/config.rs` is `apq8016_hal::uart::config`). A name only built by a macro would
//! be missed; none is.

use anyhow::{Context, Result};
use regex::Regex;
use std::path::Path;

/// The crates scanned: (crate name, source directory relative to the workspace root).
const CRATES: [(&str, &str); 2] = [
    ("apq8016_hal", "hal/apq8016/src"),
    ("db410c", "bsp/db410c/src"),
];

/// One scanned source file.
pub struct SourceFile {
    /// Module path, e.g. `apq8016_hal::uart::config`.
    pub module: String,
    /// The code without comments, string literals and unit tests.
    pub code: String,
    /// The doc comments' text, outside the unit tests.
    pub docs: String,
}

/// Reads every source file of the HAL and the board crate, in path order.
pub fn sources(root: &Path) -> Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    for (crate_name, dir) in CRATES {
        let mut paths = Vec::new();
        collect_rs(&root.join(dir), &mut paths)?;
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let relative = path.strip_prefix(root.join(dir)).unwrap_or(&path);
            let (code, docs) = split(&text);
            files.push(SourceFile {
                module: module_path(crate_name, relative),
                code,
                docs,
            });
        }
    }
    Ok(files)
}

fn collect_rs(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `uart/config.rs` → `crate::uart::config`; `lib.rs` → `crate`; `gpio/mod.rs` → `crate::gpio`.
fn module_path(crate_name: &str, relative: &Path) -> String {
    let mut parts = vec![crate_name.to_owned()];
    let components: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    for (i, part) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        if last && (part == "lib" || part == "mod" || part == "main") {
            continue;
        }
        parts.push(part.clone());
    }
    parts.join("::")
}

/// Splits a file into (code without comments and string literals, doc comment text), both
/// without the unit tests. A `//` inside a string cuts the rest of that line, which can
/// only hide a use, never invent one.
fn split(text: &str) -> (String, String) {
    let string_literal = Regex::new(r#""(?:[^"\\]|\\.)*""#).expect("valid pattern");
    let mut code = String::with_capacity(text.len());
    let mut docs = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        if let Some(doc) = trimmed
            .strip_prefix("///")
            .or_else(|| trimmed.strip_prefix("//!"))
        {
            docs.push_str(doc);
            docs.push('\n');
            continue;
        }
        let without_comment = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        code.push_str(&string_literal.replace_all(without_comment, "\"\""));
        code.push('\n');
    }
    (code, docs)
}

/// The modules (sorted, each once) outside the interrupt controller's whose code or doc
/// comments match `pattern`.
fn modules_matching(sources: &[SourceFile], pattern: &Regex) -> Vec<String> {
    let mut modules: Vec<String> = sources
        .iter()
        .filter(|f| {
            f.module != "apq8016_hal::interrupt"
                && !f.module.starts_with("apq8016_hal::interrupt::")
        })
        .filter(|f| pattern.is_match(&f.code) || pattern.is_match(&f.docs))
        .map(|f| f.module.clone())
        .collect();
    modules.sort();
    modules.dedup();
    modules
}

/// The modules that use PAC peripheral `name` (its type, or its register-block module).
pub fn modules_using_peripheral(sources: &[SourceFile], name: &str) -> Vec<String> {
    // The type as a whole word, not as an interrupt name (`Interrupt::BLSP1_UART2`).
    let pattern = Regex::new(&format!(r"\b{name}\b")).expect("valid pattern");
    let interrupt = Regex::new(&format!(r"Interrupt::{name}\b")).expect("valid pattern");
    let mut modules: Vec<String> = sources
        .iter()
        .filter(|f| {
            let without_interrupts = interrupt.replace_all(&f.code, "");
            pattern.is_match(&without_interrupts)
        })
        .map(|f| f.module.clone())
        .collect();
    modules.sort();
    modules.dedup();
    modules
}

/// The modules that name PAC interrupt `name` (`Interrupt::NAME`; the PMIC's own interrupt
/// names differ from the SVD's, so they do not match).
pub fn modules_using_interrupt(sources: &[SourceFile], name: &str) -> Vec<String> {
    let pattern = Regex::new(&format!(r"\bInterrupt::{name}\b")).expect("valid pattern");
    modules_matching(sources, &pattern)
}

/// The modules whose code or doc examples name `InterruptId::CONSTANT`.
pub fn modules_using_interrupt_constant(sources: &[SourceFile], constant: &str) -> Vec<String> {
    let pattern = Regex::new(&format!(r"\bInterruptId::{constant}\b")).expect("valid pattern");
    modules_matching(sources, &pattern)
}
