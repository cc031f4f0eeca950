//! `cargo xtask book`: the mdBook under `book/`, with generated chapters, figures and the
//! register browser, built into `target/book/html`.
//!
//! Design notes:
//! - Generated chapters (one per example, one per lab) are tracked in `book/src/` and listed
//!   in `book/src/SUMMARY.md` between marker comments (`chapters`), so the book reads on a
//!   code host too; `cargo xtask book` rewrites them, the suite fails when they are stale.
//! - The build stages a copy of `book/` in `target/book/stage`: there, every relative link or
//!   `{{#include}}` that leaves `book/src` (they are written relative to the tracked file, so
//!   they work on a code host) is rewritten, includes to absolute paths, figures under
//!   `docs/figures/` to the copies staged in `figures/`, and other repository files to
//!   `file://` URLs of this checkout. Then mdBook builds the stage into `target/book/html`,
//!   and the register browser is written into its `registers/` directory.
//! - mdBook (`tool`) is pinned and installed once per machine into
//!   `<cargo home>/db410c-tools/` by `cargo install`; its log is kept: any `WARN` or `ERROR`
//!   line fails the build (mdBook 0.4 logs a failed include and goes on).

pub mod chapters;
pub mod links;
pub mod listings;
pub mod tool;

use anyhow::{Context, Result, bail, ensure};
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The book's sources, relative to the repository root.
pub const BOOK_SRC: &str = "book/src";
/// Wall-clock limit for one mdBook build.
const BUILD_LIMIT: Duration = Duration::from_secs(300);

/// A built book.
pub struct Built {
    /// The output directory (`target/book/html`).
    pub html: PathBuf,
    /// Its index page.
    pub index: PathBuf,
}

/// `cargo xtask book [--check]`: refresh (or, with `check`, verify) the generated chapters and
/// the figures, then build; returns the index page.
pub fn run(root: &Path, check: bool) -> Result<PathBuf> {
    if check {
        check_generated(root)?;
        crate::figures::check_tracked(root)?;
    } else {
        write_generated(root)?;
        crate::figures::write_tracked(root)?;
    }
    listings::check(root)?;
    let built = build(root)?;
    let report = links::check(&built.html)?;
    for url in &report.external {
        eprintln!("xtask: external link (not fetched): {url}");
    }
    eprintln!(
        "xtask: book: {} pages, {} internal links resolved, {} external links listed above",
        report.pages,
        report.internal,
        report.external.len()
    );
    Ok(built.index)
}

/// Writes the generated chapters and SUMMARY.md (only files whose contents changed), and
/// removes generated chapters that no longer have a source.
pub fn write_generated(root: &Path) -> Result<()> {
    let generated = chapters::generate(root)?;
    let src = root.join(BOOK_SRC);
    for (relative, contents) in &generated.files {
        write_if_changed(&src.join(relative), contents)?;
    }
    write_if_changed(&src.join("SUMMARY.md"), &generated.summary)?;
    for stale in stale_generated(root, &generated)? {
        std::fs::remove_file(&stale)
            .with_context(|| format!("cannot remove {}", stale.display()))?;
    }
    Ok(())
}

/// Fails, naming each file, when a generated chapter or SUMMARY.md differs from what the
/// sources give (or a generated chapter has no source any more).
pub fn check_generated(root: &Path) -> Result<()> {
    let generated = chapters::generate(root)?;
    let src = root.join(BOOK_SRC);
    let mut problems = Vec::new();
    let mut expected: Vec<(String, &String)> = generated
        .files
        .iter()
        .map(|(relative, contents)| (relative.clone(), contents))
        .collect();
    expected.push(("SUMMARY.md".to_owned(), &generated.summary));
    for (relative, contents) in expected {
        match std::fs::read_to_string(src.join(&relative)) {
            Ok(actual) if actual == *contents => {}
            Ok(_) => problems.push(format!("book/src/{relative} is stale")),
            Err(_) => problems.push(format!("book/src/{relative} is missing")),
        }
    }
    for stale in stale_generated(root, &generated)? {
        problems.push(format!("{} has no source any more", stale.display()));
    }
    ensure!(
        problems.is_empty(),
        "the book's generated chapters do not match their sources ({}); run `cargo xtask book`",
        problems.join("; ")
    );
    Ok(())
}

/// Generated chapter files on disk that the sources no longer give.
fn stale_generated(root: &Path, generated: &chapters::Generated) -> Result<Vec<PathBuf>> {
    let src = root.join(BOOK_SRC);
    let mut stale = Vec::new();
    for dir in [chapters::EXAMPLES_DIR, chapters::LABS_DIR] {
        let Ok(entries) = std::fs::read_dir(src.join(dir)) else {
            continue;
        };
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && !generated.files.contains_key(&format!("{dir}/{name}")) {
                stale.push(src.join(dir).join(name));
            }
        }
    }
    Ok(stale)
}

fn write_if_changed(path: &Path, contents: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

/// Stages the book, runs mdBook with warnings as errors, writes the register browser.
pub fn build(root: &Path) -> Result<Built> {
    let mdbook = tool::mdbook(root)?;
    let out = crate::build::target_dir(root).join("book");
    let stage = out.join("stage");
    let html = out.join("html");
    for dir in [&stage, &html] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot clear {}", dir.display()))?;
        }
    }
    stage_book(root, &stage)?;
    let mut command = Command::new(&mdbook);
    command
        .arg("build")
        .arg(&stage)
        .arg("--dest-dir")
        .arg(&html)
        .env("RUST_LOG", "warn");
    let output = crate::process::run_with_limit(&mut command, "mdbook build", BUILD_LIMIT)?;
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    ensure!(
        output.status.success(),
        "mdbook build failed ({}):\n{log}",
        output.status
    );
    let complaints: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("WARN") || line.contains("ERROR"))
        .collect();
    ensure!(
        complaints.is_empty(),
        "mdbook warned (warnings are errors here):\n{}",
        complaints.join("\n")
    );
    crate::figures::write_register_browser(root, &html.join("registers"))?;
    let index = html.join("index.html");
    ensure!(index.is_file(), "mdbook wrote no {}", index.display());
    Ok(Built { html, index })
}

/// Copies `book/` to `stage`, rewriting the paths that leave `book/src` (see the module notes)
/// and copying `docs/figures/*.svg` to `stage/src/figures/`.
fn stage_book(root: &Path, stage: &Path) -> Result<()> {
    let book = root.join("book");
    std::fs::create_dir_all(stage)?;
    std::fs::copy(book.join("book.toml"), stage.join("book.toml"))
        .context("cannot copy book/book.toml")?;
    let figures = stage.join("src/figures");
    std::fs::create_dir_all(&figures)?;
    if let Ok(entries) = std::fs::read_dir(root.join("docs/figures")) {
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "svg") {
                let name = path.file_name().context("file name")?;
                std::fs::copy(&path, figures.join(name))
                    .with_context(|| format!("cannot copy {}", path.display()))?;
            }
        }
    }
    let src = book.join("src");
    for file in files_under(&src)? {
        let relative = file.strip_prefix(&src).context("under book/src")?;
        let target = stage.join("src").join(relative);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        if file.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let staged = rewrite_outside_paths(root, relative, &text)
                .with_context(|| format!("{}", file.display()))?;
            std::fs::write(&target, staged)?;
        } else {
            std::fs::copy(&file, &target)
                .with_context(|| format!("cannot copy {}", file.display()))?;
        }
    }
    Ok(())
}

/// Every file under `dir`, sorted.
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current)
            .with_context(|| format!("cannot read {}", current.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Where a path written in `book/src/<page>` points, relative to the repository root, when it
/// leaves `book/src` (`None`: it stays inside the book, or is not a relative path).
pub fn outside_target(page: &Path, written: &str) -> Option<PathBuf> {
    if written.is_empty()
        || written.starts_with('#')
        || written.starts_with('/')
        || written.contains("://")
        || written.starts_with("mailto:")
    {
        return None;
    }
    let mut resolved: Vec<String> = vec!["book".into(), "src".into()];
    for component in page.parent().unwrap_or(Path::new("")).components() {
        resolved.push(component.as_os_str().to_string_lossy().into_owned());
    }
    for component in Path::new(written).components() {
        match component {
            Component::ParentDir => {
                resolved.pop()?;
            }
            Component::Normal(part) => resolved.push(part.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    if resolved.len() >= 2 && resolved[0] == "book" && resolved[1] == "src" {
        return None;
    }
    Some(resolved.iter().collect())
}

/// Rewrites, in one staged page, the `](path)` links and `{{#include path...}}` directives
/// whose path leaves `book/src`.
fn rewrite_outside_paths(root: &Path, page: &Path, text: &str) -> Result<String> {
    let link = regex::Regex::new(r"\]\(([^)\s#]+)(#[^)\s]*)?\)").expect("valid");
    let include = regex::Regex::new(r"\{\{#(include|rustdoc_include) ([^}:\s]+)").expect("valid");
    let depth = page.components().count() - 1;
    let up = "../".repeat(depth);
    let mut missing = Vec::new();
    let text = inline_markdown_includes(root, page, text)?;
    let text = include.replace_all(&text, |c: &regex::Captures| {
        match outside_target(page, &c[2]) {
            Some(target) => {
                if !root.join(&target).exists() {
                    missing.push(target.display().to_string());
                }
                format!("{{{{#{} {}", &c[1], root.join(target).display())
            }
            None => c[0].to_owned(),
        }
    });
    let text = link.replace_all(&text, |c: &regex::Captures| {
        let fragment = c.get(2).map_or("", |m| m.as_str());
        match outside_target(page, &c[1]) {
            Some(target) => {
                if !root.join(&target).exists() {
                    missing.push(target.display().to_string());
                }
                if let Ok(figure) = target.strip_prefix("docs/figures") {
                    format!("]({up}figures/{}{fragment})", figure.display())
                } else {
                    format!("](file://{}{fragment})", root.join(target).display())
                }
            }
            None => c[0].to_owned(),
        }
    });
    if !missing.is_empty() {
        bail!("links to files that do not exist: {}", missing.join(", "));
    }
    Ok(text.into_owned())
}

/// Replaces each whole-file `{{#include FILE.md}}` that leaves `book/src` (a lab's README) by
/// the file's text, its relative links made `file://` URLs of the files they name, so that
/// they still point at the lab's files once the text sits in the book.
fn inline_markdown_includes(root: &Path, page: &Path, text: &str) -> Result<String> {
    let directive = regex::Regex::new(r"\{\{#include ([^}:\s]+\.md)\}\}").expect("valid");
    let link = regex::Regex::new(r"\]\(([^)\s#]+)(#[^)\s]*)?\)").expect("valid");
    let mut problems = Vec::new();
    let text = directive.replace_all(text, |c: &regex::Captures| {
        let Some(included) = outside_target(page, &c[1]) else {
            return c[0].to_owned();
        };
        let Ok(contents) = std::fs::read_to_string(root.join(&included)) else {
            problems.push(format!("{} does not exist", included.display()));
            return c[0].to_owned();
        };
        let dir = included.parent().unwrap_or(Path::new("")).to_path_buf();
        link.replace_all(&contents, |l: &regex::Captures| {
            let written = &l[1];
            if written.contains("://") || written.starts_with("mailto:") || written.starts_with('/')
            {
                return l[0].to_owned();
            }
            let fragment = l.get(2).map_or("", |m| m.as_str());
            let mut target = PathBuf::new();
            for component in dir.join(written).components() {
                match component {
                    Component::ParentDir => {
                        target.pop();
                    }
                    Component::Normal(part) => target.push(part),
                    _ => {}
                }
            }
            if !root.join(&target).exists() {
                problems.push(format!(
                    "{}: link to {written}: no such file",
                    included.display()
                ));
            }
            format!("](file://{}{fragment})", root.join(target).display())
        })
        .into_owned()
    });
    if !problems.is_empty() {
        bail!("{}", problems.join("; "));
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_leaving_the_book_are_found() {
        let page = Path::new("examples/hello.md");
        assert_eq!(
            outside_target(page, "../../../examples/hello.rs"),
            Some(PathBuf::from("examples/hello.rs"))
        );
        assert_eq!(outside_target(page, "../intro.md"), None);
        assert_eq!(outside_target(page, "https://example.org/x"), None);
        assert_eq!(outside_target(Path::new("a.md"), "../../../../x"), None);
        assert_eq!(
            outside_target(Path::new("a.md"), "../../docs/figures/pinout.svg"),
            Some(PathBuf::from("docs/figures/pinout.svg"))
        );
    }

    #[test]
    fn staged_pages_point_at_the_checkout() {
        let root = crate::process::workspace_root().unwrap();
        let text = "see [x](../../README.md#quick-start) and ![p](../../docs/contracts.md)\n\
                    {{#include ../../examples/hello.rs:3:}} [in](other.md)\n";
        let staged = rewrite_outside_paths(&root, Path::new("page.md"), text).unwrap();
        assert!(staged.contains(&format!(
            "(file://{}/README.md#quick-start)",
            root.display()
        )));
        assert!(staged.contains(&format!(
            "{{{{#include {}/examples/hello.rs:3:}}}}",
            root.display()
        )));
        assert!(staged.contains("[in](other.md)"));
        assert!(
            rewrite_outside_paths(&root, Path::new("page.md"), "[x](../../nothing.md)").is_err()
        );
    }

    #[test]
    fn a_labs_readme_is_inlined_with_its_links_kept() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("labs/gpio/src")).unwrap();
        std::fs::write(root.path().join("labs/gpio/src/main.rs"), "").unwrap();
        std::fs::write(
            root.path().join("labs/gpio/README.md"),
            "# GPIO\n[start](src/main.rs) [web](https://x.org/a)\n",
        )
        .unwrap();
        let page = Path::new("labs/gpio.md");
        let include = "{{#include ../../../labs/gpio/README.md}}\n";
        let staged = rewrite_outside_paths(root.path(), page, include).unwrap();
        let main = root.path().join("labs/gpio/src/main.rs");
        assert!(
            staged.contains(&format!("[start](file://{})", main.display())),
            "{staged}"
        );
        assert!(staged.contains("[web](https://x.org/a)"));
        std::fs::write(
            root.path().join("labs/gpio/README.md"),
            "[gone](nothing.rs)\n",
        )
        .unwrap();
        assert!(rewrite_outside_paths(root.path(), page, include).is_err());
    }
}
