//! `lm75`: an LM75 digital temperature sensor (the classic 9-bit part) whose readings are set
//! on the command line (`--i2c 0:0x48=lm75,temp=21.5,temp@300ms=30`).
//!
//! Design notes (the LM75's register behaviour, docs/hardware/bus-devices.md#lm75, in our words):
//! - Four registers selected by the pointer byte, the first data byte of a write (bits 2:0,
//!   so the map repeats every 8 addresses; the pointer stays set until the next write, so a
//!   plain read returns the register chosen last): 0 temperature (16 bits, read-only),
//!   1 configuration (8 bits, bits 7:5 read 0), 2 T_HYST and 3 T_OS (16 bits, power-on 75 °C
//!   and 80 °C). Pointers 4 to 7 select no register: reads return the last byte read.
//! - Temperatures are 9-bit two's complement in bits 15:7, 0.5 °C per step; bits 6:0 read 0.
//!   A reading set on the command line is rounded down to a half degree and limited to the
//!   part's range, -55 to +125 °C.
//! - 16-bit registers are read and written most significant byte first; reading on past the
//!   register's bytes repeats them (the pointer does not move on). A write to the temperature
//!   register is acknowledged and ignored.
//! - The part converts every 100 ms: the temperature register holds the reading that was in
//!   force at the last conversion (conversions at whole multiples of 100 ms from power-on).
//!   Configuration bit 0 (SHUTDOWN) stops converting: the register keeps its value until the
//!   next conversion after SHUTDOWN is cleared.
//! - The OS output pin (comparator / interrupt, fault queue) is not wired on the virtual board;
//!   its configuration bits are stored and read back only.

use super::I2cDevice;

/// Ticks (19.2 MHz) between two conversions: 100 ms.
pub const CONVERSION_TICKS: u64 = 1_920_000;
/// Reading when none is given: 25 °C, in half degrees.
pub const DEFAULT_HALF_DEGREES: i16 = 50;
/// Configuration bit 0.
const SHUTDOWN: u8 = 1 << 0;

/// Turns a temperature in °C into half degrees: rounded down, limited to the part's range.
pub fn half_degrees(celsius: f64) -> Result<i16, String> {
    if !celsius.is_finite() {
        return Err(format!("lm75: temperature {celsius} is not a number"));
    }
    // The part's range: -55 to +125 °C.
    Ok((celsius * 2.0).floor().clamp(-110.0, 250.0) as i16)
}

/// The register form of a temperature in half degrees (bits 15:7).
fn register_value(halves: i16) -> u16 {
    (halves << 7) as u16
}

/// An LM75 on the bus.
#[derive(Debug)]
pub struct Lm75 {
    /// Readings in force from a tick on, in half degrees, sorted by tick (the first at 0).
    readings: Vec<(u64, i16)>,
    pointer: u8,
    configuration: u8,
    hysteresis: u16,
    overtemperature: u16,
    /// Bytes of the current transfer so far (a write counts the pointer byte).
    bytes: usize,
    /// A write's first data byte, kept until the second arrives.
    high: u8,
    /// Temperature register value while shut down.
    held: u16,
    /// When SHUTDOWN was last cleared (conversions before it do not count).
    resumed_at: u64,
    /// The last byte read (what pointers 4 to 7 return).
    last_read: u8,
}

impl Lm75 {
    /// A sensor whose reading is `readings` (tick from which it holds, half degrees).
    pub fn new(readings: &[(u64, i16)]) -> Self {
        let mut readings = readings.to_vec();
        readings.sort_by_key(|&(at, _)| at);
        if readings.first().is_none_or(|&(at, _)| at > 0) {
            readings.insert(0, (0, DEFAULT_HALF_DEGREES));
        }
        Self {
            readings,
            pointer: 0,
            configuration: 0,
            hysteresis: register_value(150),
            overtemperature: register_value(160),
            bytes: 0,
            high: 0,
            held: 0,
            resumed_at: 0,
            last_read: 0,
        }
    }

    /// The reading in force at tick `at`.
    fn reading_at(&self, at: u64) -> i16 {
        self.readings
            .iter()
            .take_while(|&&(from, _)| from <= at)
            .last()
            .map_or(DEFAULT_HALF_DEGREES, |&(_, value)| value)
    }

    /// The temperature register at tick `now`.
    fn temperature(&self, now: u64) -> u16 {
        if self.configuration & SHUTDOWN != 0 {
            return self.held;
        }
        let conversion = now / CONVERSION_TICKS * CONVERSION_TICKS;
        if conversion < self.resumed_at {
            self.held
        } else {
            register_value(self.reading_at(conversion))
        }
    }

    fn write_configuration(&mut self, now: u64, value: u8) {
        let was_shut_down = self.configuration & SHUTDOWN != 0;
        let shut_down = value & SHUTDOWN != 0;
        if shut_down && !was_shut_down {
            self.held = self.temperature(now);
        } else if was_shut_down && !shut_down {
            self.resumed_at = now;
        }
        self.configuration = value & 0x1F;
    }
}

impl I2cDevice for Lm75 {
    fn address(&mut self, _now: u64, _read: bool) -> bool {
        self.bytes = 0;
        true
    }

    fn write(&mut self, now: u64, byte: u8) -> bool {
        match (self.bytes, self.pointer) {
            (0, _) => self.pointer = byte & 7,
            (1, 1) => self.write_configuration(now, byte),
            (1, _) => self.high = byte,
            (2, 2) => self.hysteresis = u16::from_be_bytes([self.high, byte]) & 0xFF80,
            (2, 3) => self.overtemperature = u16::from_be_bytes([self.high, byte]) & 0xFF80,
            // The temperature register is read-only; bytes past a register are ignored.
            _ => {}
        }
        self.bytes += 1;
        true
    }

    fn read(&mut self, now: u64) -> u8 {
        let value = match self.pointer {
            0 => self.temperature(now),
            1 => u16::from(self.configuration) << 8 | u16::from(self.configuration),
            2 => self.hysteresis,
            3 => self.overtemperature,
            _ => u16::from(self.last_read) << 8 | u16::from(self.last_read),
        };
        let byte = if self.bytes.is_multiple_of(2) {
            (value >> 8) as u8
        } else {
            value as u8
        };
        self.bytes += 1;
        self.last_read = byte;
        byte
    }

    fn stop(&mut self, _now: u64) {
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `n` bytes of register `pointer` at `now`.
    fn read_register(s: &mut Lm75, now: u64, pointer: u8, n: usize) -> Vec<u8> {
        s.address(now, false);
        s.write(now, pointer);
        s.address(now, true);
        let bytes = (0..n).map(|_| s.read(now)).collect();
        s.stop(now);
        bytes
    }

    #[test]
    fn temperatures_are_9_bit_half_degrees() {
        assert_eq!(half_degrees(21.5), Ok(43));
        assert_eq!(half_degrees(21.7), Ok(43));
        assert_eq!(half_degrees(-5.5), Ok(-11));
        assert_eq!(half_degrees(-5.2), Ok(-11), "rounded down");
        assert_eq!(half_degrees(200.0), Ok(250));
        assert_eq!(half_degrees(-80.0), Ok(-110));
        assert!(half_degrees(f64::NAN).is_err());
        assert_eq!(register_value(43), 0x1580);
        assert_eq!(register_value(-11), 0xFA80);
        assert_eq!(register_value(250), 0x7D00);
        assert_eq!(register_value(-110), 0xC900);
    }

    #[test]
    fn reading_changes_at_the_next_conversion() {
        let mut s = Lm75::new(&[(0, 43), (CONVERSION_TICKS + 5, -11)]);
        assert_eq!(read_register(&mut s, 0, 0, 2), [0x15, 0x80]);
        // Set at 100 ms + 5 ticks: seen from the conversion at 200 ms.
        assert_eq!(
            read_register(&mut s, 2 * CONVERSION_TICKS - 1, 0, 2),
            [0x15, 0x80]
        );
        assert_eq!(
            read_register(&mut s, 2 * CONVERSION_TICKS, 0, 4),
            [0xFA, 0x80, 0xFA, 0x80]
        );
        // A read without a pointer write: the pointer stays.
        s.address(0, true);
        assert_eq!(s.read(2 * CONVERSION_TICKS), 0xFA);
    }

    #[test]
    fn shutdown_holds_the_last_conversion() {
        let mut s = Lm75::new(&[(0, 43), (CONVERSION_TICKS, 60)]);
        let t = CONVERSION_TICKS / 2;
        s.address(t, false);
        for b in [1, SHUTDOWN] {
            s.write(t, b);
        }
        s.stop(t);
        assert_eq!(read_register(&mut s, 1, 1, 1), [SHUTDOWN]);
        assert_eq!(
            read_register(&mut s, 5 * CONVERSION_TICKS, 0, 2),
            [0x15, 0x80]
        );
        let t = 5 * CONVERSION_TICKS + 7;
        s.address(t, false);
        for b in [1, 0] {
            s.write(t, b);
        }
        assert_eq!(
            read_register(&mut s, t + 1, 0, 2),
            [0x15, 0x80],
            "not converted yet"
        );
        assert_eq!(
            read_register(&mut s, 6 * CONVERSION_TICKS, 0, 2),
            [0x1E, 0x00]
        );
    }

    #[test]
    fn thresholds_power_on_values_and_writes() {
        let mut s = Lm75::new(&[]);
        assert_eq!(
            read_register(&mut s, 0, 0, 2),
            [0x19, 0x00],
            "25 C by default"
        );
        assert_eq!(read_register(&mut s, 0, 2, 2), [0x4B, 0x00]);
        assert_eq!(read_register(&mut s, 0, 3, 2), [0x50, 0x00]);
        // The map repeats every 8 addresses; 4 to 7 return the last byte read.
        assert_eq!(read_register(&mut s, 0, 0x0A, 2), [0x4B, 0x00]);
        assert_eq!(read_register(&mut s, 0, 3, 1), [0x50]);
        assert_eq!(read_register(&mut s, 0, 5, 2), [0x50, 0x50]);
        s.address(0, false);
        for b in [3, 0x1E, 0xFF] {
            s.write(0, b);
        }
        assert_eq!(read_register(&mut s, 0, 3, 2), [0x1E, 0x80]);
        // The temperature register ignores writes.
        s.address(0, false);
        for b in [0, 0x7F, 0x00] {
            s.write(0, b);
        }
        assert_eq!(read_register(&mut s, 0, 0, 2), [0x19, 0x00]);
    }
}
