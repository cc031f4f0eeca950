//! # spi_throughput: how close a 4 KiB SPI flash read comes to the bus's wire time
//!
//! Reads 4 KiB from an SPI NOR flash on SPI0 with one `SpiDevice::transaction` (READ command
//! and address, then 4096 bytes) at several SCLK rates, and prints how long each took on the
//! system counter next to the wire time: the 4100 bytes' 32 800 SCLK periods. The driver runs
//! the QUP in BLOCK mode with packing (4 bytes per FIFO word) and keeps its FIFOs serviced,
//! so the controller clocks back to back; the difference is the set-up of the two runs (the
//! command, then the data), chip select, and any time the controller stood still waiting
//! for the CPU. `cargo xtask bench` runs it and prints the ratios.
//!
//! For comparison it first does the same read with a *raw register loop*: the same BLOCK-mode
//! sequence (the command run, then the data run) written directly on the PAC, with no bounds on its waits, no error checks and no
//! embedded-hal layers (the HAL driver is set up for the rate and its clock and pads, then
//! `free`d). The difference between the two is what the HAL's safety costs per byte.
//!
//! ## What to connect
//!
//! A 25-series SPI NOR flash on the low-speed header's SPI0, as for `spi_flash`. On the
//! virtual board: `cargo xtask run spi_throughput -- --spi 0:nor`.
//!
//! ## Expected output
//!
//! ```text
//! spi_throughput: raw register loop, 4 KiB read at 1000000 Hz: 629902 ticks, wire 629760 ticks
//! spi_throughput: raw register loop, 4 KiB read at 10000000 Hz: 63124 ticks, wire 62976 ticks
//! spi_throughput: raw register loop, 4 KiB read at 25000000 Hz: 25333 ticks, wire 25190 ticks
//! spi_throughput: raw register loop, 4 KiB read at 50000000 Hz: 23392 ticks, wire 12595 ticks
//! spi_throughput: 4 KiB read at 1000000 Hz: 630166 ticks, wire 629760 ticks
//! spi_throughput: 4 KiB read at 10000000 Hz: 63374 ticks, wire 62976 ticks
//! spi_throughput: 4 KiB read at 25000000 Hz: 25586 ticks, wire 25190 ticks
//! spi_throughput: 4 KiB read at 50000000 Hz: 19317 ticks, wire 12595 ticks
//! resetting
//! ```
//!
//! Ticks are the 19.2 MHz system counter's; the measured figures depend on the driver's code.
//! Up to 25 MHz the controller clocks the data back to back (`--trace spi` shows each run's
//! time and any time it stood still waiting for the CPU), so what is left is the set-up of
//! the two runs and chip select, about 400 instructions: 1.001 x the wire time at 1 MHz,
//! 1.006 x at 10 MHz, 1.016 x at 25 MHz. At 50 MHz a 16-byte block lasts 49 ticks and the
//! service loop needs about 73 instructions per block (one tick each on the virtual board),
//! so the CPU sets the pace (1.53 x). The raw loop stores word by word with a bounds check
//! each and is slower there (1.86 x); up to 25 MHz the two are within 1 %.

#![no_std]
#![no_main]

use db410c::hal::gpio::{Level, Output, OutputConfig};
use db410c::hal::pac;
use db410c::hal::pac::blsp1_qup1::qup_state::State;
use db410c::hal::spi::{Config, MODE_0, Spi};
use db410c::hal::time::{Delay, Instant};
use db410c::{Board, println};
use embedded_hal::spi::{Operation, SpiDevice};
use embedded_hal_bus::spi::ExclusiveDevice;

db410c::entry!(main);

/// The rates measured.
const RATES_HZ: [u32; 4] = [1_000_000, 10_000_000, 25_000_000, 50_000_000];
/// Bytes read, and bytes on the wire (READ, three address bytes, the data).
const LENGTH: usize = 4096;
const WIRE_BYTES: u64 = LENGTH as u64 + 4;

/// FIFO words per block (16-byte blocks, as QUP5 reports them).
const BLOCK_WORDS: usize = 4;
/// `QUP_OPERATIONAL` bits.
const MAX_INPUT_DONE: u32 = 1 << 11;
const OUT_BLOCK_WRITE_REQ: u32 = 1 << 12;
const IN_BLOCK_READ_REQ: u32 = 1 << 13;

/// Writes `state` and spins until the core reports it (no bound: a raw loop).
fn raw_state(qup: &pac::BLSP1_QUP5, state: State) {
    qup.qup_state().write(|w| w.state().variant(state));
    while !qup.qup_state().read().state_valid().bit_is_set() {}
}

/// One BLOCK-mode run of `bytes` (a multiple of 4) with packing: the HAL's sequence without
/// its bounds and checks. Output word `k` is `output(k)`; input word `k` goes to `input`.
#[inline(always)]
fn raw_run(
    qup: &pac::BLSP1_QUP5,
    bytes: usize,
    output: impl Fn(usize) -> u32,
    mut input: impl FnMut(usize, u32),
) {
    let words = bytes / 4;
    qup.qup_mx_output_cnt()
        .write(|w| w.count().set(bytes as u16));
    qup.qup_mx_input_cnt()
        .write(|w| w.count().set(bytes as u16));
    raw_state(qup, State::Run);
    let (mut written, mut read) = (0, 0);
    while read < words {
        let operational = qup.qup_operational().read().bits();
        if written < words && operational & OUT_BLOCK_WRITE_REQ != 0 {
            let end = words.min(written + BLOCK_WORDS);
            while written < end {
                qup.qup_output_fifo()
                    .write(|w| w.data().set(output(written)));
                written += 1;
            }
        }
        if operational & IN_BLOCK_READ_REQ != 0 {
            for _ in 0..BLOCK_WORDS {
                input(read, qup.qup_input_fifo().read().bits());
                read += 1;
            }
        } else if operational & MAX_INPUT_DONE != 0 {
            while read < words {
                input(read, qup.qup_input_fifo().read().bits());
                read += 1;
            }
        }
    }
    qup.qup_operational().write(|w| {
        w.out_service_flag().set_bit();
        w.in_service_flag().set_bit();
        w.max_output_done().set_bit();
        w.max_input_done().set_bit()
    });
    raw_state(qup, State::Reset);
}

/// The raw register loop: READ at address 0, then 4096 bytes, as the HAL does it (two
/// BLOCK-mode runs with packing: the command, then the data), on a core the HAL driver left
/// set up (clock, pads) and `free` reset.
fn raw_read(qup: &pac::BLSP1_QUP5, chip_select: &mut Output, buffer: &mut [u8; LENGTH]) {
    // Set-up (not timed): SPI mini-core, 8-bit words, BLOCK mode with packing, mode 0.
    qup.qup_config().write(|w| {
        w.n().set(7);
        w.mini_core().set(1)
    });
    qup.qup_io_modes().write(|w| {
        w.output_mode().block();
        w.input_mode().block();
        w.unpack_en().set_bit();
        w.pack_en().set_bit()
    });
    qup.spi_config().write(|w| w.input_first().set_bit());
    qup.spi_io_control().write(|w| w.no_tri_state().set_bit());

    chip_select.set_low();
    // READ (0x03) and address 0: one packed word, the first byte in bits 7:0.
    raw_run(qup, 4, |_| 0x03, |_, _| {});
    raw_run(
        qup,
        LENGTH,
        |_| 0,
        |k, word| buffer[k * 4..k * 4 + 4].copy_from_slice(&word.to_le_bytes()),
    );
    chip_select.set_high();
}

fn main() -> ! {
    let mut board = Board::take().unwrap();
    let ticks_per_second = u64::from(db410c::hal::time::ticks_per_second());
    let mut buffer = [0u8; LENGTH];
    let mut chip_select = Output::new(board.header.spi0_cs, Level::High, OutputConfig::default());

    // 1. The raw register loop at each rate: the HAL driver sets the clock and the pads, then
    //    gives the (reset) core back.
    let (mut qup, mut mosi, mut miso, mut sclk) = (
        board.spi0,
        board.header.spi0_mosi,
        board.header.spi0_miso,
        board.header.spi0_sclk,
    );
    for hz in RATES_HZ {
        let config = Config::default().with_frequency(hz).with_mode(MODE_0);
        let spi = Spi::new(qup, mosi, miso, sclk, &mut board.clocks, config).unwrap();
        let achieved = u64::from(spi.frequency());
        (qup, mosi, miso, sclk) = spi.free();
        let start = Instant::now();
        raw_read(&qup, &mut chip_select, &mut buffer);
        let ticks = Instant::now().ticks_since(start);
        let wire = WIRE_BYTES * 8 * ticks_per_second / achieved.max(1);
        println!(
            "spi_throughput: raw register loop, 4 KiB read at {achieved} Hz: {ticks} ticks, wire {wire} ticks"
        );
    }

    // 2. The HAL: `SpiDevice` from `embedded-hal-bus` on the HAL's `SpiBus`.
    let spi = Spi::new(
        qup,
        mosi,
        miso,
        sclk,
        &mut board.clocks,
        Config::default().with_mode(MODE_0),
    )
    .unwrap();
    let mut flash = ExclusiveDevice::new(spi, chip_select, Delay::new()).unwrap();

    for hz in RATES_HZ {
        let config = Config::default().with_frequency(hz).with_mode(MODE_0);
        if let Err(error) = flash.bus_mut().apply_config(&config, &mut board.clocks) {
            println!("spi_throughput: {hz} Hz refused: {error}");
            continue;
        }
        let achieved = u64::from(flash.bus().frequency());
        // One transaction: chip select low, READ at address 0, 4096 bytes, chip select high.
        let start = Instant::now();
        let result = flash.transaction(&mut [
            Operation::Write(&[0x03, 0, 0, 0]),
            Operation::Read(&mut buffer),
        ]);
        let ticks = Instant::now().ticks_since(start);
        let wire = WIRE_BYTES * 8 * ticks_per_second / achieved.max(1);
        match result {
            Ok(()) => println!(
                "spi_throughput: 4 KiB read at {achieved} Hz: {ticks} ticks, wire {wire} ticks"
            ),
            Err(error) => println!("spi_throughput: read at {achieved} Hz failed: {error:?}"),
        }
    }

    println!("resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
