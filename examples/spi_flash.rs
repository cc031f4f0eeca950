//! # spi_flash: JEDEC ID, sector erase, page program and read-back of an SPI NOR flash on SPI0
//!
//! Shows the SPI master as an `embedded-hal` `SpiBus`, turned into an `SpiDevice` by
//! `embedded-hal-bus`'s `ExclusiveDevice` with the header's chip select (LS 12, GPIO 18) as a
//! plain GPIO output, which is how the board wires it. Each flash command is one
//! `SpiDevice::transaction`: chip select low, the operations, chip select high. The program
//! reads the JEDEC ID, erases a 4 KiB sector and programs a 256-byte page (both need WRITE
//! ENABLE first and end with polling the status register's WIP bit, each poll bounded by a
//! time limit), reads the page back and compares it. Then a driver crate from crates.io,
//! unchanged, does the same through embedded-storage's `NorFlash` trait: `w25q32jv` (for the
//! Winbond W25Q32JV; its commands are the 25-series ones every such flash has) erases a
//! sector, writes 300 bytes across a page boundary and reads them back (the crate is written
//! for the 4 MiB W25Q32JV; the addresses used here are in the first MiB, so any 25-series part
//! of 1 MiB or more will do). The program reads the ID again after switching to 1 MHz in
//! mode 3 (`apply_config`). Then it shows an error: with the SPI core clock switched off, a
//! transfer ends in `Error::Timeout` within the driver's bound, and after the clock is back
//! the bus works again.
//!
//! ## What to connect
//!
//! A 25-series SPI NOR flash (W25Q80 or similar, 1.8 V part) on the low-speed header's SPI0:
//! SCLK on LS 8, MISO on LS 10, CS_N on LS 12, MOSI on LS 14, GND on LS 1, VCC 1.8 V on LS 35.
//! WP_N and HOLD_N tied high.
//!
//! On the virtual board: `cargo xtask run spi_flash -- --spi 0:nor`. Without `--spi`, nothing
//! answers: MISO stays high, the ID reads ff ff ff and the program reports "no flash".
//!
//! ## Expected output
//!
//! ```text
//! spi_flash: SPI0 at 10000000 Hz, mode 0, chip select on GPIO 18
//! spi_flash: JEDEC ID ef 40 14
//! spi_flash: sector 0x001000 erased in 45015 us
//! spi_flash: page 0x001100 programmed in 708 us
//! spi_flash: read back 00 03 06 09 0c 0f 12 15 18 1b 1e 21 24 27 2a 2d ...
//! spi_flash: read back matches what was written (256 bytes)
//! spi_flash: w25q32jv: erased 0x002000..0x003000, wrote 300 bytes at 0x002080, read back equal
//! spi_flash: mode 3 at 1000000 Hz: JEDEC ID ef 40 14
//! spi_flash: core clock off: SPI: timeout: the transfer did not finish after 1009 us
//! spi_flash: core clock on again: JEDEC ID ef 40 14
//! resetting
//! ```
//!
//! The times are what the flash takes (45 ms per sector erase, 0.7 ms per page program on the
//! virtual board's flash) plus up to one status poll; a real chip's vary.
//!
//! A flash that never finishes an erase (`--spi-fault 0:busy-stuck` on the virtual board) is
//! reported when the wait's bound runs out; the bus still works, but the busy flash ignores
//! everything except READ STATUS, so the later ID reads see MISO idle (ff ff ff):
//!
//! ```text
//! spi_flash: the flash stayed busy erasing: WIP still set after 400002 us
//! ```
//!
//! A MISO line held low (`--spi-fault 0:miso-low`) reads as `no flash (JEDEC ID 00 00 00)`.

#![no_std]
#![no_main]

use db410c::hal::clocks::Branch;
use db410c::hal::gpio::{Level, Output, OutputConfig};
use db410c::hal::spi::{Config, MODE_0, MODE_3, Spi};
use db410c::hal::time::{Delay, Duration, Instant};
use db410c::{Board, Spi0, println};
use embedded_hal::digital::{ErrorType, OutputPin};
use embedded_hal::spi::{Operation, SpiBus, SpiDevice};
use embedded_hal_bus::spi::ExclusiveDevice;
use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};
use w25q32jv::W25q32jv;

db410c::entry!(main);

/// Flash commands (every 25-series part has these).
const JEDEC_ID: u8 = 0x9F;
const READ: u8 = 0x03;
const WRITE_ENABLE: u8 = 0x06;
const READ_STATUS: u8 = 0x05;
const PAGE_PROGRAM: u8 = 0x02;
const SECTOR_ERASE: u8 = 0x20;
/// Status register: write in progress.
const WIP: u8 = 1 << 0;

/// The sector erased and the page programmed in it.
const SECTOR: u32 = 0x1000;
const PAGE: u32 = 0x1100;
/// Longest waits (the datasheets' maxima are 400 ms and 3 ms).
const ERASE_LIMIT: Duration = Duration::from_millis(400);
const PROGRAM_LIMIT: Duration = Duration::from_millis(5);

type Flash = ExclusiveDevice<Spi0, Output, Delay>;

/// WP_N and HOLD_N are tied high on the board; the `w25q32jv` crate wants two output pins it
/// can drive, so it gets this stand-in, which has nothing to do.
struct TiedHigh;

impl ErrorType for TiedHigh {
    type Error = core::convert::Infallible;
}

impl OutputPin for TiedHigh {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// The three address bytes of a command, most significant first.
fn address(at: u32) -> [u8; 3] {
    let [_, a2, a1, a0] = at.to_be_bytes();
    [a2, a1, a0]
}

/// The JEDEC ID: the command and three dummy bytes in one buffer (`transfer_in_place`).
fn jedec_id(flash: &mut Flash) -> Option<[u8; 3]> {
    let mut buffer = [JEDEC_ID, 0, 0, 0];
    flash.transfer_in_place(&mut buffer).ok()?;
    Some([buffer[1], buffer[2], buffer[3]])
}

/// Polls the status register until WIP clears; the time since `start`, or `None` after `limit`.
fn wait_while_busy(flash: &mut Flash, start: Instant, limit: Duration) -> Option<Duration> {
    while start.elapsed() < limit {
        // One byte out, two in (`transfer` with unequal lengths sends 0x00 after the
        // command); the status is the second byte read.
        let mut status = [0u8; 2];
        let polled = flash.transfer(&mut status, &[READ_STATUS]);
        if polled.is_ok() && status[1] & WIP == 0 {
            return Some(start.elapsed());
        }
    }
    None
}

/// WRITE ENABLE, then `command` with an address and optional data, as two transactions.
fn write_command(flash: &mut Flash, command: u8, at: u32, data: &[u8]) -> bool {
    let header = [command];
    let at = address(at);
    flash.write(&[WRITE_ENABLE]).is_ok()
        && flash
            .transaction(&mut [
                Operation::Write(&header),
                Operation::Write(&at),
                Operation::Write(data),
            ])
            .is_ok()
}

fn main() -> ! {
    let mut board = Board::take().unwrap();

    // 1. SPI0 (BLSP1 QUP5) at 10 MHz, mode 0; chip select is a GPIO output, idle high.
    let config = Config::default()
        .with_frequency(10_000_000)
        .with_mode(MODE_0);
    let spi = Spi::new(
        board.spi0,
        board.header.spi0_mosi,
        board.header.spi0_miso,
        board.header.spi0_sclk,
        &mut board.clocks,
        config,
    )
    .unwrap();
    println!(
        "spi_flash: SPI0 at {} Hz, mode 0, chip select on GPIO 18",
        spi.frequency()
    );
    let chip_select = Output::new(board.header.spi0_cs, Level::High, OutputConfig::default());
    let mut flash = ExclusiveDevice::new(spi, chip_select, Delay::new()).unwrap();

    // 2. Who is there: a flash answers 0x9F with manufacturer, type and capacity.
    match jedec_id(&mut flash) {
        Some(id) if id != [0xFF; 3] && id != [0; 3] => {
            println!(
                "spi_flash: JEDEC ID {:02x} {:02x} {:02x}",
                id[0], id[1], id[2]
            );
            if erase_program_verify(&mut flash) {
                through_the_crate(&mut flash);
            }
        }
        Some(id) => println!(
            "spi_flash: no flash (JEDEC ID {:02x} {:02x} {:02x})",
            id[0], id[1], id[2]
        ),
        None => println!("spi_flash: the JEDEC ID transfer failed"),
    }

    // 3. Another rate and mode: 1 MHz in mode 3 (the flash works in modes 0 and 3).
    let mode_3 = Config::default()
        .with_frequency(1_000_000)
        .with_mode(MODE_3);
    match flash.bus_mut().apply_config(&mode_3, &mut board.clocks) {
        Ok(()) => match jedec_id(&mut flash) {
            Some(id) => println!(
                "spi_flash: mode 3 at {} Hz: JEDEC ID {:02x} {:02x} {:02x}",
                flash.bus().frequency(),
                id[0],
                id[1],
                id[2]
            ),
            None => println!("spi_flash: mode 3: the JEDEC ID transfer failed"),
        },
        Err(error) => println!("spi_flash: mode 3 refused: {error}"),
    }

    // 4. An error on purpose: without its core clock the QUP never runs a transfer.
    let _ = board.clocks.disable(Branch::Blsp1Qup5SpiApps);
    let start = Instant::now();
    match flash.bus_mut().write(&[READ_STATUS, 0]) {
        Ok(()) => println!("spi_flash: core clock off, yet the transfer finished?"),
        Err(error) => println!(
            "spi_flash: core clock off: {error} after {} us",
            start.elapsed().as_micros()
        ),
    }
    board.clocks.enable(Branch::Blsp1Qup5SpiApps).unwrap();
    match jedec_id(&mut flash) {
        Some(id) => println!(
            "spi_flash: core clock on again: JEDEC ID {:02x} {:02x} {:02x}",
            id[0], id[1], id[2]
        ),
        None => println!("spi_flash: core clock on again, but the bus still fails"),
    }

    println!("resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}

/// Erases [`SECTOR`], programs [`PAGE`] with a pattern, reads it back and compares; whether
/// all of it went well.
fn erase_program_verify(flash: &mut Flash) -> bool {
    if !write_command(flash, SECTOR_ERASE, SECTOR, &[]) {
        println!("spi_flash: sector erase command failed");
        return false;
    }
    let start = Instant::now();
    // The erase starts when chip select rises at the end of the command.
    match wait_while_busy(flash, start, ERASE_LIMIT) {
        Some(took) => println!(
            "spi_flash: sector 0x{SECTOR:06x} erased in {} us",
            took.as_micros()
        ),
        None => {
            println!(
                "spi_flash: the flash stayed busy erasing: WIP still set after {} us",
                start.elapsed().as_micros()
            );
            return false;
        }
    }

    let mut page = [0u8; 256];
    for (k, byte) in page.iter_mut().enumerate() {
        *byte = (k as u8).wrapping_mul(3);
    }
    if !write_command(flash, PAGE_PROGRAM, PAGE, &page) {
        println!("spi_flash: page program command failed");
        return false;
    }
    let start = Instant::now();
    match wait_while_busy(flash, start, PROGRAM_LIMIT) {
        Some(took) => println!(
            "spi_flash: page 0x{PAGE:06x} programmed in {} us",
            took.as_micros()
        ),
        None => {
            println!(
                "spi_flash: the flash stayed busy programming: WIP still set after {} us",
                start.elapsed().as_micros()
            );
            return false;
        }
    }

    let mut read_back = [0u8; 256];
    let at = address(PAGE);
    let read = flash.transaction(&mut [
        Operation::Write(&[READ]),
        Operation::Write(&at),
        Operation::Read(&mut read_back),
    ]);
    if let Err(error) = read {
        println!("spi_flash: read failed: {error:?}");
        return false;
    }
    db410c::print!("spi_flash: read back");
    for byte in &read_back[..16] {
        db410c::print!(" {byte:02x}");
    }
    println!(" ...");
    if read_back == page {
        println!(
            "spi_flash: read back matches what was written ({} bytes)",
            page.len()
        );
        true
    } else {
        println!("spi_flash: read back DIFFERS from what was written");
        false
    }
}

/// The flash through the `w25q32jv` crate (unchanged, from crates.io) and embedded-storage's
/// `NorFlash` / `ReadNorFlash` traits. It borrows the `SpiDevice` (`&mut Flash` is one too).
/// The crate waits for WIP without a bound, so this runs only after our own bounded waits
/// showed a flash that finishes its work.
fn through_the_crate(flash: &mut Flash) {
    const FROM: u32 = 0x2000;
    const TO: u32 = 0x3000;
    const AT: u32 = 0x2080;
    // The pins cannot fail (`Infallible`), and the crate's `new` only sets them.
    let Ok(mut nor) = W25q32jv::new(flash, TiedHigh, TiedHigh) else {
        println!("spi_flash: w25q32jv: set-up failed");
        return;
    };
    let mut data = [0u8; 300];
    for (k, byte) in data.iter_mut().enumerate() {
        *byte = (k as u8).wrapping_mul(5) ^ 0x3C;
    }
    // Erase one sector (the crate reads it back: all 0xFF), then write across a page
    // boundary (two page programs, each read back by the crate) and read it all again.
    if let Err(error) = NorFlash::erase(&mut nor, FROM, TO) {
        println!("spi_flash: w25q32jv: erase failed: {error:?}");
        return;
    }
    if let Err(error) = NorFlash::write(&mut nor, AT, &data) {
        println!("spi_flash: w25q32jv: write failed: {error:?}");
        return;
    }
    let mut read_back = [0u8; 300];
    match ReadNorFlash::read(&mut nor, AT, &mut read_back) {
        Ok(()) if read_back == data => println!(
            "spi_flash: w25q32jv: erased 0x{FROM:06x}..0x{TO:06x}, wrote {} bytes at 0x{AT:06x}, read back equal",
            data.len()
        ),
        Ok(()) => println!("spi_flash: w25q32jv: read back DIFFERS"),
        Err(error) => println!("spi_flash: w25q32jv: read failed: {error:?}"),
    }
}
