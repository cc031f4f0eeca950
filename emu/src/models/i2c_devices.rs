//! Devices on the virtual I2C buses, attached with `--i2c BUS:ADDR=DEVICE[,OPTIONS]`, and the
//! faults `--i2c-fault` injects.
//!
//! Design notes:
//! - A device sees the bus as the QUP model drives it: its address after a START (acknowledge
//!   or not), each byte written (acknowledge or not), each byte read, and STOP. Every call
//!   carries the tick at which it happens on the wire, so a device can keep time (the
//!   EEPROM's write cycle).
//! - `24c32`: 4 KiB, two address bytes (most significant first, bits above 4 KiB ignored),
//!   32-byte pages. Written bytes wrap within their page; they are stored at STOP, which
//!   starts the write cycle (default 5 ms, option `write-cycle=TIME`) during which the chip
//!   does not acknowledge its address (so firmware polls with an address-only write). A
//!   repeated START after data bytes abandons them. Reads continue from the address pointer
//!   and wrap at the end of the memory.
//! - `sensor`: 256 16-bit registers (option `regN=VALUE`, e.g. `reg0=0x1234`). The first byte
//!   written sets the register pointer; further bytes write the register most significant
//!   byte first; reads return the register most significant byte first. After both bytes of
//!   a register (read or write) the pointer moves to the next register.
//! - `lm75`: an LM75 temperature sensor with readings set per time (module [`lm75`]).

use std::collections::BTreeMap;

pub mod lm75;

/// Ticks of the 19.2 MHz counter in one millisecond.
const TICKS_PER_MS: u64 = 19_200;

/// A device on an I2C bus.
pub trait I2cDevice: std::fmt::Debug {
    /// START (or repeated START) with this device's address; `read` is the R/W bit. Returns
    /// whether the device acknowledges.
    fn address(&mut self, now: u64, read: bool) -> bool;
    /// A byte from the master; returns whether the device acknowledges it.
    fn write(&mut self, now: u64, byte: u8) -> bool;
    /// A byte to the master.
    fn read(&mut self, now: u64) -> u8;
    /// STOP.
    fn stop(&mut self, now: u64);
}

/// A 24C32 serial EEPROM.
#[derive(Debug)]
pub struct Eeprom {
    memory: Vec<u8>,
    page: usize,
    pointer: usize,
    address_bytes_received: usize,
    pending: Vec<(usize, u8)>,
    busy_until: u64,
    write_cycle: u64,
}

impl Eeprom {
    /// A 24C32 (4 KiB, 32-byte pages), erased (0xFF), with the given write-cycle time in ticks.
    pub fn new_24c32(write_cycle: u64) -> Self {
        Self {
            memory: vec![0xFF; 4096],
            page: 32,
            pointer: 0,
            address_bytes_received: 0,
            pending: Vec::new(),
            busy_until: 0,
            write_cycle,
        }
    }
}

impl I2cDevice for Eeprom {
    fn address(&mut self, now: u64, read: bool) -> bool {
        if now < self.busy_until {
            return false;
        }
        self.pending.clear();
        if !read {
            self.address_bytes_received = 0;
        }
        true
    }

    fn write(&mut self, _now: u64, byte: u8) -> bool {
        let size = self.memory.len();
        match self.address_bytes_received {
            0 => {
                self.pointer = (usize::from(byte) << 8) & (size - 1);
                self.address_bytes_received = 1;
            }
            1 => {
                self.pointer = (self.pointer | usize::from(byte)) & (size - 1);
                self.address_bytes_received = 2;
            }
            _ => {
                self.pending.push((self.pointer, byte));
                let base = self.pointer & !(self.page - 1);
                self.pointer = base | ((self.pointer + 1) & (self.page - 1));
            }
        }
        true
    }

    fn read(&mut self, _now: u64) -> u8 {
        let byte = self.memory[self.pointer];
        self.pointer = (self.pointer + 1) % self.memory.len();
        byte
    }

    fn stop(&mut self, now: u64) {
        if !self.pending.is_empty() {
            for (address, byte) in self.pending.drain(..) {
                self.memory[address] = byte;
            }
            self.busy_until = now + self.write_cycle;
        }
        self.address_bytes_received = 0;
    }
}

/// A register-based sensor with settable readings.
#[derive(Debug)]
pub struct Sensor {
    registers: [u16; 256],
    pointer: u8,
    /// Bytes of the current transfer so far (write: including the pointer byte).
    bytes: usize,
    write_high: u8,
}

impl Sensor {
    /// A sensor with the given register values (others 0).
    pub fn new(values: &BTreeMap<u8, u16>) -> Self {
        let mut registers = [0; 256];
        for (&r, &v) in values {
            registers[usize::from(r)] = v;
        }
        Self {
            registers,
            pointer: 0,
            bytes: 0,
            write_high: 0,
        }
    }
}

impl I2cDevice for Sensor {
    fn address(&mut self, _now: u64, _read: bool) -> bool {
        self.bytes = 0;
        true
    }

    fn write(&mut self, _now: u64, byte: u8) -> bool {
        if self.bytes == 0 {
            self.pointer = byte;
        } else if self.bytes % 2 == 1 {
            self.write_high = byte;
        } else {
            self.registers[usize::from(self.pointer)] =
                u16::from(self.write_high) << 8 | u16::from(byte);
            self.pointer = self.pointer.wrapping_add(1);
        }
        self.bytes += 1;
        true
    }

    fn read(&mut self, _now: u64) -> u8 {
        let value = self.registers[usize::from(self.pointer)];
        let byte = if self.bytes.is_multiple_of(2) {
            (value >> 8) as u8
        } else {
            self.pointer = self.pointer.wrapping_add(1);
            value as u8
        };
        self.bytes += 1;
        byte
    }

    fn stop(&mut self, _now: u64) {
        self.bytes = 0;
    }
}

/// A device attached to a bus from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Bus number: 0 = the header's I2C0 (QUP2), 1 = I2C1 (QUP6).
    pub bus: usize,
    /// 7-bit address.
    pub address: u8,
    /// What is attached.
    pub kind: DeviceKind,
}

/// The device types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceKind {
    /// 24C32 EEPROM with its write-cycle time in ticks.
    Eeprom24c32 {
        /// Write-cycle time in ticks.
        write_cycle: u64,
    },
    /// Register sensor with its initial register values.
    Sensor(BTreeMap<u8, u16>),
    /// LM75 temperature sensor: readings (from tick, half degrees).
    Lm75(Vec<(u64, i16)>),
}

impl DeviceKind {
    /// A new device of this kind.
    pub fn build(&self) -> Box<dyn I2cDevice> {
        match self {
            DeviceKind::Eeprom24c32 { write_cycle } => Box::new(Eeprom::new_24c32(*write_cycle)),
            DeviceKind::Sensor(values) => Box::new(Sensor::new(values)),
            DeviceKind::Lm75(readings) => Box::new(lm75::Lm75::new(readings)),
        }
    }
}

/// A fault injected on a bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The device at this address never acknowledges its address.
    NackAddress(u8),
    /// The device at this address does not acknowledge data byte N (0 = first byte after the
    /// address) of every write transfer.
    NackData(u8, usize),
    /// A device holds SDA low from the start until a bus clear (9 clock pulses) frees it.
    SdaLow,
    /// A device holds SDA low for good: bus clears do not help.
    SdaStuck,
    /// The device at this address holds SCL low after acknowledging its address, for good
    /// (clock stretching past any timeout).
    Stretch(u8),
    /// The first START on the bus loses arbitration to another master.
    ArbitrationLoss,
}

/// Every device and fault of the run, by bus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct I2cSetup {
    /// Attached devices.
    pub devices: Vec<Attachment>,
    /// Injected faults, (bus, fault).
    pub faults: Vec<(usize, Fault)>,
    /// `--trace i2c`.
    pub trace: bool,
}

fn parse_bus(s: &str) -> Result<usize, String> {
    match s {
        "0" => Ok(0),
        "1" => Ok(1),
        _ => Err(format!(
            "bad I2C bus {s:?}: 0 (header I2C0, QUP2) or 1 (header I2C1, QUP6)"
        )),
    }
}

fn parse_address(s: &str) -> Result<u8, String> {
    let value = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u8::from_str_radix(h, 16),
        None => s.parse(),
    }
    .map_err(|_| format!("bad I2C address {s:?}"))?;
    if value > 0x7F {
        return Err(format!("I2C address {s} does not fit in 7 bits"));
    }
    Ok(value)
}

fn parse_number(s: &str) -> Result<u64, String> {
    let t = s.replace('_', "");
    match t.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse(),
    }
    .map_err(|_| format!("bad number {s:?}"))
}

/// Parses `BUS:ADDR=DEVICE[,OPTIONS]`; `parse_time` reads a TIME option.
pub fn parse_attachment(
    s: &str,
    parse_time: impl Fn(&str) -> Result<u64, String>,
) -> Result<Attachment, String> {
    let usage = "expected BUS:ADDR=DEVICE[,OPTIONS], e.g. 0:0x50=24c32";
    let (bus, rest) = s.split_once(':').ok_or(usage)?;
    let (address, device) = rest.split_once('=').ok_or(usage)?;
    let mut parts = device.split(',');
    let name = parts.next().unwrap_or_default();
    let kind = match name {
        "24c32" => {
            let mut write_cycle = 5 * TICKS_PER_MS;
            for option in parts {
                match option.split_once('=') {
                    Some(("write-cycle", t)) => write_cycle = parse_time(t)?,
                    _ => {
                        return Err(format!(
                            "24c32: unknown option {option:?} (write-cycle=TIME)"
                        ));
                    }
                }
            }
            DeviceKind::Eeprom24c32 { write_cycle }
        }
        "sensor" => {
            let mut values = BTreeMap::new();
            for option in parts {
                let (key, value) = option
                    .split_once('=')
                    .ok_or_else(|| format!("sensor: bad option {option:?} (regN=VALUE)"))?;
                let register = key
                    .strip_prefix("reg")
                    .and_then(|n| n.parse::<u8>().ok())
                    .ok_or_else(|| format!("sensor: bad register {key:?} (reg0..reg255)"))?;
                let value = u16::try_from(parse_number(value)?)
                    .map_err(|_| format!("sensor: {key} value {value} does not fit 16 bits"))?;
                values.insert(register, value);
            }
            DeviceKind::Sensor(values)
        }
        "lm75" => {
            let mut readings = Vec::new();
            for option in parts {
                let usage = "lm75: options temp=CELSIUS (from the start) and temp@TIME=CELSIUS";
                let (key, value) = option.split_once('=').ok_or(usage)?;
                let from = match key.split_once('@') {
                    None if key == "temp" => 0,
                    Some(("temp", time)) => parse_time(time)?,
                    _ => return Err(format!("{usage}, not {option:?}")),
                };
                let celsius: f64 = value
                    .parse()
                    .map_err(|_| format!("lm75: bad temperature {value:?}"))?;
                readings.retain(|&(at, _)| at != from);
                readings.push((from, lm75::half_degrees(celsius)?));
            }
            DeviceKind::Lm75(readings)
        }
        other => {
            return Err(format!(
                "unknown I2C device {other:?} (24c32, sensor, lm75)"
            ));
        }
    };
    Ok(Attachment {
        bus: parse_bus(bus)?,
        address: parse_address(address)?,
        kind,
    })
}

/// Parses `BUS:FAULT` (see [`Fault`] and `--help`).
pub fn parse_fault(s: &str) -> Result<(usize, Fault), String> {
    let usage = "expected BUS:FAULT: nack-addr@ADDR, nack-data@ADDR:N, sda-low, sda-stuck, stretch@ADDR, arb-lost";
    let (bus, fault) = s.split_once(':').ok_or(usage)?;
    let bus = parse_bus(bus)?;
    let fault = match fault.split_once('@') {
        Some(("nack-addr", a)) => Fault::NackAddress(parse_address(a)?),
        Some(("nack-data", rest)) => {
            let (a, n) = rest.split_once(':').ok_or(usage)?;
            let n = usize::try_from(parse_number(n)?).map_err(|_| usage.to_string())?;
            Fault::NackData(parse_address(a)?, n)
        }
        Some(("stretch", a)) => Fault::Stretch(parse_address(a)?),
        None if fault == "sda-low" => Fault::SdaLow,
        None if fault == "sda-stuck" => Fault::SdaStuck,
        None if fault == "arb-lost" => Fault::ArbitrationLoss,
        _ => return Err(format!("unknown I2C fault {fault:?}: {usage}")),
    };
    Ok((bus, fault))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticks(s: &str) -> Result<u64, String> {
        s.strip_suffix("ms")
            .and_then(|n| n.parse::<u64>().ok())
            .map(|n| n * TICKS_PER_MS)
            .ok_or_else(|| "bad".into())
    }

    #[test]
    fn eeprom_page_write_wraps_and_acks_only_after_the_write_cycle() {
        let mut e = Eeprom::new_24c32(100);
        assert!(e.address(0, false));
        for b in [0x00, 0x1E, 1, 2, 3, 4] {
            assert!(e.write(0, b));
        }
        e.stop(10);
        assert!(!e.address(50, false), "busy during the write cycle");
        assert!(e.address(110, false));
        for b in [0x00, 0x1E] {
            e.write(110, b);
        }
        assert!(e.address(111, true));
        assert_eq!([e.read(0), e.read(0), e.read(0)], [1, 2, 0xFF]);
        assert_eq!(e.memory[0], 3, "page write wrapped to the page start");
        assert_eq!(e.memory[1], 4);
    }

    #[test]
    fn sensor_registers_read_msb_first() {
        let mut s = Sensor::new(&BTreeMap::from([(0, 0x1234), (1, 0xABCD)]));
        s.address(0, false);
        s.write(0, 0);
        s.address(0, true);
        assert_eq!(
            [s.read(0), s.read(0), s.read(0), s.read(0)],
            [0x12, 0x34, 0xAB, 0xCD]
        );
        s.stop(0);
        s.address(0, false);
        for b in [2, 0xBE, 0xEF] {
            s.write(0, b);
        }
        assert_eq!(s.registers[2], 0xBEEF);
    }

    #[test]
    fn command_line_forms() {
        let a = parse_attachment("0:0x50=24c32", ticks).unwrap();
        assert_eq!((a.bus, a.address), (0, 0x50));
        assert_eq!(
            a.kind,
            DeviceKind::Eeprom24c32 {
                write_cycle: 96_000
            }
        );
        let a = parse_attachment("1:72=sensor,reg0=0x1234", ticks).unwrap();
        assert_eq!(a.kind, DeviceKind::Sensor(BTreeMap::from([(0, 0x1234)])));
        let a = parse_attachment("0:0x48=lm75,temp=21.5,temp@300ms=-5.5", ticks).unwrap();
        assert_eq!(
            a.kind,
            DeviceKind::Lm75(vec![(0, 43), (300 * TICKS_PER_MS, -11)])
        );
        assert!(parse_attachment("0:0x48=lm75,temp=warm", ticks).is_err());
        assert!(parse_attachment("0:0x48=lm75,humidity=3", ticks).is_err());
        assert!(parse_attachment("2:0x50=24c32", ticks).is_err());
        assert!(parse_attachment("0:0x80=24c32", ticks).is_err());
        assert!(parse_attachment("0:0x50=flash", ticks).is_err());
        assert_eq!(
            parse_fault("0:nack-addr@0x50"),
            Ok((0, Fault::NackAddress(0x50)))
        );
        assert_eq!(
            parse_fault("0:nack-data@0x50:3"),
            Ok((0, Fault::NackData(0x50, 3)))
        );
        assert_eq!(parse_fault("1:sda-stuck"), Ok((1, Fault::SdaStuck)));
        assert_eq!(parse_fault("0:stretch@0x48"), Ok((0, Fault::Stretch(0x48))));
        assert_eq!(parse_fault("0:arb-lost"), Ok((0, Fault::ArbitrationLoss)));
        assert!(parse_fault("0:melt").is_err());
    }
}
