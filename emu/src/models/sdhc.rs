//! SD host controllers SDHC1 (eMMC slot, 0x0782_4000) and SDHC2 (µSD slot, 0x0786_4000) with
//! nothing in the slot.
//!
//! Design notes:
//! - One model answers the 4 KiB page of a controller: the Qualcomm "core" (MCI) registers at
//!   +0x000..+0x800 and the standard SD host controller registers (SD Host Controller
//!   Simplified Specification 3.00) at +0x900..+0xA1C (docs/hardware/sdhc.md: hc 0x11C, core 0x800).
//!   Anything else in the page, and any register not listed below, is an unclaimed access.
//! - No card is inserted and none answers (the DragonBoard's eMMC is not modelled): the
//!   controller still sends every command it is given, and a command that expects a response
//!   ends with a command timeout error (ERROR_INT_STATUS bit 0, NORMAL_INT_STATUS bit 15);
//!   one without a response (e.g. CMD0) ends with command complete. PRESENT_STATE shows no
//!   card (CARD_INSERTED 0, CARD_STATE_STABLE 1), idle CMD/DAT lines pulled high.
//! - Status bits are only latched when enabled in the matching status-enable register, and
//!   are cleared by writing 1 (spec §2.2.17/§2.2.18). Software reset (0x2F) completes at
//!   once; internal clock stable follows internal clock enable immediately.
//! - The capabilities describe what the platform documents for these slots (1.8 V / 3.3 V,
//!   high speed, SDMA and ADMA2, 64-bit bus, 8-bit bus on the eMMC slot, 200 MHz base
//!   clock); they are not a read-out of real silicon.
//! - Vendor capabilities register (32-bit, right after the standard window at +0xA1C, i.e.
//!   hc +0x11C): it shadows the low word of CAPABILITIES; what is written there is what
//!   CAPABILITIES reads from then on (drivers use it to correct the advertised voltages).
//! - Core registers: MCI_POWER (+0x00, bit 7 software reset self-clears), MCI_VERSION (+0x50,
//!   read-only), MCI_STATUS2 (+0x6C, read-only; bit 0 "MCI active" stays set while a core
//!   reset is in progress: always 0 here, the reset is instantaneous) and HC_MODE (+0x78,
//!   bit 0 selects the standard SD host interface).

use crate::bus::{Ctx, Fault};
use crate::regfile::{Hit, Register, RegisterFile, Registers};

/// Offset of the standard SD host registers in the page.
pub const HC_OFFSET: u64 = 0x900;
/// Length of the standard SD host register window.
pub const HC_LEN: u64 = 0x11C;
/// Vendor capabilities register (offset from the page).
const VENDOR_CAPS0: u64 = HC_OFFSET + HC_LEN;

/// MCI_VERSION: major 1 (bits 31:28), minor 0x42 (bits 15:0): a "v4" controller, which is
/// what the device tree's `qcom,sdhci-msm-v4` names.
const MCI_VERSION: u32 = 0x1000_0042;
/// MCI_POWER software reset bit.
const CORE_SW_RESET: u32 = 1 << 7;

/// Register names: the core registers, the vendor capabilities register, and the standard
/// SD host registers as one byte window (their per-byte behaviour is in `hc_byte` /
/// `hc_write_byte`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// MCI_POWER.
    McIPower,
    /// MCI_VERSION.
    McIVersion,
    /// MCI_STATUS2.
    McIStatus2,
    /// HC_MODE.
    HcMode,
    /// Vendor capabilities (shadows CAPABILITIES' low word).
    VendorCaps0,
    /// The standard SD host controller registers.
    Standard,
}

static REGISTERS: [Register<Reg>; 6] = [
    Register::rw(Reg::McIPower, "MCI_POWER", 0x00)
        .mask(!CORE_SW_RESET)
        .special(),
    Register::ro(Reg::McIVersion, "MCI_VERSION", 0x50).reset(MCI_VERSION),
    Register::ro(Reg::McIStatus2, "MCI_STATUS2", 0x6C),
    Register::rw(Reg::HcMode, "HC_MODE", 0x78),
    Register::rw(Reg::VendorCaps0, "VENDOR_CAPS0", VENDOR_CAPS0).special(),
    Register::rw(Reg::Standard, "SDHCI", HC_OFFSET).window(HC_LEN),
];

// Standard register offsets (spec 3.00 §2.1).
const COMMAND: usize = 0x0E;
const RESPONSE: usize = 0x10;
const PRESENT_STATE: usize = 0x24;
const CLOCK_CONTROL: usize = 0x2C;
const SOFTWARE_RESET: usize = 0x2F;
const NORMAL_STATUS: usize = 0x30;
const ERROR_STATUS: usize = 0x32;
const NORMAL_STATUS_ENABLE: usize = 0x34;
const ERROR_STATUS_ENABLE: usize = 0x36;
const CAPABILITIES: usize = 0x40;
const MAX_CURRENT: usize = 0x48;
const HOST_VERSION: usize = 0xFE;

/// Host controller specification version 3.00.
const SPEC_VERSION_3_00: u16 = 0x0002;

/// One controller.
#[derive(Debug)]
pub struct Sdhc {
    /// Register bytes of the standard window (plain read/write registers live here).
    hc: [u8; 0x100],
    caps: u64,
    regs: RegisterFile<Reg>,
    normal_status: u16,
    error_status: u16,
    /// Commands issued since reset (statistics for tests).
    pub commands: u32,
}

impl Sdhc {
    /// A controller; `eight_bit` for the eMMC slot (8-bit bus support in the capabilities).
    pub fn new(eight_bit: bool) -> Self {
        let base_clock_mhz = 200u64;
        let caps = (1 << 7) // timeout clock unit: MHz
            | 19 // timeout clock 19 MHz (XO)
            | base_clock_mhz << 8
            | 2 << 16 // max block length 2048
            | u64::from(eight_bit) << 18
            | 1 << 19 // ADMA2
            | 1 << 21 // high speed
            | 1 << 22 // SDMA
            | 1 << 24 // 3.3 V
            | 1 << 26 // 1.8 V
            | 1 << 28; // 64-bit system bus
        Self {
            hc: [0; 0x100],
            caps,
            regs: RegisterFile::new(&REGISTERS),
            normal_status: 0,
            error_status: 0,
            commands: 0,
        }
    }

    fn reset_all(&mut self) {
        self.hc = [0; 0x100];
        self.normal_status = 0;
        self.error_status = 0;
    }

    fn half(&self, off: usize) -> u16 {
        u16::from_le_bytes([self.hc[off], self.hc[off + 1]])
    }

    fn present_state(&self) -> u32 {
        // CARD_STATE_STABLE, DAT[3:0] and CMD line levels high; no card, no inhibit.
        1 << 17 | 0xF << 20 | 1 << 24
    }

    fn latch(&mut self, normal: u16, error: u16) {
        self.normal_status |= normal & self.half(NORMAL_STATUS_ENABLE);
        self.error_status |= error & self.half(ERROR_STATUS_ENABLE);
    }

    fn issue_command(&mut self) {
        self.commands += 1;
        let command = self.half(COMMAND);
        let response_type = command & 3;
        self.hc[RESPONSE..RESPONSE + 16].fill(0);
        if response_type == 0 {
            self.latch(1, 0); // command complete
        } else {
            self.latch(0, 1); // command timeout
        }
    }

    fn hc_byte(&self, off: usize) -> Option<u8> {
        let byte_of = |v: u64, base: usize| (v >> (8 * (off - base))) as u8;
        Some(match off {
            0x00..=0x0F | 0x28..=0x2B | 0x2E | 0x34..=0x3B | 0x3E | 0x3F | 0x54..=0x5F => {
                self.hc[off]
            }
            0x10..=0x1F => self.hc[off],
            0x24..=0x27 => byte_of(u64::from(self.present_state()), PRESENT_STATE),
            0x2C => self.hc[off] | (self.hc[off] & 1) << 1,
            0x2D => self.hc[off],
            SOFTWARE_RESET => 0,
            0x30 | 0x31 => {
                let error = u16::from(self.error_status != 0) << 15;
                byte_of(u64::from(self.normal_status | error), NORMAL_STATUS)
            }
            0x32 | 0x33 => byte_of(u64::from(self.error_status), ERROR_STATUS),
            0x3C | 0x3D => 0, // auto CMD error status
            0x40..=0x47 => byte_of(self.caps, CAPABILITIES),
            0x48..=0x4F => byte_of(0, MAX_CURRENT),
            0x60..=0x6F => 0, // preset values
            0xFC | 0xFD => 0, // slot interrupt status
            0xFE | 0xFF => byte_of(u64::from(SPEC_VERSION_3_00), HOST_VERSION),
            _ => return None,
        })
    }

    fn hc_write_byte(&mut self, off: usize, v: u8) -> Option<()> {
        match off {
            0x00..=0x0D | 0x28..=0x2B | 0x2E | 0x34..=0x3B | 0x3E | 0x3F | 0x54..=0x5F => {
                self.hc[off] = v;
            }
            0x0E => self.hc[off] = v,
            0x0F => {
                // Writing the upper byte of the command register issues the command.
                self.hc[off] = v;
                self.issue_command();
            }
            CLOCK_CONTROL | 0x2D => self.hc[off] = v,
            SOFTWARE_RESET => {
                if v & 1 != 0 {
                    self.reset_all();
                }
                if v & 2 != 0 {
                    self.normal_status &= !1;
                    self.error_status &= !0xF;
                }
                if v & 4 != 0 {
                    self.normal_status &= !0x3E;
                    self.error_status &= !0x70;
                }
            }
            0x30 | 0x31 => self.normal_status &= !(u16::from(v) << (8 * (off - NORMAL_STATUS))),
            0x32 | 0x33 => self.error_status &= !(u16::from(v) << (8 * (off - ERROR_STATUS))),
            0x50..=0x53 => {} // force event: no card, nothing to force
            _ => return None,
        }
        Some(())
    }
}

impl Registers for Sdhc {
    type Id = Reg;

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }

    fn read_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
        match hit.id {
            Reg::VendorCaps0 => Ok(self.caps as u32),
            _ => {
                let mut v = 0u32;
                for i in 0..hit.size {
                    let b = self.hc_byte(hit.index + i).ok_or(Fault::Unclaimed)?;
                    v |= u32::from(b) << (8 * i);
                }
                Ok(v)
            }
        }
    }

    fn write_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>, value: u32) -> Result<(), Fault> {
        match hit.id {
            Reg::McIPower => {
                if value & CORE_SW_RESET != 0 {
                    self.reset_all();
                }
                self.regs.write_default(&hit, value);
            }
            Reg::VendorCaps0 => self.caps = self.caps & !0xFFFF_FFFF | u64::from(value),
            _ => {
                let off = hit.index;
                // Check the whole access first, so a partly valid access changes nothing.
                for i in 0..hit.size {
                    self.hc_byte(off + i).ok_or(Fault::Unclaimed)?;
                }
                for i in 0..hit.size {
                    self.hc_write_byte(off + i, (value >> (8 * i)) as u8)
                        .ok_or(Fault::Unclaimed)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::testing::access;

    fn rd(m: &mut Sdhc, off: u64, size: usize) -> Result<u64, Fault> {
        access(m, off, size, None)
    }

    fn wr(m: &mut Sdhc, off: u64, size: usize, v: u64) -> Result<(), Fault> {
        access(m, off, size, Some(v)).map(|_| ())
    }

    const HC: u64 = HC_OFFSET;

    #[test]
    fn no_card_commands_time_out_and_status_is_write_one_to_clear() {
        let mut m = Sdhc::new(true);
        assert_eq!(rd(&mut m, HC + 0xFE, 2), Ok(2));
        assert_eq!(
            rd(&mut m, HC + 0x24, 4).unwrap() & (1 << 16 | 1 << 17),
            1 << 17
        );
        // Clock: stable follows enable.
        wr(&mut m, HC + 0x2C, 2, 1).unwrap();
        assert_eq!(rd(&mut m, HC + 0x2C, 2), Ok(3));
        // Status enables on.
        wr(&mut m, HC + 0x34, 4, 0xFFFF_FFFF).unwrap();
        // CMD0 (no response): command complete.
        wr(&mut m, HC + 0x08, 4, 0).unwrap();
        wr(&mut m, HC + 0x0C, 4, 0).unwrap();
        assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(1));
        wr(&mut m, HC + 0x30, 2, 1).unwrap();
        assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(0));
        // CMD8 with a 48-bit response: command timeout (error bit 0, error interrupt 15).
        wr(&mut m, HC + 0x0E, 2, 8 << 8 | 0x1A).unwrap();
        assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(1 << 16 | 1 << 15));
        wr(&mut m, HC + 0x32, 2, 1).unwrap();
        assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(0));
        assert_eq!(m.commands, 2);
        // Capabilities: 8-bit, 200 MHz base clock.
        let caps = rd(&mut m, HC + 0x40, 4).unwrap();
        assert_eq!(caps >> 8 & 0xFF, 200);
        assert_ne!(caps & 1 << 18, 0);
        assert_eq!(
            rd(&mut Sdhc::new(false), HC + 0x40, 4).unwrap() & 1 << 18,
            0
        );
    }

    #[test]
    fn status_needs_enable_and_reset_clears() {
        let mut m = Sdhc::new(false);
        wr(&mut m, HC + 0x0E, 2, 0x1A).unwrap();
        assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(0));
        wr(&mut m, HC + 0x34, 4, 0xFFFF_FFFF).unwrap();
        wr(&mut m, HC + 0x0E, 2, 0x1A).unwrap();
        assert_ne!(rd(&mut m, HC + 0x30, 4), Ok(0));
        wr(&mut m, HC + 0x2F, 1, 1).unwrap();
        assert_eq!(rd(&mut m, HC + 0x2F, 1), Ok(0));
        assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(0));
        assert_eq!(rd(&mut m, HC + 0x34, 4), Ok(0));
        // Core registers.
        assert_eq!(rd(&mut m, 0x50, 4), Ok(u64::from(MCI_VERSION)));
        wr(&mut m, 0x00, 4, 0x80).unwrap();
        assert_eq!(rd(&mut m, 0x00, 4), Ok(0));
        assert_eq!(rd(&mut m, 0x6C, 4), Ok(0));
        // The vendor capabilities register rewrites what CAPABILITIES reads.
        let caps = rd(&mut m, HC + 0x40, 4).unwrap();
        wr(&mut m, HC + 0x11C, 4, caps | 1 << 25).unwrap();
        assert_eq!(rd(&mut m, HC + 0x40, 4), Ok(caps | 1 << 25));
        assert_eq!(rd(&mut m, HC + 0x11C, 4), Ok(caps | 1 << 25));
        wr(&mut m, 0x78, 4, 1).unwrap();
        assert_eq!(rd(&mut m, 0x78, 4), Ok(1));
    }

    #[test]
    fn unlisted_offsets_are_unclaimed() {
        let mut m = Sdhc::new(false);
        assert_eq!(rd(&mut m, 0x04, 4), Err(Fault::Unclaimed));
        assert_eq!(rd(&mut m, 0x850, 4), Err(Fault::Unclaimed));
        assert_eq!(rd(&mut m, HC + 0x80, 4), Err(Fault::Unclaimed));
        assert_eq!(rd(&mut m, HC + 0x118, 4), Err(Fault::Unclaimed));
        assert_eq!(wr(&mut m, HC + 0x24, 4, 0), Err(Fault::Unclaimed));
        assert_eq!(rd(&mut m, 0xA20, 4), Err(Fault::Unclaimed));
    }
}
