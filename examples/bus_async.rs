//! # bus_async: an I2C EEPROM and an SPI flash through `embedded-hal-async`, on interrupts
//!
//! The header's I2C0 and SPI0 as async buses (`embedded-hal-async`'s `I2c` and `SpiBus`):
//! each transfer starts, and the task that asked for it sleeps until the QUP's interrupt
//! says it is over. Two tasks share core 0 on the HAL's executor:
//!
//! - `buses`: writes a 32-byte page to a 24C32 EEPROM on I2C0 and reads it back (with
//!   acknowledge polling through the EEPROM's write cycle), asks an absent address (the
//!   `NoAcknowledge(Address)` error, in async too), then reads the JEDEC ID and the first
//!   bytes of the SPI NOR flash on SPI0, and resets the board.
//! - `blink`: toggles LED 1 every 2 ms meanwhile: the core is free while the buses work
//!   (and asleep in `WFI` when neither task has anything to do).
//!
//! ## What to connect
//!
//! A 24C32 (or larger 24Cxx with two address bytes) at 0x50 on I2C0 (LS pins 15 SCL, 17 SDA,
//! 1.8 V) and a 25-series SPI NOR flash on SPI0 (LS 14 MOSI, 10 MISO, 8 SCLK, 12 chip select).
//! On the virtual board: `cargo xtask run bus_async -- --i2c 0:0x50=24c32 --spi 0:nor`.
//!
//! ## Expected output
//!
//! ```text
//! bus_async: I2C0 at 400000 Hz and SPI0 at 10000000 Hz, by interrupt
//! i2c: wrote 32 bytes at 0x0100
//! i2c: write cycle over
//! i2c: read back 00 07 0e 15 1c 23 2a 31 ... matches
//! i2c: 0x51 answers: I2C: no acknowledge for address 0x51 (NoAcknowledge(Address))
//! spi: JEDEC ID ef 40 14
//! spi: read 64 bytes at 0x000000: ff ff ff ff ff ff ff ff ... all erased
//! blink: LED 1 kept toggling meanwhile
//! done, resetting
//! ```
//!
//! With a fault injected on the bus, e.g. `--i2c-fault 0:nack-data@0x50:5` (the EEPROM
//! refuses data byte 5 of every write), the page write fails with
//! `i2c: page write failed: I2C: device 0x50 did not acknowledge a data byte
//! (NoAcknowledge(Data))`, and the bus goes on working: the read back and the absent-address
//! step still run. With `--i2c-fault 0:stretch@0x50` (the EEPROM holds SCL low for good)
//! every transfer to 0x50 ends with `I2C: timeout: the transfer did not finish (Other)`
//! after its bound, the task asleep until then. `--trace irq` shows the QUP interrupts (GIC
//! 128 for I2C0, 131 for SPI0); `--stats` that the core sleeps: a longer write cycle
//! (`--i2c 0:0x50=24c32,write-cycle=15ms`) costs far fewer instructions than the 19.2 MHz
//! counter's ticks it adds.

#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use db410c::hal::console;
use db410c::hal::executor::Executor;
use db410c::hal::gpio::{Level, Output, OutputConfig};
use db410c::hal::i2c::{self, AsyncI2c, I2c};
use db410c::hal::interrupt;
use db410c::hal::pac;
use db410c::hal::reset::PsHold;
use db410c::hal::spi::{self, AsyncSpi, MODE_0, Spi};
use db410c::hal::time::{self, Alarm};
use db410c::{Board, println};
use embassy_time::{Duration, Instant, Timer};
use embedded_hal::i2c::Error as _;
use embedded_hal_async::i2c::I2c as _;
use embedded_hal_async::spi::SpiBus as _;

/// The EEPROM's address with A0..A2 low, and an address where nothing answers.
const EEPROM: u8 = 0x50;
const ABSENT: u8 = 0x51;
/// Where the page goes (a multiple of the 32-byte page size).
const PAGE_ADDRESS: u16 = 0x0100;
/// The longest EEPROM write cycle we wait for (the 24C32's maximum is 5 ms).
const WRITE_CYCLE_LIMIT: Duration = Duration::from_millis(20);
/// Pause between two acknowledge polls (the task sleeps meanwhile).
const POLL_PAUSE: Duration = Duration::from_micros(500);
/// LED 1's half period.
const BLINK: Duration = Duration::from_millis(2);
/// SPI NOR commands: JEDEC ID, READ.
const JEDEC_ID: u8 = 0x9F;
const READ: u8 = 0x03;

/// LED 1's toggles so far (the blink task counts, the bus task reports).
static TOGGLES: AtomicU32 = AtomicU32::new(0);

/// Toggles LED 1 every [`BLINK`], forever: it runs whenever the bus task waits.
#[embassy_executor::task]
async fn blink(mut led: Output) {
    loop {
        Timer::after(BLINK).await;
        led.toggle();
        TOGGLES.fetch_add(1, Ordering::Relaxed);
    }
}

/// An I2C error as the driver names it and as portable drivers see it.
fn describe(error: i2c::Error) -> (i2c::Error, embedded_hal::i2c::ErrorKind) {
    (error, error.kind())
}

/// The EEPROM part: page write, acknowledge polling, read back, an absent address.
async fn eeprom(i2c: &mut AsyncI2c<pac::BLSP1_QUP2>) {
    let mut page = [0u8; 32];
    for (k, byte) in page.iter_mut().enumerate() {
        *byte = (k as u8).wrapping_mul(7);
    }
    // The two address bytes (most significant first), then the data: one write.
    let mut message = [0u8; 34];
    message[..2].copy_from_slice(&PAGE_ADDRESS.to_be_bytes());
    message[2..].copy_from_slice(&page);
    match i2c.write(EEPROM, &message).await {
        Ok(()) => {
            println!("i2c: wrote {} bytes at 0x{PAGE_ADDRESS:04x}", page.len());
            // The EEPROM does not acknowledge its address while it programs the page; each
            // poll is an address-only write. The task sleeps during each poll (until the
            // QUP's interrupt) and between polls (until the timer's).
            let start = Instant::now();
            let mut ready = false;
            while start.elapsed() < WRITE_CYCLE_LIMIT {
                if i2c.write(EEPROM, &[]).await.is_ok() {
                    ready = true;
                    break;
                }
                Timer::after(POLL_PAUSE).await;
            }
            if ready {
                println!("i2c: write cycle over");
            } else {
                println!("i2c: the EEPROM stayed busy");
            }
        }
        Err(error) => {
            let (error, kind) = describe(error);
            println!("i2c: page write failed: {error} ({kind:?})");
        }
    }
    // Write the address, repeated START, read 32 bytes, STOP: one transaction.
    let mut read_back = [0u8; 32];
    match i2c
        .write_read(EEPROM, &PAGE_ADDRESS.to_be_bytes(), &mut read_back)
        .await
    {
        Ok(()) => {
            db410c::print!("i2c: read back");
            for byte in &read_back[..8] {
                db410c::print!(" {byte:02x}");
            }
            let verdict = if read_back == page {
                "matches"
            } else {
                "DIFFERS"
            };
            println!(" ... {verdict}");
        }
        Err(error) => {
            let (error, kind) = describe(error);
            println!("i2c: read back failed: {error} ({kind:?})");
        }
    }
    // Nothing answers at 0x51: the address NACK comes back as the same error as polled.
    match i2c.write(ABSENT, &[0]).await {
        Ok(()) => println!("i2c: 0x{ABSENT:02x} answered"),
        Err(error) => {
            let (error, kind) = describe(error);
            println!("i2c: 0x{ABSENT:02x} answers: {error} ({kind:?})");
        }
    }
}

/// The flash part: JEDEC ID and a read, each framed by chip select.
async fn flash(spi: &mut AsyncSpi<pac::BLSP1_QUP5>, chip_select: &mut Output) {
    let mut id = [JEDEC_ID, 0, 0, 0];
    chip_select.set_low();
    let result = spi.transfer_in_place(&mut id).await;
    chip_select.set_high();
    match result {
        Ok(()) => println!("spi: JEDEC ID {:02x} {:02x} {:02x}", id[1], id[2], id[3]),
        Err(error) => println!("spi: JEDEC ID failed: {error}"),
    }
    // READ from address 0: the command and three address bytes, then 64 bytes in.
    let mut data = [0u8; 64];
    chip_select.set_low();
    let mut result = spi.write(&[READ, 0, 0, 0]).await;
    if result.is_ok() {
        result = spi.read(&mut data).await;
    }
    chip_select.set_high();
    match result {
        Ok(()) => {
            db410c::print!("spi: read {} bytes at 0x000000:", data.len());
            for byte in &data[..8] {
                db410c::print!(" {byte:02x}");
            }
            let erased = data.iter().all(|&b| b == 0xFF);
            println!(" ... {}", if erased { "all erased" } else { "programmed" });
        }
        Err(error) => println!("spi: read failed: {error}"),
    }
}

/// Both buses in turn, then the summary and the reset.
#[embassy_executor::task]
async fn buses(
    mut i2c: AsyncI2c<pac::BLSP1_QUP2>,
    mut spi: AsyncSpi<pac::BLSP1_QUP5>,
    mut chip_select: Output,
    ps_hold: PsHold,
) {
    eeprom(&mut i2c).await;
    flash(&mut spi, &mut chip_select).await;
    if TOGGLES.load(Ordering::Relaxed) >= 2 {
        println!("blink: LED 1 kept toggling meanwhile");
    } else {
        println!("blink: LED 1 did NOT toggle meanwhile");
    }
    println!("done, resetting");
    console::lock().flush();
    ps_hold.reset()
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();

    // 1. The buses, polled drivers first: I2C0 at 400 kHz, SPI0 at 10 MHz in mode 0.
    let i2c = I2c::new(
        board.i2c0,
        board.header.i2c0_sda,
        board.header.i2c0_scl,
        &mut board.clocks,
        i2c::Config::default().with_frequency(i2c::Config::FAST_MODE_HZ),
    )
    .unwrap();
    let spi = Spi::new(
        board.spi0,
        board.header.spi0_mosi,
        board.header.spi0_miso,
        board.header.spi0_sclk,
        &mut board.clocks,
        spi::Config::default()
            .with_frequency(10_000_000)
            .with_mode(MODE_0),
    )
    .unwrap();
    let chip_select = Output::new(board.header.spi0_cs, Level::High, OutputConfig::default());
    println!(
        "\nbus_async: I2C0 at {} Hz and SPI0 at {} Hz, by interrupt",
        i2c.frequency(),
        spi.frequency()
    );

    // 2. Interrupt-driven: each registers the HAL's handler for its QUP's interrupt (I2C0:
    //    GIC ID 128, SPI0: 131, level) in the interrupt table and enables the line.
    let interrupts = &mut board.interrupts;
    let i2c = i2c.into_async(interrupts).unwrap();
    let spi = spi.into_async(interrupts).unwrap();

    // 3. The executor and embassy-time's driver (the bus waits' deadlines use it too).
    let alarm = Alarm::new(interrupts).unwrap();
    time::driver::start(alarm);
    let executor = Executor::woken_by_interrupt(interrupts).unwrap();
    // SAFETY: not inside a critical section; every enabled line (the QUPs, the timer, the
    // executor's SGI) has its handler.
    unsafe { interrupt::enable_irq() };

    executor.run(|spawner| {
        spawner.spawn(blink(board.led1).unwrap());
        spawner.spawn(buses(i2c, spi, chip_select, board.ps_hold).unwrap());
    })
}
