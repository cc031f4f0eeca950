//! The book's generated chapters: one per example (text from the example's `//!` header, code
//! included from the example file itself), one per lab (`labs/NAME/README.md` included), and
//! the lists of both in `book/src/SUMMARY.md` between marker comments.
//!
//! Design notes: the generated pages are tracked in git, like the PAC, so that a reader on a
//! code host that renders markdown goes README -> `book/src/SUMMARY.md` -> chapter in two
//! clicks; `cargo xtask book` rewrites them and the suite fails when they are stale. The
//! teaching order of the examples (parts, and the order within a part) and the virtual-board
//! options each chapter shows are the table [`PARTS`]; a declared example missing from it
//! (one made with `cargo xtask new`) gets its chapter in a last part, "Your own examples".

use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeMap;
use std::path::Path;

/// One example in the book: its name and the virtual-board options its chapter shows for
/// `cargo xtask run` (those its check in `cargo xtask test` uses; empty: none needed).
pub struct ExampleEntry {
    pub name: &'static str,
    pub emu_options: &'static str,
}

/// A part of the book: a title and its examples in teaching order.
pub struct Part {
    pub title: &'static str,
    pub examples: &'static [ExampleEntry],
}

const fn example(name: &'static str, emu_options: &'static str) -> ExampleEntry {
    ExampleEntry { name, emu_options }
}

/// The examples in teaching order.
pub const PARTS: &[Part] = &[
    Part {
        title: "First steps",
        examples: &[
            example("hello", "--stats"),
            example("blinky", "--trace gpio"),
            example("button", "--press 107@200ms:500ms --trace gpio"),
            example("leds", "--trace gpio"),
            example("rng", "--seed 1"),
        ],
    },
    Part {
        title: "When things go wrong",
        examples: &[
            example("panic", ""),
            example("exception", ""),
            example("defmt_hello", ""),
        ],
    },
    Part {
        title: "The console UART",
        examples: &[
            example("echo", r"--input-str 'hello\rworld\rquit\r'"),
            example("uart_config", ""),
        ],
    },
    Part {
        title: "Buses on the low-speed header",
        examples: &[
            example(
                "i2c_scan",
                "--i2c 0:0x50=24c32 --i2c 0:0x48=lm75 --i2c 1:0x1d=sensor",
            ),
            example("i2c_eeprom", "--i2c 0:0x50=24c32 --trace i2c"),
            example(
                "i2c_sensor",
                "--i2c 0:0x48=lm75,temp=21.5,temp@150ms=23,temp@350ms=-5.5,temp@500ms=30.5",
            ),
            example("spi_flash", "--spi 0:nor --trace spi"),
        ],
    },
    Part {
        title: "The power-management IC",
        examples: &[
            example("pmic", "--press power@2s:2200ms --trace gpio"),
            example("pmic_info", "--max-resets 1"),
            example("rtc", ""),
            example("watchdog", "--trace gpio"),
            example("poweroff", ""),
        ],
    },
    Part {
        title: "Interrupts",
        examples: &[
            example("timer_irq", "--trace gpio --stats"),
            example("gpio_irq", "--press 107@200ms:500ms --trace gpio"),
            example("sgi", ""),
            example(
                "power_key",
                "--press power@1s:1200ms --press volume-down@1500ms:1600ms --stats",
            ),
            example("rtc_alarm", "--stats"),
            example("uart_irq_echo", "--stdin"),
        ],
    },
    Part {
        title: "Four cores and async",
        examples: &[
            example("multicore", "--stats"),
            example("critical_section_contention", ""),
            example(
                "async_blinky",
                r"--send-after async_blinky 'hello\r' --press 107@300ms:600ms --trace gpio --stats",
            ),
            example("async_wake", ""),
            example("bus_async", "--i2c 0:0x50=24c32 --spi 0:nor"),
        ],
    },
    Part {
        title: "Measuring the HAL and the board",
        examples: &[
            example("zero_cost", "--i2c 0:0x50=24c32 --spi 0:nor"),
            example("interrupt_latency", "--trace irq"),
            example("i2c_throughput", "--i2c 0:0x1d=sensor --trace i2c"),
            example("spi_throughput", "--spi 0:nor --trace spi"),
            example("gic_conformance", ""),
        ],
    },
];

/// Examples whose documented output needs typing at their prompts: their chapter runs them
/// with `--stdin`, and the check of the chapters' run lines leaves them to their own checks.
pub const INTERACTIVE: &[&str] = &["uart_irq_echo"];

/// One example's place in the book.
pub struct BookExample {
    /// The title of its part.
    pub part: &'static str,
    pub name: String,
    /// As [`ExampleEntry::emu_options`].
    pub emu_options: &'static str,
}

/// Every example in book order: [`PARTS`], then "Your own examples" (declared examples that
/// [`PARTS`] does not name).
pub fn entries(root: &Path) -> Result<Vec<BookExample>> {
    let mut all: Vec<BookExample> = PARTS
        .iter()
        .flat_map(|part| {
            part.examples.iter().map(|e| BookExample {
                part: part.title,
                name: e.name.to_owned(),
                emu_options: e.emu_options,
            })
        })
        .collect();
    for name in check_table(root)? {
        all.push(BookExample {
            part: OWN_PART,
            name,
            emu_options: "",
        });
    }
    Ok(all)
}

/// The title of the last part, for examples outside [`PARTS`].
const OWN_PART: &str = "Your own examples";

/// Directory of the generated example chapters, relative to `book/src`.
pub const EXAMPLES_DIR: &str = "examples";
/// Directory of the generated lab chapters, relative to `book/src`.
pub const LABS_DIR: &str = "labs";
/// The first line of every generated page.
const GENERATED_NOTE: &str = "<!-- Generated by `cargo xtask book`";

/// The generated files: path relative to `book/src` -> contents; plus the new SUMMARY.md.
pub struct Generated {
    pub files: BTreeMap<String, String>,
    pub summary: String,
}

/// Generates every chapter and the SUMMARY from the repository's current sources.
pub fn generate(root: &Path) -> Result<Generated> {
    let mut files = BTreeMap::new();
    let mut example_list = String::new();
    let mut current_part = "";
    for entry in entries(root)? {
        if entry.part != current_part {
            example_list.push_str(&format!("\n# Examples: {}\n\n", entry.part));
            current_part = entry.part;
        }
        let source_path = root.join("examples").join(format!("{}.rs", entry.name));
        let source = std::fs::read_to_string(&source_path)
            .with_context(|| format!("cannot read {}", source_path.display()))?;
        let (title, page) = example_chapter(&entry, &source)
            .with_context(|| format!("{}: its `//!` header", source_path.display()))?;
        let relative = format!("{EXAMPLES_DIR}/{}.md", entry.name);
        example_list.push_str(&format!("- [{title}]({relative})\n"));
        files.insert(relative, page);
    }
    let mut lab_list = String::new();
    for (name, title) in labs(root)? {
        let relative = format!("{LABS_DIR}/{name}.md");
        lab_list.push_str(&format!("  - [{title}]({relative})\n"));
        files.insert(relative, lab_chapter(&name));
    }
    let summary_path = root.join("book/src/SUMMARY.md");
    let summary = std::fs::read_to_string(&summary_path)
        .with_context(|| format!("cannot read {}", summary_path.display()))?;
    let summary = replace_between(&summary, "examples", &example_list)?;
    let summary = replace_between(&summary, "labs", &lab_list)?;
    Ok(Generated { files, summary })
}

/// Checks that [`PARTS`] names only declared examples, each once; returns the declared
/// examples it does not name (new ones, e.g. from `cargo xtask new`), which the book lists in
/// a last part, "Your own examples".
pub fn check_table(root: &Path) -> Result<Vec<String>> {
    let declared = crate::build::example_names(root)?;
    let mut in_book: Vec<&str> = PARTS
        .iter()
        .flat_map(|p| p.examples.iter().map(|e| e.name))
        .collect();
    let unknown: Vec<&&str> = in_book
        .iter()
        .filter(|name| !declared.iter().any(|d| d == *name))
        .collect();
    ensure!(
        unknown.is_empty(),
        "the book's teaching order (`PARTS` in xtask/src/book/chapters.rs) names examples that \
         examples/Cargo.toml does not declare: {unknown:?}"
    );
    in_book.sort_unstable();
    let before = in_book.len();
    in_book.dedup();
    ensure!(
        before == in_book.len(),
        "an example is twice in the book's teaching order"
    );
    Ok(declared
        .into_iter()
        .filter(|name| !in_book.contains(&name.as_str()))
        .collect())
}

/// The `//!` header of an example: its lines without the comment marker, and the number of
/// source lines it takes.
fn header(source: &str) -> (Vec<&str>, usize) {
    let lines: Vec<&str> = source
        .lines()
        .map_while(|line| line.strip_prefix("//!"))
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect();
    let count = lines.len();
    (lines, count)
}

/// One example's chapter: its title (the header's first heading) and the page.
pub fn example_chapter(entry: &BookExample, source: &str) -> Result<(String, String)> {
    let (lines, header_lines) = header(source);
    let Some(first) = lines.first() else {
        bail!("no `//!` header");
    };
    let Some(title) = first.strip_prefix("# ") else {
        bail!("the header's first line is not a `# name: what it shows` heading");
    };
    ensure!(
        title.starts_with(&format!("{}:", entry.name)),
        "the header's heading does not start with `{}:`",
        entry.name
    );
    // The listing starts after the header and the blank lines below it.
    let body_start = source
        .lines()
        .enumerate()
        .skip(header_lines)
        .find(|(_, line)| !line.trim().is_empty())
        .map(|(index, _)| index + 1)
        .context("the example has no code after its header")?;
    let name = entry.name.as_str();
    let mut page = format!(
        "{GENERATED_NOTE} from `examples/{name}.rs`: edit the example's `//!` header, not this file. -->\n\n"
    );
    for line in &lines {
        page.push_str(&flatten_doc_links(line));
        page.push('\n');
    }
    let run_line = if entry.emu_options.is_empty() {
        format!("cargo xtask run {name}")
    } else {
        format!("cargo xtask run {name} -- {}", entry.emu_options)
    };
    let how = if INTERACTIVE.contains(&name) {
        format!(
            "Interactively on the virtual board: type or paste at its prompts (its check in \
             `cargo xtask test` types the documented input with `--send-after`, see \
             `xtask/src/checks/{name}.rs`)"
        )
    } else {
        "On the virtual board, with the options that make it print the output shown above \
         (`cargo xtask test` runs this very line and compares)"
            .to_owned()
    };
    page.push_str(&format!(
        "\n## Run it\n\n\
         {how}; [the virtual board as a lab instrument](../virtual-board.md) explains every \
         option:\n\n\
         ```sh\n{run_line}\n```\n\n\
         On a board in fastboot mode, `cargo xtask flash {name} --monitor /dev/ttyUSB0` \
         ([from the virtual board to the real board](../real-board.md)).\n\n\
         ## The program\n\n\
         [`examples/{name}.rs`](../../../examples/{name}.rs) after its header, the file the \
         suite compiles and runs:\n\n\
         ```rust\n{{{{#include ../../../examples/{name}.rs:{body_start}:}}}}\n```\n\n\
         The text above the listing is the example's `//!` header: `cargo xtask doc` shows the \
         same text as the example's page in the API documentation \
         (`target/aarch64-unknown-none/doc/{name}/index.html`, listed on its `index.html` \
         with the HAL and board crate pages).\n"
    ));
    Ok((title.to_owned(), page))
}

/// Rustdoc's intra-doc links (`` [`Name`] `` with no target) read as code in the book.
fn flatten_doc_links(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("[`") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find("`]") {
            Some(end) if !after[end + 2..].starts_with(['(', '[']) => {
                out.push_str(&after[..end + 1]);
                rest = &after[end + 2..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The labs: `labs/NAME/README.md` files, with the title of each (its first `# ` heading).
pub fn labs(root: &Path) -> Result<Vec<(String, String)>> {
    let dir = root.join("labs");
    let mut labs = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(labs);
    };
    for entry in entries {
        let entry = entry?;
        let readme = entry.path().join("README.md");
        if !readme.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&readme)
            .with_context(|| format!("cannot read {}", readme.display()))?;
        let title = text
            .lines()
            .find_map(|line| line.strip_prefix("# "))
            .unwrap_or(&name)
            .trim()
            .to_owned();
        labs.push((name, title));
    }
    labs.sort_by_key(|(name, title)| (course_position(title), name.clone()));
    Ok(labs)
}

/// A lab's place in the course, from its title (`Lab 3: ...` is 3); untitled labs go last.
fn course_position(title: &str) -> u32 {
    title
        .strip_prefix("Lab ")
        .and_then(|rest| rest.split(':').next())
        .and_then(|number| number.trim().parse().ok())
        .unwrap_or(u32::MAX)
}

fn lab_chapter(name: &str) -> String {
    format!(
        "{GENERATED_NOTE} from `labs/{name}/README.md`: edit that file, not this one. -->\n\n\
         {{{{#include ../../../labs/{name}/README.md}}}}\n\n\
         ---\n\n\
         Check your work: `cargo xtask lab check {name}`. The lab's files: \
         [`labs/{name}/`](../../../labs/{name}/README.md).\n"
    )
}

/// Replaces the lines between `<!-- BEGIN generated: KEY -->` and `<!-- END generated: KEY -->`.
fn replace_between(text: &str, key: &str, replacement: &str) -> Result<String> {
    let begin = format!("<!-- BEGIN generated: {key} -->");
    let end = format!("<!-- END generated: {key} -->");
    let start = text
        .find(&begin)
        .with_context(|| format!("book/src/SUMMARY.md lacks the line `{begin}`"))?
        + begin.len();
    let stop = text
        .find(&end)
        .with_context(|| format!("book/src/SUMMARY.md lacks the line `{end}`"))?;
    ensure!(stop > start, "`{end}` comes before `{begin}` in SUMMARY.md");
    Ok(format!(
        "{}\n{}\n{}",
        &text[..start],
        replacement.trim_matches('\n'),
        &text[stop..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_links_become_code() {
        assert_eq!(
            flatten_doc_links("see [`Uart::read`] and [`x`](y) or [`a`][b]"),
            "see `Uart::read` and [`x`](y) or [`a`][b]"
        );
    }

    #[test]
    fn chapter_takes_the_header_and_includes_the_rest() {
        let source = "//! # demo: a demo\n//!\n//! Says [`hi`].\n\n#![no_std]\nfn main() {}\n";
        let entry = BookExample {
            part: "demo part",
            name: "demo".to_owned(),
            emu_options: "--stats",
        };
        let (title, page) = example_chapter(&entry, source).unwrap();
        assert_eq!(title, "demo: a demo");
        assert!(page.contains("# demo: a demo\n\nSays `hi`.\n"));
        assert!(page.contains("cargo xtask run demo -- --stats"));
        assert!(page.contains("{{#include ../../../examples/demo.rs:5:}}"));
        assert!(page.contains("target/aarch64-unknown-none/doc/demo/index.html"));
        let wrong = BookExample {
            name: "other".to_owned(),
            ..entry
        };
        assert!(example_chapter(&wrong, source).is_err());
    }

    #[test]
    fn labs_are_in_course_order() {
        let root = crate::process::workspace_root().unwrap();
        let titles: Vec<String> = labs(&root).unwrap().into_iter().map(|(_, t)| t).collect();
        let numbers: Vec<u32> = titles.iter().map(|t| course_position(t)).collect();
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        assert_eq!(numbers, sorted, "{titles:?}");
        assert_eq!(course_position("Lab 10: x"), 10);
        assert_eq!(course_position("Something"), u32::MAX);
    }

    #[test]
    fn summary_sections_are_replaced() {
        let text = "a\n<!-- BEGIN generated: x -->\nold\n<!-- END generated: x -->\nb\n";
        assert_eq!(
            replace_between(text, "x", "new\n").unwrap(),
            "a\n<!-- BEGIN generated: x -->\nnew\n<!-- END generated: x -->\nb\n"
        );
        assert!(replace_between(text, "y", "").is_err());
    }
}
