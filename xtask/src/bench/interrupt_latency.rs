//! Interrupt latency on the virtual board, in instructions: from the IRQ line asserting to the
//! first instruction of the user's handler (entry), and from the handler's return to the
//! interrupted code's next instruction (exit).
//!
//! Design notes:
//! - The `interrupt_latency` example sends itself SGI 0 eight times and waits in a loop; its
//!   handler `irq_latency_handler` and the loop `irq_latency_resume` have fixed symbol names,
//!   read from the ELF here.
//! - The ticks come from the board's trace, where one instruction is one tick: `--trace irq`
//!   gives the tick the GIC raises the core's IRQ line (`irq 0 signalled`), `--trace-pc` the
//!   tick at which a translated block starting at an address runs, i.e. the number of
//!   instructions executed before that address's instruction. The IRQ is taken at the first
//!   block boundary after the line rises, so the exception vector's first instruction runs at
//!   the `signalled` tick: entry = handler tick - signalled tick, the instructions of the
//!   vector, the runtime and the dispatcher.
//! - The handler must have no branch but its final `RET` (checked here), so it runs its
//!   instructions exactly once: exit = resume tick - (handler tick + handler length), the
//!   instructions after its `RET` up to and including the `ERET`.
//! - Deterministic, so the check in `cargo xtask test` ([`guard`]) asserts every sample is the
//!   same and within the limits: [`ENTRY_LIMIT`] (the target in the issue) and [`EXIT_LIMIT`].

use crate::build;
use crate::checks::{Runner, documented_output};
use anyhow::{Context, Result, bail, ensure};
use object::{Object, ObjectSection, ObjectSymbol};
use std::fmt::Write;
use std::path::Path;

/// The example that is measured.
pub const EXAMPLE: &str = "interrupt_latency";
/// Interrupts the example takes.
const SAMPLES: usize = 8;
/// Most instructions allowed from the line asserting to the handler's first instruction.
pub const ENTRY_LIMIT: u64 = 80;
/// Most instructions allowed from the handler's return to the interrupted code.
pub const EXIT_LIMIT: u64 = 40;

const HANDLER: &str = "irq_latency_handler";
const RESUME: &str = "irq_latency_resume";
/// `RET` (to x30).
const RET: u32 = 0xD65F_03C0;

/// What was measured, one value per interrupt taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latency {
    pub entry: Vec<u64>,
    pub exit: Vec<u64>,
    /// Instructions of the handler (its `RET` included).
    pub handler_instructions: u64,
}

/// The handler's address and length, and the resume address, from the ELF.
struct Symbols {
    handler: u64,
    handler_instructions: u64,
    resume: u64,
}

fn symbols(elf: &Path) -> Result<Symbols> {
    let data = std::fs::read(elf).with_context(|| format!("cannot read {}", elf.display()))?;
    let file = object::File::parse(&*data).context("not an object file")?;
    let find = |name: &str| {
        file.symbols()
            .find(|s| s.name() == Ok(name))
            .with_context(|| format!("no symbol `{name}` in {}", elf.display()))
    };
    let handler = find(HANDLER)?;
    let resume = find(RESUME)?;
    let section = file.section_by_index(handler.section_index().context("handler section")?)?;
    let bytes = section
        .data_range(handler.address(), handler.size())?
        .context("handler outside its section")?;
    let words: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let Some((&last, body)) = words.split_last() else {
        bail!("`{HANDLER}` is empty");
    };
    ensure!(
        last == RET,
        "`{HANDLER}` does not end with RET: {last:#010x}"
    );
    for (k, &word) in body.iter().enumerate() {
        let pc = handler.address() + 4 * k as u64;
        if is_branch(word) {
            bail!(
                "`{HANDLER}` branches at {pc:#x} ({word:#010x}): its instruction count would not be its length"
            );
        }
    }
    Ok(Symbols {
        handler: handler.address(),
        handler_instructions: words.len() as u64,
        resume: resume.address(),
    })
}

/// Whether an A64 instruction is a branch: B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, or one of
/// the register forms (BR, BLR, RET, ERET).
fn is_branch(word: u32) -> bool {
    word & 0x7C00_0000 == 0x1400_0000
        || word & 0xFF00_0010 == 0x5400_0000
        || word & 0x7E00_0000 == 0x3400_0000
        || word & 0x7E00_0000 == 0x3600_0000
        || word & 0xFE00_0000 == 0xD600_0000
}

/// Runs the example with the traces and works out the samples.
pub fn measure(emu: &Path, elf: &Path) -> Result<Latency> {
    let symbols = symbols(elf)?;
    let run = Runner { emu, elf }.run(&[
        "--trace",
        "irq",
        "--trace-pc",
        &format!("{:#x}", symbols.handler),
        "--trace-pc",
        &format!("{:#x}", symbols.resume),
    ])?;
    run.ended_by_reset()?;
    run.console_has_lines(&documented_output(EXAMPLE)?)?;
    parse_trace(&run.stderr, &symbols)
        .with_context(|| format!("in the trace of {}{}", elf.display(), run.context()))
}

/// The samples from the trace lines, in order: `signalled`, handler, resume.
fn parse_trace(stderr: &str, symbols: &Symbols) -> Result<Latency> {
    let re = regex::Regex::new(r"(?m)^emu: t=(\d+) (?:irq (\d+) signalled|pc 0x([0-9a-f]+))$")?;
    let mut latency = Latency {
        entry: Vec::new(),
        exit: Vec::new(),
        handler_instructions: symbols.handler_instructions,
    };
    let (mut signalled, mut handler) = (None, None);
    for caps in re.captures_iter(stderr) {
        let tick: u64 = caps[1].parse()?;
        if caps.get(2).is_some() {
            signalled = Some(tick);
            continue;
        }
        let pc = u64::from_str_radix(&caps[3], 16)?;
        if pc == symbols.handler {
            let from = signalled
                .take()
                .context("the handler ran without the line being signalled")?;
            latency.entry.push(tick - from);
            handler = Some(tick);
        } else if pc == symbols.resume
            && let Some(start) = handler.take()
        {
            latency
                .exit
                .push(tick - (start + symbols.handler_instructions));
        }
    }
    ensure!(
        latency.entry.len() == SAMPLES && latency.exit.len() == SAMPLES,
        "expected {SAMPLES} samples, found {} entries and {} exits",
        latency.entry.len(),
        latency.exit.len()
    );
    Ok(latency)
}

/// `cargo xtask bench`'s section.
pub fn report(root: &Path) -> Result<String> {
    let elf = build::examples(root, &[EXAMPLE.to_owned()])?.remove(0);
    let emu = build::virtual_board(root)?;
    let latency = measure(&emu, &elf)?;
    let mut out = format!(
        "\nInterrupt latency on the virtual board (examples/{EXAMPLE}.rs, SGI to this core, \
         {SAMPLES} samples), instructions\n\n"
    );
    let range = |v: &[u64]| {
        let (min, max) = (v.iter().min().copied(), v.iter().max().copied());
        match (min, max) {
            (Some(a), Some(b)) if a == b => format!("{a}"),
            (Some(a), Some(b)) => format!("{a}..{b}"),
            _ => "none".to_owned(),
        }
    };
    let _ = writeln!(
        out,
        "line asserted -> handler's first instruction  {:>6}   (limit {ENTRY_LIMIT})",
        range(&latency.entry)
    );
    let _ = writeln!(
        out,
        "handler's return -> interrupted code           {:>6}   (limit {EXIT_LIMIT})",
        range(&latency.exit)
    );
    let _ = writeln!(
        out,
        "(the handler itself: {} instructions)",
        latency.handler_instructions
    );
    Ok(out)
}

/// The check in `cargo xtask test`: every sample the same, within the limits.
pub fn guard(runner: &Runner) -> Result<()> {
    let latency = measure(runner.emu, runner.elf)?;
    for (what, samples, limit) in [
        ("entry", &latency.entry, ENTRY_LIMIT),
        ("exit", &latency.exit, EXIT_LIMIT),
    ] {
        ensure!(
            samples.iter().all(|&s| s == samples[0]),
            "interrupt {what} latency differs between interrupts: {samples:?}"
        );
        ensure!(
            samples[0] <= limit,
            "interrupt {what} latency is {} instructions, above the limit of {limit}",
            samples[0]
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_from_a_trace() {
        let symbols = Symbols {
            handler: 0x1000,
            handler_instructions: 5,
            resume: 0x2000,
        };
        let mut trace = String::new();
        for k in 0..SAMPLES as u64 {
            let t = 1000 * k;
            trace += &format!(
                "emu: t={t} irq 0 signalled\nemu: t={} irq line low\nemu: t={} pc 0x1000\nemu: t={} pc 0x2000\n",
                t + 20,
                t + 33,
                t + 59
            );
        }
        let latency = parse_trace(&trace, &symbols).unwrap();
        assert_eq!(latency.entry, vec![33; SAMPLES]);
        assert_eq!(latency.exit, vec![21; SAMPLES]);
        assert!(parse_trace("emu: t=5 pc 0x1000\n", &symbols).is_err());
    }

    #[test]
    fn branches_are_recognised() {
        assert!(is_branch(RET));
        assert!(is_branch(0x9400_0010)); // bl
        assert!(is_branch(0x5400_0041)); // b.ne
        assert!(is_branch(0x3400_0040)); // cbz w0
        assert!(!is_branch(0x9000_0008)); // adrp x8
        assert!(!is_branch(0xB900_0109)); // str w9, [x8]
        assert!(!is_branch(0x1100_0529)); // add w9, w9, #1
    }
}
