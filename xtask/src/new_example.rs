//! `cargo xtask new NAME`: a new firmware example from a small tutorial template.
//!
//! Design notes: an example is two things, the source `examples/<name>.rs` and its
//! `[[example]]` table in `examples/Cargo.toml` (the examples crate sets
//! `autoexamples = false`, and `build::example_names` reads that list, so `build`, `run`,
//! `size` and `test` pick the new one up). The table is appended as text so the rest of the
//! manifest, comments included, stays as it was. The template (`xtask/templates/example.rs`)
//! uses the board crate (`db410c::Board`) and the runtime's `entry!` macro, and documents its
//! output in the `## Expected output` block like every example.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The template, with `{{name}}` where the example's name goes.
const TEMPLATE: &str = include_str!("../templates/example.rs");

/// Names Rust reserves; an example named like one would not make a valid crate name.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "test", "build", "main",
];

/// Checks that `name` can name an example: snake_case ASCII (`a-z`, `0-9`, `_`), starting with
/// a letter, at most 64 characters, not a Rust keyword.
pub fn check_name(name: &str) -> Result<()> {
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        bail!(
            "`{name}` is not a valid example name: use snake_case ASCII (a-z, 0-9, _), starting \
             with a letter, at most 64 characters, e.g. `my_blinky`"
        );
    }
    if KEYWORDS.contains(&name) {
        bail!("`{name}` is reserved (a Rust keyword or a cargo target name); choose another name");
    }
    Ok(())
}

/// The source of a new example called `name`.
pub fn source(name: &str) -> String {
    TEMPLATE.replace("{{name}}", name)
}

/// Creates `examples/<name>.rs` and its `[[example]]` entry; returns the source path.
pub fn create(root: &Path, name: &str) -> Result<PathBuf> {
    check_name(name)?;
    let existing = crate::build::example_names(root)?;
    let path = root.join("examples").join(format!("{name}.rs"));
    if existing.iter().any(|n| n == name) {
        bail!(
            "an example called `{name}` already exists (examples/Cargo.toml); choose another name"
        );
    }
    if path.exists() {
        bail!(
            "{} already exists (though examples/Cargo.toml does not list it); choose another \
             name or remove the file",
            path.display()
        );
    }
    let manifest_path = root.join("examples/Cargo.toml");
    let mut manifest = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    std::fs::write(&path, source(name))
        .with_context(|| format!("cannot write {}", path.display()))?;
    let table = format!("[[example]]\nname = \"{name}\"\npath = \"{name}.rs\"\n");
    // Before the `[lints]` table if there is one, so the examples stay together.
    match manifest.find("\n[lints]") {
        Some(at) => manifest.insert_str(at + 1, &format!("{table}\n")),
        None => {
            if !manifest.ends_with('\n') {
                manifest.push('\n');
            }
            manifest.push('\n');
            manifest.push_str(&table);
        }
    }
    if let Err(e) = std::fs::write(&manifest_path, manifest) {
        let _ = std::fs::remove_file(&path);
        return Err(e).with_context(|| format!("cannot write {}", manifest_path.display()));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        for bad in [
            "",
            "Blinky",
            "my-blinky",
            "1st",
            "_x",
            "a b",
            "über",
            "fn",
            "main",
        ] {
            let message = format!("{:#}", check_name(bad).unwrap_err());
            assert!(message.contains(&format!("`{bad}`")), "{message}");
        }
        for good in ["my_blinky", "x", "blink2"] {
            check_name(good).unwrap();
        }
    }

    #[test]
    fn template_documents_its_output_and_uses_the_board() {
        let text = source("my_program");
        assert!(!text.contains("{{"), "unreplaced placeholder");
        let lines = crate::expected_output::parse(&text).unwrap();
        assert_eq!(lines[0], "my_program: hello from my own program");
        assert!(text.contains("db410c::entry!(main);"));
        assert!(text.contains("Board::take()"));
    }

    #[test]
    fn creates_the_file_and_the_manifest_entry_and_refuses_twice() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("examples")).unwrap();
        std::fs::write(
            root.path().join("examples/Cargo.toml"),
            "[package]\nname = \"x\"\n\n[[example]]\nname = \"hello\"\npath = \"hello.rs\"\n\n\
             [lints]\nworkspace = true\n",
        )
        .unwrap();
        let path = create(root.path(), "mine").unwrap();
        assert!(path.ends_with("examples/mine.rs") && path.is_file());
        assert_eq!(
            crate::build::example_names(root.path()).unwrap(),
            ["hello", "mine"]
        );
        let manifest = std::fs::read_to_string(root.path().join("examples/Cargo.toml")).unwrap();
        assert!(manifest.ends_with(
            "[[example]]\nname = \"mine\"\npath = \"mine.rs\"\n\n[lints]\nworkspace = true\n"
        ));
        let again = format!("{:#}", create(root.path(), "mine").unwrap_err());
        assert!(again.contains("already exists"), "{again}");
        let existing = format!("{:#}", create(root.path(), "hello").unwrap_err());
        assert!(existing.contains("`hello` already exists"), "{existing}");
        let bad = format!("{:#}", create(root.path(), "Mine").unwrap_err());
        assert!(bad.contains("not a valid example name"), "{bad}");
    }
}
