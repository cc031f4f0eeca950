//! The HTML summary of a coverage report: `index.html` (one row per crate), a page per crate
//! (one row per file) and a page per file (its source, each line with code marked covered or
//! not, with its count). Static pages with inline style, no scripts.

use super::{CRATES, Count, Coverage};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em}\
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left}\
td.n{text-align:right}tr.total{font-weight:bold}\
table.src td{padding:0 8px;font-family:monospace;white-space:pre}\
tr.hit td.c{background:#c8f0c8}tr.miss td.c{background:#f6c4c4}\
tr.hit td.t{background:#eafaea}tr.miss td.t{background:#fde8e8}td.l,td.k{color:#777}";

/// Writes every page under `out`.
pub fn write(root: &Path, coverage: &Coverage, out: &Path) -> Result<()> {
    let mut rows = String::new();
    let mut total = Count::default();
    for (name, directory) in CRATES {
        let count = coverage.count(directory);
        total.found += count.found;
        total.hit += count.hit;
        rows.push_str(&row(
            &format!("<a href=\"{name}/index.html\">{name}</a>"),
            count,
        ));
        write_crate(root, coverage, out, name, directory)?;
    }
    rows.push_str(&row("all", total).replace("<tr>", "<tr class=\"total\">"));
    let body = format!(
        "<h1>Line coverage of the examples' checks on the virtual board</h1>\n\
         <p>Lines with code in the example ELFs that ran; <code>lcov.info</code> beside this page \
         has the same data.</p>\n<table>\n{}{rows}</table>\n",
        header("crate")
    );
    save(&out.join("index.html"), &page("Coverage", &body))
}

fn write_crate(
    root: &Path,
    coverage: &Coverage,
    out: &Path,
    name: &str,
    directory: &str,
) -> Result<()> {
    let crate_out = out.join(name);
    let mut rows = String::new();
    for (file, lines) in coverage.files_of(directory) {
        let inside = &file[directory.len()..];
        let count = Count::of(lines);
        rows.push_str(&row(
            &format!("<a href=\"{inside}.html\">{}</a>", escape(inside)),
            count,
        ));
        let depth = inside.matches('/').count();
        let up = "../".repeat(depth);
        let source = std::fs::read_to_string(root.join(file)).ok();
        let body = format!(
            "<p><a href=\"{up}../index.html\">all crates</a> / <a href=\"{up}index.html\">{name}</a></p>\n\
             <h1>{}</h1>\n<p>{:.1} % of lines ({} of {})</p>\n{}",
            escape(file),
            count.percent(),
            count.hit,
            count.found,
            source_table(source.as_deref(), lines)
        );
        save(
            &crate_out.join(format!("{inside}.html")),
            &page(file, &body),
        )?;
    }
    rows.push_str(&row("all", coverage.count(directory)).replace("<tr>", "<tr class=\"total\">"));
    let body = format!(
        "<p><a href=\"../index.html\">all crates</a></p>\n<h1>{name}</h1>\n<table>\n{}{rows}</table>\n",
        header("file")
    );
    save(&crate_out.join("index.html"), &page(name, &body))
}

/// The source with line numbers, counts and covered (green) / not covered (red) marks.
fn source_table(source: Option<&str>, lines: &BTreeMap<u32, u64>) -> String {
    let Some(source) = source else {
        return "<p>(source file not found in this checkout)</p>\n".into();
    };
    let mut html = String::from("<table class=\"src\">\n");
    for (index, text) in source.lines().enumerate() {
        let number = index as u32 + 1;
        let (class, count) = match lines.get(&number) {
            Some(0) => (" class=\"miss\"", "0".to_owned()),
            Some(n) => (" class=\"hit\"", n.to_string()),
            None => ("", String::new()),
        };
        let _ = writeln!(
            html,
            "<tr{class}><td class=\"l\">{number}</td><td class=\"c n\">{count}</td><td class=\"t\">{}</td></tr>",
            escape(text)
        );
    }
    html.push_str("</table>\n");
    html
}

fn header(what: &str) -> String {
    format!(
        "<tr><th>{what}</th><th>lines with code</th><th>covered</th><th>line coverage</th></tr>\n"
    )
}

fn row(label: &str, count: Count) -> String {
    format!(
        "<tr><td>{label}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1} %</td></tr>\n",
        count.found,
        count.hit,
        count.percent()
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style></head>\n<body>\n{body}</body></html>\n",
        escape(title)
    )
}

fn save(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_lines_are_marked_and_escaped() {
        let lines = BTreeMap::from([(1, 3), (2, 0)]);
        let html = source_table(Some("a < b\nfn x() {}\n// comment\n"), &lines);
        assert!(html.contains("<tr class=\"hit\"><td class=\"l\">1</td><td class=\"c n\">3</td><td class=\"t\">a &lt; b</td></tr>"), "{html}");
        assert!(
            html.contains("<tr class=\"miss\"><td class=\"l\">2</td><td class=\"c n\">0</td>"),
            "{html}"
        );
        assert!(
            html.contains("<tr><td class=\"l\">3</td><td class=\"c n\"></td>"),
            "{html}"
        );
    }
}
