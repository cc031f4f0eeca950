//! USB HS controller (ChipIdea core with an EHCI host, 0x078D_9000) and its ULPI PHY, with
//! nothing plugged into the port.
//!
//! Design notes:
//! - Register map (ChipIdea HS OTG core; EHCI 1.0 for the capability and operational
//!   registers): identification ID (+0x000), HWGENERAL (+0x004), HWHOST (+0x008), HWDEVICE
//!   (+0x00C), HWTXBUF (+0x010), HWRXBUF (+0x014); CAPLENGTH (+0x100, 8 bits, 0x40) and
//!   HCIVERSION (+0x102, 0x0100), HCSPARAMS (+0x104: one port, port power control),
//!   HCCPARAMS (+0x108), DCIVERSION (+0x120), DCCPARAMS (+0x124); operational registers at
//!   +0x140: USBCMD, USBSTS, USBINTR, FRINDEX, PERIODICLISTBASE (+0x154), ASYNCLISTADDR
//!   (+0x158), TTCTRL (+0x15C), BURSTSIZE (+0x160), TXFILLTUNING (+0x164), ULPI_VIEWPORT
//!   (+0x170), CONFIGFLAG (+0x180), PORTSC1 (+0x184), OTGSC (+0x1A4), USBMODE (+0x1A8).
//!   Qualcomm's AHB configuration registers AHBBURST (+0x090) and AHBMODE (+0x098) and
//!   GENCONFIG_2 (+0x0A0) are stored. Everything else in the 4 KiB page is unclaimed.
//! - USBCMD.RST (bit 1) completes at once (reads 0) and restores the reset values.
//!   USBSTS.HCH (bit 12) mirrors "not running" (USBCMD.RS = 0). USBSTS is write-one-to-clear.
//! - The port has nothing attached: PORTSC1 shows no connection (CCS = 0); writes keep the
//!   writable bits (port power, port reset, suspend, test control, PHY type); a port reset
//!   completes when software clears PR.
//! - ULPI viewport: a write with ULPI_RUN (bit 30) set runs the transfer at once and clears
//!   RUN; ULPI_RW (bit 29) selects write; address in bits 23:16, write data 7:0, read data
//!   returned in 15:8; ULPI_SS (bit 27) reads 1 (PHY in normal, synchronous state); a
//!   ULPI_WAKEUP (bit 31) request also completes at once. The PHY is a register file of the
//!   ULPI standard layout: vendor/product ID (0x00..0x03, read-only), and registers with
//!   set (+1) / clear (+2) aliases at 0x04 (function control), 0x07 (interface control),
//!   0x0A (OTG control), 0x0D/0x10 (interrupt enables), 0x16 (scratch); 0x13/0x14 (interrupt
//!   status/latch) read 0; vendor registers 0x30..0x3F are stored.

use crate::bus::{Ctx, Fault};
use crate::regfile::{Hit, Register, RegisterFile, Registers};

const CAPLENGTH: u32 = 0x40;
const HCIVERSION: u32 = 0x0100;
/// One port (N_PORTS = 1), port power control (PPC, bit 4).
const HCSPARAMS: u32 = 1 | 1 << 4;
/// 64-bit addressing off, programmable frame list (bit 1), async park (bit 2).
const HCCPARAMS: u32 = 0x6;
const DCIVERSION: u32 = 0x0001;
/// Device capable (bit 7), host capable (bit 8), 16 endpoints.
const DCCPARAMS: u32 = 1 << 7 | 1 << 8 | 16;
/// ChipIdea identification: ID 0x05, NID = !ID (bits 13:8), revision 0x42 (bits 23:16).
const ID: u32 = 0x05 | (!0x05u32 & 0x3F) << 8 | 0x42 << 16;
/// Host/device capable, one port.
const HWGENERAL: u32 = 0x0000_0035;
const HWHOST: u32 = 0x1002_0001;
const HWDEVICE: u32 = 0x0000_0021;
const HWTXBUF: u32 = 0x8008_0B08;
const HWRXBUF: u32 = 0x0000_0808;

const USBCMD_RESET: u32 = 0x0008_0000;
const USBSTS_HCH: u32 = 1 << 12;

/// PORTSC1 writable bits: PP (12), PR (8), SUSP (7), FPR (6), PTC (19:16), PHCD (23), PTS
/// (31:30, 25), PFSC (24), PSPD is read-only.
const PORTSC_WRITABLE: u32 =
    1 << 12 | 1 << 8 | 1 << 7 | 1 << 6 | 0xF << 16 | 1 << 23 | 0xC200_0000 | 1 << 24;

const ULPI_WAKEUP: u32 = 1 << 31;
const ULPI_RUN: u32 = 1 << 30;
const ULPI_RW: u32 = 1 << 29;
const ULPI_SS: u32 = 1 << 27;

/// Register names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// Identification and hardware parameters (read only).
    Id,
    /// HWGENERAL.
    HwGeneral,
    /// HWHOST.
    HwHost,
    /// HWDEVICE.
    HwDevice,
    /// HWTXBUF.
    HwTxBuf,
    /// HWRXBUF.
    HwRxBuf,
    /// Qualcomm AHBBURST.
    AhbBurst,
    /// Qualcomm AHBMODE.
    AhbMode,
    /// Qualcomm GENCONFIG_2.
    GenConfig2,
    /// CAPLENGTH and HCIVERSION as one word.
    CapLengthHciVersion,
    /// CAPLENGTH (8-bit).
    CapLength,
    /// HCIVERSION (16-bit).
    HciVersion,
    /// HCSPARAMS.
    HcsParams,
    /// HCCPARAMS.
    HccParams,
    /// DCIVERSION.
    DciVersion,
    /// DCCPARAMS.
    DccParams,
    /// USBCMD.
    UsbCmd,
    /// USBSTS.
    UsbSts,
    /// USBINTR.
    UsbIntr,
    /// FRINDEX.
    FrIndex,
    /// PERIODICLISTBASE.
    PeriodicListBase,
    /// ASYNCLISTADDR.
    AsyncListAddr,
    /// TTCTRL.
    TtCtrl,
    /// BURSTSIZE.
    BurstSize,
    /// TXFILLTUNING.
    TxFillTuning,
    /// ULPI_VIEWPORT.
    UlpiViewport,
    /// CONFIGFLAG.
    ConfigFlag,
    /// PORTSC1.
    PortSc1,
    /// OTGSC.
    OtgSc,
    /// USBMODE.
    UsbMode,
}

static REGISTERS: [Register<Reg>; 30] = [
    Register::ro(Reg::Id, "ID", 0x000).reset(ID),
    Register::ro(Reg::HwGeneral, "HWGENERAL", 0x004).reset(HWGENERAL),
    Register::ro(Reg::HwHost, "HWHOST", 0x008).reset(HWHOST),
    Register::ro(Reg::HwDevice, "HWDEVICE", 0x00C).reset(HWDEVICE),
    Register::ro(Reg::HwTxBuf, "HWTXBUF", 0x010).reset(HWTXBUF),
    Register::ro(Reg::HwRxBuf, "HWRXBUF", 0x014).reset(HWRXBUF),
    Register::rw(Reg::AhbBurst, "AHBBURST", 0x090),
    Register::rw(Reg::AhbMode, "AHBMODE", 0x098),
    Register::rw(Reg::GenConfig2, "GENCONFIG_2", 0x0A0),
    Register::ro(Reg::CapLengthHciVersion, "CAPLENGTH/HCIVERSION", 0x100)
        .reset(CAPLENGTH | HCIVERSION << 16),
    Register::ro(Reg::CapLength, "CAPLENGTH", 0x100)
        .width(1)
        .reset(CAPLENGTH),
    Register::ro(Reg::HciVersion, "HCIVERSION", 0x102)
        .width(2)
        .reset(HCIVERSION),
    Register::ro(Reg::HcsParams, "HCSPARAMS", 0x104).reset(HCSPARAMS),
    Register::ro(Reg::HccParams, "HCCPARAMS", 0x108).reset(HCCPARAMS),
    Register::ro(Reg::DciVersion, "DCIVERSION", 0x120).reset(DCIVERSION),
    Register::ro(Reg::DccParams, "DCCPARAMS", 0x124).reset(DCCPARAMS),
    Register::rw(Reg::UsbCmd, "USBCMD", 0x140)
        .reset(USBCMD_RESET)
        .special(),
    Register::w1c(Reg::UsbSts, "USBSTS", 0x144)
        .reset(USBSTS_HCH)
        .special(),
    Register::rw(Reg::UsbIntr, "USBINTR", 0x148),
    Register::rw(Reg::FrIndex, "FRINDEX", 0x14C).mask(0x3FFF),
    Register::rw(Reg::PeriodicListBase, "PERIODICLISTBASE", 0x154),
    Register::rw(Reg::AsyncListAddr, "ASYNCLISTADDR", 0x158),
    Register::rw(Reg::TtCtrl, "TTCTRL", 0x15C),
    Register::rw(Reg::BurstSize, "BURSTSIZE", 0x160).reset(0x1010),
    Register::rw(Reg::TxFillTuning, "TXFILLTUNING", 0x164),
    Register::rw(Reg::UlpiViewport, "ULPI_VIEWPORT", 0x170).special(),
    Register::rw(Reg::ConfigFlag, "CONFIGFLAG", 0x180).mask(1),
    Register::rw(Reg::PortSc1, "PORTSC1", 0x184).mask(PORTSC_WRITABLE),
    Register::rw(Reg::OtgSc, "OTGSC", 0x1A4).mask(0x7F00_002F),
    Register::rw(Reg::UsbMode, "USBMODE", 0x1A8).mask(0x1F),
];

/// USBCMD.RS (run/stop).
const USBCMD_RS: u32 = 1 << 0;
/// USBCMD.RST (controller reset).
const USBCMD_RST: u32 = 1 << 1;

/// The controller.
#[derive(Debug)]
pub struct UsbHs {
    regs: RegisterFile<Reg>,
    ulpi_read: u8,
    phy: [u8; 0x40],
}

impl Default for UsbHs {
    fn default() -> Self {
        Self::new()
    }
}

impl UsbHs {
    /// A controller after reset.
    pub fn new() -> Self {
        let mut phy = [0u8; 0x40];
        // ULPI vendor / product ID (a generic ULPI PHY ID; the value is not significant).
        phy[..4].copy_from_slice(&[0x24, 0x04, 0x04, 0x00]);
        phy[0x04] = 0x41; // function control reset value: SuspendM, FS transceiver
        phy[0x0A] = 0x06; // OTG control: DP/DM pull-downs
        Self {
            regs: RegisterFile::new(&REGISTERS),
            ulpi_read: 0,
            phy,
        }
    }

    /// USBCMD.RST: every controller register back to reset, except the Qualcomm AHB
    /// configuration; the PHY keeps its registers.
    fn controller_reset(&mut self) {
        let kept = [Reg::AhbBurst, Reg::AhbMode, Reg::GenConfig2].map(|r| (r, self.regs.value(r)));
        self.regs.reset();
        for (r, v) in kept {
            self.regs.set_value(r, v);
        }
        self.ulpi_read = 0;
    }

    fn ulpi(&mut self, v: u32) {
        if v & ULPI_RUN == 0 {
            return;
        }
        let addr = (v >> 16 & 0xFF) as usize;
        if v & ULPI_RW != 0 {
            let data = v as u8;
            match addr {
                0x04..=0x0F | 0x10..=0x12 | 0x16..=0x18 => {
                    let base = (addr - 0x04) / 3 * 3 + 0x04;
                    match (addr - 0x04) % 3 {
                        0 => self.phy[base] = data,
                        1 => self.phy[base] |= data,
                        _ => self.phy[base] &= !data,
                    }
                }
                0x30..=0x3F => self.phy[addr] = data,
                _ => {}
            }
        } else {
            self.ulpi_read = match addr {
                0x00..=0x03 | 0x30..=0x3F => self.phy[addr],
                0x04..=0x12 | 0x16..=0x18 => self.phy[(addr - 0x04) / 3 * 3 + 0x04],
                _ => 0,
            };
        }
    }
}

impl Registers for UsbHs {
    type Id = Reg;

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }

    fn read_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
        let v = match hit.id {
            Reg::UsbCmd => self.regs.value(Reg::UsbCmd),
            // HCH mirrors "not running".
            Reg::UsbSts => {
                let halted = self.regs.value(Reg::UsbCmd) & USBCMD_RS == 0;
                self.regs.value(Reg::UsbSts) & !USBSTS_HCH | u32::from(halted) << 12
            }
            _ => ULPI_SS | u32::from(self.ulpi_read) << 8,
        };
        Ok(v)
    }

    fn write_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>, v: u32) -> Result<(), Fault> {
        match hit.id {
            Reg::UsbCmd if v & USBCMD_RST != 0 => {
                self.controller_reset();
                self.regs.set_value(Reg::UsbCmd, USBCMD_RESET & !USBCMD_RST);
            }
            Reg::UsbCmd | Reg::UsbSts => self.regs.write_default(&hit, v),
            _ => {
                if v & ULPI_WAKEUP == 0 {
                    self.ulpi(v);
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

    fn rd(m: &mut UsbHs, off: u64, size: usize) -> Result<u64, Fault> {
        access(m, off, size, None)
    }

    fn wr(m: &mut UsbHs, off: u64, v: u32) -> Result<u64, Fault> {
        access(m, off, 4, Some(u64::from(v)))
    }

    #[test]
    fn capabilities_reset_run_and_empty_port() {
        let mut m = UsbHs::new();
        assert_eq!(rd(&mut m, 0x100, 1), Ok(0x40));
        assert_eq!(rd(&mut m, 0x100, 4), Ok(0x0100_0040));
        assert_eq!(rd(&mut m, 0x104, 4).unwrap() & 0xF, 1);
        // Reset completes at once; halted until run.
        wr(&mut m, 0x140, 2).unwrap();
        assert_eq!(rd(&mut m, 0x140, 4).unwrap() & 2, 0);
        assert_ne!(rd(&mut m, 0x144, 4).unwrap() & USBSTS_HCH as u64, 0);
        wr(&mut m, 0x140, 1).unwrap();
        assert_eq!(rd(&mut m, 0x144, 4).unwrap() & USBSTS_HCH as u64, 0);
        // Port powered, nothing connected.
        wr(&mut m, 0x184, 1 << 12).unwrap();
        assert_eq!(rd(&mut m, 0x184, 4), Ok(1 << 12));
        assert_eq!(rd(&mut m, 0x184, 4).unwrap() & 1, 0);
        assert_eq!(rd(&mut m, 0x200, 4), Err(Fault::Unclaimed));
    }

    #[test]
    fn ulpi_viewport_reads_and_writes_phy_registers() {
        let mut m = UsbHs::new();
        // Read vendor ID low.
        wr(&mut m, 0x170, ULPI_RUN).unwrap();
        let v = rd(&mut m, 0x170, 4).unwrap() as u32;
        assert_eq!(v & ULPI_RUN, 0);
        assert_eq!(v >> 8 & 0xFF, 0x24);
        // Set bit 0x20 in function control through the "set" alias, then read it back.
        wr(&mut m, 0x170, ULPI_RUN | ULPI_RW | 0x05 << 16 | 0x20).unwrap();
        wr(&mut m, 0x170, ULPI_RUN | 0x04 << 16).unwrap();
        assert_eq!(rd(&mut m, 0x170, 4).unwrap() >> 8 & 0xFF, 0x61);
        // Clear it through the "clear" alias.
        wr(&mut m, 0x170, ULPI_RUN | ULPI_RW | 0x06 << 16 | 0x20).unwrap();
        wr(&mut m, 0x170, ULPI_RUN | 0x04 << 16).unwrap();
        assert_eq!(rd(&mut m, 0x170, 4).unwrap() >> 8 & 0xFF, 0x41);
        // Vendor register.
        wr(&mut m, 0x170, ULPI_RUN | ULPI_RW | 0x31 << 16 | 0x5A).unwrap();
        wr(&mut m, 0x170, ULPI_RUN | 0x31 << 16).unwrap();
        assert_eq!(rd(&mut m, 0x170, 4).unwrap() >> 8 & 0xFF, 0x5A);
    }
}
