//! The part of the clock tree this HAL configures, as data: sources, root clock generators
//! (RCGs), branches and the blocks they clock.
//!
//! Design notes:
//! - Plain data, depending only on its sibling [`rcg`](super::rcg) (for the source rates):
//!   `xtask` includes this file and `rcg.rs` with `#[path]` to draw
//!   `docs/figures/clock-tree.svg` (`cargo xtask figures`) without building the HAL, so the
//!   picture shows what the drivers program.
//! - A unit test of [`super`] checks that the branches listed here are exactly the HAL's
//!   [`Branch`](super::Branch) variants; `xtask`'s tests check that every register named here
//!   exists in the SVD.
//! - Names are the SVD's (`GCC` register and cluster names, peripheral names), offsets from
//!   the GCC base (docs/hardware/gcc-clocks.md#peripheral-clock-table).

use super::rcg::{GPLL0_HZ, RcgSource, XO_HZ};

/// Core clock the boot chain (and Linux, U-Boot) give the console UART, 115200 baud with the
/// UART's divisor 64; the UART driver prefers it among equally good settings
/// (`uart::Config`), so the board's console runs at it.
pub const CONSOLE_CORE_CLOCK_HZ: u32 = 7_372_800;

/// A clock source feeding the roots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Source {
    /// Name as in the hardware docs.
    pub name: &'static str,
    /// Rate in Hz.
    pub hz: u32,
    /// The RCG source it is, if the roots below can select it.
    pub rcg_source: Option<RcgSource>,
    /// Who starts it.
    pub note: &'static str,
}

/// How the HAL sets a root's rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootRate {
    /// A UART core clock chosen for the baud rate; the console's is [`CONSOLE_CORE_CLOCK_HZ`].
    UartCore {
        /// The rate the board's console uses through this root, if it does.
        console_hz: Option<u32>,
    },
    /// The crystal, undivided (`Clocks::set_i2c_clock_xo`).
    Crystal,
    /// The SPI bus rate asked for (SCLK = core clock), at most `max_hz`.
    SpiBus {
        /// Highest rate.
        max_hz: u32,
    },
}

/// A root clock generator the HAL programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Root {
    /// The SVD's name of its register cluster in `GCC`.
    pub name: &'static str,
    /// Offset of its `CMD_RCGR` from the GCC base.
    pub offset: u32,
    /// Sources its `SRC_SEL` can pick (those the HAL uses).
    pub sources: &'static [RcgSource],
    /// Width of its M/N counter in bits (0: none).
    pub mn_counter_bits: u8,
    /// How the HAL sets its rate.
    pub rate: RootRate,
    /// The HAL function that programs it.
    pub programmed_by: &'static str,
}

/// Where a branch's clock comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BranchParent {
    /// One of [`ROOTS`], by name.
    Root(&'static str),
    /// The peripheral NoC's bus clock, set up by the boot chain (not by this HAL).
    BusClock,
}

/// A branch (gate) the HAL switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BranchClock {
    /// The SVD's name of its `CBCR` register in `GCC`.
    pub name: &'static str,
    /// The HAL's `clocks::Branch` variant, as its name.
    pub hal_branch: &'static str,
    /// Offset of its CBCR from the GCC base.
    pub offset: u32,
    /// Its bit in `APCS_CLOCK_BRANCH_ENA_VOTE` if it is a voted branch.
    pub vote_bit: Option<u8>,
    /// Where its clock comes from.
    pub parent: BranchParent,
    /// The blocks it clocks, by SVD peripheral name.
    pub clocks: &'static [&'static str],
    /// The HAL modules that switch it on.
    pub enabled_by: &'static [&'static str],
}

/// The sources, fastest last.
pub const SOURCES: [Source; 3] = [
    Source {
        name: "XO (CXO crystal)",
        hz: XO_HZ,
        rcg_source: Some(RcgSource::Xo),
        note: "always running",
    },
    Source {
        name: "GPLL0",
        hz: GPLL0_HZ,
        rcg_source: Some(RcgSource::Gpll0),
        note: "voted on by the HAL when a root selects it",
    },
    Source {
        name: "PCNOC bus clock",
        hz: 0,
        rcg_source: None,
        note: "set up by the boot chain",
    },
];

const UART_SOURCES: &[RcgSource] = &[RcgSource::Xo, RcgSource::Gpll0];

/// The roots the HAL programs.
pub const ROOTS: [Root; 5] = [
    Root {
        name: "BLSP1_UART1_APPS_RCG",
        offset: 0x0_2044,
        sources: UART_SOURCES,
        mn_counter_bits: 16,
        rate: RootRate::UartCore { console_hz: None },
        programmed_by: "Clocks::set_uart_clock_settings",
    },
    Root {
        name: "BLSP1_UART2_APPS_RCG",
        offset: 0x0_3034,
        sources: UART_SOURCES,
        mn_counter_bits: 16,
        rate: RootRate::UartCore {
            console_hz: Some(CONSOLE_CORE_CLOCK_HZ),
        },
        programmed_by: "Clocks::set_uart_clock_settings",
    },
    Root {
        name: "BLSP1_QUP2_I2C_APPS_RCG",
        offset: 0x0_3000,
        sources: &[RcgSource::Xo],
        mn_counter_bits: 0,
        rate: RootRate::Crystal,
        programmed_by: "Clocks::set_i2c_clock_xo",
    },
    Root {
        name: "BLSP1_QUP5_SPI_APPS_RCG",
        offset: 0x0_6024,
        sources: UART_SOURCES,
        mn_counter_bits: 8,
        rate: RootRate::SpiBus { max_hz: 50_000_000 },
        programmed_by: "Clocks::set_spi_clock",
    },
    Root {
        name: "BLSP1_QUP6_I2C_APPS_RCG",
        offset: 0x0_7000,
        sources: &[RcgSource::Xo],
        mn_counter_bits: 0,
        rate: RootRate::Crystal,
        programmed_by: "Clocks::set_i2c_clock_xo",
    },
];

/// The branches the HAL switches, one per `clocks::Branch` variant.
pub const BRANCHES: [BranchClock; 7] = [
    BranchClock {
        name: "BLSP1_AHB_CBCR",
        hal_branch: "Blsp1Ahb",
        offset: 0x0_1008,
        vote_bit: Some(10),
        parent: BranchParent::BusClock,
        clocks: &[
            "BLSP1_UART1",
            "BLSP1_UART2",
            "BLSP1_QUP1",
            "BLSP1_QUP2",
            "BLSP1_QUP3",
            "BLSP1_QUP4",
            "BLSP1_QUP5",
            "BLSP1_QUP6",
        ],
        enabled_by: &["uart", "i2c", "spi"],
    },
    BranchClock {
        name: "BLSP1_UART1_APPS_CBCR",
        hal_branch: "Blsp1Uart1Apps",
        offset: 0x0_203C,
        vote_bit: None,
        parent: BranchParent::Root("BLSP1_UART1_APPS_RCG"),
        clocks: &["BLSP1_UART1"],
        enabled_by: &["uart"],
    },
    BranchClock {
        name: "BLSP1_UART2_APPS_CBCR",
        hal_branch: "Blsp1Uart2Apps",
        offset: 0x0_302C,
        vote_bit: None,
        parent: BranchParent::Root("BLSP1_UART2_APPS_RCG"),
        clocks: &["BLSP1_UART2"],
        enabled_by: &["uart"],
    },
    BranchClock {
        name: "BLSP1_QUP2_I2C_APPS_CBCR",
        hal_branch: "Blsp1Qup2I2cApps",
        offset: 0x0_3010,
        vote_bit: None,
        parent: BranchParent::Root("BLSP1_QUP2_I2C_APPS_RCG"),
        clocks: &["BLSP1_QUP2"],
        enabled_by: &["i2c"],
    },
    BranchClock {
        name: "BLSP1_QUP5_SPI_APPS_CBCR",
        hal_branch: "Blsp1Qup5SpiApps",
        offset: 0x0_601C,
        vote_bit: None,
        parent: BranchParent::Root("BLSP1_QUP5_SPI_APPS_RCG"),
        clocks: &["BLSP1_QUP5"],
        enabled_by: &["spi"],
    },
    BranchClock {
        name: "BLSP1_QUP6_I2C_APPS_CBCR",
        hal_branch: "Blsp1Qup6I2cApps",
        offset: 0x0_7020,
        vote_bit: None,
        parent: BranchParent::Root("BLSP1_QUP6_I2C_APPS_RCG"),
        clocks: &["BLSP1_QUP6"],
        enabled_by: &["i2c"],
    },
    BranchClock {
        name: "PRNG_AHB_CBCR",
        hal_branch: "PrngAhb",
        offset: 0x1_3004,
        vote_bit: Some(8),
        parent: BranchParent::BusClock,
        clocks: &["PRNG"],
        enabled_by: &["rng"],
    },
];
