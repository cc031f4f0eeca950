//! Devices on the virtual board's SPI buses (`--spi BUS:DEVICE[,OPTIONS]`), seen from the
//! QUP's SPI mode model (`qup::spi`): a byte exchanged per 8 SCLK periods while chip select is
//! low.
//!
//! Design notes:
//! - A device sees its chip select fall ([`SpiDevice::select`]), one call per byte
//!   ([`SpiDevice::exchange`]: the byte on MOSI in, the byte it drives on MISO out) and chip
//!   select rise ([`SpiDevice::deselect`]); times are virtual-counter ticks (19.2 MHz).
//! - `nor` is a generic 25-series SPI NOR flash in the shape of a 1 MiB W25Q80-class part
//!   (commands, status bits and timings as every 25-series datasheet gives them; the ID is
//!   configurable): JEDEC ID (0x9F), READ (0x03, address wraps at the end of the array),
//!   WREN / WRDI (0x06 / 0x04), READ STATUS (0x05: bit 0 WIP, bit 1 WEL), PAGE PROGRAM (0x02:
//!   bytes past the end of the 256-byte page wrap to its start; programming can only clear
//!   bits) and SECTOR ERASE (0x20, 4 KiB to 0xFF). Program and erase need WEL, start when
//!   chip select rises after a complete command, keep WIP (and WEL) set for their time
//!   ([`PAGE_PROGRAM_TICKS`], [`SECTOR_ERASE_TICKS`]) and then clear both; while WIP is set
//!   every command but READ STATUS is ignored.
//! - Nothing drives MISO when no device answers: the master reads 0xFF (pulled up).
//! - Faults (`--spi-fault BUS:FAULT`, [`Fault`]): `busy-stuck` makes the flash's program and
//!   erase never finish (WIP stays set, so every command but READ STATUS stays ignored);
//!   `miso-low` / `miso-high` hold the MISO line at 0 or 1 whatever the device drives (a
//!   short, or a flash that does not answer); the device still sees every byte.

use std::fmt::Debug;

/// Virtual counter ticks per millisecond (19.2 MHz).
const TICKS_PER_MS: u64 = 19_200;
/// Page program time: 0.7 ms.
pub const PAGE_PROGRAM_TICKS: u64 = TICKS_PER_MS * 7 / 10;
/// 4 KiB sector erase time: 45 ms.
pub const SECTOR_ERASE_TICKS: u64 = TICKS_PER_MS * 45;
/// Default JEDEC ID (manufacturer 0xEF, memory type 0x40, capacity 0x14 = 2^20 bytes).
pub const DEFAULT_JEDEC_ID: u32 = 0xEF_40_14;
/// What the master reads when no device drives MISO.
pub const IDLE_MISO: u8 = 0xFF;

/// A device on an SPI bus.
pub trait SpiDevice: Debug + Send {
    /// Chip select fell at `now`.
    fn select(&mut self, now: u64);
    /// One byte: `mosi` is what the master sent; returns what the device drives on MISO.
    fn exchange(&mut self, now: u64, mosi: u8) -> u8;
    /// Chip select rose at `now`.
    fn deselect(&mut self, now: u64);
}

/// Which device model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// SPI NOR flash with this JEDEC ID; its size is 2^(ID & 0xFF) bytes (16..=24).
    Nor {
        /// Manufacturer, memory type, capacity (bits 23:0).
        jedec_id: u32,
    },
}

impl DeviceKind {
    /// A fresh device of this kind, with the faults of its bus that concern the device itself.
    pub fn build(&self, faults: &[Fault]) -> Box<dyn SpiDevice> {
        match *self {
            DeviceKind::Nor { jedec_id } => {
                let mut flash = NorFlash::new(jedec_id);
                flash.busy_stuck = faults.contains(&Fault::BusyStuck);
                Box::new(flash)
            }
        }
    }
}

/// A fault injected on an SPI bus (`--spi-fault BUS:FAULT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The flash's program and erase never finish: WIP stays set for good.
    BusyStuck,
    /// MISO held low: every byte the master reads is 0x00.
    MisoLow,
    /// MISO held high (the device does not answer): every byte read is 0xFF.
    MisoHigh,
}

impl Fault {
    /// What the master reads instead of `miso` under this fault.
    pub fn miso(self, miso: u8) -> u8 {
        match self {
            Fault::BusyStuck => miso,
            Fault::MisoLow => 0x00,
            Fault::MisoHigh => 0xFF,
        }
    }
}

/// Parses `BUS:FAULT`: `0:busy-stuck`, `0:miso-low`, `0:miso-high`.
pub fn parse_fault(s: &str) -> Result<(usize, Fault), String> {
    let usage = "expected BUS:FAULT: busy-stuck, miso-low, miso-high";
    let (bus, fault) = s.split_once(':').ok_or(usage)?;
    let bus = match bus {
        "0" => 0,
        _ => return Err(format!("bad SPI bus {bus:?}: 0 (header SPI0, QUP5)")),
    };
    let fault = match fault {
        "busy-stuck" => Fault::BusyStuck,
        "miso-low" => Fault::MisoLow,
        "miso-high" => Fault::MisoHigh,
        other => return Err(format!("unknown SPI fault {other:?}: {usage}")),
    };
    Ok((bus, fault))
}

/// One `--spi` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attachment {
    /// Bus: 0 = the header's SPI0 (QUP5).
    pub bus: usize,
    /// The device.
    pub kind: DeviceKind,
}

/// Every SPI device of the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpiSetup {
    /// Attached devices (at most one per bus: one chip select each).
    pub devices: Vec<Attachment>,
    /// Injected faults, (bus, fault).
    pub faults: Vec<(usize, Fault)>,
    /// `--trace spi`.
    pub trace: bool,
}

fn parse_number(s: &str) -> Result<u32, String> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    }
    .map_err(|_| format!("bad number {s:?}"))
}

/// Parses `BUS:DEVICE[,OPTIONS]`: `0:nor` or `0:nor,id=0xC22014`.
pub fn parse_attachment(s: &str) -> Result<Attachment, String> {
    let (bus, rest) = s
        .split_once(':')
        .ok_or_else(|| format!("--spi {s:?}: expected BUS:DEVICE[,OPTIONS]"))?;
    let bus = match bus {
        "0" => 0,
        _ => return Err(format!("bad SPI bus {bus:?}: 0 (header SPI0, QUP5)")),
    };
    let mut parts = rest.split(',');
    let kind = match parts.next() {
        Some("nor") => {
            let mut jedec_id = DEFAULT_JEDEC_ID;
            for option in parts {
                match option.split_once('=') {
                    Some(("id", v)) => {
                        jedec_id = parse_number(v)?;
                        if jedec_id > 0xFF_FFFF || !(16..=24).contains(&(jedec_id & 0xFF)) {
                            return Err(format!(
                                "nor id {v}: three bytes, capacity byte 0x10..=0x18 (64 KiB to 16 MiB)"
                            ));
                        }
                    }
                    _ => return Err(format!("nor: unknown option {option:?} (id=HEX)")),
                }
            }
            DeviceKind::Nor { jedec_id }
        }
        other => return Err(format!("unknown SPI device {other:?} (nor)")),
    };
    Ok(Attachment { bus, kind })
}

/// The NOR flash commands modelled.
mod command {
    pub const PAGE_PROGRAM: u8 = 0x02;
    pub const READ: u8 = 0x03;
    pub const WRITE_DISABLE: u8 = 0x04;
    pub const READ_STATUS: u8 = 0x05;
    pub const WRITE_ENABLE: u8 = 0x06;
    pub const SECTOR_ERASE: u8 = 0x20;
    pub const JEDEC_ID: u8 = 0x9F;
}

/// Status register bits.
const WIP: u8 = 1 << 0;
const WEL: u8 = 1 << 1;
/// Page and sector sizes.
const PAGE: usize = 256;
const SECTOR: usize = 4096;

/// A 25-series SPI NOR flash (see the module notes).
#[derive(Debug)]
pub struct NorFlash {
    jedec_id: u32,
    memory: Vec<u8>,
    write_enabled: bool,
    busy_until: u64,
    /// Bytes seen since chip select fell (0 = the next byte is the opcode).
    position: usize,
    /// The opcode of this selection (`None` while ignored or before the first byte).
    opcode: Option<u8>,
    address: usize,
    /// PAGE PROGRAM data of this selection.
    data: Vec<u8>,
    /// `busy-stuck`: program and erase never finish.
    busy_stuck: bool,
}

impl NorFlash {
    /// An erased flash (all 0xFF) with this JEDEC ID.
    pub fn new(jedec_id: u32) -> Self {
        let size = 1usize << (jedec_id & 0xFF).clamp(16, 24);
        Self {
            jedec_id,
            memory: vec![0xFF; size],
            write_enabled: false,
            busy_until: 0,
            position: 0,
            opcode: None,
            address: 0,
            data: Vec::new(),
            busy_stuck: false,
        }
    }

    /// The end of a program or erase of `ticks` started at `now` (never, when stuck busy).
    fn busy_end(&self, now: u64, ticks: u64) -> u64 {
        if self.busy_stuck {
            u64::MAX
        } else {
            now + ticks
        }
    }

    fn busy(&self, now: u64) -> bool {
        now < self.busy_until
    }

    fn status(&self, now: u64) -> u8 {
        if self.busy(now) {
            WIP | WEL
        } else {
            u8::from(self.write_enabled) * WEL
        }
    }

    /// The array's contents (for tests).
    #[cfg(test)]
    pub fn memory(&self) -> &[u8] {
        &self.memory
    }
}

impl SpiDevice for NorFlash {
    fn select(&mut self, _now: u64) {
        self.position = 0;
        self.opcode = None;
        self.address = 0;
        self.data.clear();
    }

    fn exchange(&mut self, now: u64, mosi: u8) -> u8 {
        let position = self.position;
        self.position += 1;
        if position == 0 {
            let ignored = self.busy(now) && mosi != command::READ_STATUS;
            self.opcode = (!ignored).then_some(mosi);
            return IDLE_MISO;
        }
        let Some(opcode) = self.opcode else {
            return IDLE_MISO;
        };
        let address_byte = (1..=3).contains(&position);
        if address_byte {
            self.address = self.address << 8 | usize::from(mosi);
        }
        match opcode {
            command::JEDEC_ID => match position {
                1..=3 => (self.jedec_id >> (8 * (3 - position))) as u8,
                _ => IDLE_MISO,
            },
            command::READ_STATUS => self.status(now),
            command::READ if !address_byte => {
                let at = self.address % self.memory.len();
                self.address = at + 1;
                self.memory[at]
            }
            command::PAGE_PROGRAM if !address_byte => {
                self.data.push(mosi);
                IDLE_MISO
            }
            _ => IDLE_MISO,
        }
    }

    fn deselect(&mut self, now: u64) {
        let complete_address = self.position >= 4;
        match self.opcode {
            Some(command::WRITE_ENABLE) => self.write_enabled = true,
            Some(command::WRITE_DISABLE) => self.write_enabled = false,
            Some(command::PAGE_PROGRAM)
                if self.write_enabled && complete_address && !self.data.is_empty() =>
            {
                let base = (self.address % self.memory.len()) & !(PAGE - 1);
                let start = self.address % PAGE;
                // Of more than a page, the last 256 bytes stay in the page buffer.
                let skip = self.data.len().saturating_sub(PAGE);
                for (k, &byte) in self.data.iter().enumerate().skip(skip) {
                    self.memory[base + (start + k) % PAGE] &= byte;
                }
                self.write_enabled = false;
                self.busy_until = self.busy_end(now, PAGE_PROGRAM_TICKS);
            }
            Some(command::SECTOR_ERASE) if self.write_enabled && complete_address => {
                let base = (self.address % self.memory.len()) & !(SECTOR - 1);
                self.memory[base..base + SECTOR].fill(0xFF);
                self.write_enabled = false;
                self.busy_until = self.busy_end(now, SECTOR_ERASE_TICKS);
            }
            _ => {}
        }
        self.opcode = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One selection at `now`: sends `bytes`, returns what came back.
    fn command(flash: &mut NorFlash, now: u64, bytes: &[u8]) -> Vec<u8> {
        flash.select(now);
        let out = bytes.iter().map(|&b| flash.exchange(now, b)).collect();
        flash.deselect(now);
        out
    }

    #[test]
    fn jedec_id_and_status() {
        let mut f = NorFlash::new(DEFAULT_JEDEC_ID);
        assert_eq!(
            command(&mut f, 0, &[0x9F, 0, 0, 0]),
            [0xFF, 0xEF, 0x40, 0x14]
        );
        assert_eq!(f.memory().len(), 1 << 20);
        assert_eq!(command(&mut f, 0, &[0x05, 0]), [0xFF, 0]);
        command(&mut f, 0, &[0x06]);
        assert_eq!(command(&mut f, 0, &[0x05, 0]), [0xFF, WEL]);
        command(&mut f, 0, &[0x04]);
        assert_eq!(command(&mut f, 0, &[0x05, 0]), [0xFF, 0]);
    }

    #[test]
    fn program_needs_wel_wraps_in_the_page_and_takes_its_time() {
        let mut f = NorFlash::new(DEFAULT_JEDEC_ID);
        // Without WREN nothing happens.
        command(&mut f, 0, &[0x02, 0, 0x01, 0xFE, 0x12]);
        assert_eq!(f.memory()[0x1FE], 0xFF);
        command(&mut f, 0, &[0x06]);
        command(&mut f, 100, &[0x02, 0, 0x01, 0xFE, 0x11, 0x22, 0x33]);
        assert_eq!(&f.memory()[0x1FE..0x200], [0x11, 0x22]);
        assert_eq!(f.memory()[0x100], 0x33, "wrapped to the start of the page");
        assert_eq!(f.memory()[0x200], 0xFF);
        let busy_end = 100 + PAGE_PROGRAM_TICKS;
        assert_eq!(command(&mut f, busy_end - 1, &[0x05, 0]), [0xFF, WIP | WEL]);
        // Busy: a READ is ignored (MISO idle).
        assert_eq!(
            command(&mut f, busy_end - 1, &[0x03, 0, 1, 0xFE, 0]),
            [0xFF; 5]
        );
        assert_eq!(command(&mut f, busy_end, &[0x05, 0]), [0xFF, 0]);
        assert_eq!(
            command(&mut f, busy_end, &[0x03, 0, 1, 0xFE, 0, 0]),
            [0xFF, 0xFF, 0xFF, 0xFF, 0x11, 0x22]
        );
    }

    #[test]
    fn sector_erase_clears_4k_and_takes_45_ms() {
        let mut f = NorFlash::new(DEFAULT_JEDEC_ID);
        command(&mut f, 0, &[0x06]);
        command(&mut f, 0, &[0x02, 0, 0x10, 0x00, 0x00]);
        let t = PAGE_PROGRAM_TICKS;
        command(&mut f, t, &[0x06]);
        command(&mut f, t, &[0x02, 0, 0x20, 0x00, 0x00]);
        let t = 2 * PAGE_PROGRAM_TICKS;
        command(&mut f, t, &[0x06]);
        command(&mut f, t, &[0x20, 0, 0x10, 0x80]);
        assert_eq!(f.memory()[0x1000], 0xFF);
        assert_eq!(f.memory()[0x2000], 0x00, "the next sector is untouched");
        assert_eq!(SECTOR_ERASE_TICKS, 864_000);
        assert_eq!(
            command(&mut f, t + SECTOR_ERASE_TICKS - 1, &[0x05, 0])[1],
            WIP | WEL
        );
        assert_eq!(command(&mut f, t + SECTOR_ERASE_TICKS, &[0x05, 0])[1], 0);
    }

    #[test]
    fn busy_stuck_keeps_wip_set_for_good() {
        let mut f = NorFlash::new(DEFAULT_JEDEC_ID);
        f.busy_stuck = true;
        command(&mut f, 0, &[0x06]);
        command(&mut f, 0, &[0x20, 0, 0x10, 0x00]);
        let much_later = 1000 * SECTOR_ERASE_TICKS;
        assert_eq!(command(&mut f, much_later, &[0x05, 0])[1], WIP | WEL);
        assert_eq!(command(&mut f, much_later, &[0x9F, 0, 0, 0]), [0xFF; 4]);
        assert_eq!(Fault::MisoLow.miso(0x5A), 0);
        assert_eq!(Fault::MisoHigh.miso(0x5A), 0xFF);
        assert_eq!(Fault::BusyStuck.miso(0x5A), 0x5A);
        assert_eq!(parse_fault("0:busy-stuck"), Ok((0, Fault::BusyStuck)));
        assert_eq!(parse_fault("0:miso-low"), Ok((0, Fault::MisoLow)));
        assert!(parse_fault("1:miso-low").is_err());
        assert!(parse_fault("0:melt").is_err());
    }

    #[test]
    fn parses_attachments() {
        assert_eq!(
            parse_attachment("0:nor"),
            Ok(Attachment {
                bus: 0,
                kind: DeviceKind::Nor {
                    jedec_id: DEFAULT_JEDEC_ID
                }
            })
        );
        assert_eq!(
            parse_attachment("0:nor,id=0xC22014").map(|a| a.kind),
            Ok(DeviceKind::Nor { jedec_id: 0xC22014 })
        );
        assert!(parse_attachment("1:nor").is_err());
        assert!(parse_attachment("0:eeprom").is_err());
        assert!(parse_attachment("0:nor,id=0x1234FF").is_err());
    }
}
