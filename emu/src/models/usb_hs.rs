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

use crate::bus::{Ctx, Fault, Model};

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

/// The controller.
#[derive(Debug)]
pub struct UsbHs {
    usbcmd: u32,
    usbsts: u32,
    usbintr: u32,
    frindex: u32,
    periodic: u32,
    async_list: u32,
    ttctrl: u32,
    burstsize: u32,
    txfilltuning: u32,
    configflag: u32,
    portsc: u32,
    otgsc: u32,
    usbmode: u32,
    ahbburst: u32,
    ahbmode: u32,
    genconfig2: u32,
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
            usbcmd: USBCMD_RESET,
            usbsts: USBSTS_HCH,
            usbintr: 0,
            frindex: 0,
            periodic: 0,
            async_list: 0,
            ttctrl: 0,
            burstsize: 0x1010,
            txfilltuning: 0,
            configflag: 0,
            portsc: 0,
            otgsc: 0,
            usbmode: 0,
            ahbburst: 0,
            ahbmode: 0,
            genconfig2: 0,
            ulpi_read: 0,
            phy,
        }
    }

    fn controller_reset(&mut self) {
        let (ahbburst, ahbmode, genconfig2, phy) =
            (self.ahbburst, self.ahbmode, self.genconfig2, self.phy);
        *self = Self::new();
        self.ahbburst = ahbburst;
        self.ahbmode = ahbmode;
        self.genconfig2 = genconfig2;
        self.phy = phy;
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

    fn ulpi_viewport(&self) -> u32 {
        ULPI_SS | u32::from(self.ulpi_read) << 8
    }
}

impl Model for UsbHs {
    fn read(&mut self, _ctx: &mut Ctx<'_>, offset: u64, size: usize) -> Result<u64, Fault> {
        // CAPLENGTH / HCIVERSION are often read as 8 / 16-bit registers.
        match (offset, size) {
            (0x100, 1) => return Ok(u64::from(CAPLENGTH)),
            (0x102, 2) => return Ok(u64::from(HCIVERSION)),
            (_, 4) if offset & 3 == 0 => {}
            _ => return Err(Fault::Unclaimed),
        }
        let v = match offset {
            0x000 => ID,
            0x004 => HWGENERAL,
            0x008 => HWHOST,
            0x00C => HWDEVICE,
            0x010 => HWTXBUF,
            0x014 => HWRXBUF,
            0x090 => self.ahbburst,
            0x098 => self.ahbmode,
            0x0A0 => self.genconfig2,
            0x100 => CAPLENGTH | HCIVERSION << 16,
            0x104 => HCSPARAMS,
            0x108 => HCCPARAMS,
            0x120 => DCIVERSION,
            0x124 => DCCPARAMS,
            0x140 => self.usbcmd,
            0x144 => self.usbsts & !USBSTS_HCH | u32::from(self.usbcmd & 1 == 0) << 12,
            0x148 => self.usbintr,
            0x14C => self.frindex,
            0x154 => self.periodic,
            0x158 => self.async_list,
            0x15C => self.ttctrl,
            0x160 => self.burstsize,
            0x164 => self.txfilltuning,
            0x170 => self.ulpi_viewport(),
            0x180 => self.configflag,
            0x184 => self.portsc,
            0x1A4 => self.otgsc,
            0x1A8 => self.usbmode,
            _ => return Err(Fault::Unclaimed),
        };
        Ok(u64::from(v))
    }

    fn write(
        &mut self,
        _ctx: &mut Ctx<'_>,
        offset: u64,
        size: usize,
        value: u64,
    ) -> Result<(), Fault> {
        if size != 4 || offset & 3 != 0 {
            return Err(Fault::Unclaimed);
        }
        let v = value as u32;
        match offset {
            0x090 => self.ahbburst = v,
            0x098 => self.ahbmode = v,
            0x0A0 => self.genconfig2 = v,
            0x140 => {
                if v & 2 != 0 {
                    self.controller_reset();
                    self.usbcmd = USBCMD_RESET & !2;
                } else {
                    self.usbcmd = v;
                }
            }
            0x144 => self.usbsts &= !v,
            0x148 => self.usbintr = v,
            0x14C => self.frindex = v & 0x3FFF,
            0x154 => self.periodic = v,
            0x158 => self.async_list = v,
            0x15C => self.ttctrl = v,
            0x160 => self.burstsize = v,
            0x164 => self.txfilltuning = v,
            0x170 => {
                if v & ULPI_WAKEUP == 0 {
                    self.ulpi(v);
                }
            }
            0x180 => self.configflag = v & 1,
            0x184 => self.portsc = v & PORTSC_WRITABLE,
            0x1A4 => self.otgsc = v & 0x7F00_002F,
            0x1A8 => self.usbmode = v & 0x1F,
            _ => return Err(Fault::Unclaimed),
        }
        Ok(())
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::Effects;
    use crate::models::gcc::Gcc;

    fn rd(m: &mut UsbHs, off: u64, size: usize) -> Result<u64, Fault> {
        let clocks = Gcc::new().view();
        let mut effects = Effects::default();
        let mut ctx = Ctx {
            now: 0,
            clocks: &clocks,
            effects: &mut effects,
        };
        m.read(&mut ctx, off, size)
    }

    fn wr(m: &mut UsbHs, off: u64, v: u32) -> Result<(), Fault> {
        let clocks = Gcc::new().view();
        let mut effects = Effects::default();
        let mut ctx = Ctx {
            now: 0,
            clocks: &clocks,
            effects: &mut effects,
        };
        m.write(&mut ctx, off, 4, u64::from(v))
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
