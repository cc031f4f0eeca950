//! GCC (global clock controller) model, driven by the register map in [`table`].
//!
//! Design notes:
//! - Every row of [`table::MAP`] becomes registers of one kind: a branch (CBCR), a root clock
//!   generator (RCG2), a PLL, a vote register, a block reset (BCR) or a power domain (GDSCR).
//!   Offsets the table does not list stay unclaimed, so an access to them stops the run.
//! - Branch halt bits (CBCR.CLK_OFF) follow the branch's enable (its CLK_ENABLE bit, or its
//!   bit in a vote register for voted branches) after [`SETTLE_READS`] reads, so drivers have
//!   to poll. A voted clock runs while any voter holds it: the application processor's
//!   APCS_*_ENA_VOTE bit, or a vote another master holds ([`table::OTHER_MASTER_VOTES`]; those
//!   masters' own registers are not modelled).
//! - RCG writes to CFG/M/N/D only set DIRTY bits; CMD_RCGR.UPDATE latches them and clears
//!   itself after [`SETTLE_READS`] reads. ROOT_OFF reads 0 while ROOT_EN is set or a branch
//!   fed by the root runs.
//! - A PLL runs while its APCS_GPLL_ENA_VOTE bit is set or its MODE register has OUTCTRL,
//!   BYPASSNL and RESET_N; STATUS bit 17 shows it. Rates are not simulated for PLLs: the only
//!   rate other models need is GPLL0's ([`GPLL0_HZ`]).
//! - A power domain's GDSCR.PWR_ON follows NOT SW_COLLAPSE after [`SETTLE_READS`] reads.
//! - APCS_CLOCK_SLEEP_ENA_VOTE says which voted clocks stay on while the application
//!   processor sleeps; the model stores it (the virtual CPU never sleeps with clocks cut).
//! - The bus asks for the [`ClockView`] on every access of every model, so the model keeps
//!   it computed: everything it depends on (vote and enable bits, the active RCG settings)
//!   changes only by a write, and the view is computed again after each claimed write.

pub mod table;

#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use crate::bus::{Ctx, Fault};
use crate::regfile::{Hit, Register, RegisterFile, Registers};
use table::{Enable, Kind, MAP};

/// Reads of a status bit before it shows a change.
pub const SETTLE_READS: u8 = 2;
/// XO frequency.
pub const XO_HZ: u64 = 19_200_000;
/// GPLL0 frequency.
pub const GPLL0_HZ: u64 = 800_000_000;

/// GPLL0's L, M, N as the boot chain leaves them: 19.2 MHz × (41 + 2/3) = 800 MHz
/// (docs/hardware/gcc-clocks.md#plls).
const GPLL0_BOOT_LMN: [u32; 3] = [41, 2, 3];
/// PLL STATUS offset in its block and the ACTIVE bit.
const PLL_STATUS: u64 = 0x1C;
const PLL_ACTIVE_BIT: u32 = 17;
/// MODE bits that run a PLL outside the vote: OUTCTRL, BYPASSNL, RESET_N.
const PLL_MODE_RUN: u32 = 0b111;
/// GDSCR bits.
const GDSC_SW_COLLAPSE: u32 = 1;
const GDSC_PWR_ON: u32 = 1 << 31;

/// Offsets in the USB_HS clock block that no source describes but that U-Boot 2023.01 touches
/// (its SD clock code numbers slots from one lower than the hardware, so "SDCC0" lands here).
/// Modelled as reserved space: reads return 0 (so a halt bit reads "running"), writes are
/// ignored, and each access is reported once on stderr.
const RESERVED_RAZ_WI: [u64; 2] = [0x41018, 0x4101C];

/// Register names: the row of [`table::MAP`] they belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// A CBCR, RCG (array CMD, CFG[, M, N, D]), PLL (array MODE .. CONFIG), vote, BCR or GDSCR.
    Entry(usize),
    /// A PLL's STATUS register.
    PllStatus(usize),
    /// Reserved space read as zero, writes ignored (see [`RESERVED_RAZ_WI`]).
    Reserved(usize),
}

fn registers() -> &'static [Register<Reg>] {
    static REGISTERS: OnceLock<Vec<Register<Reg>>> = OnceLock::new();
    REGISTERS.get_or_init(|| {
        let mut v = Vec::with_capacity(MAP.len() + 8);
        for (k, e) in MAP.iter().enumerate() {
            let id = Reg::Entry(k);
            let register = match e.kind {
                Kind::Branch { .. } | Kind::PowerDomain => {
                    Register::rw(id, e.name, e.offset).special()
                }
                Kind::Root { mnd } => Register::rw(id, e.name, e.offset)
                    .array(if mnd { 5 } else { 2 }, 4)
                    .special(),
                Kind::Pll { .. } => {
                    v.push(
                        Register::ro(Reg::PllStatus(k), e.name, e.offset + PLL_STATUS).special(),
                    );
                    Register::rw(id, e.name, e.offset).array(6, 4)
                }
                Kind::Vote { mask, reset } => {
                    Register::rw(id, e.name, e.offset).mask(mask).reset(reset)
                }
                Kind::BlockReset => Register::rw(id, e.name, e.offset).mask(1),
            };
            v.push(register);
        }
        for (i, &off) in RESERVED_RAZ_WI.iter().enumerate() {
            v.push(Register::rw(Reg::Reserved(i), "reserved", off).special());
        }
        v
    })
}

/// Row index of the entry at `offset`.
fn row(offset: u64) -> usize {
    MAP.iter()
        .position(|e| e.offset == offset)
        .unwrap_or_else(|| panic!("no GCC row at {offset:#x}"))
}

#[derive(Debug, Clone, Default)]
struct Branch {
    reg: u32,
    /// CLK_OFF (or, for a power domain, NOT PWR_ON) as last shown to the guest.
    shown_off: bool,
    countdown: u8,
}

/// RCG register set (active and pending copies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RcgRegs {
    /// CFG_RCGR.
    pub cfg: u32,
    /// M.
    pub m: u32,
    /// N (NOT(N - M)).
    pub n: u32,
    /// D (NOT(2D)).
    pub d: u32,
}

#[derive(Debug, Clone, Default)]
struct Rcg {
    active: RcgRegs,
    pending: RcgRegs,
    dirty: u32,
    root_en: bool,
    update_countdown: u8,
    /// Rows of the branches this root feeds.
    feeds: Vec<usize>,
}

/// Clock facts the other models need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClockView {
    /// BLSP1 AHB branch running.
    pub blsp1_ahb: bool,
    /// PRNG AHB branch running.
    pub prng_ahb: bool,
    /// UART1/UART2 APPS branch running.
    pub uart_apps: [bool; 2],
    /// UART1/UART2 core clock in Hz (0 if it cannot be computed).
    pub uart_core_hz: [u64; 2],
    /// QUP2/QUP6 I2C APPS branch running.
    pub qup_i2c_apps: [bool; 2],
    /// QUP2/QUP6 I2C core clock in Hz (0 if it cannot be computed).
    pub qup_i2c_core_hz: [u64; 2],
    /// QUP5 SPI APPS branch running.
    pub qup5_spi_apps: bool,
    /// QUP5 SPI core clock in Hz (0 if it cannot be computed).
    pub qup5_spi_core_hz: u64,
}

/// Rows the clock view reads, found once.
#[derive(Debug, Clone)]
struct Known {
    blsp1_ahb: usize,
    prng_ahb: usize,
    uart_apps: [usize; 2],
    uart_root: [usize; 2],
    qup_i2c_apps: [usize; 2],
    qup_i2c_root: [usize; 2],
    qup5_spi_apps: usize,
    qup5_spi_root: usize,
    vote_gpll: usize,
}

impl Known {
    fn find() -> Self {
        Self {
            blsp1_ahb: row(0x01008),
            prng_ahb: row(0x13004),
            uart_apps: [row(0x0203C), row(0x0302C)],
            uart_root: [row(0x02044), row(0x03034)],
            qup_i2c_apps: [row(0x03010), row(0x07020)],
            qup_i2c_root: [row(0x03000), row(0x07000)],
            qup5_spi_apps: row(0x0601C),
            qup5_spi_root: row(0x06024),
            vote_gpll: row(table::VOTE_GPLL),
        }
    }
}

/// The GCC model.
#[derive(Debug, Clone)]
pub struct Gcc {
    /// Per row: branch or power-domain state (unused for other kinds).
    branches: Vec<Branch>,
    /// Per row: root state (unused for other kinds).
    rcgs: Vec<Rcg>,
    known: Known,
    /// Per row: the vote register row and bit that switch a voted branch, and whether
    /// another master holds that vote too.
    vote_of: Vec<Option<(usize, u32, bool)>>,
    reserved_reported: [bool; RESERVED_RAZ_WI.len()],
    regs: RegisterFile<Reg>,
    /// [`Gcc::computed_view`] as of the last write.
    view: ClockView,
}

/// Output of an RCG for the given parent rates (MND width 16).
pub fn rcg_rate(regs: &RcgRegs, gpll0_on: bool) -> u64 {
    let parent = match (regs.cfg >> 8) & 7 {
        0 => XO_HZ,
        1 if gpll0_on => GPLL0_HZ,
        _ => return 0,
    };
    let src_div = u64::from(regs.cfg & 0x1F);
    let div2 = if src_div == 0 { 2 } else { src_div + 1 };
    let mode = (regs.cfg >> 12) & 3;
    let (m, n) = if mode == 2 {
        let m = u64::from(regs.m & 0xFFFF);
        let n = u64::from(!regs.n & 0xFFFF) + m;
        if m == 0 || n == 0 {
            return 0;
        }
        (m, n)
    } else {
        (1, 1)
    };
    parent * 2 * m / (div2 * n)
}

impl Default for Gcc {
    fn default() -> Self {
        Self::new()
    }
}

impl Gcc {
    /// Reset values, then the state the stock boot chain leaves (docs/hardware/boot.md#cpu-state-at-entry): BLSP1_AHB voted,
    /// GPLL0 voted on at 800 MHz, UART2 APPS on at 7.3728 MHz (GPLL0 × 144/15625, dual edge),
    /// every power domain collapsed.
    pub fn new() -> Self {
        let mut rcgs = vec![Rcg::default(); MAP.len()];
        for (k, e) in MAP.iter().enumerate() {
            if let Kind::Branch { root, .. } = e.kind
                && root != 0
            {
                rcgs[row(root)].feeds.push(k);
            }
        }
        let mut branches = vec![Branch::default(); MAP.len()];
        for (b, e) in branches.iter_mut().zip(MAP) {
            if e.kind == Kind::PowerDomain {
                b.reg = GDSC_SW_COLLAPSE;
            }
        }
        let mut g = Self {
            branches,
            rcgs,
            known: Known::find(),
            vote_of: MAP
                .iter()
                .map(|e| match e.kind {
                    Kind::Branch {
                        enable: Enable::Vote(register, bit),
                        ..
                    } => Some((
                        row(register),
                        bit,
                        table::OTHER_MASTER_VOTES
                            .iter()
                            .any(|&(r, bits)| r == register && bits >> bit & 1 != 0),
                    )),
                    _ => None,
                })
                .collect(),
            reserved_reported: [false; RESERVED_RAZ_WI.len()],
            regs: RegisterFile::new(registers()),
            view: ClockView::default(),
        };
        let gpll0 = row(0x21000);
        for (i, v) in GPLL0_BOOT_LMN.into_iter().enumerate() {
            g.regs.set(Reg::Entry(gpll0), i + 1, v);
        }
        let uart2 = RcgRegs {
            cfg: (2 << 12) | (1 << 8) | 1,
            m: 144,
            n: !(15625u32 - 144) & 0xFFFF,
            d: !15625u32 & 0xFFFF,
        };
        let uart2_root = g.known.uart_root[1];
        g.rcgs[uart2_root].active = uart2;
        g.rcgs[uart2_root].pending = uart2;
        g.branches[g.known.uart_apps[1]].reg = 1;
        for k in 0..MAP.len() {
            let off = !g.row_on(k);
            g.branches[k].shown_off = off;
        }
        g.view = g.computed_view();
        g
    }

    /// Whether the branch or power domain in row `k` is switched on.
    fn row_on(&self, k: usize) -> bool {
        match MAP[k].kind {
            // Voted branches are switched by their vote bit only; CLK_ENABLE does nothing there.
            Kind::Branch { .. } => match self.vote_of[k] {
                Some((vote, bit, held_elsewhere)) => {
                    held_elsewhere || self.regs.value(Reg::Entry(vote)) >> bit & 1 != 0
                }
                None => self.branches[k].reg & 1 != 0,
            },
            Kind::PowerDomain => self.branches[k].reg & GDSC_SW_COLLAPSE == 0,
            _ => false,
        }
    }

    /// Whether the PLL in row `k` runs.
    fn pll_on(&self, k: usize) -> bool {
        let Kind::Pll { vote_bit } = MAP[k].kind else {
            return false;
        };
        let voted = self.regs.value(Reg::Entry(self.known.vote_gpll)) >> vote_bit & 1 != 0;
        let mode = self.regs.get(Reg::Entry(k), 0);
        voted || mode & PLL_MODE_RUN == PLL_MODE_RUN
    }

    /// Whether GPLL0 is running.
    pub fn gpll0_on(&self) -> bool {
        self.regs.value(Reg::Entry(self.known.vote_gpll)) & 1 != 0
    }

    fn rate(&self, root: usize) -> u64 {
        rcg_rate(&self.rcgs[root].active, self.gpll0_on())
    }

    /// Current clock facts.
    pub fn view(&self) -> ClockView {
        self.view.clone()
    }

    /// The clock facts computed from the registers (what [`Self::view`] keeps).
    fn computed_view(&self) -> ClockView {
        let k = &self.known;
        ClockView {
            blsp1_ahb: self.row_on(k.blsp1_ahb),
            prng_ahb: self.row_on(k.prng_ahb),
            uart_apps: k.uart_apps.map(|r| self.row_on(r)),
            uart_core_hz: k.uart_root.map(|r| self.rate(r)),
            qup_i2c_apps: k.qup_i2c_apps.map(|r| self.row_on(r)),
            qup_i2c_core_hz: k.qup_i2c_root.map(|r| self.rate(r)),
            qup5_spi_apps: self.row_on(k.qup5_spi_apps),
            qup5_spi_core_hz: self.rate(k.qup5_spi_root),
        }
    }

    /// The status bit of a branch or power domain, settling after a few reads.
    fn settled_off(&mut self, k: usize) -> bool {
        let on = self.row_on(k);
        let b = &mut self.branches[k];
        if b.shown_off == on {
            // A change is pending: show it after a few reads.
            if b.countdown == 0 {
                b.countdown = SETTLE_READS;
            }
            b.countdown -= 1;
            if b.countdown == 0 {
                b.shown_off = !on;
            }
        }
        b.shown_off
    }

    fn rcg_read(&mut self, k: usize, register: usize) -> u32 {
        let feeding = self.rcgs[k].feeds.iter().any(|&b| self.row_on(b));
        let r = &mut self.rcgs[k];
        match register {
            0 => {
                if r.update_countdown > 0 {
                    r.update_countdown -= 1;
                }
                let root_off = !(r.root_en || feeding);
                u32::from(r.update_countdown > 0)
                    | u32::from(r.root_en) << 1
                    | r.dirty
                    | u32::from(root_off) << 31
            }
            1 => r.pending.cfg,
            2 => r.pending.m,
            3 => r.pending.n,
            _ => r.pending.d,
        }
    }

    fn rcg_write(&mut self, k: usize, register: usize, v: u32) {
        let r = &mut self.rcgs[k];
        match register {
            0 => {
                r.root_en = v & 2 != 0;
                if v & 1 != 0 {
                    r.active = r.pending;
                    r.dirty = 0;
                    r.update_countdown = SETTLE_READS;
                }
            }
            1 => {
                r.pending.cfg = v & 0x371F;
                r.dirty |= 1 << 4;
            }
            2 => {
                r.pending.m = v & 0xFFFF;
                r.dirty |= 1 << 6;
            }
            3 => {
                r.pending.n = v & 0xFFFF;
                r.dirty |= 1 << 5;
            }
            _ => {
                r.pending.d = v & 0xFFFF;
                r.dirty |= 1 << 7;
            }
        }
    }

    /// An access to a documented-as-reserved offset (RAZ/WI, reported once); anything else
    /// is unclaimed.
    fn reserved_access(&mut self, i: usize) {
        if !self.reserved_reported[i] {
            self.reserved_reported[i] = true;
            let off = RESERVED_RAZ_WI[i];
            eprintln!("emu: note: GCC offset {off:#x} is reserved space (reads 0, writes ignored)");
        }
    }
}

impl Registers for Gcc {
    type Id = Reg;

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }

    fn read_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
        let v = match hit.id {
            Reg::Entry(k) => match MAP[k].kind {
                Kind::Branch { .. } => {
                    let off = self.settled_off(k);
                    self.branches[k].reg & 0x7FFF_FFFF | u32::from(off) << 31
                }
                Kind::PowerDomain => {
                    let off = self.settled_off(k);
                    self.branches[k].reg & !GDSC_PWR_ON | if off { 0 } else { GDSC_PWR_ON }
                }
                Kind::Root { .. } => self.rcg_read(k, hit.index),
                other => unreachable!("{other:?} is not special"),
            },
            Reg::PllStatus(k) => u32::from(self.pll_on(k)) << PLL_ACTIVE_BIT,
            Reg::Reserved(k) => {
                self.reserved_access(k);
                0
            }
        };
        Ok(v)
    }

    fn write_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>, v: u32) -> Result<(), Fault> {
        match hit.id {
            Reg::Entry(k) => match MAP[k].kind {
                Kind::Branch { .. } | Kind::PowerDomain => {
                    // Voted branches have no working enable bit; keep what was written anyway.
                    let b = &mut self.branches[k];
                    b.reg = v & 0x7FFF_FFFF;
                    b.countdown = 0;
                }
                Kind::Root { .. } => self.rcg_write(k, hit.index, v),
                other => unreachable!("{other:?} is not special"),
            },
            Reg::Reserved(k) => self.reserved_access(k),
            Reg::PllStatus(_) => unreachable!("PLL status is read-only"),
        }
        Ok(())
    }

    fn written(&mut self, _: &mut Ctx<'_>, _: Hit<Reg>) {
        self.view = self.computed_view();
    }
}
