//! Unit tests of the QUP interrupt line (docs/hardware/qup-i2c-spi.md#interrupt), in I2C and
//! SPI mode: which flags raise it, the masks and enables, and what lowers it.

use super::spi::QupSpi;
use super::*;
use crate::bus::{Effects, Model};
use crate::models::gcc::ClockView;
use crate::models::i2c_devices::{Attachment, DeviceKind};
use crate::models::spi_devices::SpiSetup;

const STATE: u64 = 0x004;
const SW_RESET: u64 = 0x00C;
const OPERATIONAL: u64 = 0x018;
const ERROR_FLAGS: u64 = 0x01C;
const ERROR_FLAGS_EN: u64 = 0x020;
const OPERATIONAL_MASK: u64 = 0x028;
const OUTPUT_FIFO: u64 = 0x110;
const MX_WRITE_CNT: u64 = 0x150;
const MX_READ_CNT: u64 = 0x208;
const INPUT_FIFO: u64 = 0x218;
const SPI_ERROR_FLAGS_EN: u64 = 0x30C;
const STATUS: u64 = 0x404;

/// A model with the clocks it needs, driven through the bus interface.
struct Bench<M: Model> {
    model: M,
    clocks: ClockView,
    effects: Effects,
    now: u64,
}

impl<M: Model> Bench<M> {
    fn access(&mut self, offset: u64, write: Option<u32>) -> u32 {
        let mut ctx = Ctx {
            now: self.now,
            clocks: &self.clocks,
            effects: &mut self.effects,
        };
        self.model.advance(&mut ctx);
        self.model
            .access(&mut ctx, 0, offset, 4, write.map(u64::from))
            .unwrap() as u32
    }

    fn write(&mut self, offset: u64, value: u32) {
        self.access(offset, Some(value));
    }

    fn read(&mut self, offset: u64) -> u32 {
        self.access(offset, None)
    }

    /// The line at tick `at` (the model brought up to date first).
    fn line_at(&mut self, at: u64) -> bool {
        self.now = at;
        let mut ctx = Ctx {
            now: at,
            clocks: &self.clocks,
            effects: &mut self.effects,
        };
        self.model.advance(&mut ctx);
        self.model.interrupt_lines() & 1 != 0
    }

    /// Loads `words` with the given counts and runs them; returns the tick the outcome is due.
    fn run(&mut self, words: &[u32], write_count: u32, read_count: u32) -> u64 {
        self.write(MX_WRITE_CNT, write_count);
        self.write(MX_READ_CNT, read_count);
        self.write(STATE, 1);
        self.write(STATE, 3);
        for &word in words {
            self.write(OUTPUT_FIFO, word);
        }
        self.write(STATE, 1);
        self.effects.scheduled.last().expect("outcome scheduled").0
    }
}

fn i2c_bench(faults: Vec<(usize, BusFault)>) -> Bench<Qup> {
    let setup = I2cSetup {
        devices: vec![Attachment {
            bus: 0,
            address: 0x50,
            kind: DeviceKind::Eeprom24c32 { write_cycle: 1000 },
        }],
        faults,
        trace: false,
    };
    let mut bench = Bench {
        model: Qup::new(Device::Qup2, 0, &setup),
        clocks: ClockView {
            qup_i2c_apps: [true, true],
            qup_i2c_core_hz: [19_200_000; 2],
            ..ClockView::default()
        },
        effects: Effects::default(),
        now: 0,
    };
    // I2C mini-core, N = 7; v2 tags; FIFO mode with pack/unpack; 400 kHz.
    for (offset, value) in [
        (0x000, 0x207),
        (0x408, 1),
        (0x008, 0xC000),
        (0x400, 0x000E_031C),
    ] {
        bench.write(offset, value);
    }
    bench
}

/// START 0x50 read, DATA_READ_STOP 2: a read message.
const READ_TWO: [u32; 2] = [u32::from_le_bytes([0x81, 0xA1, 0x87, 2]), 0];

#[test]
fn i2c_message_done_raises_the_line_until_the_service_flags_are_cleared() {
    let mut b = i2c_bench(Vec::new());
    assert!(!b.line_at(0), "low out of reset");
    let due = b.run(&READ_TWO[..1], 4, 4);
    assert!(!b.line_at(due - 1), "not before the message ends");
    assert!(b.line_at(due), "OUT/IN_SERVICE_FLAG");
    // Writing back only the service flags lowers it; the done flags stay for the driver.
    b.write(OPERATIONAL, OUT_SERVICE_FLAG | IN_SERVICE_FLAG);
    assert!(!b.line_at(due));
    let op = b.read(OPERATIONAL);
    assert_eq!(
        op & (MAX_OUTPUT_DONE | MAX_INPUT_DONE),
        MAX_OUTPUT_DONE | MAX_INPUT_DONE
    );
    assert_eq!(b.read(INPUT_FIFO).to_le_bytes()[..2], [0x87, 2]);
}

#[test]
fn i2c_operational_mask_keeps_the_service_flags_off_the_line() {
    let mut b = i2c_bench(Vec::new());
    b.write(OPERATIONAL_MASK, OUT_SERVICE_FLAG | IN_SERVICE_FLAG);
    let due = b.run(&READ_TWO[..1], 4, 4);
    assert!(!b.line_at(due), "both masked");
    assert_ne!(
        b.read(OPERATIONAL) & OUT_SERVICE_FLAG,
        0,
        "the flag is still set"
    );
    // Unmasking one of them raises the line at once.
    b.write(OPERATIONAL_MASK, IN_SERVICE_FLAG);
    assert!(b.line_at(due));
}

#[test]
fn i2c_nack_raises_the_line_until_reset_state() {
    let mut b = i2c_bench(vec![(0, BusFault::NackAddress(0x50))]);
    let due = b.run(&READ_TWO[..1], 4, 4);
    assert!(b.line_at(due), "a bus error needs no enable");
    assert_eq!(
        b.read(OPERATIONAL) & SERVICE_FLAGS,
        0,
        "no service flag on an error"
    );
    assert_ne!(b.read(STATUS) & PACKET_NACKED, 0);
    // RESET lowers it; the status keeps the error for the driver.
    b.write(STATE, 0);
    assert!(!b.line_at(due));
    assert_ne!(b.read(STATUS) & PACKET_NACKED, 0);
    // Back in RUN with the error not written back, it drives the line again.
    b.write(STATE, 1);
    assert!(b.line_at(due));
    b.write(STATUS, STATUS_ERRORS);
    assert!(!b.line_at(due));
}

#[test]
fn i2c_fifo_errors_raise_the_line_only_when_enabled() {
    let mut b = i2c_bench(Vec::new());
    // Reading the empty input FIFO: INPUT_UNDER_RUN.
    b.read(INPUT_FIFO);
    assert_eq!(b.read(ERROR_FLAGS), INPUT_UNDER_RUN);
    assert!(!b.line_at(0), "QUP_ERROR_FLAGS_EN resets to 0");
    b.write(ERROR_FLAGS_EN, INPUT_UNDER_RUN);
    assert!(b.line_at(0));
    b.write(ERROR_FLAGS, INPUT_UNDER_RUN);
    assert!(!b.line_at(0), "written back");
    // A software reset drops every source.
    b.read(INPUT_FIFO);
    assert!(b.line_at(0));
    b.write(SW_RESET, 1);
    assert!(!b.line_at(0));
}

fn spi_bench() -> Bench<QupSpi> {
    let mut bench = Bench {
        model: QupSpi::new(Device::Qup5, &SpiSetup::default()),
        clocks: ClockView {
            qup5_spi_apps: true,
            qup5_spi_core_hz: 9_600_000,
            ..ClockView::default()
        },
        effects: Effects::default(),
        now: 0,
    };
    // SPI mini-core, N = 7; FIFO mode, one byte per word right-justified; mode 0, loopback.
    for (offset, value) in [(0x000, 0x107), (0x008, 1 << 16), (0x300, 1 << 8 | 1 << 9)] {
        bench.write(offset, value);
    }
    bench
}

#[test]
fn spi_transfer_done_raises_the_line_and_the_enables_gate_the_errors() {
    let mut b = spi_bench();
    let due = b.run(&[0x12, 0x34], 2, 2);
    // Two bytes at 9.6 MHz: 16 SCLK periods = 32 ticks.
    assert_eq!(due, 32);
    assert!(!b.line_at(due - 1));
    assert!(b.line_at(due));
    b.write(OPERATIONAL, OUT_SERVICE_FLAG | IN_SERVICE_FLAG);
    assert!(!b.line_at(due));
    assert_ne!(b.read(OPERATIONAL) & MAX_INPUT_DONE, 0);
    assert_eq!([b.read(INPUT_FIFO), b.read(INPUT_FIFO)], [0x12, 0x34]);
    // The third read underruns: on the line only with its enable.
    b.read(INPUT_FIFO);
    assert!(!b.line_at(due));
    b.write(ERROR_FLAGS_EN, INPUT_UNDER_RUN);
    assert!(b.line_at(due));
    b.write(ERROR_FLAGS, INPUT_UNDER_RUN);
    assert!(!b.line_at(due));
    // SPI_ERROR_FLAGS_EN alone raises nothing (no SPI error is pending).
    b.write(SPI_ERROR_FLAGS_EN, 3);
    assert!(!b.line_at(due));
}
