//! The book's code listings are compiled code: a rule over `book/src/**/*.md`.
//!
//! The rule:
//! - a ```` ```rust ```` block (any `rust,...` variant too) holds only `{{#include}}` /
//!   `{{#rustdoc_include}}` lines, or at most [`MAX_INLINE_RUST_LINES`] lines of code (a
//!   signature or a call quoted in the text); longer code comes from a file;
//! - every include names a file that exists; with an anchor (`file:name`), the file has both
//!   `ANCHOR: name` and `ANCHOR_END: name`;
//! - an included `.rs` file is one the suite compiles: a declared example or a file under
//!   one of [`COMPILED_DIRS`];
//! - shell, text and other blocks are not code listings and are free;
//! - the labs' `README.md` files, which the lab chapters include, follow the same rule.

use anyhow::{Context, Result, ensure};
use regex::Regex;
use std::path::Path;

/// The longest inline Rust block allowed, in non-blank lines.
pub const MAX_INLINE_RUST_LINES: usize = 2;

/// Source directories of crates the suite builds (clippy, tests, the firmware build).
pub const COMPILED_DIRS: &[&str] = &[
    "hal/apq8016/src/",
    "bsp/db410c/src/",
    "pac/apq8016/src/",
    "emu/src/",
    "xtask/src/",
    "examples/src/",
    "labs/",
];

/// Checks every page of `book/src`; the error lists every violation with file and line.
pub fn check(root: &Path) -> Result<()> {
    let src = root.join(super::BOOK_SRC);
    let examples = crate::build::example_names(root)?;
    let mut problems = Vec::new();
    for page in super::files_under(&src)? {
        if page.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let relative = page.strip_prefix(&src).context("under book/src")?;
        let text = std::fs::read_to_string(&page)
            .with_context(|| format!("cannot read {}", page.display()))?;
        for problem in check_page(root, relative, &text, &examples) {
            problems.push(format!("book/src/{}:{problem}", relative.display()));
        }
    }
    // The labs' READMEs are part of the book (each lab chapter includes one): same rule.
    for (name, _) in super::chapters::labs(root)? {
        let readme = format!("labs/{name}/README.md");
        let text = std::fs::read_to_string(root.join(&readme))
            .with_context(|| format!("cannot read {readme}"))?;
        let as_chapter = format!("{}/{name}.md", super::chapters::LABS_DIR);
        for problem in check_page(root, Path::new(&as_chapter), &text, &examples) {
            problems.push(format!("{readme}:{problem}"));
        }
    }
    ensure!(
        problems.is_empty(),
        "book listings break the rule (xtask/src/book/listings.rs):\n{}",
        problems.join("\n")
    );
    Ok(())
}

/// The problems of one page, each as `LINE: what`.
fn check_page(root: &Path, page: &Path, text: &str, examples: &[String]) -> Vec<String> {
    let include = Regex::new(r"\{\{#(?:include|rustdoc_include) ([^}\s]+)\s*\}\}").expect("valid");
    let mut problems = Vec::new();
    let mut fence: Option<(String, bool, usize, usize)> = None; // (marker, rust, start, code lines)
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim_start();
        for capture in include.captures_iter(line) {
            if let Some(problem) = check_include(root, page, &capture[1], examples) {
                problems.push(format!("{number}: {problem}"));
            }
        }
        match &mut fence {
            None => {
                if let Some(marker) = ["```", "~~~"].iter().find(|m| trimmed.starts_with(**m)) {
                    let info = trimmed.trim_start_matches(['`', '~']).trim();
                    let language = info.split([',', ' ']).next().unwrap_or_default();
                    let marker_len = trimmed.len() - trimmed.trim_start_matches(['`', '~']).len();
                    let _ = marker;
                    fence = Some((
                        trimmed[..marker_len].to_owned(),
                        language == "rust",
                        number,
                        0,
                    ));
                }
            }
            Some((marker, rust, start, lines)) => {
                if trimmed.starts_with(marker.as_str())
                    && trimmed
                        .trim_start_matches(marker.chars().next().unwrap_or('`'))
                        .trim()
                        .is_empty()
                {
                    if *rust && *lines > MAX_INLINE_RUST_LINES {
                        problems.push(format!(
                            "{start}: inline Rust block of {lines} lines (at most \
                             {MAX_INLINE_RUST_LINES}): include it from a compiled file \
                             with `{{{{#include FILE:ANCHOR}}}}`"
                        ));
                    }
                    fence = None;
                } else if !line.trim().is_empty() && !include.is_match(line) {
                    *lines += 1;
                }
            }
        }
    }
    problems
}

/// What is wrong with one include directive's `path[:anchor or lines]`, if anything.
fn check_include(root: &Path, page: &Path, spec: &str, examples: &[String]) -> Option<String> {
    let (path, selector) = match spec.split_once(':') {
        Some((path, selector)) => (path, Some(selector)),
        None => (spec, None),
    };
    let in_repository = match super::outside_target(page, path) {
        Some(outside) => outside,
        None => Path::new(super::BOOK_SRC)
            .join(page.parent().unwrap_or(Path::new("")))
            .join(path),
    };
    let file = root.join(&in_repository);
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Some(format!(
            "included file {} does not exist",
            in_repository.display()
        ));
    };
    let shown = in_repository.display().to_string();
    if shown.ends_with(".rs") && !is_compiled(&shown, examples) {
        return Some(format!(
            "included file {shown} is not compiled by the suite (a declared example or a file \
             under {COMPILED_DIRS:?})"
        ));
    }
    if let Some(anchor) =
        selector.filter(|s| !s.is_empty() && !s.starts_with(|c: char| c.is_ascii_digit()))
    {
        let has = |marker: &str| {
            text.lines().any(|line| {
                line.split_once(marker)
                    .is_some_and(|(_, rest)| rest.split_whitespace().next() == Some(anchor))
            })
        };
        if !has("ANCHOR:") || !has("ANCHOR_END:") {
            return Some(format!(
                "{shown} lacks `ANCHOR: {anchor}` or `ANCHOR_END: {anchor}`"
            ));
        }
    }
    None
}

fn is_compiled(path: &str, examples: &[String]) -> bool {
    if let Some(name) = path
        .strip_prefix("examples/")
        .and_then(|rest| rest.strip_suffix(".rs"))
        && examples.iter().any(|e| e == name)
    {
        return true;
    }
    COMPILED_DIRS.iter().any(|dir| path.starts_with(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let root = crate::process::workspace_root().unwrap();
        check_page(&root, Path::new("chapter.md"), text, &["hello".to_owned()])
    }

    #[test]
    fn includes_of_compiled_files_pass() {
        let text = "```rust\n{{#include ../../examples/hello.rs:5:}}\n```\n\
                    ```rust\nlet x = 1;\n```\n```sh\na\nb\nc\nd\n```\n";
        assert_eq!(problems(text), Vec::<String>::new());
    }

    #[test]
    fn long_inline_rust_missing_files_and_anchors_fail() {
        let text = "```rust,ignore\nfn a() {\n    b();\n}\n```\n\
                    {{#include ../../nothing.rs}}\n\
                    {{#include ../../hal/apq8016/src/rng.rs:no_such_anchor}}\n\
                    {{#include ../../svd/apq8016.svd}}\n";
        let found = problems(text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("1: inline Rust block of 3 lines"));
        assert!(found[1].contains("nothing.rs does not exist"));
        assert!(found[2].contains("lacks `ANCHOR: no_such_anchor`"));
    }

    #[test]
    fn included_rust_must_be_compiled() {
        assert!(is_compiled("examples/hello.rs", &["hello".to_owned()]));
        assert!(!is_compiled("examples/other.rs", &["hello".to_owned()]));
        assert!(is_compiled("hal/apq8016/src/rng.rs", &[]));
        assert!(!is_compiled("docs/snippet.rs", &[]));
    }
}
