//! SPMI PMIC arbiter v2 (msm8916) with the PM8916 PMIC behind it (docs/hardware/spmi-pm8916.md).
//!
//! Design notes:
//! - One model ([`Spmi`]) answers five windows, each a row of the machine table with its own
//!   register file: core (0x0200_F000), cnfg (0x0200_A000), chnls (0x0240_0000), obsrvr
//!   (0x02C0_0000) and intr (0x0380_0000). The PMIC behind them is [`Arbiter`].
//! - core: VERSION (+0x000, a v2 value), INT_EN (+0x004), and the APID -> PPID table at
//!   +0x800 + 4·apid up to the end of the region (512 entries; PPID = SID << 8 | peripheral in
//!   bits 19:8). cnfg: the ownership table at +0x700 + 4·apid (bits 2:0 = owning EE; every
//!   modelled peripheral belongs to EE 0, the application processor). Unassigned table
//!   entries read 0.
//! - chnls / obsrvr: one channel per APID at 0x8000·apid (EE 0 only, APIDs 0..127 fill the
//!   4 MiB window; the other EEs' channels are unclaimed). CMD (+0x00) runs the command at once and sets STATUS (+0x08):
//!   opcodes 0 (extended register write, long) and 1 (extended register read, long) with the
//!   register offset in bits 11:4 and byte count − 1 in bits 2:0 (the field is honoured,
//!   docs/hardware/conflicts.md#c8-spmi-byte-count-field); WDATA0/1 (+0x10/+0x14) and RDATA0/1 (+0x18/+0x1C) carry the bytes little-endian.
//!   A write command on an observer (read-only) channel, or any command on an APID with no
//!   peripheral, ends DENIED; other opcodes end FAILURE. CONFIG (+0x04) is stored.
//! - intr: ACC_ENABLE (+0x1000·apid, bit 0) is stored; IRQ_STATUS (+4), IRQ_CLEAR (+8) and
//!   OWNER_ACC_STATUS (+0x100000 + 4·k, EE 0) are the arbiter's side of the PMIC interrupts,
//!   and the machine table row's interrupt (GIC 222, SPI 190) is high while OWNER_ACC_STATUS
//!   flags a channel ([`interrupts`]). Every peripheral's INT_* registers (0x11..0x19) are its
//!   [`interrupts::Block`]; the sources of INT_RT_STS are the PON keys and watchdog bark, the
//!   RTC alarm and the MPPs' levels. Interrupts are brought up to date after every command,
//!   key event and model update; the RTC alarm asks for a timed event at its second.
//! - PM8916 (SID 0): REVID (0x01), PON (0x08), GPIO1..4 (0xC0..0xC3), MPP1..4 (0xA0..0xA3),
//!   RTC_RW and RTC_ALARM (0x60, 0x61; the counting and the alarm are [`rtc`]'s).
//!   Only the registers listed in docs/hardware/spmi-pm8916.md#pm8916-register-map exist; a
//!   PMIC register not listed there is reported as an unclaimed access on the CMD write that
//!   asked for it (with an `spmi:` line naming the PMIC address); in a multi-byte transfer
//!   only the first register must exist, the bytes after it read 0 / are dropped when not
//!   modelled (U-Boot always moves 2 bytes and uses one,
//!   docs/hardware/conflicts.md#c8-spmi-byte-count-field). Read-only registers ignore writes.
//! - PON: PON_REASON1 is what the run was started with (`--pon-reason`, default KPDPWR_N:
//!   a first power-on by the power key); the warm-reset and power-off reasons read 0 (a cold
//!   start). INT_RT_STS bit 0 is the power key, bit 1 RESIN (volume down), held from
//!   `--press power@..` / `--press volume-down@..` (timed events, [`KeyEvent`]).
//!   PS_HOLD_RESET_CTL / _CTL2 start as a boot chain would leave them for a normal reboot
//!   (hard reset, enabled: a project choice, docs/hardware/conflicts.md#c19-resetting-through-ps_hold);
//!   [`Spmi::ps_hold_release`] says what releasing PS_HOLD does: power off when the PS_HOLD
//!   reset is enabled with type 4 (shutdown), a system reset otherwise. The PMIC watchdog
//!   (PMIC_WD_RESET_*, bark in INT_RT_STS bit 6, bite ends the run) is [`pmic_watchdog`]'s.
//! - Pins: a PM8916 GPIO enabled (EN_CTL bit 7) in output mode (MODE_CTL 6:4 = 1 or 2) with
//!   source 0 drives MODE_CTL bit 0 and reads it back in STATUS bit 0; an MPP enabled in
//!   digital output mode (1 or 2) with source 0 (low) or 1 (high) drives that level and reads
//!   it back in INT_RT_STS bit 0. Inputs read 0 (nothing drives the pads). With `--trace gpio`
//!   a change of what a pin drives prints `pm8916-gpio<N>` / `pm8916-mpp<N>` `high|low|input`.

use crate::bus::{Ctx, Fault};
use crate::machine::Device;
use crate::regfile::{Hit, Register, RegisterFile, Registers};
use crate::scheduler::Event;

mod interrupts;
mod peripherals;
mod pmic_watchdog;
mod rtc;

use peripherals::{Access, Peripheral, pm8916};

use pmic_watchdog::PmicWatchdog;

pub use rtc::DEFAULT_RTC_SECONDS;
use rtc::Rtc;

/// Arbiter version register value (v2: 0x2001_0000 <= VERSION < 0x3000_0000).
pub const VERSION: u32 = 0x2001_0000;

/// STATUS bits.
const STATUS_DONE: u32 = 1;
const STATUS_FAILURE: u32 = 1 << 1;
const STATUS_DENIED: u32 = 1 << 2;

/// Opcodes (docs/hardware/spmi-pm8916.md#opcodes).
const OP_EXT_WRITEL: u32 = 0;
const OP_EXT_READL: u32 = 1;

/// Window bases and sizes (docs/hardware/spmi-pm8916.md#regions; sizes rounded up to whole 4 KiB pages).
pub const CORE: (u64, u64) = (0x0200_F000, 0x1000);
/// cnfg window (0x2100 bytes, mapped as 0x3000).
pub const CNFG: (u64, u64) = (0x0200_A000, 0x3000);
/// Write channels.
pub const CHNLS: (u64, u64) = (0x0240_0000, 0x40_0000);
/// Read (observer) channels.
pub const OBSRVR: (u64, u64) = (0x02C0_0000, 0x40_0000);
/// Interrupt controller.
pub const INTR: (u64, u64) = (0x0380_0000, 0x20_0000);

const CHANNEL_STRIDE: u64 = 0x8000;
/// Entries of the APID -> PPID and ownership tables (to the end of the core region).
const MAX_APIDS: usize = 512;
/// Channels in the 4 MiB chnls / obsrvr windows.
const CHANNELS: usize = 128;
/// Per-APID interrupt register blocks below OWNER_ACC_STATUS.
const INTR_APIDS: usize = 256;

/// PON registers the model computes or the board reads.
const PON_REASON1: u8 = 0x08;
const INT_RT_STS: u8 = 0x10;
const PS_HOLD_RESET_CTL: u8 = 0x5A;
const PS_HOLD_RESET_CTL2: u8 = 0x5B;
/// PS_HOLD_RESET_CTL type "shutdown".
const PS_HOLD_SHUTDOWN: u8 = 4;
/// PS_HOLD_RESET_CTL (and PMIC_WD_RESET_S2_CTL) type "hard reset".
const PS_HOLD_HARD_RESET: u8 = 7;

/// What reset the SoC, for [`Spmi::reboot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebootCause {
    /// PS_HOLD released with a reset action.
    PsHold,
    /// The PMIC watchdog bit (reset type other than shutdown).
    PmicWatchdog,
    /// The APSS watchdog bit.
    ApssWatchdog,
}

/// A key wired to the PMIC's power-on block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PmicKey {
    /// KPDPWR_N, the power key S2 (PON INT_RT_STS bit 0).
    Power,
    /// RESIN_N, volume down / reset S4 (PON INT_RT_STS bit 1).
    VolumeDown,
}

impl PmicKey {
    /// The key for a `--press` name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "power" => Some(Self::Power),
            "volume-down" => Some(Self::VolumeDown),
            _ => None,
        }
    }

    fn bit(self) -> u8 {
        match self {
            Self::Power => 1 << 0,
            Self::VolumeDown => 1 << 1,
        }
    }
}

/// A key pressed or released at a tick (`--press power@..`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEvent {
    /// Counter value at which it happens.
    pub at: u64,
    /// Which key.
    pub key: PmicKey,
    /// Pressed (else released).
    pub pressed: bool,
}

/// PON_REASON1 bits by `--pon-reason` name (docs/hardware/spmi-pm8916.md#pon-registers).
pub const PON_REASON_NAMES: [(&str, u8); 8] = [
    ("hard-reset", 1 << 0),
    ("smpl", 1 << 1),
    ("rtc", 1 << 2),
    ("dc-chg", 1 << 3),
    ("usb-chg", 1 << 4),
    ("pon1", 1 << 5),
    ("cblpwr", 1 << 6),
    ("kpdpwr", 1 << 7),
];

/// PON_REASON1 of a first power-on by the power key.
pub const DEFAULT_PON_REASON: u8 = 1 << 7;

/// What releasing PS_HOLD does, per the PMIC's PS_HOLD configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// A warm or hard reset (also when the PS_HOLD reset is disabled).
    Reset,
    /// Shutdown: the board powers off.
    PowerOff,
}

/// Register names of the five windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// core: VERSION.
    Version,
    /// core: INT_EN.
    IntEn,
    /// core: APID -> PPID table.
    PpidTable,
    /// cnfg: ownership table (owning EE per APID).
    Ownership,
    /// chnls/obsrvr: CMD.
    Cmd,
    /// chnls/obsrvr: CONFIG.
    Config,
    /// chnls/obsrvr: STATUS.
    Status,
    /// chnls/obsrvr: WDATA0.
    Wdata0,
    /// chnls/obsrvr: WDATA1.
    Wdata1,
    /// chnls/obsrvr: RDATA0.
    Rdata0,
    /// chnls/obsrvr: RDATA1.
    Rdata1,
    /// intr: ACC_ENABLE per APID.
    AccEnable,
    /// intr: IRQ_STATUS per APID.
    IrqStatus,
    /// intr: IRQ_CLEAR per APID.
    IrqClear,
    /// intr: OWNER_ACC_STATUS of EE 0.
    OwnerAccStatus,
}

static CORE_REGS: [Register<Reg>; 3] = [
    Register::ro(Reg::Version, "VERSION", 0x000).reset(VERSION),
    Register::rw(Reg::IntEn, "INT_EN", 0x004),
    Register::ro(Reg::PpidTable, "APID_PPID", 0x800)
        .array(MAX_APIDS as u32, 4)
        .special(),
];

static CNFG_REGS: [Register<Reg>; 1] =
    [Register::ro(Reg::Ownership, "OWNERSHIP", 0x700).array(MAX_APIDS as u32, 4)];

/// One channel per APID (EE 0 only).
static CHANNEL_REGS: [Register<Reg>; 7] = [
    Register::wo(Reg::Cmd, "CMD", 0x00)
        .array(CHANNELS as u32, CHANNEL_STRIDE)
        .special(),
    Register::rw(Reg::Config, "CONFIG", 0x04).array(CHANNELS as u32, CHANNEL_STRIDE),
    Register::ro(Reg::Status, "STATUS", 0x08).array(CHANNELS as u32, CHANNEL_STRIDE),
    Register::rw(Reg::Wdata0, "WDATA0", 0x10).array(CHANNELS as u32, CHANNEL_STRIDE),
    Register::rw(Reg::Wdata1, "WDATA1", 0x14).array(CHANNELS as u32, CHANNEL_STRIDE),
    Register::ro(Reg::Rdata0, "RDATA0", 0x18).array(CHANNELS as u32, CHANNEL_STRIDE),
    Register::ro(Reg::Rdata1, "RDATA1", 0x1C).array(CHANNELS as u32, CHANNEL_STRIDE),
];

static INTR_REGS: [Register<Reg>; 4] = [
    Register::rw(Reg::AccEnable, "ACC_ENABLE", 0x0)
        .mask(1)
        .array(INTR_APIDS as u32, 0x1000),
    Register::ro(Reg::IrqStatus, "IRQ_STATUS", 0x4)
        .array(INTR_APIDS as u32, 0x1000)
        .special(),
    Register::wo(Reg::IrqClear, "IRQ_CLEAR", 0x8)
        .array(INTR_APIDS as u32, 0x1000)
        .special(),
    Register::ro(Reg::OwnerAccStatus, "OWNER_ACC_STATUS", 0x10_0000)
        .array(OWNER_WORDS as u32, 4)
        .special(),
];

/// OWNER_ACC_STATUS words of EE 0.
const OWNER_WORDS: usize = 16;
/// The intr window's index in [`Spmi::files`].
const INTR_WINDOW: usize = 4;

const CHNLS_WINDOW: usize = 2;
const OBSRVR_WINDOW: usize = 3;

/// The arbiter and the PMIC behind it.
#[derive(Debug)]
pub struct Spmi {
    arbiter: Arbiter,
    /// Register files of core, cnfg, chnls, obsrvr, intr (the machine table's windows 0..4).
    files: [RegisterFile<Reg>; 5],
}

impl Spmi {
    /// The arbiter with the PM8916, powered on for `pon_reason` (PON_REASON1 bits). With
    /// `trace_gpio`, changes of what a PM8916 GPIO or MPP drives are reported like TLMM pins
    /// (`pm8916-gpio<N>`, `pm8916-mpp<N>`).
    pub fn new(trace_gpio: bool, pon_reason: u8) -> Self {
        let mut arbiter = Arbiter::new(pon_reason);
        arbiter.trace_gpio = trace_gpio;
        Self {
            arbiter,
            files: [
                RegisterFile::new(&CORE_REGS),
                RegisterFile::new(&CNFG_REGS),
                RegisterFile::new(&CHANNEL_REGS),
                RegisterFile::new(&CHANNEL_REGS),
                RegisterFile::new(&INTR_REGS),
            ],
        }
    }

    /// What releasing PS_HOLD does now: power off if the PS_HOLD reset is enabled
    /// (PS_HOLD_RESET_CTL2 bit 7) with type shutdown (PS_HOLD_RESET_CTL 3:0 = 4), a reset
    /// otherwise (docs/hardware/ps-hold-reset.md#pmic-ps_hold-configuration).
    pub fn ps_hold_release(&self) -> Release {
        let pon = self.arbiter.pon();
        let enabled = pon.value(PS_HOLD_RESET_CTL2).unwrap_or(0) & 0x80 != 0;
        let kind = pon.value(PS_HOLD_RESET_CTL).unwrap_or(0) & 0xF;
        if enabled && kind == PS_HOLD_SHUTDOWN {
            Release::PowerOff
        } else {
            Release::Reset
        }
    }

    /// The RTC starts at `seconds` (`--rtc`) instead of [`DEFAULT_RTC_SECONDS`].
    pub fn with_rtc(mut self, seconds: u32) -> Self {
        self.arbiter.rtc = Rtc::new(seconds);
        self
    }

    /// A PON key is pressed or released (a timed event).
    pub fn set_key(&mut self, key: PmicKey, pressed: bool) {
        if pressed {
            self.arbiter.keys |= key.bit();
        } else {
            self.arbiter.keys &= !key.bit();
        }
        let now = self.arbiter.now;
        self.arbiter.update_interrupts(now);
    }

    /// The SoC restarts after `cause` (`--max-resets`): the PMIC keeps its state (pins, RTC,
    /// keys) and records the reset. A reset of type hard reset (PS_HOLD_RESET_CTL or
    /// PMIC_WD_RESET_S2_CTL type 7) makes PON_REASON1 read HARD_RESET; a warm reset or an
    /// APSS watchdog bite leaves it (the warm-reset reason bits are not modelled). The boot
    /// chain then leaves PS_HOLD as at power-on (hard reset, enabled) and the PMIC watchdog
    /// stopped; the arbiter (in the SoC) and the interrupt settings start over.
    pub fn reboot(&mut self, cause: RebootCause) {
        let pon_apid = self
            .arbiter
            .peripherals
            .iter()
            .position(|p| p.name == "PON")
            .expect("the PM8916 has a PON peripheral");
        let pon = &mut self.arbiter.peripherals[pon_apid];
        let reset_type = match cause {
            RebootCause::PsHold => pon.value(PS_HOLD_RESET_CTL),
            RebootCause::PmicWatchdog => pon.value(pmic_watchdog::S2_CTL),
            RebootCause::ApssWatchdog => None,
        };
        let mut set = |offset, value| {
            if let Some(r) = pon.reg(offset) {
                r.2 = value;
            }
        };
        if reset_type.is_some_and(|t| t & 0xF == PS_HOLD_HARD_RESET) {
            set(PON_REASON1, 1 << 0);
        }
        set(PS_HOLD_RESET_CTL, 0x07);
        set(PS_HOLD_RESET_CTL2, 0x80);
        set(pmic_watchdog::S2_CTL2, 0);
        self.arbiter.watchdog = PmicWatchdog::default();
        let count = self.arbiter.peripherals.len();
        self.arbiter.blocks = vec![interrupts::Block::default(); count];
        self.arbiter.irq = interrupts::ArbiterInterrupts::new(INTR_APIDS);
        for file in &mut self.files {
            file.reset();
        }
    }

    /// The PMIC watchdog counts towards a bite.
    pub fn watchdog_armed(&self) -> bool {
        self.arbiter.watchdog.armed()
    }

    /// OWNER_ACC_STATUS word `k` of EE 0.
    fn owner_word(&self, k: usize) -> u32 {
        let intr = &self.files[INTR_WINDOW];
        self.arbiter.irq.owner_word(k, |apid| {
            apid < INTR_APIDS && intr.get(Reg::AccEnable, apid) & 1 != 0
        })
    }
}

impl Registers for Spmi {
    type Id = Reg;

    fn file(&mut self, window: usize) -> &mut RegisterFile<Reg> {
        &mut self.files[window]
    }

    fn advance(&mut self, ctx: &mut Ctx<'_>) {
        self.arbiter.advance(ctx);
    }

    fn read_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
        Ok(match hit.id {
            Reg::IrqStatus => u32::from(self.arbiter.irq.status(hit.index)),
            Reg::OwnerAccStatus => self.owner_word(hit.index),
            // The APID -> PPID table.
            _ => self.arbiter.ppid_entry(hit.index),
        })
    }

    fn write_special(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>, value: u32) -> Result<(), Fault> {
        if hit.id == Reg::IrqClear {
            self.arbiter.irq.clear(hit.index, value as u8);
            return Ok(());
        }
        // CMD of a write (chnls) or read (obsrvr) channel.
        let window = hit.window;
        debug_assert!(window == CHNLS_WINDOW || window == OBSRVR_WINDOW);
        let observer = window == OBSRVR_WINDOW;
        self.arbiter
            .command(ctx, &mut self.files[window], hit.index, observer, value)
    }

    fn interrupt_lines(&self) -> u32 {
        // Asked after every bus access: the common case, nothing pending, without the owner
        // words.
        u32::from(
            self.arbiter.irq.any_status() && (0..OWNER_WORDS).any(|k| self.owner_word(k) != 0),
        )
    }
}

/// Arbiter state behind the register files: the PMIC peripherals.
#[derive(Debug)]
pub struct Arbiter {
    peripherals: Vec<Peripheral>,
    /// Print a `--trace gpio` line when a PMIC GPIO's or MPP's driven level changes.
    trace_gpio: bool,
    /// PON keys held now (INT_RT_STS bits: 0 power, 1 volume down).
    keys: u8,
    /// The RTC and its alarm.
    rtc: Rtc,
    /// The PMIC watchdog's count and stage.
    watchdog: PmicWatchdog,
    /// Each peripheral's interrupt block (by APID).
    blocks: Vec<interrupts::Block>,
    /// The arbiter's side of the interrupts.
    irq: interrupts::ArbiterInterrupts,
    /// The tick of the last update (key events come without one).
    now: u64,
    /// Tick of the pending timed event for the RTC alarm.
    alarm_event: Option<u64>,
}

impl Default for Arbiter {
    fn default() -> Self {
        Self::new(DEFAULT_PON_REASON)
    }
}

/// Which kind of pin a peripheral is.
fn is_gpio(p: &Peripheral) -> bool {
    p.name.starts_with("GPIO")
}

fn is_mpp(p: &Peripheral) -> bool {
    p.name.starts_with("MPP")
}

impl Arbiter {
    /// The arbiter with PM8916's peripherals on APIDs 0, 1, 2, ... in table order.
    pub fn new(pon_reason: u8) -> Self {
        let peripherals = pm8916(pon_reason);
        Self {
            blocks: vec![interrupts::Block::default(); peripherals.len()],
            peripherals,
            trace_gpio: false,
            keys: 0,
            rtc: Rtc::new(DEFAULT_RTC_SECONDS),
            watchdog: PmicWatchdog::default(),
            irq: interrupts::ArbiterInterrupts::new(INTR_APIDS),
            now: 0,
            alarm_event: None,
        }
    }

    /// INT_RT_STS of the peripheral on `apid`: what its interrupt sources show now.
    fn live_status(&mut self, now: u64, apid: usize) -> u8 {
        let p = &self.peripherals[apid];
        if p.name == "PON" {
            self.keys | self.watchdog.status()
        } else if is_mpp(p) {
            u8::from(Self::pin_drive(p) == Some(true))
        } else if p.id == rtc::RTC_ALARM {
            self.rtc.read(now, p.id, INT_RT_STS).unwrap_or(0)
        } else {
            0
        }
    }

    /// Latch what every peripheral's sources trigger and send what became pending to the
    /// arbiter (before the update too: a bit cleared by INT_LATCHED_CLR that latches again
    /// at once is sent again).
    fn update_interrupts(&mut self, now: u64) {
        self.now = self.now.max(now);
        for apid in 0..self.peripherals.len() {
            let live = self.live_status(now, apid);
            self.irq.forward(apid, self.blocks[apid].pending());
            self.blocks[apid].update(live);
            self.irq.forward(apid, self.blocks[apid].pending());
        }
    }

    /// Ask for a timed event at the tick the RTC alarm goes off, if it is armed.
    fn schedule_alarm(&mut self, ctx: &mut Ctx<'_>) {
        if self.alarm_event.is_some_and(|at| at <= ctx.now) {
            self.alarm_event = None;
        }
        let Some(at) = self.rtc.alarm_tick() else {
            return;
        };
        let at = at.max(ctx.now);
        if self.alarm_event.is_none_or(|pending| at < pending) {
            self.alarm_event = Some(at);
            ctx.effects.schedule(at, Event::Update(Device::Spmi));
        }
    }

    fn pon(&self) -> &Peripheral {
        self.peripherals
            .iter()
            .find(|p| p.name == "PON")
            .expect("the PM8916 has a PON peripheral")
    }

    /// What a PMIC GPIO or MPP drives: `Some(level)` when enabled (EN_CTL bit 7) as an output
    /// (or input+output) with a constant source, `None` otherwise.
    fn pin_drive(p: &Peripheral) -> Option<bool> {
        let enabled = p.value(0x46).unwrap_or(0) & 0x80 != 0;
        let mode = p.value(0x40).unwrap_or(0);
        let output = matches!(mode >> 4 & 7, 1 | 2);
        if !(enabled && output) {
            return None;
        }
        if is_gpio(p) {
            // Source 0 (constant) in 3:1, level in bit 0.
            (mode >> 1 & 7 == 0).then_some(mode & 1 != 0)
        } else {
            // Source select in 3:0: 0 low, 1 high (others not modelled).
            match mode & 0xF {
                0 => Some(false),
                1 => Some(true),
                _ => None,
            }
        }
    }

    /// The PON registers the PMIC watchdog works from.
    fn watchdog_settings(&self) -> pmic_watchdog::Settings {
        let pon = self.pon();
        let value = |offset| pon.value(offset).unwrap_or(0);
        pmic_watchdog::Settings {
            s1: value(pmic_watchdog::S1_TIMER),
            s2: value(pmic_watchdog::S2_TIMER),
            ctl: value(pmic_watchdog::S2_CTL),
            ctl2: value(pmic_watchdog::S2_CTL2),
        }
    }

    /// Bring the PMIC watchdog up to `ctx.now`.
    fn advance(&mut self, ctx: &mut Ctx<'_>) {
        let settings = self.watchdog_settings();
        self.watchdog.update(ctx, settings);
        self.update_interrupts(ctx.now);
        self.schedule_alarm(ctx);
    }

    fn ppid_entry(&self, apid: usize) -> u32 {
        self.peripherals.get(apid).map_or(0, |p| p.ppid() << 8)
    }

    fn gpio_status(p: &Peripheral) -> u8 {
        let mode = p.value(0x40).unwrap_or(0);
        let output = matches!(mode >> 4 & 7, 1 | 2) && mode >> 1 & 7 == 0;
        u8::from(output && mode & 1 != 0)
    }

    fn pmic_read(&mut self, now: u64, apid: usize, offset: u8) -> Option<u8> {
        let p = self.peripherals.get(apid)?;
        p.value(offset)?;
        if let Some(v) = self.rtc.read(now, p.id, offset) {
            return Some(v);
        }
        if let Some(v) = self.blocks[apid].read(offset) {
            return Some(v);
        }
        if is_gpio(p) && offset == 0x08 {
            return Some(Self::gpio_status(p));
        }
        if is_mpp(p) && offset == INT_RT_STS {
            // Input level: what the pin drives itself (nothing else drives it).
            return Some(u8::from(Self::pin_drive(p) == Some(true)));
        }
        if p.name == "PON" && offset == INT_RT_STS {
            return Some(self.keys | self.watchdog.status());
        }
        p.value(offset)
    }

    fn pmic_write(&mut self, now: u64, apid: usize, offset: u8, value: u8) -> Option<()> {
        let p = self.peripherals.get_mut(apid)?;
        p.reg(offset)?;
        // INT_LATCHED_CLR of the alarm clears the RTC's alarm status and the latch.
        let rtc = self.rtc.write(now, p.id, offset, value);
        if self.blocks[apid].write(offset, value) || rtc {
            return Some(());
        }
        let r = p.reg(offset)?;
        if r.1 == Access::ReadWrite {
            r.2 = value;
        }
        Some(())
    }

    /// Run a command written to channel `apid` (`observer`: read-only channel).
    fn command(
        &mut self,
        ctx: &mut Ctx<'_>,
        channel: &mut RegisterFile<Reg>,
        apid: usize,
        observer: bool,
        cmd: u32,
    ) -> Result<(), Fault> {
        let opcode = cmd >> 27;
        let offset = (cmd >> 4 & 0xFF) as u8;
        let count = (cmd & 7) as usize + 1;
        let status = if apid >= self.peripherals.len() {
            STATUS_DENIED
        } else {
            match opcode {
                OP_EXT_READL => {
                    let mut bytes = [0u8; 8];
                    // The first register must exist; the bytes after it that a longer read
                    // sweeps up (drivers often read 2 bytes and use one) read 0 when the
                    // register is not modelled, as unused PMIC addresses do.
                    bytes[0] = self.pmic_read(ctx.now, apid, offset).ok_or_else(|| {
                        self.missing(ctx, apid, offset, "read");
                        Fault::Unclaimed
                    })?;
                    for (i, b) in bytes.iter_mut().enumerate().take(count).skip(1) {
                        *b = self
                            .pmic_read(ctx.now, apid, offset.wrapping_add(i as u8))
                            .unwrap_or(0);
                    }
                    channel.set(
                        Reg::Rdata0,
                        apid,
                        u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
                    );
                    channel.set(
                        Reg::Rdata1,
                        apid,
                        u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
                    );
                    STATUS_DONE
                }
                OP_EXT_WRITEL if observer => STATUS_DENIED,
                OP_EXT_WRITEL => {
                    let mut bytes = [0u8; 8];
                    bytes[..4].copy_from_slice(&channel.get(Reg::Wdata0, apid).to_le_bytes());
                    bytes[4..].copy_from_slice(&channel.get(Reg::Wdata1, apid).to_le_bytes());
                    // The first register must exist; later bytes of a longer write that land
                    // on unmodelled addresses are dropped, as unused PMIC addresses do.
                    if self.pmic_read(ctx.now, apid, offset).is_none() {
                        self.missing(ctx, apid, offset, "write");
                        return Err(Fault::Unclaimed);
                    }
                    let is_pin =
                        is_gpio(&self.peripherals[apid]) || is_mpp(&self.peripherals[apid]);
                    let before = Self::pin_drive(&self.peripherals[apid]);
                    for (i, b) in bytes.iter().enumerate().take(count) {
                        self.pmic_write(ctx.now, apid, offset.wrapping_add(i as u8), *b);
                    }
                    if self.peripherals[apid].name == "PON" {
                        let settings = self.watchdog_settings();
                        for (i, b) in bytes.iter().enumerate().take(count) {
                            let at = offset.wrapping_add(i as u8);
                            self.watchdog.written(ctx, at, *b, settings);
                        }
                    }
                    let after = Self::pin_drive(&self.peripherals[apid]);
                    if self.trace_gpio && is_pin && before != after {
                        let what = match after {
                            Some(true) => "high",
                            Some(false) => "low",
                            None => "input",
                        };
                        let name = self.peripherals[apid].name.to_ascii_lowercase();
                        ctx.effects
                            .messages
                            .push(format!("t={} pm8916-{name} {what}", ctx.now));
                    }
                    STATUS_DONE
                }
                _ => STATUS_FAILURE,
            }
        };
        channel.set(Reg::Status, apid, status);
        self.update_interrupts(ctx.now);
        self.schedule_alarm(ctx);
        Ok(())
    }

    fn missing(&self, ctx: &mut Ctx<'_>, apid: usize, offset: u8, what: &str) {
        let p = &self.peripherals[apid];
        ctx.effects.messages.push(format!(
            "spmi: {what} of PM8916 SID{} register {:#06x} ({} +{offset:#04x}), which the virtual board does not model",
            p.sid,
            u16::from(p.id) << 8 | u16::from(offset),
            p.name
        ));
    }
}

#[cfg(test)]
mod tests;
