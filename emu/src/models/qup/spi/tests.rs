//! Unit tests of the SPI mode: transfer timing from the core clock, chip select, mode
//! mismatch, clock dependence.

use super::*;
use crate::bus::{Effects, Model};
use crate::models::gcc::ClockView;
use crate::models::spi_devices::{Attachment, DEFAULT_JEDEC_ID, DeviceKind};

const STATE: u64 = 0x004;
const OPERATIONAL: u64 = 0x018;
const OUTPUT_FIFO: u64 = 0x110;
const MX_WRITE_CNT: u64 = 0x150;
const MX_READ_CNT: u64 = 0x208;
const INPUT_FIFO: u64 = 0x218;
const SPI_CONFIG: u64 = 0x300;
const SPI_IO_CONTROL: u64 = 0x304;

struct Bench {
    qup: QupSpi,
    clocks: ClockView,
    effects: Effects,
    now: u64,
}

impl Bench {
    fn new(core_hz: u64) -> Self {
        let setup = SpiSetup {
            devices: vec![Attachment {
                bus: 0,
                kind: DeviceKind::Nor {
                    jedec_id: DEFAULT_JEDEC_ID,
                },
            }],
            ..SpiSetup::default()
        };
        let clocks = ClockView {
            qup5_spi_apps: true,
            qup5_spi_core_hz: core_hz,
            ..ClockView::default()
        };
        let mut bench = Self {
            qup: QupSpi::new(Device::Qup5, &setup),
            clocks,
            effects: Effects::default(),
            now: 0,
        };
        // SPI mini-core, N = 7; FIFO mode, one byte per word right-justified; mode 0.
        for (offset, value) in [(0x000, 0x107), (0x008, 1 << 16), (SPI_CONFIG, INPUT_FIRST)] {
            bench.write(offset, value);
        }
        bench
    }

    fn ctx_do<R>(&mut self, f: impl FnOnce(&mut QupSpi, &mut Ctx<'_>) -> R) -> R {
        let mut ctx = Ctx {
            now: self.now,
            clocks: &self.clocks,
            effects: &mut self.effects,
        };
        f(&mut self.qup, &mut ctx)
    }

    fn write(&mut self, offset: u64, value: u32) {
        self.ctx_do(|q, ctx| {
            Model::advance(q, ctx);
            q.access(ctx, 0, offset, 4, Some(u64::from(value))).unwrap();
        });
    }

    fn read(&mut self, offset: u64) -> u32 {
        self.ctx_do(|q, ctx| {
            Model::advance(q, ctx);
            q.access(ctx, 0, offset, 4, None).unwrap() as u32
        })
    }

    fn chip_select(&mut self, level: bool) {
        self.qup.observe_chip_select(level);
        self.ctx_do(Model::advance);
    }

    /// Loads `bytes` as one transfer and starts it; returns the tick it started at.
    fn start(&mut self, bytes: &[u8]) -> u64 {
        let n = bytes.len() as u32;
        self.write(MX_WRITE_CNT, n);
        self.write(MX_READ_CNT, n);
        self.write(STATE, 1);
        self.write(STATE, 3);
        for &b in bytes {
            self.write(OUTPUT_FIFO, u32::from(b));
        }
        self.write(STATE, 1);
        self.now
    }

    fn done(&mut self) -> bool {
        self.read(OPERATIONAL) & MAX_INPUT_DONE != 0
    }

    fn input(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.read(INPUT_FIFO) as u8).collect()
    }
}

#[test]
fn jedec_id_takes_eight_core_clocks_per_byte() {
    // 9.6 MHz core clock: 8 SCLK periods = 16 ticks per byte.
    let mut b = Bench::new(9_600_000);
    b.chip_select(false);
    let start = b.start(&[0x9F, 0, 0, 0]);
    b.now = start + 4 * 16 - 1;
    assert!(!b.done());
    b.now = start + 4 * 16;
    assert!(b.done());
    assert_eq!(b.input(4), [0xFF, 0xEF, 0x40, 0x14]);
    assert_eq!(b.read(0x01C), 0, "no FIFO errors");
    b.write(STATE, 0);
    b.chip_select(true);
}

#[test]
fn without_chip_select_miso_idles_high() {
    let mut b = Bench::new(19_200_000);
    b.start(&[0x9F, 0, 0, 0]);
    b.now += 100;
    assert!(b.done());
    assert_eq!(b.input(4), [0xFF; 4]);
}

#[test]
fn mode_one_reads_one_bit_late_and_loopback_returns_the_output() {
    let mut b = Bench::new(19_200_000);
    b.write(SPI_CONFIG, 0); // CPHA = 1 with CPOL = 0: mode 1.
    b.chip_select(false);
    b.start(&[0x9F, 0, 0, 0]);
    b.now += 100;
    assert_eq!(b.input(4), [0xFF, 0xF7, 0xA0, 0x0A]);
    b.write(STATE, 0);
    b.chip_select(true);
    b.write(SPI_CONFIG, LOOPBACK | INPUT_FIRST);
    b.write(SPI_IO_CONTROL, 0);
    b.start(&[1, 2, 3]);
    b.now += 100;
    assert_eq!(b.input(3), [1, 2, 3]);
}

#[test]
fn without_the_core_clock_nothing_runs() {
    let mut b = Bench::new(19_200_000);
    b.clocks.qup5_spi_apps = false;
    b.write(STATE, 1);
    assert_eq!(b.read(STATE) & 4, 0, "STATE_VALID stays clear");
    b.clocks.qup5_spi_apps = true;
    b.clocks.qup5_spi_core_hz = 0;
    b.start(&[0x9F]);
    b.now += 1_000_000;
    assert!(!b.done());
}

#[test]
fn fractional_periods_add_up_over_the_transfer() {
    // 10 MHz: 1.92 ticks per SCLK period, 61.44 ticks for 4 bytes (not 4 x 15).
    let mut b = Bench::new(10_000_000);
    let start = b.start(&[0x9F, 0, 0, 0]);
    b.now = start + 60;
    assert!(!b.done());
    b.now = start + 61;
    assert!(b.done());
}

// ---- BLOCK mode with packing: streaming, stalls, flags ----

const MX_OUTPUT_CNT: u64 = 0x100;
const MX_INPUT_CNT: u64 = 0x200;
const IN_FIFO_CNT: u64 = 0x214;
const ERROR_FLAGS: u64 = 0x01C;
/// QUP_IO_MODES: BLOCK mode both ways, pack and unpack.
const BLOCK_PACKED: u32 = 1 << 10 | 1 << 12 | 1 << 14 | 1 << 15;

impl Bench {
    /// Block mode with packing, `bytes` each way, RUN (nothing written yet).
    fn start_block(&mut self, bytes: u32) {
        self.write(0x008, BLOCK_PACKED);
        self.write(MX_OUTPUT_CNT, bytes);
        self.write(MX_INPUT_CNT, bytes);
        self.write(STATE, 1);
    }

    fn operational(&mut self) -> u32 {
        self.read(OPERATIONAL)
    }
}

#[test]
fn packed_words_carry_four_bytes_low_byte_first() {
    // The JEDEC ID command as one packed word: 0x9F goes first, the ID comes back in the
    // upper three bytes of the packed input word.
    let mut b = Bench::new(9_600_000);
    b.chip_select(false);
    b.start_block(4);
    b.write(OUTPUT_FIFO, 0x0000_009F);
    b.now += 4 * 16;
    assert!(b.done());
    assert_eq!(b.read(INPUT_FIFO), 0x1440_EFFF);
}

#[test]
fn block_requests_and_idle_time_follow_the_fifo() {
    // 9.6 MHz: 16 ticks per byte, 64 per packed word. Loopback: the input is the output.
    let mut b = Bench::new(9_600_000);
    b.qup.trace = true;
    b.write(SPI_CONFIG, LOOPBACK | INPUT_FIRST);
    b.start_block(32);
    let op = b.operational();
    assert_ne!(op & OUT_BLOCK_WRITE_REQ, 0, "room for a block: {op:#x}");
    assert_ne!(
        op & OUT_SERVICE_FLAG,
        0,
        "the request raised the service flag"
    );
    assert_eq!(op & IN_BLOCK_READ_REQ, 0);
    b.write(OPERATIONAL, OUT_SERVICE_FLAG);
    let start = b.now;
    for k in 0..4u32 {
        b.write(OUTPUT_FIFO, 0x0403_0201 + k * 0x0404_0404);
    }
    // The engine stands still at word 4 (no data): 16 bytes, 256 ticks, then nothing.
    b.now = start + 256;
    assert_eq!(b.operational() & IN_BLOCK_READ_REQ, IN_BLOCK_READ_REQ);
    assert_eq!(b.read(IN_FIFO_CNT), 4);
    b.now = start + 356;
    assert_eq!(b.read(IN_FIFO_CNT), 4, "no data, no progress");
    assert!(!b.done());
    for k in 4..8u32 {
        b.write(OUTPUT_FIFO, 0x0403_0201 + k * 0x0404_0404);
    }
    let words: Vec<u32> = (0..4).map(|_| b.read(INPUT_FIFO)).collect();
    assert_eq!(words, [0x0403_0201, 0x0807_0605, 0x0C0B_0A09, 0x100F_0E0D]);
    b.now = start + 356 + 255;
    assert!(!b.done(), "the second half takes its full wire time");
    b.now = start + 356 + 256;
    assert!(b.done());
    assert_eq!(b.read(IN_FIFO_CNT), 4);
    assert_eq!(
        b.operational() & OUT_BLOCK_WRITE_REQ,
        0,
        "all words written"
    );
    let trace = b.effects.messages.join("\n");
    assert!(
        trace.contains("spi0 32 bytes in 612 ticks, 100 idle"),
        "{trace}"
    );
}

#[test]
fn a_full_input_fifo_holds_the_engine_without_an_overrun() {
    let mut b = Bench::new(9_600_000);
    b.write(SPI_CONFIG, LOOPBACK | INPUT_FIRST);
    b.start_block(80);
    for k in 0..16 {
        b.write(OUTPUT_FIFO, k);
    }
    // 64 bytes fill the 16 input words; the last 4 output words come later.
    b.now += 64 * 16 + 500;
    for k in 16..20 {
        b.write(OUTPUT_FIFO, k);
    }
    b.now += 1_000;
    assert_eq!(b.read(IN_FIFO_CNT), 16);
    assert!(!b.done(), "the engine waits for room in the input FIFO");
    assert_eq!(b.read(ERROR_FLAGS), 0, "no INPUT_OVER_RUN");
    // One free slot lets exactly one more packed word in.
    assert_eq!(b.read(INPUT_FIFO), 0);
    b.now += 10_000;
    assert_eq!(b.read(IN_FIFO_CNT), 16);
    assert!(!b.done());
    for k in 1..4 {
        assert_eq!(b.read(INPUT_FIFO), k);
    }
    b.now += 3 * 64;
    assert!(b.done());
    let rest: Vec<u32> = (0..16).map(|_| b.read(INPUT_FIFO)).collect();
    assert_eq!(rest, (4..20).collect::<Vec<u32>>());
    assert_eq!(b.read(ERROR_FLAGS), 0);
}

#[test]
fn no_output_reads_the_input_count_without_output_words() {
    // U-Boot's read: BLOCK mode, one byte per word, NO_OUTPUT, only MX_INPUT_CNT set.
    let mut b = Bench::new(9_600_000);
    b.write(SPI_CONFIG, LOOPBACK | INPUT_FIRST);
    b.write(0x000, 0x107 | 1 << 6);
    b.write(0x008, 1 << 10 | 1 << 12 | 1 << 16);
    b.write(MX_INPUT_CNT, 3);
    b.write(STATE, 1);
    let start = b.now;
    b.now = start + 3 * 16 - 1;
    assert!(!b.done());
    b.now = start + 3 * 16;
    assert!(b.done());
    assert_eq!(b.operational() & MAX_OUTPUT_DONE, 0, "no output count");
    assert_eq!(b.read(IN_FIFO_CNT), 3, "one byte per word without PACK_EN");
    assert_eq!(b.input(3), [0, 0, 0], "MOSI sends 0x00 (looped back)");
}
