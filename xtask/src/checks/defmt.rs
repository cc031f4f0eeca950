//! Checks of defmt logging (`defmt_hello`): the console splitter/decoder, `flash --monitor`.

use super::Runner;
use super::tools::xtask;
use anyhow::{Context, Result, ensure};
use regex::Regex;

use crate::defmt_decode;

/// defmt_hello's documented output (the `## Expected output` block of its source).
struct Documented {
    /// The decoded defmt messages (level tag as printed, e.g. `INFO `, and text), in order.
    messages: Vec<(String, String)>,
    /// The one plain-text line.
    plain: String,
    /// Every line's text (message or plain), in the documented order.
    order: Vec<String>,
}

fn documented() -> Result<Documented> {
    let root = crate::process::workspace_root()?;
    let lines = crate::expected_output::lines(&root, "defmt_hello")?;
    let decoded = Regex::new(
        r"^\d+\.\d{6} \[(?<level>[A-Z ]{5})\] (?<message>.+) \(examples/defmt_hello\.rs:\d+\)$",
    )
    .expect("valid regex");
    let mut messages = Vec::new();
    let mut plain = Vec::new();
    let mut order = Vec::new();
    for line in &lines {
        match decoded.captures(line) {
            Some(caps) => {
                messages.push((caps["level"].to_owned(), caps["message"].to_owned()));
                order.push(caps["message"].to_owned());
            }
            None => {
                plain.push(line.clone());
                order.push(line.clone());
            }
        }
    }
    ensure!(
        messages.len() >= 2 && plain.len() == 1,
        "examples/defmt_hello.rs documents {} defmt lines and {} plain lines; the checks need \
         at least two defmt lines and one plain line: {lines:?}",
        messages.len(),
        plain.len()
    );
    Ok(Documented {
        messages,
        plain: plain.remove(0),
        order,
    })
}

/// Finds the decoded line for `message` at `level`; returns (timestamp in µs, source line).
fn defmt_line(decoded: &str, level: &str, message: &str) -> Result<(u64, usize)> {
    let pattern = format!(
        r"(?m)^(?<secs>\d+)\.(?<micros>\d{{6}}) \[{}\] {} \(examples/defmt_hello\.rs:(?<line>\d+)\)$",
        regex::escape(level),
        regex::escape(message)
    );
    let caps = Regex::new(&pattern)
        .expect("valid regex in a check")
        .captures(decoded)
        .with_context(|| format!("decoded console lacks /{pattern}/:\n{decoded}"))?;
    let micros = caps["secs"].parse::<u64>()? * 1_000_000 + caps["micros"].parse::<u64>()?;
    Ok((micros, caps["line"].parse()?))
}

pub fn frames_decode(runner: &Runner) -> Result<()> {
    use defmt_decode::{FRAME_END, FRAME_START};
    let documented = documented()?;
    let raw = runner.run(&[])?;
    raw.ended_by_reset()?;
    // The messages really travel as defmt frames, not as text.
    ensure!(
        raw.console
            .windows(2)
            .any(|w| w == [FRAME_END, FRAME_START]),
        "no defmt frame start on the console{}",
        raw.context()
    );
    ensure!(
        !raw.stdout.contains(&documented.messages[0].1),
        "a defmt message appears as plain text{}",
        raw.context()
    );
    let decoded = defmt_decode::decode_console(runner.elf, &raw.console)?;
    ensure!(
        !decoded.contains("[defmt: corrupted frame"),
        "a frame did not decode:\n{decoded}"
    );
    ensure!(
        decoded.contains(&format!("{}\r\n", documented.plain)),
        "the plain-text line is missing or damaged:\n{decoded}"
    );
    // Compiled out by DEFMT_LOG=info.
    ensure!(
        !decoded.contains("[DEBUG]") && !decoded.contains("board taken"),
        "the debug message was not filtered out:\n{decoded}"
    );
    let source =
        std::fs::read_to_string(crate::process::workspace_root()?.join("examples/defmt_hello.rs"))?;
    let source_lines: Vec<&str> = source.lines().collect();
    let mut previous_micros = 0;
    for (level, message) in &documented.messages {
        let (micros, line) = defmt_line(&decoded, level, message)?;
        ensure!(
            micros >= previous_micros,
            "timestamps go backwards at `{message}`:\n{decoded}"
        );
        previous_micros = micros;
        // The location points at the logging macro.
        let macro_name = if level == "WARN " { "warn!(" } else { "info!(" };
        let text = line
            .checked_sub(1)
            .and_then(|i| source_lines.get(i))
            .copied()
            .unwrap_or_default();
        ensure!(
            text.contains(macro_name),
            "`{message}` is located at examples/defmt_hello.rs:{line}, which reads {text:?}"
        );
    }
    let positions: Vec<Option<usize>> = documented
        .order
        .iter()
        .map(|text| decoded.find(text.as_str()))
        .collect();
    ensure!(
        positions.iter().all(Option::is_some) && positions.windows(2).all(|w| w[0] < w[1]),
        "text and defmt lines are out of order:\n{decoded}"
    );
    Ok(())
}

/// Byte ranges of the defmt frames in raw console output: from the 0xFF to the closing 0x00.
fn frame_ranges(console: &[u8]) -> Vec<std::ops::Range<usize>> {
    use defmt_decode::{FRAME_END, FRAME_START};
    let mut ranges = Vec::new();
    let mut at = 0;
    while let Some(offset) = console[at..]
        .windows(2)
        .position(|w| w == [FRAME_END, FRAME_START])
    {
        let start = at + offset + 1;
        let Some(len) = console[start..].iter().position(|&b| b == FRAME_END) else {
            break;
        };
        ranges.push(start..start + len + 1);
        at = start + len;
    }
    ranges
}

pub fn damaged_frame(runner: &Runner) -> Result<()> {
    let documented = documented()?;
    let raw = runner.run(&[])?;
    raw.ended_by_reset()?;
    let frames = frame_ranges(&raw.console);
    ensure!(
        frames.len() == documented.messages.len(),
        "expected {} defmt frames, found {}{}",
        documented.messages.len(),
        frames.len(),
        raw.context()
    );
    // Damage the second message (generic timer) two ways: a changed byte in the middle, and a
    // byte turned into 0x00 (which splits the frame in two).
    let victim = frames[1].clone();
    let middle = victim.start + victim.len() / 2;
    let victim_message = &documented.messages[1].1;
    // Not even the start of it (up to its first `:`) may appear.
    let victim_prefix = victim_message.split(':').next().unwrap_or(victim_message);
    let reports = Regex::new(r"(?m)^\[defmt: corrupted frame: [^\n]+, \d+ bytes skipped\]$")?;
    for (how, value) in [
        ("flipped bit", raw.console[middle] ^ 0x04),
        ("byte set to 0x00", 0x00),
    ] {
        let mut bytes = raw.console.clone();
        bytes[middle] = value;
        let decoded = defmt_decode::decode_console(runner.elf, &bytes)?;
        ensure!(
            reports.find_iter(&decoded).count() == 1,
            "{how}: the damaged frame was not reported exactly once:\n{decoded}"
        );
        ensure!(
            !decoded.contains(victim_prefix),
            "{how}: the damaged frame was decoded anyway:\n{decoded}"
        );
        for (level, message) in documented
            .messages
            .iter()
            .filter(|(_, m)| m != victim_message)
        {
            defmt_line(&decoded, level, message).context(how)?;
        }
        ensure!(
            decoded.contains(&format!("{}\r\n", documented.plain)),
            "{how}: the plain text was damaged:\n{decoded}"
        );
    }
    Ok(())
}

/// `cargo xtask flash defmt_hello --monitor PORT` with a fake fastboot: the "port" is a file
/// holding the console bytes the virtual board captured, so the monitor decodes exactly what
/// a board would send (plain text and defmt frames) and ends at its end.
pub fn flash_monitor(runner: &Runner) -> Result<()> {
    let root = crate::process::workspace_root()?;
    let capture = runner.run(&[])?;
    capture.ended_by_reset()?;
    let scratch = tempfile::tempdir()?;
    let port = scratch.path().join("console.bin");
    std::fs::write(&port, &capture.console)?;
    let log = scratch.path().join("log");
    let fake_dir = scratch.path().join("bin");
    std::fs::create_dir(&fake_dir)?;
    crate::flash::write_fake_fastboot(&fake_dir, &log, "0123abcd\\tfastboot\\n", None)?;
    let path = std::env::join_paths(std::iter::once(fake_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))?;
    let port_arg = port.to_string_lossy().into_owned();
    let run = xtask(
        &root,
        &["flash", "defmt_hello", "--monitor", &port_arg],
        &path,
    )?;
    run.exit_code_is(0)?;
    let documented = documented()?;
    for (level, message) in &documented.messages {
        run.console_has(&format!(
            r"\[{}\] {} \(examples/defmt_hello\.rs:\d+\)",
            regex::escape(level),
            regex::escape(message)
        ))?;
    }
    run.console_has(&regex::escape(&documented.plain))?;
    let recorded = std::fs::read_to_string(&log).unwrap_or_default();
    ensure!(
        recorded.contains("boot "),
        "fastboot was not asked to boot: {recorded:?}"
    );
    Ok(())
}
