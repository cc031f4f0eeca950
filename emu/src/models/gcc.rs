//! GCC (global clock controller) model: the branches, roots, PLL and votes the firmware uses.
//!
//! Branch halt bits (CBCR.CLK_OFF) follow the branch's enable (its CLK_ENABLE bit, or its vote
//! bit in APCS_CLOCK_BRANCH_ENA_VOTE for voted branches) after [`SETTLE_READS`] reads, so drivers
//! have to poll. RCG writes to CFG/M/N/D only set DIRTY bits; CMD_RCGR.UPDATE latches them and
//! clears itself after [`SETTLE_READS`] reads. GPLL0_STATUS.ACTIVE follows vote bit 0.

use crate::bus::{Ctx, Fault};
use crate::regfile::{Hit, Register, RegisterFile, Registers};

/// Reads of a status bit before it shows a change.
pub const SETTLE_READS: u8 = 2;
/// XO frequency.
pub const XO_HZ: u64 = 19_200_000;
/// GPLL0 frequency.
pub const GPLL0_HZ: u64 = 800_000_000;

const VOTE_GPLL: u64 = 0x45000;
const VOTE_BRANCH: u64 = 0x45004;
const VOTE_SLEEP: u64 = 0x45008;
const GPLL0_BASE: u64 = 0x21000;
const GPLL0_STATUS: u64 = 0x2101C;
/// Block reset registers: BLSP1, UART1, UART2, PRNG, TLMM, USB_HS, SDCC1, SDCC2, QUP2, QUP6 (docs/hardware/gcc-clocks.md#block-resets).
const BCRS: [u64; 10] = [
    0x1000, 0x2038, 0x3028, 0x13000, 0x34000, 0x41000, 0x42000, 0x43000, 0x3008, 0x7018,
];
/// Offsets in the USB_HS clock block that no source describes but that U-Boot 2023.01 touches
/// (its SD clock code numbers slots from one lower than the hardware, so "SDCC0" lands here).
/// Modelled as reserved space: reads return 0 (so a halt bit reads "running"), writes are
/// ignored, and each access is reported once on stderr.
const RESERVED_RAZ_WI: [u64; 2] = [0x41018, 0x4101C];

/// Register names. Branch and RCG numbers index [`Gcc`]'s tables (branches in the order of
/// [`BranchId`]; RCGs: UART1, UART2, USB_HS, SDCC1, SDCC2, QUP2 I2C, QUP6 I2C, QUP5 SPI); an RCG row is
/// its five registers CMD, CFG, M, N, D, or only CMD and CFG for the roots without an M/N
/// counter (the QUP I2C roots).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// A branch control register (CBCR).
    Cbcr(usize),
    /// A root clock generator (CMD_RCGR .. D).
    Rcg(usize),
    /// APCS_GPLL_ENA_VOTE.
    VoteGpll,
    /// APCS_CLOCK_BRANCH_ENA_VOTE.
    VoteBranch,
    /// APCS_CLOCK_SLEEP_ENA_VOTE.
    VoteSleep,
    /// GPLL0 mode/L/M/N/user/config registers.
    Gpll0,
    /// GPLL0_STATUS.
    Gpll0Status,
    /// A block reset register.
    Bcr(usize),
    /// Reserved space read as zero, writes ignored (see [`RESERVED_RAZ_WI`]).
    Reserved(usize),
}

const fn branch(k: usize, name: &'static str, offset: u64) -> Register<Reg> {
    Register::rw(Reg::Cbcr(k), name, offset).special()
}

const fn rcg(k: usize, name: &'static str, offset: u64) -> Register<Reg> {
    Register::rw(Reg::Rcg(k), name, offset)
        .array(5, 4)
        .special()
}

/// A root without M/N counter: CMD_RCGR and CFG_RCGR only.
const fn rcg_without_mnd(k: usize, name: &'static str, offset: u64) -> Register<Reg> {
    Register::rw(Reg::Rcg(k), name, offset)
        .array(2, 4)
        .special()
}

const fn bcr(k: usize, name: &'static str) -> Register<Reg> {
    Register::rw(Reg::Bcr(k), name, BCRS[k]).mask(1)
}

static REGISTERS: [Register<Reg>; 38] = [
    branch(0, "BLSP1_AHB_CBCR", 0x1008),
    branch(1, "BLSP1_UART1_APPS_CBCR", 0x203C),
    branch(2, "BLSP1_UART2_APPS_CBCR", 0x302C),
    branch(3, "PRNG_AHB_CBCR", 0x13004),
    branch(4, "USB_HS_SYSTEM_CBCR", 0x41004),
    branch(5, "USB_HS_AHB_CBCR", 0x41008),
    branch(6, "SDCC1_APPS_CBCR", 0x42018),
    branch(7, "SDCC1_AHB_CBCR", 0x4201C),
    branch(8, "SDCC2_APPS_CBCR", 0x43018),
    branch(9, "SDCC2_AHB_CBCR", 0x4301C),
    branch(10, "BLSP1_QUP2_I2C_APPS_CBCR", 0x3010),
    branch(11, "BLSP1_QUP6_I2C_APPS_CBCR", 0x7020),
    branch(12, "BLSP1_QUP5_SPI_APPS_CBCR", 0x601C),
    rcg(0, "BLSP1_UART1_APPS_CMD_RCGR", 0x2044),
    rcg(1, "BLSP1_UART2_APPS_CMD_RCGR", 0x3034),
    rcg(2, "USB_HS_SYSTEM_CMD_RCGR", 0x41010),
    rcg(3, "SDCC1_APPS_CMD_RCGR", 0x42004),
    rcg(4, "SDCC2_APPS_CMD_RCGR", 0x43004),
    rcg_without_mnd(5, "BLSP1_QUP2_I2C_APPS_CMD_RCGR", 0x3000),
    rcg_without_mnd(6, "BLSP1_QUP6_I2C_APPS_CMD_RCGR", 0x7000),
    // 8-bit M/N counter; modelled with the 16-bit arithmetic (the HAL writes full NOT values).
    rcg(7, "BLSP1_QUP5_SPI_APPS_CMD_RCGR", 0x6024),
    Register::rw(Reg::VoteGpll, "APCS_GPLL_ENA_VOTE", VOTE_GPLL)
        .mask(0xF)
        .reset(1),
    Register::rw(Reg::VoteBranch, "APCS_CLOCK_BRANCH_ENA_VOTE", VOTE_BRANCH)
        .mask(0x587)
        .reset(1 << 10),
    Register::rw(Reg::VoteSleep, "APCS_CLOCK_SLEEP_ENA_VOTE", VOTE_SLEEP),
    Register::rw(Reg::Gpll0, "GPLL0", GPLL0_BASE).array(6, 4),
    Register::ro(Reg::Gpll0Status, "GPLL0_STATUS", GPLL0_STATUS).special(),
    bcr(0, "BLSP1_BCR"),
    bcr(1, "BLSP1_UART1_BCR"),
    bcr(2, "BLSP1_UART2_BCR"),
    bcr(3, "PRNG_BCR"),
    bcr(4, "TLMM_BCR"),
    bcr(5, "USB_HS_BCR"),
    bcr(6, "SDCC1_BCR"),
    bcr(7, "SDCC2_BCR"),
    bcr(8, "BLSP1_QUP2_BCR"),
    bcr(9, "BLSP1_QUP6_BCR"),
    Register::rw(Reg::Reserved(0), "reserved", RESERVED_RAZ_WI[0]).special(),
    Register::rw(Reg::Reserved(1), "reserved", RESERVED_RAZ_WI[1]).special(),
];

/// Which branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchId {
    /// BLSP1 AHB (voted, bit 10).
    Blsp1Ahb,
    /// BLSP1 UART1 APPS.
    Uart1Apps,
    /// BLSP1 UART2 APPS.
    Uart2Apps,
    /// PRNG AHB (voted, bit 8).
    PrngAhb,
    /// USB_HS system clock.
    UsbHsSystem,
    /// USB_HS AHB.
    UsbHsAhb,
    /// SDCC1 APPS (eMMC core clock).
    Sdcc1Apps,
    /// SDCC1 AHB.
    Sdcc1Ahb,
    /// SDCC2 APPS (SD card core clock).
    Sdcc2Apps,
    /// SDCC2 AHB.
    Sdcc2Ahb,
    /// BLSP1 QUP2 I2C APPS (core clock).
    Qup2I2cApps,
    /// BLSP1 QUP6 I2C APPS (core clock).
    Qup6I2cApps,
    /// BLSP1 QUP5 SPI APPS (core clock = SCLK of the header's SPI0).
    Qup5SpiApps,
}

#[derive(Debug, Clone)]
struct Branch {
    id: BranchId,
    vote_bit: Option<u32>,
    reg: u32,
    /// CLK_OFF as last shown to the guest.
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

#[derive(Debug, Clone)]
struct Rcg {
    active: RcgRegs,
    pending: RcgRegs,
    dirty: u32,
    root_en: bool,
    update_countdown: u8,
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

/// The GCC model.
#[derive(Debug, Clone)]
pub struct Gcc {
    branches: Vec<Branch>,
    /// UART1, UART2 (indices 0 and 1, used by [`Gcc::view`]), then USB_HS, SDCC1, SDCC2,
    /// QUP2 I2C, QUP6 I2C, QUP5 SPI.
    rcgs: [Rcg; 8],
    reserved_reported: [bool; RESERVED_RAZ_WI.len()],
    regs: RegisterFile<Reg>,
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
    /// GPLL0 voted on, UART2 APPS on at 7.3728 MHz (GPLL0 × 144/15625, dual edge).
    pub fn new() -> Self {
        let br = |id, vote_bit| Branch {
            id,
            vote_bit,
            reg: 0,
            shown_off: true,
            countdown: 0,
        };
        let rcg = || Rcg {
            active: RcgRegs::default(),
            pending: RcgRegs::default(),
            dirty: 0,
            root_en: false,
            update_countdown: 0,
        };
        let mut g = Self {
            branches: vec![
                br(BranchId::Blsp1Ahb, Some(10)),
                br(BranchId::Uart1Apps, None),
                br(BranchId::Uart2Apps, None),
                br(BranchId::PrngAhb, Some(8)),
                br(BranchId::UsbHsSystem, None),
                br(BranchId::UsbHsAhb, None),
                br(BranchId::Sdcc1Apps, None),
                br(BranchId::Sdcc1Ahb, None),
                br(BranchId::Sdcc2Apps, None),
                br(BranchId::Sdcc2Ahb, None),
                br(BranchId::Qup2I2cApps, None),
                br(BranchId::Qup6I2cApps, None),
                br(BranchId::Qup5SpiApps, None),
            ],
            rcgs: [rcg(), rcg(), rcg(), rcg(), rcg(), rcg(), rcg(), rcg()],
            reserved_reported: [false; RESERVED_RAZ_WI.len()],
            regs: RegisterFile::new(&REGISTERS),
        };
        let uart2 = RcgRegs {
            cfg: (2 << 12) | (1 << 8) | 1,
            m: 144,
            n: !(15625u32 - 144) & 0xFFFF,
            d: !15625u32 & 0xFFFF,
        };
        g.rcgs[1].active = uart2;
        g.rcgs[1].pending = uart2;
        g.branches[2].reg = 1;
        let shown: Vec<bool> = g.branches.iter().map(|b| !g.branch_on(b)).collect();
        for (b, off) in g.branches.iter_mut().zip(shown) {
            b.shown_off = off;
        }
        g
    }

    fn branch_on(&self, b: &Branch) -> bool {
        // Voted branches are switched by their vote bit only; CLK_ENABLE does nothing there.
        match b.vote_bit {
            Some(v) => self.regs.value(Reg::VoteBranch) >> v & 1 != 0,
            None => b.reg & 1 != 0,
        }
    }

    fn is_on(&self, id: BranchId) -> bool {
        self.branches
            .iter()
            .find(|b| b.id == id)
            .is_some_and(|b| self.branch_on(b))
    }

    /// Whether GPLL0 is running.
    pub fn gpll0_on(&self) -> bool {
        self.regs.value(Reg::VoteGpll) & 1 != 0
    }

    /// Current clock facts.
    pub fn view(&self) -> ClockView {
        let gp = self.gpll0_on();
        ClockView {
            blsp1_ahb: self.is_on(BranchId::Blsp1Ahb),
            prng_ahb: self.is_on(BranchId::PrngAhb),
            uart_apps: [
                self.is_on(BranchId::Uart1Apps),
                self.is_on(BranchId::Uart2Apps),
            ],
            uart_core_hz: [
                rcg_rate(&self.rcgs[0].active, gp),
                rcg_rate(&self.rcgs[1].active, gp),
            ],
            qup_i2c_apps: [
                self.is_on(BranchId::Qup2I2cApps),
                self.is_on(BranchId::Qup6I2cApps),
            ],
            qup_i2c_core_hz: [
                rcg_rate(&self.rcgs[5].active, gp),
                rcg_rate(&self.rcgs[6].active, gp),
            ],
            qup5_spi_apps: self.is_on(BranchId::Qup5SpiApps),
            qup5_spi_core_hz: rcg_rate(&self.rcgs[7].active, gp),
        }
    }

    fn branch_read(&mut self, k: usize) -> u32 {
        let on = self.branch_on(&self.branches[k]);
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
        b.reg & 0x7FFF_FFFF | u32::from(b.shown_off) << 31
    }

    fn rcg_read(&mut self, k: usize, register: usize) -> u32 {
        // The branch each root feeds: ROOT_OFF follows it.
        let fed = [
            BranchId::Uart1Apps,
            BranchId::Uart2Apps,
            BranchId::UsbHsSystem,
            BranchId::Sdcc1Apps,
            BranchId::Sdcc2Apps,
            BranchId::Qup2I2cApps,
            BranchId::Qup6I2cApps,
            BranchId::Qup5SpiApps,
        ][k];
        let apps_on = self.is_on(fed);
        let r = &mut self.rcgs[k];
        match register {
            0 => {
                if r.update_countdown > 0 {
                    r.update_countdown -= 1;
                }
                let root_off = !(r.root_en || apps_on);
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
            Reg::Cbcr(k) => self.branch_read(k),
            Reg::Rcg(k) => self.rcg_read(k, hit.index),
            Reg::Gpll0Status => u32::from(self.gpll0_on()) << 17,
            Reg::Reserved(k) => {
                self.reserved_access(k);
                0
            }
            other => unreachable!("{other:?} is not special"),
        };
        Ok(v)
    }

    fn write_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>, v: u32) -> Result<(), Fault> {
        match hit.id {
            Reg::Cbcr(k) => {
                // Voted branches have no working enable bit; keep what was written anyway.
                let b = &mut self.branches[k];
                b.reg = v & 0x7FFF_FFFF;
                b.countdown = 0;
            }
            Reg::Rcg(k) => self.rcg_write(k, hit.index, v),
            Reg::Reserved(k) => self.reserved_access(k),
            other => unreachable!("{other:?} is not special"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::testing::access;

    fn rd(g: &mut Gcc, off: u64) -> u32 {
        access(g, off, 4, None).unwrap() as u32
    }

    #[test]
    fn boot_state_uart2_clock_is_7_3728_mhz() {
        let g = Gcc::new();
        let v = g.view();
        assert_eq!(v.uart_core_hz[1], 7_372_800);
        assert!(v.blsp1_ahb && v.uart_apps[1] && !v.uart_apps[0] && !v.prng_ahb);
        assert_eq!(v.uart_core_hz[0], XO_HZ);
    }

    #[test]
    fn rcg_rate_half_integer_divider() {
        // GPLL0 / 2.5 = 320 MHz: SRC_DIV = 2*2.5-1 = 4, bypass mode.
        let r = RcgRegs {
            cfg: (1 << 8) | 4,
            ..Default::default()
        };
        assert_eq!(rcg_rate(&r, true), 320_000_000);
        assert_eq!(rcg_rate(&r, false), 0);
    }

    #[test]
    fn branch_halt_clears_after_polling() {
        let mut g = Gcc::new();
        assert_eq!(rd(&mut g, 0x203C) >> 31, 1);
        access(&mut g, 0x203C, 4, Some(1)).unwrap();
        assert_eq!(rd(&mut g, 0x203C) >> 31, 1, "halt must not clear at once");
        assert_eq!(rd(&mut g, 0x203C) >> 31, 0);
        access(&mut g, 0x45004, 4, Some(1 << 8 | 1 << 10)).unwrap();
        assert!(g.view().prng_ahb);
        let mut polls = 0;
        while rd(&mut g, 0x13004) >> 31 == 1 {
            polls += 1;
            assert!(polls < 10);
        }
    }

    #[test]
    fn voted_branch_ignores_clk_enable() {
        let mut g = Gcc::new();
        access(&mut g, 0x13004, 4, Some(1)).unwrap();
        assert!(!g.view().prng_ahb);
        for _ in 0..4 {
            assert_eq!(rd(&mut g, 0x13004) >> 31, 1);
        }
    }

    #[test]
    fn rcg_dirty_then_update() {
        let mut g = Gcc::new();
        access(&mut g, 0x2044 + 4, 4, Some((1 << 8) | 1 | (2 << 12))).unwrap();
        access(&mut g, 0x2044 + 8, 4, Some(144)).unwrap();
        access(
            &mut g,
            0x2044 + 0xC,
            4,
            Some(u64::from(!(15625u32 - 144) & 0xFFFF)),
        )
        .unwrap();
        assert_eq!(rd(&mut g, 0x2044) & 0x70, 0x70);
        assert_eq!(g.view().uart_core_hz[0], XO_HZ, "not latched before UPDATE");
        access(&mut g, 0x2044, 4, Some(1)).unwrap();
        assert_eq!(rd(&mut g, 0x2044) & 1, 1);
        assert_eq!(rd(&mut g, 0x2044) & 0xF1, 0);
        assert_eq!(g.view().uart_core_hz[0], 7_372_800);
    }

    #[test]
    fn gpll0_status_follows_vote_and_unknown_offsets_fault() {
        let mut g = Gcc::new();
        assert_eq!(rd(&mut g, 0x2101C) >> 17 & 1, 1);
        access(&mut g, 0x45000, 4, Some(0)).unwrap();
        assert_eq!(rd(&mut g, 0x2101C) >> 17 & 1, 0);
        // 0x7000 became the QUP6 I2C root; GP1's CBCR (0x8000) is not modelled.
        assert_eq!(access(&mut g, 0x8000, 4, None), Err(Fault::Unclaimed));
        assert_eq!(access(&mut g, 0x1008, 2, None), Err(Fault::Unclaimed));
    }

    #[test]
    fn qup_i2c_roots_have_two_registers_and_run_from_xo() {
        let mut g = Gcc::new();
        assert_eq!(g.view().qup_i2c_core_hz, [XO_HZ, XO_HZ]);
        assert!(!g.view().qup_i2c_apps[0]);
        // CMD and CFG only: 0x3008 is QUP2's block reset, not an M register.
        access(&mut g, 0x3004, 4, Some(1)).unwrap();
        access(&mut g, 0x3000, 4, Some(1)).unwrap();
        assert_eq!(g.view().qup_i2c_core_hz[0], XO_HZ);
        access(&mut g, 0x3008, 4, Some(1)).unwrap();
        assert_eq!(rd(&mut g, 0x3008), 1);
        access(&mut g, 0x7020, 4, Some(1)).unwrap();
        assert!(g.view().qup_i2c_apps[1]);
        assert_eq!(access(&mut g, 0x700C, 4, None), Err(Fault::Unclaimed));
    }

    #[test]
    fn qup5_spi_root_has_mnd_and_feeds_its_branch() {
        let mut g = Gcc::new();
        assert!(!g.view().qup5_spi_apps);
        // 10 MHz: GPLL0, SRC_DIV 1 (divide by 1), dual edge, M/N = 1/80.
        access(&mut g, 0x6028, 4, Some((2 << 12) | (1 << 8) | 1)).unwrap();
        access(&mut g, 0x602C, 4, Some(1)).unwrap();
        access(&mut g, 0x6030, 4, Some(u64::from(!79u32 & 0xFFFF))).unwrap();
        access(&mut g, 0x6034, 4, Some(u64::from(!80u32 & 0xFFFF))).unwrap();
        access(&mut g, 0x6024, 4, Some(1)).unwrap();
        assert_eq!(g.view().qup5_spi_core_hz, 10_000_000);
        access(&mut g, 0x601C, 4, Some(1)).unwrap();
        assert!(g.view().qup5_spi_apps);
    }
}
