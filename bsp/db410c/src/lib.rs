//! Board support for the 96Boards **DragonBoard 410c** (Qualcomm APQ8016E).
//!
//! [`Board::take`] sets up what every program on this board wants (clocks, the debug console,
//! the two SoC-driven user LEDs, the volume-up button, a delay) and hands out the remaining
//! peripherals and the low-speed expansion header pins under their silkscreen names.
//! [`Board::pmic`] adds the PM8916 side (user LEDs 3 and 4, the BT LED, the power and
//! volume-down keys, GPIO-F, the PMIC interrupts; [`pmic`]); [`Board::power_off`] and
//! [`Board::reset`] end a program.
//!
//! ```no_run
//! use db410c::Board;
//! use db410c::hal::time::Duration;
//!
//! let mut board = Board::take().unwrap(); // once per program
//! db410c::println!("Hello from the {}!", db410c::BOARD_NAME);
//! loop {
//!     board.led1.toggle();
//!     board.delay.delay(Duration::from_millis(500));
//! }
//! ```
//!
//! The examples (`examples/*.rs`, one chapter each in the book, `cargo xtask book`) show
//! every part; `cargo xtask doc` lists them next to this documentation.
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
pub mod cores;
pub mod header_pins;
pub mod pmic;
pub use console::{ConsoleUart, select_console};
pub use pmic::{BoardPmic, PmicKey};

use core::convert::Infallible;
use core::fmt;

use hal::clocks::Clocks;
use hal::gpio::{Input, InputConfig, Level, Output, OutputConfig, Pin, Pins, Pull};
use hal::interrupt::InterruptController;
use hal::pac;
use hal::pmic::{Pm8916, PmicPins};
use hal::reset::PsHold;
use hal::spmi::{Spmi, SpmiBus};
use hal::time::Delay;
use hal::uart::{self, Uart};
use hal::watchdog::Watchdog;

/// Board name, as printed by the examples.
pub const BOARD_NAME: &str = "DragonBoard 410c";
/// SoC name.
pub const CHIP_NAME: &str = "Qualcomm APQ8016E (Snapdragon 410E), 4x Cortex-A53";
/// Console baud rate used by every boot stage and by [`Board::take`].
pub const CONSOLE_BAUDRATE: u32 = 115_200;
/// The console's UART settings (115200 8N1 at [`CONSOLE_BAUDRATE`]), with core clock, root
/// clock and divisor worked out by the compiler: [`Board::take`] only writes registers.
pub const CONSOLE_SETTINGS: uart::Settings = match uart::Config::new()
    .with_baudrate(CONSOLE_BAUDRATE)
    .settings()
{
    Ok(settings) => settings,
    Err(_) => panic!("the console baud rate cannot be generated"),
};
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
/// name. "LS n" is the header pin number. All 1.8 V. Every pin of both headers, with its
/// functions: [`header_pins`] (drawn in `docs/figures/pinout.svg`).
///
/// GPIO-F (LS 28) is absent: it is the PM8916 PMIC's MPP4, not a SoC pad; it comes with the
/// PMIC side of the board ([`BoardPmic::gpio_f`], from [`Board::pmic`]).
///
/// The header's buses, each from its controller (a [`Board`] field) and its pins:
///
/// ```no_run
/// use db410c::hal::gpio::{Level, Output, OutputConfig};
/// use db410c::hal::{i2c, spi, uart};
///
/// let mut board = db410c::Board::take().unwrap();
/// let pins = board.header;
/// let i2c0 = i2c::I2c::new(board.i2c0, pins.i2c0_sda, pins.i2c0_scl, &mut board.clocks, i2c::Config::default())?;
/// let i2c1 = i2c::I2c::new(board.i2c1, pins.i2c1_sda, pins.i2c1_scl, &mut board.clocks, i2c::Config::default())?;
/// let spi0 = spi::Spi::new(board.spi0, pins.spi0_mosi, pins.spi0_miso, pins.spi0_sclk, &mut board.clocks, spi::Config::default())?;
/// let spi0_cs = Output::new(pins.spi0_cs, Level::High, OutputConfig::default()); // chip select
/// let uart0 = uart::Uart::new(board.uart0, pins.uart0_tx, pins.uart0_rx, &mut board.clocks, uart::Config::default())?;
/// let gpio_a = Output::new(pins.gpio_a, Level::Low, OutputConfig::default()); // LS 23
/// # let _ = (i2c0, i2c1, spi0, spi0_cs, uart0, gpio_a);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
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
///     let mut pmic = board.pmic().unwrap(); // LEDs 3/4, BT LED, power key, volume down
///     let _ = pmic.led3.set_level(db410c::hal::gpio::Level::High);
///     let _ = board.console.flush();
///     match board.power_off() {
///         Err(e) => panic!("could not power off: {e}"),
///     }
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
    /// (LEDs 3 and 4 and the BT LED hang off the PM8916 PMIC: [`Board::pmic`].)
    pub led2: Output,
    /// Volume-up button S3: TLMM GPIO 107, active low, internal pull-up enabled.
    /// (Volume-down and power are PMIC keys: [`Board::pmic`].)
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
    /// BLSP1 QUP2: the low-speed header's **I2C0** on LS pins 15 (SCL, GPIO 7) and 17 (SDA,
    /// GPIO 6); pads in [`LowSpeedHeader`]. Make it an [`I2c0`] with
    /// `I2c::new(board.i2c0, board.header.i2c0_sda, board.header.i2c0_scl, &mut board.clocks, config)`.
    pub i2c0: pac::BLSP1_QUP2,
    /// BLSP1 QUP6: the low-speed header's **I2C1** on LS pins 19 (SCL, GPIO 23) and 21 (SDA,
    /// GPIO 22); an [`I2c1`] the same way with `i2c1`, `i2c1_sda`, `i2c1_scl`.
    pub i2c1: pac::BLSP1_QUP6,
    /// BLSP1 QUP5: the low-speed header's **SPI0** on LS pins 14 (MOSI, GPIO 16), 10 (MISO,
    /// GPIO 17) and 8 (SCLK, GPIO 19); pads in [`LowSpeedHeader`]. Make it an [`Spi0`] with
    /// `Spi::new(board.spi0, board.header.spi0_mosi, board.header.spi0_miso,
    /// board.header.spi0_sclk, &mut board.clocks, config)`. Its chip select (LS 12,
    /// `header.spi0_cs`, GPIO 18) is a plain GPIO output: drive it yourself, or hand it with
    /// the bus to `embedded-hal-bus`'s `ExclusiveDevice` (`examples/spi_flash.rs`).
    pub spi0: pac::BLSP1_QUP5,
    /// PS_HOLD, to reset the board (or power it off, with the PMIC: [`Board::power_off`]).
    pub ps_hold: PsHold,
    /// The APSS watchdog, stopped until [`hal::watchdog::Watchdog::enable`]; after a bite,
    /// `board.watchdog.last_reset_was_bite()` tells the next boot.
    pub watchdog: Watchdog,
    /// The SPMI arbiter's windows until first used, then the arbiter driver.
    spmi: SpmiState,
    /// The arbiter's interrupt window, until [`Board::pmic`] hands it out.
    spmi_intr: Option<pac::SPMI_INTR>,
    /// The GIC: every line off, SPIs routed to core 0, IRQs still masked on the core (set up
    /// by the first method used, so programs without interrupts carry no set-up code; see
    /// [`hal::interrupt`]; `hal::time::Alarm::new(&mut board.interrupts)` makes the
    /// timer alarm).
    pub interrupts: InterruptController,
}

/// The SPMI arbiter, set up on first use so programs that never touch the PMIC pay nothing.
enum SpmiState {
    Windows(
        pac::SPMI_CORE,
        pac::SPMI_CNFG,
        pac::SPMI_CHNLS,
        pac::SPMI_OBSRVR,
    ),
    Ready(Spmi),
    /// The arbiter failed its check with this error (it keeps failing).
    Failed(hal::spmi::Error),
}

/// The I2C master on the low-speed header's I2C0 (LS 15 SCL / 17 SDA, BLSP1 QUP2).
pub type I2c0 = hal::i2c::I2c<pac::BLSP1_QUP2>;
/// The I2C master on the low-speed header's I2C1 (LS 19 SCL / 21 SDA, BLSP1 QUP6).
pub type I2c1 = hal::i2c::I2c<pac::BLSP1_QUP6>;
/// The SPI master on the low-speed header's SPI0 (LS 14 MOSI / 10 MISO / 8 SCLK, BLSP1 QUP5;
/// chip select LS 12 as a GPIO).
pub type Spi0 = hal::spi::Spi<pac::BLSP1_QUP5>;

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
    ///
    /// ```no_run
    /// let mut board = db410c::Board::take()?;
    /// board.led1.set_high();
    /// if board.volume_up.is_pressed() {
    ///     board.led2.set_high();
    /// }
    /// // A second call fails: the peripherals have one owner.
    /// assert!(db410c::Board::take().is_err());
    /// # Ok::<(), db410c::BoardError>(())
    /// ```
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
        let console = Uart::with_settings(
            p.BLSP1_UART2,
            pins.gpio4,
            pins.gpio5,
            &mut clocks,
            CONSOLE_SETTINGS,
        )
        .map_err(BoardError::Console)?;
        // ANCHOR: leds
        let led1 = Output::new(pins.gpio21, Level::Low, OutputConfig::default());
        let led2 = Output::new(pins.gpio120, Level::Low, OutputConfig::default());
        // ANCHOR_END: leds
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
            i2c0: p.BLSP1_QUP2,
            i2c1: p.BLSP1_QUP6,
            spi0: p.BLSP1_QUP5,
            ps_hold: PsHold::new(p.MPM_PS_HOLD),
            watchdog: Watchdog::new(p.APSS_WDT),
            spmi: SpmiState::Windows(p.SPMI_CORE, p.SPMI_CNFG, p.SPMI_CHNLS, p.SPMI_OBSRVR),
            spmi_intr: Some(p.SPMI_INTR),
            interrupts,
        })
    }

    /// The SPMI bus to the PMIC (the arbiter is checked on the first call).
    pub fn spmi(&mut self) -> Result<SpmiBus, hal::spmi::Error> {
        if let SpmiState::Windows(..) = self.spmi {
            let placeholder = SpmiState::Failed(hal::spmi::Error::Timeout);
            if let SpmiState::Windows(core, cnfg, chnls, obsrvr) =
                core::mem::replace(&mut self.spmi, placeholder)
            {
                self.spmi = match Spmi::new(core, cnfg, chnls, obsrvr) {
                    Ok(spmi) => SpmiState::Ready(spmi),
                    Err(e) => SpmiState::Failed(e),
                };
            }
        }
        match &self.spmi {
            SpmiState::Ready(spmi) => Ok(**spmi),
            SpmiState::Failed(e) => Err(*e),
            SpmiState::Windows(..) => unreachable!("set up just above"),
        }
    }

    /// Sets up the PM8916 side of the board (once; afterwards
    /// [`hal::pmic::Error::PinsTaken`]):
    /// user LEDs 3 and 4 and the BT LED as outputs (off), the power and volume-down keys,
    /// GPIO-F, the PMIC interrupts and the PMIC itself.
    ///
    /// ```no_run
    /// use embedded_hal::digital::OutputPin;
    ///
    /// let mut board = db410c::Board::take().unwrap();
    /// let mut pmic = board.pmic()?;
    /// pmic.led3.set_high()?;
    /// if pmic.power_key.is_pressed()? {
    ///     pmic.bt_led.set_high()?;
    /// }
    /// # Ok::<(), db410c::hal::pmic::Error>(())
    /// ```
    pub fn pmic(&mut self) -> Result<BoardPmic, hal::pmic::Error> {
        let bus = self.spmi()?;
        let pins = PmicPins::take().ok_or(hal::pmic::Error::PinsTaken)?;
        let intr = self.spmi_intr.take().ok_or(hal::pmic::Error::PinsTaken)?;
        BoardPmic::new(bus, pins, intr)
    }

    /// Powers the board off: the PMIC's PS_HOLD action becomes shutdown, then PS_HOLD is
    /// released. Returns only if the PMIC could not be reached (nothing was released).
    pub fn power_off(&mut self) -> Result<Infallible, hal::pmic::Error> {
        let pmic = Pm8916::new(self.spmi()?)?;
        self.ps_hold.power_off(&pmic)
    }

    /// Resets the board by releasing PS_HOLD, with the PMIC's PS_HOLD action as the boot
    /// chain left it (a reset: [`hal::reset`]). Use [`PsHold::reset_as`] to choose warm or
    /// hard reset explicitly.
    pub fn reset(&self) -> ! {
        self.ps_hold.reset()
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;

    /// The console keeps the boot chain's clocking: 7.3728 MHz from GPLL0 (M/N 144/15625),
    /// CSR 0xCC, worked out by the compiler.
    #[test]
    fn console_settings_are_the_boot_chains() {
        let settings = super::CONSOLE_SETTINGS;
        assert_eq!(settings.config().baudrate, super::CONSOLE_BAUDRATE);
        let baud = settings.baud();
        assert_eq!((baud.core_clock_hz, baud.csr_code), (7_372_800, 0xC));
        assert_eq!(baud.achieved_baudrate, 115_200);
        let clock = settings.core_clock();
        assert_eq!(clock.achieved_hz, 7_372_800);
        // The rate the clock-tree data (and its picture) give the console.
        assert_eq!(
            clock.achieved_hz,
            super::hal::clocks::tree::CONSOLE_CORE_CLOCK_HZ
        );
        assert_eq!(clock.mnd.map(|m| (m.m, m.n)), Some((144, 15625)));
    }

    /// Each `LowSpeedHeader` field's pad (its `Pin<N>` type) is the pad [`header_pins`] gives
    /// for the pin its name and doc name: field and table cannot drift apart.
    #[test]
    fn low_speed_header_fields_agree_with_the_pin_table() {
        use super::LowSpeedHeader;
        use super::hal::gpio::Pin;
        use super::header_pins::{LOW_SPEED_HEADER, PinSource};

        /// The pad number of a field, read from its type.
        fn pad<const N: u8>(_field: fn(&LowSpeedHeader) -> &Pin<N>) -> u8 {
            N
        }
        let fields: [(&str, u8, u8); 23] = [
            ("GPIO-A", 23, pad(|h| &h.gpio_a)),
            ("GPIO-B", 24, pad(|h| &h.gpio_b)),
            ("GPIO-C", 25, pad(|h| &h.gpio_c)),
            ("GPIO-D", 26, pad(|h| &h.gpio_d)),
            ("GPIO-E", 27, pad(|h| &h.gpio_e)),
            ("GPIO-G", 29, pad(|h| &h.gpio_g)),
            ("GPIO-H", 30, pad(|h| &h.gpio_h)),
            ("GPIO-I", 31, pad(|h| &h.gpio_i)),
            ("GPIO-J", 32, pad(|h| &h.gpio_j)),
            ("GPIO-K", 33, pad(|h| &h.gpio_k)),
            ("GPIO-L", 34, pad(|h| &h.gpio_l)),
            ("UART0_TxD", 5, pad(|h| &h.uart0_tx)),
            ("UART0_RxD", 7, pad(|h| &h.uart0_rx)),
            ("UART0_CTS", 3, pad(|h| &h.uart0_cts)),
            ("UART0_RTS", 9, pad(|h| &h.uart0_rts)),
            ("I2C0_SDA", 17, pad(|h| &h.i2c0_sda)),
            ("I2C0_SCL", 15, pad(|h| &h.i2c0_scl)),
            ("I2C1_SDA", 21, pad(|h| &h.i2c1_sda)),
            ("I2C1_SCL", 19, pad(|h| &h.i2c1_scl)),
            ("SPI0_DOUT", 14, pad(|h| &h.spi0_mosi)),
            ("SPI0_DIN", 10, pad(|h| &h.spi0_miso)),
            ("SPI0_CS", 12, pad(|h| &h.spi0_cs)),
            ("SPI0_SCLK", 8, pad(|h| &h.spi0_sclk)),
        ];
        for (name, number, field_pad) in fields {
            let pin = LOW_SPEED_HEADER.pin(number).unwrap();
            assert_eq!(pin.silkscreen_name, name, "LS {number}");
            assert_eq!(
                pin.source,
                PinSource::SocGpio(field_pad),
                "LS {number} {name}"
            );
        }
        // GPIO-F is the PMIC's MPP4 (handed out by `Board::pmic`), not a TLMM pad.
        let gpio_f = LOW_SPEED_HEADER.pin(28).unwrap();
        assert_eq!(
            (gpio_f.silkscreen_name, gpio_f.source),
            ("GPIO-F", PinSource::Pmic("MPP4"))
        );
        // The console and LEDs documented elsewhere in this crate.
        assert_eq!(
            LOW_SPEED_HEADER.pin_of_soc_gpio(4).map(|p| p.number),
            Some(11)
        );
        assert_eq!(
            LOW_SPEED_HEADER.pin_of_soc_gpio(5).map(|p| p.number),
            Some(13)
        );
    }

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
