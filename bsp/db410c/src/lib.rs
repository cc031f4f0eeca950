//! Board support for the 96Boards **DragonBoard 410c** (Qualcomm APQ8016E).
//!
//! [`Board::take`] sets up what every program on this board wants (clocks, the debug console,
//! the two SoC-driven user LEDs, the volume-up button, a delay) and hands out the remaining
//! peripherals and the low-speed expansion header pins under their silkscreen names.
//!
//! Firmware built with this crate links with its linker script `db410c.ld` (image at
//! 0x8008_0000, starting with an arm64 `Image` header, so LK/U-Boot `fastboot boot` or `booti`
//! start it like a kernel). Binaries pass `-Tdb410c.ld` to the linker (see the examples' build
//! script); this crate's build script puts the script on the search path.
//!
//! All low-speed header signals are **1.8 V**: use a 1.8 V USB-serial adapter on the console
//! pins, and level shifters for anything else.
//!
//! Board decisions live here, not in the HAL: the console UART ([`ConsoleUart`], with
//! [`print!`]/[`println!`] and the panic handler in [`console`]), the DRAM map
//! ([`DRAM_BASE`], [`DRAM_SIZE`]; the initial page table is built from them) and the link
//! address (the linker script).
//!
//! Cargo features: `panic-handler` (default) registers the board's `#[panic_handler]`
//! (report on the console, then reset); `defmt` adds `defmt::Format` to the HAL types.
#![no_std]

pub use apq8016_hal as hal;

pub mod console;
pub use console::{ConsoleUart, select_console};

use core::fmt;

use hal::clocks::Clocks;
use hal::gpio::{Input, InputConfig, Level, Output, OutputConfig, Pin, Pins, Pull};
use hal::interrupt::InterruptController;
use hal::pac;
use hal::reset::PsHold;
use hal::time::Delay;
use hal::uart::{self, Uart};

/// Board name, as printed by the examples.
pub const BOARD_NAME: &str = "DragonBoard 410c";
/// SoC name.
pub const CHIP_NAME: &str = "Qualcomm APQ8016E (Snapdragon 410E), 4x Cortex-A53";
/// Console baud rate used by every boot stage and by [`Board::take`].
pub const CONSOLE_BAUDRATE: u32 = 115_200;
/// Start of the board's DRAM (the image is linked at `DRAM_BASE + 0x8_0000`, see `db410c.ld`).
pub const DRAM_BASE: usize = 0x8000_0000;
/// Size of the board's DRAM: 1 GiB of LPDDR3.
pub const DRAM_SIZE: usize = 1 << 30;

// The runtime's initial identity map: the SoC's peripheral window and this board's DRAM.
#[cfg(target_arch = "aarch64")]
hal::initial_pagetable!(DRAM_BASE, DRAM_SIZE);

/// Declares the firmware's `main` function, `fn main() -> !`, as the HAL's
/// [`entry!`](hal::entry) does, and selects the board's console ([`select_console`]) before
/// `main` runs, so [`println!`] and the reports work from its first line.
///
/// An optional second argument sets the boot stack size in 4 KiB pages (default
/// [`hal::rt::DEFAULT_BOOT_STACK_PAGES`]): `db410c::entry!(main, 40);`. A program without
/// it fails to link with a message saying so.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        $crate::entry!($main, { $crate::hal::rt::DEFAULT_BOOT_STACK_PAGES });
    };
    ($main:path, $boot_stack_pages:expr) => {
        fn __db410c_main() -> ! {
            $crate::select_console();
            let main: fn() -> ! = $main;
            main()
        }
        $crate::hal::entry!(__db410c_main, $boot_stack_pages);
    };
}

/// A push button on a GPIO pad (pressed = pad reads low, with the pad's pull-up).
pub struct Button {
    input: Input,
}

impl Button {
    /// Whether the button is held down right now (no debouncing).
    pub fn is_pressed(&self) -> bool {
        self.input.is_low()
    }

    /// The underlying input.
    pub fn into_input(self) -> Input {
        self.input
    }
}

/// The TLMM pads on the 40-pin **low-speed expansion header** (96Boards CE), by silkscreen
/// name. "LS n" is the header pin number. All 1.8 V.
///
/// GPIO-F (LS 28) is absent: it is the PM8916 PMIC's MPP4, not a SoC pad, and needs a PMIC
/// (SPMI) driver this HAL does not have yet.
pub struct LowSpeedHeader {
    /// GPIO-A, LS 23: TLMM GPIO 36 (wake-capable "APQ INT").
    pub gpio_a: Pin<36>,
    /// GPIO-B, LS 24: TLMM GPIO 12.
    pub gpio_b: Pin<12>,
    /// GPIO-C, LS 25: TLMM GPIO 13.
    pub gpio_c: Pin<13>,
    /// GPIO-D, LS 26: TLMM GPIO 69.
    pub gpio_d: Pin<69>,
    /// GPIO-E, LS 27: TLMM GPIO 115.
    pub gpio_e: Pin<115>,
    /// GPIO-G, LS 29: TLMM GPIO 24.
    pub gpio_g: Pin<24>,
    /// GPIO-H, LS 30: TLMM GPIO 25.
    pub gpio_h: Pin<25>,
    /// GPIO-I, LS 31: TLMM GPIO 35.
    pub gpio_i: Pin<35>,
    /// GPIO-J, LS 32: TLMM GPIO 34.
    pub gpio_j: Pin<34>,
    /// GPIO-K, LS 33: TLMM GPIO 28.
    pub gpio_k: Pin<28>,
    /// GPIO-L, LS 34: TLMM GPIO 33.
    pub gpio_l: Pin<33>,
    /// UART0 TX, LS 5: TLMM GPIO 0 (BLSP1 UART1, function 2).
    pub uart0_tx: Pin<0>,
    /// UART0 RX, LS 7: TLMM GPIO 1.
    pub uart0_rx: Pin<1>,
    /// UART0 CTS_N, LS 3: TLMM GPIO 2.
    pub uart0_cts: Pin<2>,
    /// UART0 RTS_N, LS 9: TLMM GPIO 3.
    pub uart0_rts: Pin<3>,
    /// I2C0 SDA, LS 17: TLMM GPIO 6 (BLSP1 QUP2).
    pub i2c0_sda: Pin<6>,
    /// I2C0 SCL, LS 15: TLMM GPIO 7.
    pub i2c0_scl: Pin<7>,
    /// I2C1 SDA, LS 21: TLMM GPIO 22 (BLSP1 QUP6).
    pub i2c1_sda: Pin<22>,
    /// I2C1 SCL, LS 19: TLMM GPIO 23.
    pub i2c1_scl: Pin<23>,
    /// SPI0 MOSI, LS 14: TLMM GPIO 16 (BLSP1 QUP5).
    pub spi0_mosi: Pin<16>,
    /// SPI0 MISO, LS 10: TLMM GPIO 17.
    pub spi0_miso: Pin<17>,
    /// SPI0 CS_N, LS 12: TLMM GPIO 18.
    pub spi0_cs: Pin<18>,
    /// SPI0 SCLK, LS 8: TLMM GPIO 19.
    pub spi0_sclk: Pin<19>,
}

/// Everything on the board, set up and ready.
///
/// A whole program: `src/main.rs` of a firmware crate, which also starts with `#![no_std]`,
/// `#![no_main]` and `db410c::entry!(main);` (the examples show more):
///
/// ```no_run
/// use db410c::Board;
/// use db410c::hal::time::Duration;
///
/// fn main() -> ! {
///     db410c::println!("starting"); // works before `Board::take`
///     let mut board = Board::take().unwrap();
///     board.led1.set_high();
///     board.delay.delay(Duration::from_millis(100));
///     db410c::println!("volume up pressed: {}", board.volume_up.is_pressed());
///     let _ = board.console.flush();
///     board.ps_hold.reset()
/// }
/// ```
pub struct Board {
    /// Debug console: BLSP1 UART2 on LS pins 11 (TX, GPIO 4) and 13 (RX, GPIO 5), 115200 8N1,
    /// 1.8 V levels. The same UART the boot firmware prints on.
    pub console: Uart<ConsoleUart>,
    /// User LED 1 (green, "heartbeat" in Linux): TLMM GPIO 21, active high.
    /// Starts off.
    pub led1: Output,
    /// User LED 2 (green): TLMM GPIO 120, active high. Starts off.
    /// (LEDs 3 and 4 hang off the PM8916 PMIC and are not available yet.)
    pub led2: Output,
    /// Volume-up button S3: TLMM GPIO 107, active low, internal pull-up enabled.
    /// (Volume-down and power are PMIC inputs, not available yet.)
    pub volume_up: Button,
    /// Low-speed expansion header pads by silkscreen name.
    pub header: LowSpeedHeader,
    /// Busy-wait delay on the system counter (19.2 MHz).
    pub delay: Delay,
    /// Global clock controller, for drivers created later (e.g. `Rng::new(board.prng, &mut board.clocks)`).
    pub clocks: Clocks,
    /// The hardware pseudo-random number generator, for [`hal::rng::Rng::new`].
    pub prng: pac::PRNG,
    /// BLSP1 UART1: the 4-wire "UART0" on LS pins 5/7/3/9 (pads in [`LowSpeedHeader`]).
    pub uart0: pac::BLSP1_UART1,
    /// PS_HOLD, to reset the board.
    pub ps_hold: PsHold,
    /// The GIC, initialised: every line off, SPIs routed to core 0, IRQs still masked on the
    /// core (see [`hal::interrupt`]; `hal::time::Alarm::new(&mut board.interrupts)` makes the
    /// timer alarm).
    pub interrupts: InterruptController,
}

/// Why [`Board::take`] failed.
#[non_exhaustive]
pub enum BoardError {
    /// The peripherals (or the interrupt controller) were already taken (by an earlier
    /// `Board::take`, `Peripherals::take` or `InterruptController::take`).
    AlreadyTaken,
    /// The console UART could not be set up.
    Console(uart::ConfigError),
}

impl fmt::Display for BoardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BoardError::AlreadyTaken => f.write_str("board peripherals already taken"),
            BoardError::Console(e) => write!(f, "console UART setup failed: {e}"),
        }
    }
}

/// Same text as `Display`. Written by hand rather than derived: `Board::take().unwrap()` then
/// does not pull the `Debug` builder machinery into every firmware image (about 1.5 KiB).
impl fmt::Debug for BoardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl core::error::Error for BoardError {}

impl Board {
    /// Takes the SoC peripherals (once) and sets the board up: console at 115200 8N1, LEDs as
    /// outputs (off), volume-up as input with pull-up, the interrupt controller initialised.
    pub fn take() -> Result<Board, BoardError> {
        let p = pac::Peripherals::take().ok_or(BoardError::AlreadyTaken)?;
        Self::new(p)
    }

    /// Like [`Board::take`], from peripherals obtained otherwise.
    pub fn new(p: pac::Peripherals) -> Result<Board, BoardError> {
        select_console();
        let interrupts = InterruptController::take().ok_or(BoardError::AlreadyTaken)?;
        let mut clocks = Clocks::new(p.GCC);
        let pins = Pins::new(p.TLMM);
        let console = Uart::new(
            p.BLSP1_UART2,
            pins.gpio4,
            pins.gpio5,
            &mut clocks,
            uart::Config::default().with_baudrate(CONSOLE_BAUDRATE),
        )
        .map_err(BoardError::Console)?;
        let led1 = Output::new(pins.gpio21, Level::Low, OutputConfig::default());
        let led2 = Output::new(pins.gpio120, Level::Low, OutputConfig::default());
        let volume_up = Button {
            input: Input::new(pins.gpio107, InputConfig::default().with_pull(Pull::Up)),
        };
        let header = LowSpeedHeader {
            gpio_a: pins.gpio36,
            gpio_b: pins.gpio12,
            gpio_c: pins.gpio13,
            gpio_d: pins.gpio69,
            gpio_e: pins.gpio115,
            gpio_g: pins.gpio24,
            gpio_h: pins.gpio25,
            gpio_i: pins.gpio35,
            gpio_j: pins.gpio34,
            gpio_k: pins.gpio28,
            gpio_l: pins.gpio33,
            uart0_tx: pins.gpio0,
            uart0_rx: pins.gpio1,
            uart0_cts: pins.gpio2,
            uart0_rts: pins.gpio3,
            i2c0_sda: pins.gpio6,
            i2c0_scl: pins.gpio7,
            i2c1_sda: pins.gpio22,
            i2c1_scl: pins.gpio23,
            spi0_mosi: pins.gpio16,
            spi0_miso: pins.gpio17,
            spi0_cs: pins.gpio18,
            spi0_sclk: pins.gpio19,
        };
        Ok(Board {
            console,
            led1,
            led2,
            volume_up,
            header,
            delay: Delay::new(),
            clocks,
            prng: p.PRNG,
            uart0: p.BLSP1_UART1,
            ps_hold: PsHold::new(p.MPM_PS_HOLD),
            interrupts,
        })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;

    /// The linker script's memory region is the DRAM map above, from the load offset on.
    #[test]
    fn linker_script_agrees_with_the_dram_map() {
        let script = include_str!("../db410c.ld");
        let load_offset = 0x8_0000;
        let region = format!(
            "image : ORIGIN = {:#x}, LENGTH = {:#x} - {:#x}",
            super::DRAM_BASE + load_offset,
            super::DRAM_SIZE,
            load_offset
        );
        assert!(script.contains(&region), "db410c.ld lacks `{region}`");
    }
}
