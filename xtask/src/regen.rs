//! `cargo xtask regen [--check]`: generates `pac/apq8016` from `svd/apq8016.svd`.
//!
//! Design notes:
//! - svd2rust is used as a library (target `none`: no interrupt vector, no core peripherals),
//!   so the generator version is pinned by `Cargo.lock`, not by whatever binary is installed.
//! - The whole crate is one file, `src/lib.rs`; svd2rust's output is formatted by running
//!   `rustfmt --edition 2024` on it (with the workspace `rustfmt.toml`, so `cargo fmt --check`
//!   agrees with the committed file) and prefixed with a "generated, do not edit" header.
//!   svd2rust itself emits the crate attributes (`no_std`, its naming `allow`s); the output
//!   passes clippy without further allowances.
//! - The SVD is validated first (`svd_check`: schema, overlaps, bit ranges, enumerated values,
//!   duplicate names); any problem stops the run before anything is generated or written, and
//!   all problems are listed with their `file:line:column` and element path.
//! - Safe setters: before rendering, every writable multi-bit field without a `writeConstraint`
//!   or write enumerated values is given a full-range `writeConstraint` in memory, so svd2rust
//!   generates a safe `set()` for it (see [`declare_any_value_writable`] for why that is sound
//!   on this chip, and which fields keep an `unsafe bits()` on purpose; `docs/svd.md`).
//! - `--check` generates into a temporary directory and compares byte for byte with the
//!   committed files, so it never writes inside the workspace; it names each stale file and
//!   its first differing line.
//! - A normal run only rewrites files whose contents changed, to keep rebuilds cheap.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The SVD, relative to the workspace root.
const SVD_PATH: &str = "svd/apq8016.svd";
/// The generated crate's source directory, relative to the workspace root.
const PAC_SRC_DIR: &str = "pac/apq8016/src";
/// Files the generator writes into [`PAC_SRC_DIR`].
const GENERATED_FILES: &[&str] = &["lib.rs"];

/// Entry point of `cargo xtask regen [--check]`.
pub fn run(root: &Path, check: bool) -> Result<()> {
    let svd = root.join(SVD_PATH);
    let pac_src = root.join(PAC_SRC_DIR);
    let rustfmt_config = Some(root.join("rustfmt.toml")).filter(|p| p.is_file());
    let options = Options {
        svd: &svd,
        rustfmt_config: rustfmt_config.as_deref(),
    };
    if check {
        let stale = check_up_to_date(&options, &pac_src)?;
        if !stale.is_empty() {
            let lines: Vec<String> = stale
                .iter()
                .map(|difference| {
                    let path = difference
                        .path
                        .strip_prefix(root)
                        .unwrap_or(&difference.path);
                    format!("\n  {}: {}", path.display(), difference.detail)
                })
                .collect();
            bail!(
                "the generated PAC is stale (it does not match what {SVD_PATH} generates); \
                 run `cargo xtask regen`:{}",
                lines.concat()
            );
        }
        println!("{PAC_SRC_DIR} is up to date with {SVD_PATH}");
    } else {
        let written = generate_into(&options, &pac_src)?;
        if written.is_empty() {
            println!("{PAC_SRC_DIR} already up to date");
        }
        for path in written {
            println!(
                "wrote {}",
                path.strip_prefix(root).unwrap_or(&path).display()
            );
        }
    }
    Ok(())
}

/// What to generate from, and how to format it.
struct Options<'a> {
    svd: &'a Path,
    /// `rustfmt.toml` to format with; `None` uses rustfmt's defaults.
    rustfmt_config: Option<&'a Path>,
}

/// The generated files: (file name inside the source dir, contents).
fn render(options: &Options<'_>) -> Result<Vec<(&'static str, String)>> {
    let svd = options.svd;
    let input = std::fs::read_to_string(svd)
        .with_context(|| format!("cannot read the SVD file {}", svd.display()))?;
    let mut config = svd2rust::Config::default();
    config.target = svd2rust::Target::None;
    config.edition = svd2rust::config::RustEdition::E2024;
    config.strict = true;
    config.input = Some(svd.to_path_buf());
    // Peripheral types and the `Peripherals` fields keep their SVD spelling (`pac::GCC`,
    // `dp.BLSP1_UART2`), as the contract in docs/contracts.md names them; everything else uses
    // svd2rust's default naming (snake-case accessors, Pascal-case register and enum types).
    let constant_case = svd2rust::config::IdentFormat::default().constant_case();
    config
        .ident_formats
        .insert("peripheral".into(), constant_case.clone());
    config
        .ident_formats
        .insert("peripheral_singleton".into(), constant_case);
    // Everything is checked before anything is generated: every problem at once, with its
    // position, instead of svd-parser's first one (or none, for the layout problems it accepts).
    let problems = crate::svd_check::validate(&input);
    if !problems.is_empty() {
        // Relative to the current directory when inside it, as compilers print paths.
        let shown = std::env::current_dir()
            .ok()
            .and_then(|dir| svd.strip_prefix(dir).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| svd.to_path_buf());
        bail!(crate::svd_check::report(
            &shown.display().to_string(),
            &problems
        ));
    }
    let lib_rs = generate(&input, config).map_err(|error| {
        // svd2rust wraps the parser error; `{:#}` keeps the whole chain (element, line).
        anyhow::anyhow!("{}: invalid SVD: {error:#}", svd.display())
    })?;
    let formatted = rustfmt(&lib_rs, options.rustfmt_config)?;
    let lib_rs = format!(
        "// @generated by `cargo xtask regen` from {SVD_PATH} (svd2rust 0.37, target `none`).\n\
         // Do not edit this file: change the SVD and run `cargo xtask regen`.\n\
         {formatted}"
    );
    Ok(vec![(GENERATED_FILES[0], lib_rs)])
}

/// svd2rust's `generate`, with [`declare_any_value_writable`] applied to the parsed device
/// before rendering (svd2rust's own `generate` goes from text to code in one step).
fn generate(input: &str, config: svd2rust::Config) -> Result<String> {
    let mut config = config;
    // As svd2rust's `generate` does: its default naming, with our overrides on top.
    let mut ident_formats = svd2rust::config::IdentFormats::default_theme();
    ident_formats.extend(config.ident_formats.drain());
    config.ident_formats = ident_formats;
    let mut device = svd2rust::load_from(input, &config)?;
    declare_any_value_writable(&mut device);
    let mut device_x = String::new();
    let items = svd2rust::generate::device::render(&device, &config, &mut device_x)?;
    Ok(format!("{items}\n"))
}

/// The safe-setter rule: gives every writable multi-bit field that has neither a
/// `writeConstraint` nor write enumerated values a `writeConstraint` covering its whole
/// range, in memory (the SVD file is not changed).
///
/// svd2rust makes a field's `bits()` setter `unsafe` unless the SVD declares every value that
/// fits the field valid (a full-range `writeConstraint`, or enumerated values naming all of
/// them); with the constraint it also generates the safe `set()`. "Unsafe" is about memory
/// safety, and for this chip's registers no field value can break it: the fields select
/// clocks, pad functions and UART modes, or hold counts, levels, dividers and FIFO data; none
/// holds a bus address that hardware would read or write memory through (UART_DM's BADR is an
/// offset inside the UART's own FIFO RAM, and the BAM DMA engine is not described). A wrong
/// value gives a wrong baud rate, a mis-routed pin or a stopped clock, not undefined behaviour.
///
/// Left as they are, so that their `bits()` stays `unsafe` on purpose:
/// - fields with write enumerated values that do not cover every value: the missing values are
///   reserved encodings (an RCG source that is not wired, an undocumented UART command), and
///   the generated enum or `unsafe bits()` is the way to write them;
/// - fields that already have a `writeConstraint`: a partial range is left to svd2rust (a
///   checked `set()` for fields wider than 8 bits, `unsafe bits()` only for narrower ones),
///   and `<useEnumeratedValues>true</useEnumeratedValues>` is the SVD's way to opt a field out
///   of this rule (e.g. a future DMA address field: its `bits()` stays `unsafe`);
/// - one-bit fields (svd2rust already treats both values as valid) and read-only fields.
///
/// The register-level `W::bits()` keeps svd2rust's rule (safe only for a register that is one
/// full-width field): it writes reserved bits and every field at once.
fn declare_any_value_writable(device: &mut svd_rs::Device) {
    use svd_rs::{Access, Usage, WriteConstraint, WriteConstraintRange};
    for peripheral in &mut device.peripherals {
        for register in peripheral.all_registers_mut() {
            let register_access = register.properties.access;
            for field in register.fields_mut() {
                let access = field
                    .access
                    .or(register_access)
                    .unwrap_or(Access::ReadWrite);
                let width = field.bit_range.width;
                // `usage()` is `None` for derived enumerated values: counted as writable.
                let has_write_values = field
                    .enumerated_values
                    .iter()
                    .any(|values| values.usage() != Some(Usage::Read));
                if !access.can_write()
                    || width < 2
                    || field.write_constraint.is_some()
                    || field.derived_from.is_some()
                    || has_write_values
                {
                    continue;
                }
                field.write_constraint = Some(WriteConstraint::Range(WriteConstraintRange {
                    min: 0,
                    max: u64::MAX >> (64 - width),
                }));
            }
        }
    }
}

/// Formats Rust source with `rustfmt --edition 2024` (reading stdin, writing stdout).
fn rustfmt(source: &str, config: Option<&Path>) -> Result<String> {
    use std::io::Write;
    let mut command = Command::new("rustfmt");
    command.args(["--edition", "2024", "--emit", "stdout", "--quiet"]);
    if let Some(config) = config {
        command.arg("--config-path").arg(config);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start rustfmt (install it with `rustup component add rustfmt`)")?;
    let mut stdin = child.stdin.take().context("rustfmt has no stdin")?;
    // Write on a thread: rustfmt may fill its stdout pipe before it has read all of stdin.
    let source = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(source.as_bytes()));
    let output = child
        .wait_with_output()
        .context("cannot read rustfmt's output")?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("the thread feeding rustfmt panicked"))?
        .context("cannot write to rustfmt")?;
    if !output.status.success() {
        bail!(
            "rustfmt failed on the generated code ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout).context("rustfmt produced invalid UTF-8")
}

/// Generates into `out_dir`, writing only files whose contents changed. Returns those paths.
fn generate_into(options: &Options<'_>, out_dir: &Path) -> Result<Vec<PathBuf>> {
    let files = render(options)?;
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut written = Vec::new();
    for (name, contents) in files {
        let path = out_dir.join(name);
        if std::fs::read(&path).ok().as_deref() == Some(contents.as_bytes()) {
            continue;
        }
        std::fs::write(&path, contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// A committed file that is not what the generator writes.
#[derive(Debug, PartialEq, Eq)]
struct Difference {
    path: PathBuf,
    /// What differs: the first differing line, or that the file is missing or stray.
    detail: String,
}

/// Generates into a temporary directory and returns the committed files in `committed_dir`
/// that differ from (or are missing compared with) the fresh output, plus any stray `.rs`
/// file there that the generator does not produce.
fn check_up_to_date(options: &Options<'_>, committed_dir: &Path) -> Result<Vec<Difference>> {
    let fresh_dir = tempfile::Builder::new()
        .prefix("xtask-regen-check")
        .tempdir()
        .context("cannot create a temporary directory")?;
    generate_into(options, fresh_dir.path())?;
    let mut stale = Vec::new();
    for name in GENERATED_FILES {
        let fresh = std::fs::read(fresh_dir.path().join(name))
            .with_context(|| format!("cannot read the freshly generated {name}"))?;
        let path = committed_dir.join(name);
        let detail = match std::fs::read(&path) {
            Err(_) => Some("missing (the generator writes it)".to_owned()),
            Ok(committed) => first_difference(&committed, &fresh),
        };
        if let Some(detail) = detail {
            stale.push(Difference { path, detail });
        }
    }
    if let Ok(entries) = std::fs::read_dir(committed_dir) {
        let mut strays: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
            .filter(|path| {
                path.file_name()
                    .and_then(|n| n.to_str())
                    .is_none_or(|n| !GENERATED_FILES.contains(&n))
            })
            .collect();
        strays.sort();
        stale.extend(strays.into_iter().map(|path| Difference {
            path,
            detail: "not produced by the generator (stray file)".to_owned(),
        }));
    }
    Ok(stale)
}

/// Where `committed` first differs from `fresh`, line by line; `None` when they are equal.
fn first_difference(committed: &[u8], fresh: &[u8]) -> Option<String> {
    if committed == fresh {
        return None;
    }
    let committed = String::from_utf8_lossy(committed);
    let fresh = String::from_utf8_lossy(fresh);
    let mut committed_lines = committed.split_inclusive('\n');
    let mut fresh_lines = fresh.split_inclusive('\n');
    let mut number = 1;
    loop {
        match (committed_lines.next(), fresh_lines.next()) {
            (Some(a), Some(b)) if a == b => number += 1,
            (Some(a), Some(b)) => {
                return Some(format!(
                    "line {number} differs: committed `{}`, generated `{}`",
                    shorten(a),
                    shorten(b)
                ));
            }
            (Some(a), None) => {
                return Some(format!(
                    "line {number} is extra (the generated file is shorter): `{}`",
                    shorten(a)
                ));
            }
            (None, Some(b)) => {
                return Some(format!(
                    "line {number} is missing (the committed file is shorter): generated `{}`",
                    shorten(b)
                ));
            }
            // Equal text: the bytes differed only in invalid UTF-8.
            (None, None) => return Some("differs in bytes that are not UTF-8".to_owned()),
        }
    }
}

/// A line for a message: trimmed, at most 100 characters.
fn shorten(line: &str) -> String {
    let line = line.trim_end_matches(['\n', '\r']).trim();
    match line.char_indices().nth(100) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The project's real SVD (read only).
    fn real_svd() -> PathBuf {
        crate::process::workspace_root().unwrap().join(SVD_PATH)
    }

    fn options(svd: &Path) -> Options<'_> {
        Options {
            svd,
            rustfmt_config: None,
        }
    }

    /// A small valid SVD (one peripheral, one register) to keep tests fast.
    const SMALL_SVD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<device schemaVersion="1.3">
  <name>TEST</name>
  <version>1</version>
  <description>test device</description>
  <addressUnitBits>8</addressUnitBits>
  <width>32</width>
  <size>32</size>
  <access>read-write</access>
  <resetValue>0</resetValue>
  <resetMask>0xFFFFFFFF</resetMask>
  <peripherals>
    <peripheral>
      <name>BLOCK</name>
      <baseAddress>0x1000</baseAddress>
      <addressBlock><offset>0</offset><size>0x10</size><usage>registers</usage></addressBlock>
      <registers>
        <register>
          <name>CTRL</name>
          <description>control</description>
          <addressOffset>0x0</addressOffset>
          <fields>
            <field><name>EN</name><description>enable</description><bitRange>[0:0]</bitRange></field>
          </fields>
        </register>
      </registers>
    </peripheral>
  </peripherals>
</device>
"#;

    #[test]
    fn truncated_xml_names_the_file_and_the_problem() {
        let dir = tempfile::Builder::new()
            .prefix("test-truncated")
            .tempdir()
            .unwrap();
        let svd = dir.path().join("truncated.svd");
        // Cut off in the middle: the closing tags are missing.
        std::fs::write(&svd, &SMALL_SVD[..SMALL_SVD.find("</register>").unwrap()]).unwrap();
        let text = format!("{:#}", render(&options(&svd)).unwrap_err());
        assert!(text.contains("truncated.svd: invalid SVD"), "{text}");
        assert!(text.contains("never closed"), "{text}");
    }

    #[test]
    fn mismatched_tag_reports_the_position() {
        let dir = tempfile::Builder::new()
            .prefix("test-mismatched")
            .tempdir()
            .unwrap();
        let svd = dir.path().join("mismatched.svd");
        std::fs::write(
            &svd,
            SMALL_SVD.replace("<name>CTRL</name>", "<name>CTRL</nmae>"),
        )
        .unwrap();
        let text = format!("{:#}", render(&options(&svd)).unwrap_err());
        assert!(text.contains("mismatched.svd: invalid SVD"), "{text}");
        // roxmltree reports `line:column`; the broken tag is on line 19 of SMALL_SVD.
        assert!(text.contains("at 19:"), "no position in: {text}");
    }

    #[test]
    fn missing_required_element_names_the_element() {
        let dir = tempfile::Builder::new()
            .prefix("test-missing-elem")
            .tempdir()
            .unwrap();
        let svd = dir.path().join("no-offset.svd");
        std::fs::write(
            &svd,
            SMALL_SVD.replace("<addressOffset>0x0</addressOffset>", ""),
        )
        .unwrap();
        let text = format!("{:#}", render(&options(&svd)).unwrap_err());
        assert!(text.contains("no-offset.svd"), "{text}");
        assert!(text.contains("addressOffset"), "{text}");
    }

    #[test]
    fn bad_value_is_reported() {
        let dir = tempfile::Builder::new()
            .prefix("test-bad-value")
            .tempdir()
            .unwrap();
        let svd = dir.path().join("bad-value.svd");
        std::fs::write(
            &svd,
            SMALL_SVD.replace(
                "<baseAddress>0x1000</baseAddress>",
                "<baseAddress>0xZZ</baseAddress>",
            ),
        )
        .unwrap();
        let text = format!("{:#}", render(&options(&svd)).unwrap_err());
        assert!(text.contains("bad-value.svd"), "{text}");
        assert!(
            text.contains("baseAddress") || text.contains("ZZ"),
            "{text}"
        );
    }

    #[test]
    fn missing_svd_file_is_a_clear_error() {
        let dir = tempfile::Builder::new()
            .prefix("test-missing")
            .tempdir()
            .unwrap();
        let svd = dir.path().join("does-not-exist.svd");
        let text = format!("{:#}", render(&options(&svd)).unwrap_err());
        assert!(text.contains("cannot read the SVD file"), "{text}");
        assert!(text.contains("does-not-exist.svd"), "{text}");
    }

    #[test]
    fn generation_is_deterministic_and_has_the_header() {
        let svd = real_svd();
        let first = render(&options(&svd)).unwrap();
        let second = render(&options(&svd)).unwrap();
        assert_eq!(first, second);
        let (name, lib_rs) = &first[0];
        assert_eq!(*name, "lib.rs");
        assert!(lib_rs.starts_with("// @generated by `cargo xtask regen` from svd/apq8016.svd"));
        assert!(lib_rs.contains("Do not edit this file"));
        // The contract names made it through.
        for needle in [
            "pub type GCC =",
            "pub type TLMM =",
            "pub type BLSP1_UART2 = crate::Periph<blsp1_uart1::RegisterBlock",
            "pub mod blsp1_uart1",
            "fn blsp1_uart2_apps_rcg",
            "BLSP1_UART1 = 139",
            "BLSP1_UART2 = 140",
            "TLMM_SUMMARY = 240",
        ] {
            assert!(lib_rs.contains(needle), "generated code lacks `{needle}`");
        }
    }

    #[test]
    fn check_mode_detects_a_modified_file_and_passes_after_regeneration() {
        let dir = tempfile::Builder::new()
            .prefix("test-check")
            .tempdir()
            .unwrap();
        let svd = dir.path().join("small.svd");
        std::fs::write(&svd, SMALL_SVD).unwrap();
        let out = dir.path().join("src");
        let options = options(&svd);

        assert_eq!(
            generate_into(&options, &out).unwrap(),
            vec![out.join("lib.rs")]
        );
        assert!(check_up_to_date(&options, &out).unwrap().is_empty());
        // A second generation writes nothing.
        assert!(generate_into(&options, &out).unwrap().is_empty());

        let lib_rs = out.join("lib.rs");
        let mut text = std::fs::read_to_string(&lib_rs).unwrap();
        let generated_lines = text.lines().count();
        text.push_str("// hand edit\n");
        std::fs::write(&lib_rs, text).unwrap();
        assert_eq!(
            check_up_to_date(&options, &out).unwrap(),
            vec![Difference {
                path: lib_rs.clone(),
                detail: format!(
                    "line {} is extra (the generated file is shorter): `// hand edit`",
                    generated_lines + 1
                ),
            }]
        );

        std::fs::write(out.join("extra.rs"), "// stray\n").unwrap();
        std::fs::remove_file(&lib_rs).unwrap();
        assert_eq!(
            check_up_to_date(&options, &out).unwrap(),
            vec![
                Difference {
                    path: lib_rs.clone(),
                    detail: "missing (the generator writes it)".into(),
                },
                Difference {
                    path: out.join("extra.rs"),
                    detail: "not produced by the generator (stray file)".into(),
                },
            ]
        );

        std::fs::remove_file(out.join("extra.rs")).unwrap();
        generate_into(&options, &out).unwrap();
        assert!(check_up_to_date(&options, &out).unwrap().is_empty());
    }

    #[test]
    fn check_mode_detects_an_svd_change() {
        let dir = tempfile::Builder::new()
            .prefix("test-check-svd")
            .tempdir()
            .unwrap();
        let svd = dir.path().join("small.svd");
        std::fs::write(&svd, SMALL_SVD).unwrap();
        let out = dir.path().join("src");
        generate_into(&options(&svd), &out).unwrap();
        std::fs::write(&svd, SMALL_SVD.replace("CTRL", "CONTROL")).unwrap();
        let stale = check_up_to_date(&options(&svd), &out).unwrap();
        assert_eq!(stale.len(), 1, "{stale:?}");
        assert_eq!(stale[0].path, out.join("lib.rs"));
        // The first differing line is named, with both versions of it.
        let committed = std::fs::read_to_string(out.join("lib.rs")).unwrap();
        let first = committed
            .lines()
            .position(|line| line.to_lowercase().contains("ctrl"))
            .unwrap();
        let detail = &stale[0].detail;
        assert!(
            detail.starts_with(&format!("line {} differs: committed `", first + 1)),
            "{detail}"
        );
        let lowercase = detail.to_lowercase();
        assert!(
            lowercase.contains("committed `ctrl") && lowercase.contains("generated `control"),
            "{detail}"
        );
    }

    #[test]
    fn first_difference_names_the_line() {
        assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), None);
        assert_eq!(
            first_difference(b"a\nb\nc\n", b"a\nB\nc\n").unwrap(),
            "line 2 differs: committed `b`, generated `B`"
        );
        assert_eq!(
            first_difference(b"a\n", b"a\nb\n").unwrap(),
            "line 2 is missing (the committed file is shorter): generated `b`"
        );
        let long = "x".repeat(150);
        let detail = first_difference(long.as_bytes(), b"y").unwrap();
        assert!(
            detail.contains(&format!("`{}...`", "x".repeat(100))),
            "{detail}"
        );
    }

    #[test]
    fn an_invalid_svd_writes_nothing() {
        let dir = tempfile::Builder::new()
            .prefix("test-invalid-writes-nothing")
            .tempdir()
            .unwrap();
        let svd = dir.path().join("overlap.svd");
        let out = dir.path().join("src");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("lib.rs"), "// previous output\n").unwrap();
        // A second register at CTRL's address, and a field past bit 31: both reported.
        let broken = SMALL_SVD
            .replace(
                "      </registers>",
                "        <register><name>ALIAS</name><addressOffset>0x0</addressOffset></register>\n      </registers>",
            )
            .replace("[0:0]", "[32:0]");
        std::fs::write(&svd, broken).unwrap();
        let text = format!("{:#}", generate_into(&options(&svd), &out).unwrap_err());
        assert!(
            text.contains("overlap.svd: invalid SVD (2 problems;"),
            "{text}"
        );
        assert!(
            text.contains("overlap.svd:23:13: BLOCK/CTRL/EN: bits 0..=32"),
            "{text}"
        );
        assert!(
            text.contains("overlap.svd:26:9: BLOCK/ALIAS: register `ALIAS`"),
            "{text}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("lib.rs")).unwrap(),
            "// previous output\n"
        );
    }

    /// The writer type svd2rust generates for field `name` (its `...W<'a, REG> = ...;` line).
    fn writer_of(lib_rs: &str, name: &str) -> Option<String> {
        let start = lib_rs.find(&format!("pub type {name}W<'a, REG> ="))?;
        let end = start + lib_rs[start..].find(';')?;
        Some(
            lib_rs[start..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    #[test]
    fn multi_bit_fields_get_a_safe_setter_unless_marked() {
        let dir = tempfile::Builder::new()
            .prefix("test-safe-setter")
            .tempdir()
            .unwrap();
        let svd = dir.path().join("fields.svd");
        let fields = r#"<field><name>EN</name><description>enable</description><bitRange>[0:0]</bitRange></field>
            <field><name>LEVEL</name><description>any value</description><bitRange>[4:1]</bitRange></field>
            <field><name>SEL</name><description>reserved encodings</description><bitRange>[6:5]</bitRange>
              <enumeratedValues><name>SEL</name>
                <enumeratedValue><name>A</name><description>a</description><value>0</value></enumeratedValue>
                <enumeratedValue><name>B</name><description>b</description><value>2</value></enumeratedValue>
              </enumeratedValues></field>
            <field><name>ADDRESS</name><description>opted out</description><bitRange>[15:8]</bitRange>
              <writeConstraint><useEnumeratedValues>true</useEnumeratedValues></writeConstraint></field>
            <field><name>LIMIT</name><description>partial range</description><bitRange>[19:16]</bitRange>
              <writeConstraint><range><minimum>0</minimum><maximum>9</maximum></range></writeConstraint></field>
            <field><name>COUNT</name><description>read-only</description><bitRange>[27:20]</bitRange><access>read-only</access></field>"#;
        let text = SMALL_SVD.replace(
            r#"<field><name>EN</name><description>enable</description><bitRange>[0:0]</bitRange></field>"#,
            fields,
        );
        assert_ne!(text, SMALL_SVD);
        std::fs::write(&svd, text).unwrap();
        let files = render(&options(&svd)).unwrap();
        let lib_rs = &files[0].1;
        let writer = |name| writer_of(lib_rs, name);
        assert_eq!(
            writer("Level").as_deref(),
            Some("pub type LevelW<'a, REG> = crate::FieldWriter<'a, REG, 4, u8, crate::Safe>")
        );
        // Not exhaustive: only the enum variants are safe; `bits()` stays unsafe.
        assert_eq!(
            writer("Sel").as_deref(),
            Some("pub type SelW<'a, REG> = crate::FieldWriter<'a, REG, 2, Sel>")
        );
        assert_eq!(
            writer("Address").as_deref(),
            Some("pub type AddressW<'a, REG> = crate::FieldWriter<'a, REG, 8>")
        );
        assert_eq!(
            writer("Limit").as_deref(),
            // svd2rust's own choice for a partial range on a field of up to 8 bits: no checked
            // `set()`, only `unsafe bits()` (wider fields get a checked `set()`).
            Some("pub type LimitW<'a, REG> = crate::FieldWriter<'a, REG, 4>")
        );
        assert_eq!(writer("Count"), None);
        assert_eq!(
            writer("En").as_deref(),
            Some("pub type EnW<'a, REG> = crate::BitWriter<'a, REG>")
        );
    }
}
