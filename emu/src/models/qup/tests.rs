//! Unit tests of the QUP model: message timing, NACK bookkeeping, clock dependence, bus clear.

use super::*;
use crate::bus::{Effects, Model};
use crate::models::gcc::ClockView;
use crate::models::i2c_devices::{Attachment, DeviceKind};

const STATE: u64 = 0x004;
const OPERATIONAL: u64 = 0x018;
const OUT_FIFO_CNT: u64 = 0x10C;
const OUTPUT_FIFO: u64 = 0x110;
const MX_WRITE_CNT: u64 = 0x150;
const MX_READ_CNT: u64 = 0x208;
const INPUT_FIFO: u64 = 0x218;
const CLK_CTL: u64 = 0x400;
const STATUS: u64 = 0x404;

struct Bench {
    qup: Qup,
    clocks: ClockView,
    effects: Effects,
    now: u64,
}

impl Bench {
    fn new(faults: Vec<(usize, BusFault)>) -> Self {
        let setup = I2cSetup {
            devices: vec![Attachment {
                bus: 0,
                address: 0x50,
                kind: DeviceKind::Eeprom24c32 { write_cycle: 1000 },
            }],
            faults,
            trace: false,
        };
        let clocks = ClockView {
            qup_i2c_apps: [true, true],
            qup_i2c_core_hz: [19_200_000; 2],
            ..ClockView::default()
        };
        let mut bench = Self {
            qup: Qup::new(Device::Qup2, 0, &setup),
            clocks,
            effects: Effects::default(),
            now: 0,
        };
        // I2C mini-core, N = 7; v2 tags; FIFO mode with pack/unpack; 400 kHz dividers.
        for (offset, value) in [
            (0x000, 0x207),
            (0x408, 1),
            (0x008, 0xC000),
            (CLK_CTL, 0x000E_031C),
        ] {
            bench.write(offset, value);
        }
        bench
    }

    fn access(&mut self, offset: u64, write: Option<u64>) -> Result<u64, Fault> {
        let mut ctx = Ctx {
            now: self.now,
            clocks: &self.clocks,
            effects: &mut self.effects,
        };
        Model::advance(&mut self.qup, &mut ctx);
        self.qup.access(&mut ctx, 0, offset, 4, write)
    }

    fn write(&mut self, offset: u64, value: u64) {
        self.access(offset, Some(value)).unwrap();
    }

    fn read(&mut self, offset: u64) -> u32 {
        self.access(offset, None).unwrap() as u32
    }

    /// Loads one message and runs it; returns the tick its outcome is due.
    fn message(&mut self, bytes: &[u8], read_count: u32) -> u64 {
        self.write(MX_WRITE_CNT, bytes.len() as u64);
        self.write(MX_READ_CNT, u64::from(read_count));
        for chunk in bytes.chunks(4) {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write(OUTPUT_FIFO, u64::from(u32::from_le_bytes(word)));
        }
        self.write(STATE, 1);
        self.effects.scheduled.last().expect("outcome scheduled").0
    }
}

#[test]
fn write_then_read_back_with_repeated_start() {
    let mut b = Bench::new(Vec::new());
    // START 0x50 W, DATA_WRITE_STOP 4: address 0x0010, bytes 0xAA 0xBB.
    let due = b.message(&[0x81, 0xA0, 0x83, 4, 0x00, 0x10, 0xAA, 0xBB], 0);
    // On the wire: START (1 period), address and 4 data bytes (9 each), STOP (1); 48 ticks
    // per period at 400 kHz from 19.2 MHz. Tags are not on the wire.
    assert_eq!(due, (1 + 5 * 9 + 1) * 48);
    assert_eq!(
        b.read(OPERATIONAL) & MAX_OUTPUT_DONE,
        0,
        "not before its time"
    );
    b.now = due;
    assert_ne!(b.read(OPERATIONAL) & MAX_OUTPUT_DONE, 0);
    assert_eq!(b.read(OUT_FIFO_CNT), 0);
    b.write(OPERATIONAL, 0xF00);
    b.write(STATE, 0);
    // After the write cycle: write the address, repeated START, read 2 with STOP.
    b.now += 1000;
    let due = b.message(&[0x81, 0xA0, 0x82, 2, 0x00, 0x10, 0x81, 0xA1, 0x87, 2], 4);
    b.now = due;
    assert_ne!(b.read(OPERATIONAL) & MAX_INPUT_DONE, 0);
    assert_eq!(b.read(INPUT_FIFO).to_le_bytes(), [0x87, 2, 0xAA, 0xBB]);
    assert_eq!(b.read(STATUS) & (STATUS_ERRORS | BUS_ACTIVE), 0);
}

#[test]
fn nack_keeps_the_untaken_words_and_needs_the_core_clock() {
    let mut b = Bench::new(vec![(0, BusFault::NackData(0x50, 5))]);
    let bytes: Vec<u8> = [0x81, 0xA0, 0x83, 10].into_iter().chain(0..10).collect();
    let due = b.message(&bytes, 0);
    b.now = due;
    assert_ne!(b.read(STATUS) & PACKET_NACKED, 0);
    assert_eq!(b.read(OPERATIONAL) & MAX_OUTPUT_DONE, 0);
    // Data byte 5 is output byte 9, in word 2: words 0..=2 taken, word 3 left.
    assert_eq!(b.read(OUT_FIFO_CNT), 1);
    b.write(STATUS, u64::from(STATUS_ERRORS));
    assert_eq!(b.read(STATUS) & STATUS_ERRORS, 0);
    // Without the I2C core clock the state machine does not move.
    b.clocks.qup_i2c_apps[0] = false;
    b.write(STATE, 0);
    assert_eq!(b.read(STATE) & 4, 0, "STATE_VALID clear");
}

#[test]
fn bus_clear_frees_sda_only_when_the_fault_allows() {
    for (fault, freed) in [(BusFault::SdaLow, true), (BusFault::SdaStuck, false)] {
        let mut b = Bench::new(vec![(0, fault)]);
        assert_eq!(b.read(STATUS) & SDA, 0);
        b.write(STATE, 1);
        b.write(0x40C, 1);
        assert_eq!(b.read(0x40C), 1);
        b.now += 10 * 48;
        assert_eq!(b.read(0x40C), 0);
        assert_eq!(b.read(STATUS) & SDA != 0, freed, "{fault:?}");
    }
}
