//! # i2c_eeprom: write a page to a 24C32 EEPROM on I2C0, wait out its write cycle, read it back
//!
//! Shows the I2C master through embedded-hal's `I2c` trait: `write` of one 32-byte page
//! (two address bytes, then the data), *acknowledge polling* while the EEPROM programs the
//! page (it ignores its address until it is done), `write_read` to set the address and read
//! the page back with a repeated START, a `transaction` whose operations the driver merges
//! (two writes of the address, then three reads: one write run, a repeated START, one read run
//! split into FIFO-sized pieces), and what a missing device looks like: the address is not
//! acknowledged, `NoAcknowledge(Address)` in embedded-hal's terms. Finally the same chip
//! through a driver crate from crates.io, unchanged: `eeprom24x`, whose embedded-storage
//! `Storage` splits a longer write at page boundaries (and waits 5 ms after each page).
//!
//! ## What to connect
//!
//! A 24C32 (or any 24Cxx with two address bytes and 32-byte pages) with A0..A2 tied low, so
//! at address 0x50, on the low-speed header's I2C0: SCL on LS 15, SDA on LS 17, GND on LS 1,
//! VCC 1.8 V on LS 35 (the header's signals are 1.8 V; use a level shifter for a 3.3 V part).
//! SCL and SDA need pull-ups to 1.8 V (2.2 kΩ).
//!
//! On the virtual board: `cargo xtask run i2c_eeprom -- --i2c 0:0x50=24c32`.
//!
//! ## Expected output
//!
//! ```text
//! i2c_eeprom: I2C0 at 400000 Hz, 24C32 at 0x50
//! i2c_eeprom: wrote 32 bytes at 0x0100
//! i2c_eeprom: write cycle over after 5016 us
//! i2c_eeprom: read back 00 07 0e 15 1c 23 2a 31 38 3f 46 4d 54 5b 62 69 70 77 7e 85 8c 93 9a a1 a8 af b6 bd c4 cb d2 d9
//! i2c_eeprom: read back matches what was written
//! i2c_eeprom: transaction read 96 bytes from 0x00e0: erased, the page, erased
//! i2c_eeprom: eeprom24x: wrote 100 bytes at 0x0210 (4 pages), read back equal
//! i2c_eeprom: 0x51 answers: I2C: no acknowledge for address 0x51 (NoAcknowledge(Address))
//! resetting
//! ```
//!
//! The write-cycle time is what the EEPROM takes (5 ms on the virtual board's 24C32) plus up
//! to one poll; on a real chip it varies. When the page write fails, the program says why and
//! goes on with the absent-device step, e.g. with `--i2c-fault 0:nack-data@0x50:5` (the
//! EEPROM refuses data byte 5):
//!
//! ```text
//! i2c_eeprom: page write failed after 249 us: I2C: device 0x50 did not acknowledge a data byte (NoAcknowledge(Data))
//! ```

#![no_std]
#![no_main]

use db410c::hal::i2c::{Config, Error, I2c};
use db410c::hal::time::{Delay, Duration, Instant};
use db410c::{Board, I2c0, println};
use eeprom24x::{Eeprom24x, SlaveAddr, Storage};
use embedded_hal::i2c::{Error as _, I2c as _, Operation};
use embedded_storage::{ReadStorage as _, Storage as _};

db410c::entry!(main);

/// The EEPROM's address with A0..A2 low.
const EEPROM: u8 = 0x50;
/// An address where nothing answers.
const ABSENT: u8 = 0x51;
/// Where the page goes (a multiple of the 32-byte page size: no wrap within the page).
const PAGE_ADDRESS: u16 = 0x0100;
/// The longest write cycle we wait for (the 24C32 datasheet's maximum is 5 ms).
const WRITE_CYCLE_LIMIT: Duration = Duration::from_millis(20);
/// Where the driver crate writes: 16 bytes before a page boundary, so 100 bytes take 4 pages.
const CRATE_ADDRESS: u32 = 0x0210;
const CRATE_LENGTH: usize = 100;

/// Prints an I2C error with its embedded-hal kind (what portable drivers see).
fn describe(error: Error) -> (Error, embedded_hal::i2c::ErrorKind) {
    (error, error.kind())
}

/// Waits until the EEPROM acknowledges its address again (its write cycle is over).
/// Returns the time since `start`, or `None` if it stayed busy for [`WRITE_CYCLE_LIMIT`].
fn wait_for_write_cycle(i2c: &mut I2c0, start: Instant) -> Option<Duration> {
    while start.elapsed() < WRITE_CYCLE_LIMIT {
        // An address-only write: START, address, STOP. Acknowledged = ready.
        if i2c.write(EEPROM, &[]).is_ok() {
            return Some(start.elapsed());
        }
    }
    None
}

fn main() -> ! {
    let mut board = Board::take().unwrap();

    // 1. The header's I2C0 (BLSP1 QUP2 on GPIO 6/7) at 400 kHz, pads by silkscreen name.
    let config = Config::default().with_frequency(Config::FAST_MODE_HZ);
    let mut i2c = I2c::new(
        board.i2c0,
        board.header.i2c0_sda,
        board.header.i2c0_scl,
        &mut board.clocks,
        config,
    )
    .unwrap();
    println!(
        "i2c_eeprom: I2C0 at {} Hz, 24C32 at 0x{EEPROM:02x}",
        i2c.frequency()
    );

    // 2. One page write: the two address bytes (most significant first), then 32 data bytes.
    let mut page = [0u8; 32];
    for (k, byte) in page.iter_mut().enumerate() {
        *byte = (k as u8).wrapping_mul(7);
    }
    let mut message = [0u8; 34];
    message[..2].copy_from_slice(&PAGE_ADDRESS.to_be_bytes());
    message[2..].copy_from_slice(&page);
    let start = Instant::now();
    match i2c.write(EEPROM, &message) {
        Ok(()) => {
            // The write cycle starts with the STOP that ended the write.
            let written_at = Instant::now();
            println!(
                "i2c_eeprom: wrote {} bytes at 0x{PAGE_ADDRESS:04x}",
                page.len()
            );
            // 3. Acknowledge polling: the EEPROM is deaf while it programs the page.
            match wait_for_write_cycle(&mut i2c, written_at) {
                Some(waited) => println!(
                    "i2c_eeprom: write cycle over after {} us",
                    waited.as_micros()
                ),
                None => println!("i2c_eeprom: the EEPROM stayed busy"),
            }
            // 4. Read it back: write the address, repeated START, read 32 bytes.
            let mut read_back = [0u8; 32];
            match i2c.write_read(EEPROM, &PAGE_ADDRESS.to_be_bytes(), &mut read_back) {
                Ok(()) => {
                    db410c::print!("i2c_eeprom: read back");
                    for byte in read_back {
                        db410c::print!(" {byte:02x}");
                    }
                    println!();
                    if read_back == page {
                        println!("i2c_eeprom: read back matches what was written");
                    } else {
                        println!("i2c_eeprom: read back DIFFERS from what was written");
                    }
                }
                Err(error) => {
                    let (error, kind) = describe(error);
                    println!("i2c_eeprom: read back failed: {error} ({kind:?})");
                }
            }
            // 5. One transaction, five operations: the address in two writes (sent as one run
            //    of bytes, no START between them), a repeated START, then 96 bytes read into
            //    three buffers (one run; the last byte NACKed, then STOP). It starts a page
            //    before ours, so the bytes around the page show the erased state (0xff).
            let from = PAGE_ADDRESS - 32;
            let address = from.to_be_bytes();
            let (mut before, mut middle, mut after) = ([0u8; 32], [0u8; 32], [0u8; 32]);
            let result = i2c.transaction(
                EEPROM,
                &mut [
                    Operation::Write(&address[..1]),
                    Operation::Write(&address[1..]),
                    Operation::Read(&mut before),
                    Operation::Read(&mut middle),
                    Operation::Read(&mut after),
                ],
            );
            match result {
                Ok(()) if before == [0xFF; 32] && middle == page && after == [0xFF; 32] => {
                    println!(
                        "i2c_eeprom: transaction read 96 bytes from 0x{from:04x}: erased, the page, erased"
                    )
                }
                Ok(()) => println!("i2c_eeprom: transaction read unexpected bytes"),
                Err(error) => {
                    let (error, kind) = describe(error);
                    println!("i2c_eeprom: transaction failed: {error} ({kind:?})");
                }
            }
            through_the_crate(&mut i2c);
        }
        Err(error) => {
            let took = start.elapsed().as_micros();
            let (error, kind) = describe(error);
            println!("i2c_eeprom: page write failed after {took} us: {error} ({kind:?})");
        }
    }

    // 6. Nothing at 0x51: the address is not acknowledged.
    match i2c.read(ABSENT, &mut [0u8; 1]) {
        Ok(()) => println!("i2c_eeprom: 0x{ABSENT:02x} answered?"),
        Err(error) => {
            let (error, kind) = describe(error);
            println!("i2c_eeprom: 0x{ABSENT:02x} answers: {error} ({kind:?})");
        }
    }

    println!("resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}

/// Step 6: the EEPROM through the `eeprom24x` crate (unchanged, from crates.io), which only
/// knows embedded-hal's `I2c` and `DelayNs` traits. It borrows the bus (`&mut I2c0` is an
/// `I2c` too).
fn through_the_crate(i2c: &mut I2c0) {
    // A0..A2 low: the default address, 0x50.
    let eeprom = Eeprom24x::new_24x32(i2c, SlaveAddr::default());
    let mut storage = Storage::new(eeprom, Delay::new());
    let mut data = [0u8; CRATE_LENGTH];
    for (k, byte) in data.iter_mut().enumerate() {
        *byte = 0xA5 ^ k as u8;
    }
    let pages = (CRATE_ADDRESS as usize % 32 + CRATE_LENGTH).div_ceil(32);
    if let Err(error) = storage.write(CRATE_ADDRESS, &data) {
        println!("i2c_eeprom: eeprom24x: write failed: {error:?}");
        return;
    }
    let mut read_back = [0u8; CRATE_LENGTH];
    match storage.read(CRATE_ADDRESS, &mut read_back) {
        Ok(()) if read_back == data => println!(
            "i2c_eeprom: eeprom24x: wrote {CRATE_LENGTH} bytes at 0x{CRATE_ADDRESS:04x} ({pages} pages), read back equal"
        ),
        Ok(()) => println!("i2c_eeprom: eeprom24x: read back DIFFERS"),
        Err(error) => println!("i2c_eeprom: eeprom24x: read failed: {error:?}"),
    }
}
