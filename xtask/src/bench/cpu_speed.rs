//! The virtual board's CPU speed: the same hand-encoded bare-metal loops on the virtual board
//! and, where it is installed, on `qemu-system-aarch64 -M virt -cpu cortex-a53`.
//!
//! Design notes:
//! - Each guest is built here, word by word, into an ELF (`elf_writer`): an optional prologue
//!   that turns the MMU on (identity map of 1 GiB blocks: the first GiB device memory, the rest
//!   normal write-back memory, executable), the loop, and an exit: releasing PS_HOLD on the
//!   virtual board, PSCI SYSTEM_OFF (HVC) on QEMU's `virt` machine. The code sits at
//!   0x8008_0000 on both (QEMU gets `-m 3G`, so its RAM from 0x4000_0000 covers it); only the
//!   MMIO register the MMIO loop reads and the exit differ.
//! - Instruction counts are exact and known in advance: prologue + iterations x loop body +
//!   exit. `--stats` must report exactly that on the virtual board; the quick part of `bench`
//!   and its check in `cargo xtask test` compare the two (deterministic, never wall-clock).
//! - Speed (`cargo xtask bench --cpu-speed`) is host wall time, so it is only printed, never
//!   checked. Each guest runs with a long and a short loop; the difference of the two cancels
//!   process start-up and the exit, so MIPS = (instructions(long) - instructions(short)) /
//!   (time(long) - time(short)), each time the median of a few runs, the platforms in turns.

use crate::build;
use crate::elf_writer::{self, Segment};
use anyhow::{Context, Result, bail, ensure};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Where the code is loaded and entered.
const CODE: u64 = 0x8008_0000;
/// The translation table (level 1, 512 entries) for the MMU-on guests.
const TABLE: u64 = 0x8010_0000;
/// The 64 KiB the load/store loops walk over (zeroed RAM on both platforms).
const DATA: u64 = 0x8020_0000;
/// The virtual board's PS_HOLD register: a write of 0 ends the run (a reset).
const BOARD_PS_HOLD: u64 = 0x004A_B000;
/// A register the virtual board's MMIO loop reads: TLMM GPIO 0 IN_OUT.
const BOARD_MMIO: u64 = 0x0100_0004;
/// QEMU `virt`: PL011 UARTFR.
const QEMU_MMIO: u64 = 0x0900_0018;
/// PSCI SYSTEM_OFF (SMC32 function id).
const PSCI_SYSTEM_OFF: u16 = 0x0008;

/// Minimal A64 encoder for the guests (64-bit registers throughout).
mod a64 {
    pub fn movz(rd: u32, imm: u16, shift: u32) -> u32 {
        0xD280_0000 | (shift / 16) << 21 | u32::from(imm) << 5 | rd
    }
    pub fn movk(rd: u32, imm: u16, shift: u32) -> u32 {
        0xF280_0000 | (shift / 16) << 21 | u32::from(imm) << 5 | rd
    }
    /// `rd = value` with one MOVZ and as many MOVKs as non-zero upper halfwords.
    pub fn mov64(rd: u32, value: u64) -> Vec<u32> {
        let mut out = vec![movz(rd, value as u16, 0)];
        for shift in [16, 32, 48] {
            let half = (value >> shift) as u16;
            if half != 0 {
                out.push(movk(rd, half, shift));
            }
        }
        out
    }
    pub fn add_imm(rd: u32, rn: u32, imm12: u32) -> u32 {
        0x9100_0000 | imm12 << 10 | rn << 5 | rd
    }
    pub fn subs_imm(rd: u32, rn: u32, imm12: u32) -> u32 {
        0xF100_0000 | imm12 << 10 | rn << 5 | rd
    }
    pub fn add(rd: u32, rn: u32, rm: u32) -> u32 {
        0x8B00_0000 | rm << 16 | rn << 5 | rd
    }
    pub fn sub(rd: u32, rn: u32, rm: u32) -> u32 {
        0xCB00_0000 | rm << 16 | rn << 5 | rd
    }
    pub fn eor(rd: u32, rn: u32, rm: u32) -> u32 {
        0xCA00_0000 | rm << 16 | rn << 5 | rd
    }
    pub fn orr(rd: u32, rn: u32, rm: u32) -> u32 {
        0xAA00_0000 | rm << 16 | rn << 5 | rd
    }
    pub fn and(rd: u32, rn: u32, rm: u32) -> u32 {
        0x8A00_0000 | rm << 16 | rn << 5 | rd
    }
    /// `and rd, rn, #0xffff`.
    pub fn and_0xffff(rd: u32, rn: u32) -> u32 {
        0x9240_3C00 | rn << 5 | rd
    }
    /// `ldr xt, [xn, xm]`.
    pub fn ldr_reg(rt: u32, rn: u32, rm: u32) -> u32 {
        0xF860_6800 | rm << 16 | rn << 5 | rt
    }
    /// `str xt, [xn, xm]`.
    pub fn str_reg(rt: u32, rn: u32, rm: u32) -> u32 {
        0xF820_6800 | rm << 16 | rn << 5 | rt
    }
    /// `ldr wt, [xn]`.
    pub fn ldr_w(rt: u32, rn: u32) -> u32 {
        0xB940_0000 | rn << 5 | rt
    }
    /// `str wzr, [xn]`.
    pub fn str_wzr(rn: u32) -> u32 {
        0xB900_001F | rn << 5
    }
    /// `b.ne` by `offset` instructions (negative: backwards).
    pub fn b_ne(offset: i32) -> u32 {
        0x5400_0001 | ((offset as u32) & 0x7FFFF) << 5
    }
    /// `b .`
    pub const B_SELF: u32 = 0x1400_0000;
    pub const HVC0: u32 = 0xD400_0002;
    pub const ISB: u32 = 0xD503_3FDF;
    pub const DSB_SY: u32 = 0xD503_3F9F;
    pub const TLBI_VMALLE1: u32 = 0xD508_871F;
    /// MSR (`read` false) or MRS of a system register by its encoding.
    pub fn sysreg(
        read: bool,
        (op0, op1, crn, crm, op2): (u32, u32, u32, u32, u32),
        rt: u32,
    ) -> u32 {
        0xD500_0000
            | u32::from(read) << 21
            | op0 << 19
            | op1 << 16
            | crn << 12
            | crm << 8
            | op2 << 5
            | rt
    }
    pub const SCTLR_EL1: (u32, u32, u32, u32, u32) = (3, 0, 1, 0, 0);
    pub const TTBR0_EL1: (u32, u32, u32, u32, u32) = (3, 0, 2, 0, 0);
    pub const TCR_EL1: (u32, u32, u32, u32, u32) = (3, 0, 2, 0, 2);
    pub const MAIR_EL1: (u32, u32, u32, u32, u32) = (3, 0, 10, 2, 0);
}

/// The measured loops (the table of issue 11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loop {
    Alu,
    TwoInstruction,
    LoadStore,
    Stores,
    MmioReads,
}

impl Loop {
    pub const ALL: [Loop; 5] = [
        Loop::Alu,
        Loop::TwoInstruction,
        Loop::LoadStore,
        Loop::Stores,
        Loop::MmioReads,
    ];

    fn name(self) -> &'static str {
        match self {
            Loop::Alu => "ALU (12 insns)",
            Loop::TwoInstruction => "two-instruction",
            Loop::LoadStore => "loads+stores 64K",
            Loop::Stores => "stores 64K",
            Loop::MmioReads => "MMIO reads",
        }
    }

    /// The loop body, ending with `subs x0, x0, #1; b.ne <start>` (x0 = iterations, x1 = the
    /// data buffer, x6 = offset into it, x7 = the MMIO register).
    fn body(self) -> Vec<u32> {
        use a64::*;
        let mut body = match self {
            Loop::Alu => vec![
                add(2, 2, 3),
                eor(3, 3, 2),
                add_imm(4, 4, 3),
                orr(5, 5, 4),
                sub(2, 2, 5),
                and(8, 8, 2),
                eor(9, 9, 4),
                add(10, 10, 9),
                sub(3, 3, 10),
                add(4, 4, 2),
            ],
            Loop::TwoInstruction => vec![],
            Loop::LoadStore => vec![
                ldr_reg(5, 1, 6),
                add_imm(5, 5, 1),
                str_reg(5, 1, 6),
                add_imm(6, 6, 8),
                and_0xffff(6, 6),
            ],
            Loop::Stores => vec![str_reg(0, 1, 6), add_imm(6, 6, 8), and_0xffff(6, 6)],
            Loop::MmioReads => vec![ldr_w(5, 7)],
        };
        body.push(subs_imm(0, 0, 1));
        body.push(b_ne(-(body.len() as i32)));
        body
    }

    /// Iterations of the long run: about 200 M instructions (MMIO: 20 M reads).
    fn long_iterations(self) -> u64 {
        match self {
            Loop::MmioReads => 20_000_000,
            _ => 200_000_000 / self.body().len() as u64,
        }
    }
}

/// Where a guest runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    Board,
    Qemu,
}

/// A built guest and the number of instructions it executes.
pub struct Guest {
    pub elf: Vec<u8>,
    pub instructions: u64,
}

/// Level-1 block descriptors: AF, inner shareable, AttrIndx 0 (normal) or 1 (device, never
/// executable), EL1 read/write.
fn translation_table() -> Vec<u8> {
    const BLOCK: u64 = 0b01;
    const AF: u64 = 1 << 10;
    const INNER_SHAREABLE: u64 = 0b11 << 8;
    const ATTR_DEVICE: u64 = 1 << 2;
    const PXN_UXN: u64 = 0b11 << 53;
    let mut table = vec![0u64; 512];
    table[0] = BLOCK | AF | ATTR_DEVICE | PXN_UXN;
    for (gib, entry) in table.iter_mut().enumerate().take(4).skip(1) {
        *entry = ((gib as u64) << 30) | BLOCK | AF | INNER_SHAREABLE;
    }
    table.iter().flat_map(|e| e.to_le_bytes()).collect()
}

/// Turns the MMU and caches on with [`translation_table`].
fn mmu_prologue() -> Vec<u32> {
    use a64::*;
    // MAIR: attr 0 normal write-back, attr 1 Device-nGnRnE.
    const MAIR: u64 = 0xFF;
    // TCR: T0SZ 25 (39-bit VA, tables from level 1), walks write-back inner shareable,
    // TTBR1 walks off (EPD1), 40-bit PA.
    const TCR: u64 = 25 | 1 << 8 | 1 << 10 | 0b11 << 12 | 1 << 23 | 2 << 32;
    // SCTLR: M, C, I.
    const SCTLR_ON: u64 = 1 | 1 << 2 | 1 << 12;
    let mut code = mov64(9, MAIR);
    code.push(sysreg(false, MAIR_EL1, 9));
    code.extend(mov64(9, TCR));
    code.push(sysreg(false, TCR_EL1, 9));
    code.extend(mov64(9, TABLE));
    code.push(sysreg(false, TTBR0_EL1, 9));
    code.extend([ISB, TLBI_VMALLE1, DSB_SY, ISB]);
    code.push(sysreg(true, SCTLR_EL1, 9));
    code.extend(mov64(10, SCTLR_ON));
    code.push(orr(9, 9, 10));
    code.push(sysreg(false, SCTLR_EL1, 9));
    code.push(ISB);
    code
}

/// The guest for `kind` with the MMU `mmu`, running `iterations` times, for `platform`.
pub fn guest(kind: Loop, mmu: bool, iterations: u64, platform: Platform) -> Result<Guest> {
    use a64::*;
    ensure!(iterations > 0, "a loop runs at least once");
    let mut code = if mmu { mmu_prologue() } else { Vec::new() };
    code.extend(mov64(0, iterations));
    code.extend(mov64(1, DATA));
    let mmio = match platform {
        Platform::Board => BOARD_MMIO,
        Platform::Qemu => QEMU_MMIO,
    };
    code.extend(mov64(7, mmio));
    // Distinct values for the ALU loop; x6, the offset into the data, starts at 0 so that the
    // 8-byte loads and stores stay aligned (from 6, the accesses that straddled a page took
    // the engines' slow path, byte by byte, on both platforms).
    for r in [2, 3, 4, 5, 6, 8, 9, 10] {
        let value = if r == 6 { 0 } else { r as u16 };
        code.push(movz(r, value, 0));
    }
    let prologue = code.len() as u64;
    let body = kind.body();
    code.extend(&body);
    let exit = match platform {
        Platform::Board => {
            let mut exit = mov64(1, BOARD_PS_HOLD);
            exit.push(str_wzr(1));
            exit
        }
        Platform::Qemu => vec![movz(0, PSCI_SYSTEM_OFF, 0), movk(0, 0x8400, 16), HVC0],
    };
    code.extend(&exit);
    code.push(B_SELF);
    // The exit block is counted whole on the virtual board, its final `b .` included.
    let instructions = prologue + iterations * body.len() as u64 + exit.len() as u64 + 1;
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    let table = translation_table();
    let mut segments = vec![Segment {
        address: CODE,
        bytes: &bytes,
        flags: elf_writer::READ_WRITE_EXECUTE,
    }];
    if mmu {
        segments.push(Segment {
            address: TABLE,
            bytes: &table,
            flags: elf_writer::READ_WRITE_EXECUTE,
        });
    }
    let elf = elf_writer::executable(object::elf::EM_AARCH64, CODE, &segments)?;
    Ok(Guest { elf, instructions })
}

/// Every (loop, MMU) pair in table order.
fn configurations() -> Vec<(Loop, bool)> {
    [false, true]
        .into_iter()
        .flat_map(|mmu| Loop::ALL.into_iter().map(move |kind| (kind, mmu)))
        .collect()
}

fn mmu_name(mmu: bool) -> &'static str {
    if mmu { "on" } else { "off" }
}

/// Scratch directory for the guests' ELF files (one per process: runs may overlap).
fn scratch(root: &Path) -> Result<PathBuf> {
    let dir = build::target_dir(root)
        .join("bench-cpu-speed")
        .join(std::process::id().to_string());
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

fn write_guest(dir: &Path, name: &str, guest: &Guest) -> Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, &guest.elf)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Wall-clock limit of one timed run: a loaded host can take minutes for 200 M slow stores.
const TIMED_RUN_LIMIT: Duration = Duration::from_secs(900);

/// User plus system CPU time of every child process waited for so far.
fn children_cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is a valid, writable rusage; getrusage only writes it.
    let status = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
    if status != 0 {
        return Duration::ZERO;
    }
    // SAFETY: zero-initialised, and filled in by the successful call.
    let usage = unsafe { usage.assume_init() };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// How long a process took: host wall time and its CPU time (user + system, all threads).
#[derive(Clone, Copy, Debug)]
struct Took {
    wall: Duration,
    cpu: Duration,
}

/// Runs `command` to its end (at most `TIMED_RUN_LIMIT`), timing it.
fn timed(command: &mut Command) -> Result<(crate::checks::Run, Took)> {
    let (start, cpu) = (Instant::now(), children_cpu_time());
    let what = format!("the run of {:?}", command.get_program());
    let output = crate::process::run_with_limit(command, &what, TIMED_RUN_LIMIT)?;
    let run = crate::checks::Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        console: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    };
    let took = Took {
        wall: start.elapsed(),
        cpu: children_cpu_time().saturating_sub(cpu),
    };
    Ok((run, took))
}

/// Runs a guest on the virtual board; returns the `--stats` instruction count and the time
/// the process took.
fn run_on_board(emu: &Path, elf: &Path) -> Result<(u64, Took)> {
    let (run, elapsed) = timed(Command::new(emu).arg("--stats").arg(elf))?;
    ensure!(
        run.code == Some(0),
        "{} did not end by releasing PS_HOLD{}",
        elf.display(),
        run.context()
    );
    Ok((super::parse_stats(&run.stderr)?.instructions, elapsed))
}

/// Runs a guest on QEMU; returns the time the process took.
fn run_on_qemu(qemu: &Path, elf: &Path) -> Result<Took> {
    let (run, elapsed) = timed(
        Command::new(qemu)
            .args(["-M", "virt", "-cpu", "cortex-a53", "-m", "3G"])
            .args(["-display", "none", "-serial", "null", "-monitor", "none"])
            .args(["-nic", "none", "-kernel"])
            .arg(elf),
    )?;
    ensure!(
        run.code == Some(0),
        "QEMU did not power off after {}{}",
        elf.display(),
        run.context()
    );
    Ok(elapsed)
}

/// The quick, deterministic part: every guest runs a short loop on the virtual board, whose
/// `--stats` count must be exactly the guest's known instruction count. Returns the table.
pub fn instruction_counts(root: &Path, emu: &Path) -> Result<String> {
    const ITERATIONS: u64 = 10_000;
    let dir = scratch(root)?;
    let mut out = format!(
        "CPU speed guests on the virtual board, {ITERATIONS} iterations each: --stats vs the \
         known count (deterministic)\n\n{:<18} {:>4} {:>12} {:>12}\n",
        "loop", "MMU", "expected", "--stats"
    );
    let mut wrong = Vec::new();
    for (kind, mmu) in configurations() {
        let guest = guest(kind, mmu, ITERATIONS, Platform::Board)?;
        let path = write_guest(&dir, "count.elf", &guest)?;
        let (counted, _) = run_on_board(emu, &path)?;
        let _ = writeln!(
            out,
            "{:<18} {:>4} {:>12} {:>12}",
            kind.name(),
            mmu_name(mmu),
            guest.instructions,
            counted
        );
        if counted != guest.instructions {
            wrong.push(format!(
                "{} (MMU {}): --stats {counted}, expected {}",
                kind.name(),
                mmu_name(mmu),
                guest.instructions
            ));
        }
    }
    ensure!(
        wrong.is_empty(),
        "the virtual board's instruction count is not exact:\n{}\n{out}",
        wrong.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

/// The check in `cargo xtask test`: every guest's instruction count is exact.
pub fn check(root: &Path) -> Result<()> {
    let emu = build::virtual_board(root)?;
    instruction_counts(root, &emu).map(|_| ())
}

/// Median of a few durations.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// `qemu-system-aarch64` on PATH, if installed.
fn find_qemu() -> Option<PathBuf> {
    crate::process::find_on_path("qemu-system-aarch64")
}

/// Speed of one loop on one platform from its long and short runs, by CPU time and by wall
/// time (million instructions, or MMIO reads, per second).
fn figures(runs: &[Vec<Took>; 2], delta: f64) -> Option<(f64, f64)> {
    if runs[0].is_empty() {
        return None;
    }
    let median_of =
        |i: usize, pick: fn(&Took) -> Duration| median(runs[i].iter().map(pick).collect());
    let by = |pick: fn(&Took) -> Duration| {
        mips_f(delta, median_of(0, pick), median_of(1, pick)).unwrap_or(f64::NAN)
    };
    Some((by(|t| t.cpu), by(|t| t.wall)))
}

fn mips_f(count: f64, long: Duration, short: Duration) -> Option<f64> {
    let seconds = long.checked_sub(short)?.as_secs_f64();
    (seconds > 0.0).then(|| count / seconds / 1e6)
}

/// `cargo xtask bench --cpu-speed`: MIPS of every loop on the virtual board and on QEMU.
///
/// `engine` describes the engine `emu` was built with, for the report.
pub fn speed(root: &Path, emu: &Path, engine: &str, repeats: usize) -> Result<String> {
    let qemu = find_qemu();
    let dir = scratch(root)?;
    let mut out = format!(
        "CPU speed: million guest instructions per second (MMIO: million reads per second), \
         about 200 M instructions per loop\n(long minus short run, median of {repeats}). By the \
         process's CPU time (user + system), which other load on the host does not change;\n\
         by wall time in the last columns. Engine: {}.\n\n",
        engine
    );
    let _ = writeln!(
        out,
        "{:<18} {:>4} {:>14} {:>8} {:>6}   {:>10} {:>8} {:>6}",
        "loop", "MMU", "virtual board", "QEMU", "ratio", "wall: vb", "QEMU", "ratio"
    );
    if qemu.is_none() {
        out += "(qemu-system-aarch64 is not installed: virtual board only)\n";
    }
    for (kind, mmu) in configurations() {
        let long = kind.long_iterations();
        let short = long / 10;
        let per_iteration = kind.body().len() as u64;
        let delta = if kind == Loop::MmioReads {
            (long - short) as f64
        } else {
            ((long - short) * per_iteration) as f64
        };
        // Per platform: the ELF of the long and of the short run, and its instruction count.
        let mut paths = Vec::new();
        for platform in [Platform::Board, Platform::Qemu] {
            let mut pair = Vec::new();
            for (label, iterations) in [("long", long), ("short", short)] {
                let guest = guest(kind, mmu, iterations, platform)?;
                let name = format!("{platform:?}-{label}.elf").to_lowercase();
                pair.push((write_guest(&dir, &name, &guest)?, guest.instructions));
            }
            paths.push(pair);
        }
        let mut board = [Vec::new(), Vec::new()];
        let mut other = [Vec::new(), Vec::new()];
        for _ in 0..repeats {
            for (i, (path, expected)) in paths[0].iter().enumerate() {
                let (counted, took) = run_on_board(emu, path)?;
                if counted != *expected {
                    bail!(
                        "{} (MMU {}): --stats {counted}, expected {expected}",
                        kind.name(),
                        mmu_name(mmu)
                    );
                }
                board[i].push(took);
            }
            if let Some(qemu) = &qemu {
                for (i, (path, _)) in paths[1].iter().enumerate() {
                    other[i].push(run_on_qemu(qemu, path)?);
                }
            }
        }
        let ours = figures(&board, delta);
        let theirs = figures(&other, delta);
        let show = |m: Option<f64>| m.map_or_else(|| "-".to_owned(), |m| format!("{m:.0}"));
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}", a / b),
            _ => "-".to_owned(),
        };
        let cpu = |f: Option<(f64, f64)>| f.map(|f| f.0);
        let wall = |f: Option<(f64, f64)>| f.map(|f| f.1);
        let row = format!(
            "{:<18} {:>4} {:>14} {:>8} {:>6}   {:>10} {:>8} {:>6}\n",
            kind.name(),
            mmu_name(mmu),
            show(cpu(ours)),
            show(cpu(theirs)),
            ratio(cpu(ours), cpu(theirs)),
            show(wall(ours)),
            show(wall(theirs)),
            ratio(wall(ours), wall(theirs)),
        );
        // Each row as soon as it is measured: the whole table takes minutes.
        eprint!("xtask: bench: {row}");
        out += &row;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::a64::*;
    use super::*;

    #[test]
    fn encodings_match_the_assembler() {
        // Words as llvm-mc assembles them.
        assert_eq!(movz(0, 0x4240, 0), 0xD288_4800); // movz x0, #0x4240
        assert_eq!(movk(0, 0xf, 16), 0xF2A0_01E0); // movk x0, #0xf, lsl #16
        assert_eq!(subs_imm(0, 0, 1), 0xF100_0400); // subs x0, x0, #1
        assert_eq!(b_ne(-1), 0x54FF_FFE1); // b.ne .-4
        assert_eq!(str_wzr(1), 0xB900_003F); // str wzr, [x1]
        assert_eq!(add(2, 2, 3), 0x8B03_0042); // add x2, x2, x3
        assert_eq!(eor(3, 3, 2), 0xCA02_0063); // eor x3, x3, x2
        assert_eq!(and_0xffff(6, 6), 0x9240_3CC6); // and x6, x6, #0xffff
        assert_eq!(ldr_reg(5, 1, 6), 0xF866_6825); // ldr x5, [x1, x6]
        assert_eq!(str_reg(5, 1, 6), 0xF826_6825); // str x5, [x1, x6]
        assert_eq!(ldr_w(5, 7), 0xB940_00E5); // ldr w5, [x7]
        assert_eq!(sysreg(true, SCTLR_EL1, 9), 0xD538_1009); // mrs x9, sctlr_el1
        assert_eq!(sysreg(false, TCR_EL1, 9), 0xD518_2049); // msr tcr_el1, x9
        assert_eq!(sysreg(false, MAIR_EL1, 9), 0xD518_A209); // msr mair_el1, x9
        assert_eq!(sysreg(false, TTBR0_EL1, 9), 0xD518_2009); // msr ttbr0_el1, x9
    }

    #[test]
    fn counts_add_up() {
        let g = guest(Loop::TwoInstruction, false, 1000, Platform::Board).unwrap();
        // mov x0 (1: 1000 fits 16 bits), mov x1 (2), mov x7 (2), 8 movz; 2 per iteration;
        // exit: mov x1 (2), str, b .
        assert_eq!(g.instructions, 13 + 2000 + 4);
        let with_mmu = guest(Loop::TwoInstruction, true, 1000, Platform::Board).unwrap();
        assert!(with_mmu.instructions > g.instructions);
        for kind in Loop::ALL {
            assert_eq!(
                *kind.body().last().unwrap() >> 24,
                0x54,
                "{kind:?} ends in b.ne"
            );
        }
    }

    #[test]
    fn speed_from_long_minus_short() {
        let m = mips_f(
            100e6,
            Duration::from_millis(1100),
            Duration::from_millis(100),
        );
        assert_eq!(m, Some(100.0));
        assert_eq!(
            mips_f(1.0, Duration::from_millis(1), Duration::from_millis(2)),
            None
        );
    }
}
