//! The built book's links: every internal `href`/`src` in its HTML pages must reach a file of
//! the book (or, for `file://` links, of the checkout), and every `#fragment` an `id` on the
//! page it names. External `http(s)` links are only collected, never fetched.
//!
//! Design notes: the pages are mdBook's own output (plus the register browser), so a pair of
//! regular expressions over `href="..."`, `src="..."` and `id="..."` is enough; no HTML
//! parser. `404.html` is skipped: mdBook writes it with a `<base>` for the web server's root,
//! which only means something once served.

use anyhow::{Context, Result, ensure};
use regex::Regex;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    pub pages: usize,
    pub internal: usize,
    /// External URLs (sorted, each once).
    pub external: BTreeSet<String>,
}

/// Checks every HTML page under `html`.
pub fn check(html: &Path) -> Result<Report> {
    let attribute = Regex::new(r#"(?:href|src)="([^"]*)""#).expect("valid");
    let id = Regex::new(r#"\bid="([^"]*)""#).expect("valid");
    let pages: Vec<PathBuf> = super::files_under(html)?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    let mut ids: HashMap<PathBuf, BTreeSet<String>> = HashMap::new();
    for page in &pages {
        let text = std::fs::read_to_string(page)?;
        ids.insert(
            page.clone(),
            id.captures_iter(&text).map(|c| decode(&c[1])).collect(),
        );
    }
    let mut report = Report::default();
    let mut broken = Vec::new();
    for page in &pages {
        if page.file_name().is_some_and(|n| n == "404.html") {
            continue;
        }
        report.pages += 1;
        let text = std::fs::read_to_string(page)?;
        let dir = page.parent().context("page has a directory")?;
        for capture in attribute.captures_iter(&text) {
            let link = decode(&capture[1]);
            if link.starts_with("http://") || link.starts_with("https://") || link.starts_with("//")
            {
                report.external.insert(link);
                continue;
            }
            if link.starts_with("mailto:")
                || link.starts_with("javascript:")
                || link.starts_with("data:")
            {
                continue;
            }
            report.internal += 1;
            let (path, fragment) = match link.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (link.as_str(), None),
            };
            let path = path.split('?').next().unwrap_or_default();
            let target = if let Some(absolute) = path.strip_prefix("file://") {
                PathBuf::from(absolute)
            } else if path.is_empty() {
                page.clone()
            } else {
                let mut target = dir.join(path);
                if path.ends_with('/') {
                    target.push("index.html");
                }
                target
            };
            let target = normalise(&target);
            let shown = page
                .strip_prefix(html)
                .unwrap_or(page)
                .display()
                .to_string();
            if !target.exists() {
                broken.push(format!("{shown}: {link}: no such file"));
                continue;
            }
            if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                let known = ids.get(&target).is_some_and(|set| set.contains(fragment));
                let html_target = target.extension().is_some_and(|e| e == "html");
                if html_target && !known {
                    broken.push(format!("{shown}: {link}: no id `{fragment}` on that page"));
                }
            }
        }
    }
    ensure!(
        broken.is_empty(),
        "{} broken link(s) in the built book:\n{}",
        broken.len(),
        broken.join("\n")
    );
    Ok(report)
}

/// `a/b/../c` -> `a/c` (without touching the file system).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// HTML attribute text to plain text: the entities mdBook writes, and `%XX` escapes.
fn decode(text: &str) -> String {
    let text = text
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(value) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(value);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_broken_links_and_anchors() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "index.html",
            r##"<h1 id="top">x</h1><a href="#top">ok</a><a href="b.html#b%C3%A9">ok</a>
<a href="https://example.org/">external</a><img src="pic.svg">"##,
        );
        write("b.html", r#"<h2 id="bé">b</h2>"#);
        write("pic.svg", "<svg/>");
        let report = check(dir.path()).unwrap();
        assert_eq!(report.pages, 2);
        assert_eq!(report.internal, 3);
        assert_eq!(report.external.len(), 1);

        write(
            "c.html",
            r##"<a href="b.html#nothing">x</a><a href="gone.html">y</a>"##,
        );
        let message = format!("{:#}", check(dir.path()).unwrap_err());
        assert!(
            message.contains("c.html: b.html#nothing: no id `nothing`"),
            "{message}"
        );
        assert!(
            message.contains("c.html: gone.html: no such file"),
            "{message}"
        );
    }
}
