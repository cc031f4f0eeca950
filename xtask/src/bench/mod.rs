//! `cargo xtask bench`: is the HAL a zero-cost abstraction? Measured in instructions, never in
//! wall-clock time.
//!
//! Design notes:
//! - The `zero_cost` example holds pairs of out-of-line functions with fixed symbol names
//!   (`bench_hal_*` and `bench_pac_*`/`bench_raw_*`) doing the same thing once through the HAL
//!   and once through the raw PAC. This module reads the release ELF with the `object` crate,
//!   takes each symbol's bytes (address and size from the symbol table) and compares the
//!   instruction words.
//! - Two functions count as the same code when their words are equal after normalising
//!   PC-relative instructions (branches, `ADR`/`ADRP`, literal loads): those are compared by
//!   what they point at (an offset inside the function for internal branches, the absolute
//!   address otherwise), since the same code at another address has other immediates. When the
//!   compiler or linker folded two identical functions into one, both symbols have the same
//!   address; that is reported as such.
//! - Direct calls (`BL`, and `B` out of the function, i.e. tail calls) are listed by callee,
//!   because a short function that calls a long one is not cheap.
//! - What the pairs cost when they run (instructions executed per call, with a limit on each
//!   ratio) is counted by the example itself and checked in [`hal_cost`].
//! - The dynamic numbers come from the virtual board's `--stats` line: the number of guest
//!   instructions it executed (deterministic; one instruction = one tick of the 19.2 MHz
//!   counter on the virtual board, not a cycle count of the real Cortex-A53).

pub mod buses;
pub mod cpu_speed;
mod hal_cost;
pub mod interrupt_latency;

use crate::process::SpawnRetrying;
use crate::{build, checks, size};
use anyhow::{Context, Result, bail, ensure};
use object::{Object, ObjectSection, ObjectSymbol, SymbolKind};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// The example that holds the measured functions.
pub const EXAMPLE: &str = "zero_cost";

/// One HAL-vs-raw pair in the `zero_cost` example.
pub struct Pair {
    /// Short name, as in the example's table.
    pub name: &'static str,
    pub hal: &'static str,
    pub raw: &'static str,
    /// `cargo xtask test` fails unless the two are the same code.
    pub must_match: bool,
}

/// Every pair, in the order the table shows them.
pub const PAIRS: &[Pair] = &[
    Pair {
        name: "gpio_set_high",
        hal: "bench_hal_gpio_set_high",
        raw: "bench_pac_gpio_set_high",
        must_match: true,
    },
    Pair {
        name: "gpio_set_high_checked",
        hal: "bench_hal_gpio_set_high",
        raw: "bench_pac_gpio_set_high_checked",
        must_match: false,
    },
    Pair {
        name: "gpio21_set_high",
        hal: "bench_hal_gpio21_set_high",
        raw: "bench_pac_gpio21_set_high",
        must_match: true,
    },
    Pair {
        name: "gpio_interrupt_ack",
        hal: "bench_hal_gpio_interrupt_ack",
        raw: "bench_pac_gpio_interrupt_ack",
        must_match: true,
    },
    Pair {
        name: "uart_write_byte",
        hal: "bench_hal_uart_write_byte",
        raw: "bench_pac_uart_write_byte",
        must_match: false,
    },
    Pair {
        name: "uart_write",
        hal: "bench_hal_uart_write_slice",
        raw: "bench_pac_uart_write_byte",
        must_match: false,
    },
    Pair {
        name: "timer_now",
        hal: "bench_hal_timer_now",
        raw: "bench_raw_timer_now",
        must_match: false,
    },
];

/// A function's machine code as found in the ELF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub address: u64,
    /// Little-endian A64 instruction words.
    pub words: Vec<u32>,
}

/// An instruction with its PC-relative part replaced by what it refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Normalised {
    /// Not PC-relative: the word itself.
    Word(u32),
    /// PC-relative: the instruction without its offset field, and the target.
    Relative { fixed_bits: u32, target: Target },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Inside the function: offset from its start.
    Internal(u64),
    /// Outside the function: absolute address.
    External(u64),
}

/// Sign-extends the `bits`-bit value `value`.
fn sign_extend(value: u32, bits: u32) -> i64 {
    let shift = 64 - bits;
    (i64::from(value) << shift) >> shift
}

/// Decodes the PC-relative instruction forms of A64: returns (bits without the offset field,
/// target address), or `None` for any other instruction.
fn pc_relative(word: u32, pc: u64) -> Option<(u32, u64)> {
    let offset = |imm: u32, bits: u32, scale: u32| -> u64 {
        pc.wrapping_add_signed(sign_extend(imm, bits) << scale)
    };
    if word & 0x7C00_0000 == 0x1400_0000 {
        // B, BL: imm26.
        Some((word & 0xFC00_0000, offset(word & 0x03FF_FFFF, 26, 2)))
    } else if word & 0xFF00_0010 == 0x5400_0000 || word & 0x7E00_0000 == 0x3400_0000 {
        // B.cond; CBZ/CBNZ: imm19 in bits 23:5.
        Some((word & 0xFF00_001F, offset((word >> 5) & 0x7FFFF, 19, 2)))
    } else if word & 0x7E00_0000 == 0x3600_0000 {
        // TBZ/TBNZ: imm14 in bits 18:5.
        Some((word & 0xFFF8_001F, offset((word >> 5) & 0x3FFF, 14, 2)))
    } else if word & 0x1F00_0000 == 0x1000_0000 {
        // ADR/ADRP: immhi (23:5) : immlo (30:29).
        let imm = (((word >> 5) & 0x7FFFF) << 2) | ((word >> 29) & 3);
        if word & 0x8000_0000 != 0 {
            let page = pc & !0xFFF;
            Some((
                word & 0x9F00_001F,
                page.wrapping_add_signed(sign_extend(imm, 21) << 12),
            ))
        } else {
            Some((word & 0x9F00_001F, offset(imm, 21, 0)))
        }
    } else if word & 0x3B00_0000 == 0x1800_0000 {
        // LDR (literal), LDRSW (literal), PRFM (literal): imm19.
        Some((word & 0xFF00_001F, offset((word >> 5) & 0x7FFFF, 19, 2)))
    } else {
        None
    }
}

impl Function {
    fn end(&self) -> u64 {
        self.address + 4 * self.words.len() as u64
    }

    fn pcs(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.words
            .iter()
            .enumerate()
            .map(|(i, &w)| (self.address + 4 * i as u64, w))
    }

    fn normalised(&self) -> Vec<Normalised> {
        self.pcs()
            .map(|(pc, word)| match pc_relative(word, pc) {
                None => Normalised::Word(word),
                Some((fixed_bits, target)) => Normalised::Relative {
                    fixed_bits,
                    target: if (self.address..self.end()).contains(&target) {
                        Target::Internal(target - self.address)
                    } else {
                        Target::External(target)
                    },
                },
            })
            .collect()
    }

    /// Targets of direct calls and tail calls (`BL`, or `B` out of the function), in order,
    /// without repeats.
    pub fn callees(&self) -> Vec<u64> {
        let mut out = Vec::new();
        for (pc, word) in self.pcs() {
            let is_call = word & 0xFC00_0000 == 0x9400_0000;
            let is_jump = word & 0xFC00_0000 == 0x1400_0000;
            if let Some((_, target)) = pc_relative(word, pc)
                && (is_call || (is_jump && !(self.address..self.end()).contains(&target)))
                && !out.contains(&target)
            {
                out.push(target);
            }
        }
        out
    }
}

/// How two functions compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sameness {
    /// One function under two names (identical code folded by the compiler or linker).
    Folded,
    /// The same instructions (after normalising PC-relative ones).
    Identical,
    Differs,
}

impl Sameness {
    pub fn of(a: &Function, b: &Function) -> Sameness {
        if a.address == b.address && a.words == b.words {
            Sameness::Folded
        } else if a.normalised() == b.normalised() {
            Sameness::Identical
        } else {
            Sameness::Differs
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Sameness::Folded => "identical (folded)",
            Sameness::Identical => "identical",
            Sameness::Differs => "differs",
        }
    }
}

/// The functions of an ELF whose names start with `prefix`, and every function symbol's name
/// by address (for naming callees).
pub struct Elf {
    pub functions: BTreeMap<String, Function>,
    /// Name and size in bytes.
    names: BTreeMap<u64, (String, u64)>,
}

impl Elf {
    pub fn parse(data: &[u8], prefix: &str) -> Result<Elf> {
        let file = object::File::parse(data).context("not an object file")?;
        ensure!(
            file.architecture() == object::Architecture::Aarch64,
            "not an AArch64 ELF ({:?})",
            file.architecture()
        );
        let mut functions = BTreeMap::new();
        let mut names = BTreeMap::new();
        for symbol in file.symbols() {
            if symbol.kind() != SymbolKind::Text {
                continue;
            }
            let Ok(name) = symbol.name() else { continue };
            names
                .entry(symbol.address())
                .or_insert_with(|| (name.to_owned(), symbol.size()));
            if !name.starts_with(prefix) {
                continue;
            }
            let index = symbol
                .section_index()
                .with_context(|| format!("{name} is not in a section"))?;
            let section = file.section_by_index(index)?;
            let bytes = section
                .data_range(symbol.address(), symbol.size())?
                .with_context(|| format!("{name} lies outside its section"))?;
            ensure!(
                bytes.len() % 4 == 0 && !bytes.is_empty(),
                "{name} has a size of {} bytes, not whole instructions",
                bytes.len()
            );
            let words = bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            functions.insert(
                name.to_owned(),
                Function {
                    address: symbol.address(),
                    words,
                },
            );
        }
        Ok(Elf { functions, names })
    }

    pub fn function(&self, name: &str) -> Result<&Function> {
        self.functions
            .get(name)
            .with_context(|| format!("no function `{name}` in the {EXAMPLE} example's ELF"))
    }

    /// Readable name of the function at `address`, with its size in instructions.
    fn name_at(&self, address: u64) -> String {
        self.names.get(&address).map_or_else(
            || format!("0x{address:x}"),
            |(name, size)| format!("{} ({} insns)", demangle(name), size / 4),
        )
    }
}

/// A Rust symbol as a readable path (legacy `_ZN..E` and v0 `_R..` schemes, without the hash);
/// other names are returned unchanged.
pub fn demangle(name: &str) -> String {
    match rustc_demangle::try_demangle(name) {
        Ok(symbol) => format!("{symbol:#}"),
        Err(_) => name.to_owned(),
    }
}

/// One measured pair.
pub struct Measured<'a> {
    pub pair: &'a Pair,
    pub hal_instructions: usize,
    pub raw_instructions: usize,
    pub sameness: Sameness,
    pub hal_calls: Vec<String>,
    pub raw_calls: Vec<String>,
}

/// Compares every pair.
pub fn measure(elf: &Elf) -> Result<Vec<Measured<'static>>> {
    PAIRS
        .iter()
        .map(|pair| {
            let hal = elf.function(pair.hal)?;
            let raw = elf.function(pair.raw)?;
            let names = |f: &Function| f.callees().into_iter().map(|a| elf.name_at(a)).collect();
            Ok(Measured {
                pair,
                hal_instructions: hal.words.len(),
                raw_instructions: raw.words.len(),
                sameness: Sameness::of(hal, raw),
                hal_calls: names(hal),
                raw_calls: names(raw),
            })
        })
        .collect()
}

/// The table of pairs.
pub fn pairs_table(rows: &[Measured]) -> String {
    let width = rows
        .iter()
        .map(|r| r.pair.name.len())
        .chain([4])
        .max()
        .unwrap_or(4);
    let mut out = format!(
        "{:<width$} {:>5} {:>5} {:>6}  {:<18}  calls\n",
        "pair", "HAL", "raw", "ratio", "code"
    );
    for r in rows {
        let ratio = r.hal_instructions as f64 / r.raw_instructions.max(1) as f64;
        let mut calls = Vec::new();
        if !r.hal_calls.is_empty() {
            calls.push(format!("HAL: {}", r.hal_calls.join(", ")));
        }
        if !r.raw_calls.is_empty() {
            calls.push(format!("raw: {}", r.raw_calls.join(", ")));
        }
        let calls = if calls.is_empty() {
            "-".to_owned()
        } else {
            calls.join("; ")
        };
        let _ = writeln!(
            out,
            "{:<width$} {:>5} {:>5} {:>6.2}  {:<18}  {calls}",
            r.pair.name,
            r.hal_instructions,
            r.raw_instructions,
            ratio,
            r.sameness.describe()
        );
    }
    out
}

/// A disassembly of `symbol` in `elf_path`: llvm-objdump's if it is installed, else the words.
pub fn disassembly(elf_path: &Path, symbol: &str, function: &Function) -> String {
    let objdump = ["/usr/bin/llvm-objdump", "llvm-objdump"]
        .into_iter()
        .find_map(|tool| {
            let output = std::process::Command::new(tool)
                .args(["-d", "--no-show-raw-insn"])
                .arg(format!("--disassemble-symbols={symbol}"))
                .arg(elf_path)
                .output_retrying()
                .ok()?;
            output.status.success().then_some(output.stdout)
        });
    let lines: Vec<String> = match objdump {
        Some(stdout) => String::from_utf8_lossy(&stdout)
            .lines()
            // Instruction lines start with the address and a colon.
            .filter(|l| {
                let t = l.trim_start();
                t.split_once(':')
                    .is_some_and(|(a, _)| !a.is_empty() && a.chars().all(|c| c.is_ascii_hexdigit()))
            })
            .map(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                format!("    {}", words.join(" "))
            })
            .collect(),
        None => function
            .pcs()
            .map(|(pc, w)| format!("    {pc:x}: {w:08x}"))
            .collect(),
    };
    format!("  {symbol}:\n{}\n", lines.join("\n"))
}

/// Both disassemblies of a pair.
pub fn pair_disassembly(elf_path: &Path, elf: &Elf, pair: &Pair) -> Result<String> {
    Ok(format!(
        "{}{}",
        disassembly(elf_path, pair.hal, elf.function(pair.hal)?),
        disassembly(elf_path, pair.raw, elf.function(pair.raw)?)
    ))
}

/// The virtual board's `--stats` numbers of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub instructions: u64,
    pub first_console_byte_at: Option<u64>,
}

/// Parses `emu: stats: instructions=<N> first-console-byte-at=<N|none>`.
pub fn parse_stats(stderr: &str) -> Result<Stats> {
    let re = regex::Regex::new(
        r"(?m)^emu: stats: instructions=(\d+) first-console-byte-at=(\d+|none)$",
    )?;
    let caps = re
        .captures(stderr)
        .with_context(|| format!("no `emu: stats:` line in:\n{stderr}"))?;
    Ok(Stats {
        instructions: caps[1].parse()?,
        first_console_byte_at: match &caps[2] {
            "none" => None,
            n => Some(n.parse()?),
        },
    })
}

/// Runs an example with `--stats`; it must end by resetting the board.
fn run_stats(emu: &Path, elf: &Path) -> Result<Stats> {
    // With the devices zero_cost's I2C and SPI pairs talk to (nothing else uses them).
    let run = checks::Runner { emu, elf }.run(&[&["--stats"], hal_cost::DEVICES].concat())?;
    if run.code != Some(0) {
        bail!(
            "{} did not end by a reset (exit code {:?}):\n{}",
            elf.display(),
            run.code,
            run.stderr
        );
    }
    parse_stats(&run.stderr)
}

/// `cargo xtask bench`: builds `zero_cost` and `hello`, and returns the report.
pub fn run(root: &Path) -> Result<String> {
    let names = ["hello".to_owned(), EXAMPLE.to_owned()];
    let elfs = build::examples(root, &names)?;
    let emu = build::virtual_board(root)?;
    let zero_cost = &elfs[1];
    let data =
        std::fs::read(zero_cost).with_context(|| format!("cannot read {}", zero_cost.display()))?;
    let elf = Elf::parse(&data, "bench_")
        .with_context(|| format!("{}: cannot read the functions", zero_cost.display()))?;
    let rows = measure(&elf)?;

    let mut out = String::from(
        "Zero cost: HAL vs raw PAC, static A64 instruction counts of each function \
         (examples/zero_cost.rs, release)\n\n",
    );
    out += &pairs_table(&rows);
    for row in rows.iter().filter(|r| r.sameness == Sameness::Differs) {
        let _ = write!(
            out,
            "\n{} differs:\n{}",
            row.pair.name,
            pair_disassembly(zero_cost, &elf, row.pair)?
        );
    }

    out += &hal_cost::report(&emu, zero_cost)?;

    let _ = write!(
        out,
        "\nVirtual board (db410c-emu --stats): guest instructions executed, deterministic\n\n\
         {:<10} {:>12} {:>20} {:>8}\n",
        "example", "instructions", "first console byte", ".text"
    );
    for (name, path) in names.iter().zip(&elfs) {
        let stats = run_stats(&emu, path)?;
        let first = stats
            .first_console_byte_at
            .map_or_else(|| "none".to_owned(), |n| n.to_string());
        let _ = writeln!(
            out,
            "{name:<10} {:>12} {first:>20} {:>8}",
            stats.instructions,
            size::sizes(path)?.text
        );
    }
    out += &interrupt_latency::report(root)?;
    out += &buses::report(root)?;
    out += "\n";
    out += &cpu_speed::instruction_counts(root, &emu)?;
    Ok(out)
}

/// The check in `cargo xtask test`: the GPIO pairs (and every other `must_match` pair) are the
/// same code, on failure with both disassemblies; and the example runs to its reset.
pub fn check(root: &Path) -> Result<()> {
    let zero_cost = build::examples(root, &[EXAMPLE.to_owned()])?.remove(0);
    let data = std::fs::read(&zero_cost)
        .with_context(|| format!("cannot read {}", zero_cost.display()))?;
    let elf = Elf::parse(&data, "bench_")?;
    let mut failures = String::new();
    for row in measure(&elf)? {
        if row.pair.must_match && row.sameness == Sameness::Differs {
            let _ = write!(
                failures,
                "\n{}: HAL and raw PAC code differ ({} vs {} instructions):\n{}",
                row.pair.name,
                row.hal_instructions,
                row.raw_instructions,
                pair_disassembly(&zero_cost, &elf, row.pair)?
            );
        }
    }
    ensure!(failures.is_empty(), "the HAL is not zero-cost:{failures}");

    // The example itself runs: every pair did its job and the board was reset.
    let emu = build::virtual_board(root)?;
    let run = checks::Runner {
        emu: &emu,
        elf: &zero_cost,
    }
    .run(&[&["--trace", "gpio"], hal_cost::DEVICES].concat())?;
    run.ended_by_reset()?;
    run.console_has(r"gpio_set_high: HAL and PAC drove GPIO 21 high\r\n")?;
    run.console_has(r"uart_write_byte: HAL wrote 'H', PAC wrote 'P'\r\n")?;
    run.console_has(r"uart_write: HAL wrote 'S'\r\n")?;
    run.console_has(r"gpio_interrupt_ack: HAL and PAC acknowledged GPIO 36\r\n")?;
    run.console_has(r"spi_byte: HAL and PAC exchanged a byte on SPI0\r\n")?;
    run.console_has(r"i2c_byte: HAL and PAC wrote a byte to 0x50 on I2C0: acknowledged\r\n")?;
    run.console_has(r"timer_now: HAL and raw reads agree")?;
    hal_cost::check(&hal_cost::parse(&run.stdout)?)?;
    // LED 1 (GPIO 21) was driven high by the benchmarks.
    ensure!(
        run.gpio_trace()
            .iter()
            .any(|(_, pin, level)| *pin == 21 && level == "high"),
        "GPIO 21 was never driven high:\n{}",
        run.stderr
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RET: u32 = 0xD65F_03C0;
    const STR_W9_X8: u32 = 0xB900_0109; // str w9, [x8]
    const STR_WZR_X8: u32 = 0xB900_011F; // str wzr, [x8]

    /// `bl` from `pc` to `target`.
    fn bl(pc: u64, target: u64) -> u32 {
        0x9400_0000 | ((((target as i64 - pc as i64) >> 2) as u32) & 0x03FF_FFFF)
    }

    /// `b.ne` from `pc` to `target`.
    fn b_ne(pc: u64, target: u64) -> u32 {
        0x5400_0001 | (((((target as i64 - pc as i64) >> 2) as u32) & 0x7FFFF) << 5)
    }

    #[test]
    fn decodes_branch_targets_both_ways() {
        assert_eq!(
            pc_relative(bl(0x1000, 0x800), 0x1000),
            Some((0x9400_0000, 0x800))
        );
        assert_eq!(
            pc_relative(bl(0x1000, 0x2000), 0x1000),
            Some((0x9400_0000, 0x2000))
        );
        assert_eq!(
            pc_relative(b_ne(0x1004, 0x1000), 0x1004),
            Some((0x5400_0001, 0x1000))
        );
        // adrp x0, <this page + 2 pages> (immlo = 2)
        assert_eq!(
            pc_relative(0xD000_0000, 0x1234),
            Some((0x9000_0000, 0x3000))
        );
        assert_eq!(pc_relative(STR_W9_X8, 0), None);
        assert_eq!(pc_relative(RET, 0), None);
    }

    #[test]
    fn same_code_elsewhere_is_identical_other_code_differs() {
        let at = |address: u64, words: Vec<u32>| Function { address, words };
        // A loop back to the start and a call to 0x9000, placed at two addresses.
        let a = at(
            0x1000,
            vec![STR_W9_X8, b_ne(0x1004, 0x1000), bl(0x1008, 0x9000), RET],
        );
        let b = at(
            0x2000,
            vec![STR_W9_X8, b_ne(0x2004, 0x2000), bl(0x2008, 0x9000), RET],
        );
        assert_eq!(Sameness::of(&a, &b), Sameness::Identical);
        assert_eq!(Sameness::of(&a, &a.clone()), Sameness::Folded);
        // Another store.
        let c = at(
            0x2000,
            vec![STR_WZR_X8, b_ne(0x2004, 0x2000), bl(0x2008, 0x9000), RET],
        );
        assert_eq!(Sameness::of(&a, &c), Sameness::Differs);
        // Another callee.
        let d = at(
            0x2000,
            vec![STR_W9_X8, b_ne(0x2004, 0x2000), bl(0x2008, 0x9100), RET],
        );
        assert_eq!(Sameness::of(&a, &d), Sameness::Differs);
        assert_eq!(a.callees(), vec![0x9000]);
        assert_eq!(d.callees(), vec![0x9100]);
    }

    #[test]
    fn demangles_legacy_and_v0_names() {
        assert_eq!(
            demangle("_ZN11apq8016_hal4uart6UartTx5write17hb703bc7ece1e42cbE"),
            "apq8016_hal::uart::UartTx::write"
        );
        assert_eq!(
            demangle("_RNvNtCsbcsGJ9IzBgZ_4core9panicking18panic_bounds_check"),
            "core::panicking::panic_bounds_check"
        );
        // Generic instances are readable too.
        assert_eq!(demangle("_RINvCs1_3foo3barjE"), "foo::bar::<usize>");
        assert_eq!(demangle("bench_hal_timer_now"), "bench_hal_timer_now");
        assert_eq!(demangle("_ZN3foo"), "_ZN3foo");
    }

    #[test]
    fn parses_stats_line() {
        let stats = parse_stats(
            "emu: PS_HOLD released at pc=0x80081fbc: system reset\n\
             emu: stats: instructions=634339 first-console-byte-at=69193\n",
        )
        .unwrap();
        assert_eq!(
            stats,
            Stats {
                instructions: 634339,
                first_console_byte_at: Some(69193)
            }
        );
        let silent = parse_stats("emu: stats: instructions=5 first-console-byte-at=none\n");
        assert_eq!(silent.unwrap().first_console_byte_at, None);
        assert!(parse_stats("nothing here").is_err());
    }

    #[test]
    fn table_shows_ratio_and_calls() {
        let rows = [
            Measured {
                pair: &PAIRS[0],
                hal_instructions: 6,
                raw_instructions: 6,
                sameness: Sameness::Identical,
                hal_calls: vec![],
                raw_calls: vec![],
            },
            Measured {
                pair: &PAIRS[4],
                hal_instructions: 10,
                raw_instructions: 8,
                sameness: Sameness::Differs,
                hal_calls: vec!["f".into()],
                raw_calls: vec![],
            },
        ];
        let text = pairs_table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            "gpio_set_high       6     6   1.00  identical           -"
        );
        assert_eq!(
            lines[2],
            "uart_write_byte    10     8   1.25  differs             HAL: f"
        );
    }
}
