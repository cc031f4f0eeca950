//! Global clock controller (GCC): branch gates, the BLSP1 UART root clocks and GPLL0.
//!
//! Design notes:
//! - Only the clocks this HAL's drivers need are covered ([`Branch`], [`UartClock`],
//!   [`I2cClock`], [`SpiClock`]).
//! - The QUP SPI roots have an 8-bit M/N counter (docs/hardware/gcc-clocks.md#peripheral-clock-table)
//!   and the QUP shifts SCLK at the core clock's rate, so [`Clocks::set_spi_clock`] programs
//!   the root with settings the SPI driver worked out (`spi::clock_settings`).
//! - The QUP I2C roots have no M/N counter (docs/hardware/gcc-clocks.md#peripheral-clock-table):
//!   [`Clocks::set_i2c_clock_xo`] selects the 19.2 MHz crystal, undivided (the roots' reset
//!   state; every bus rate up to 1 MHz is divided from it by the QUP itself).
//! - BLSP1_AHB and PRNG_AHB are *voted* branches: the CPU (APCS) sets its bit in
//!   `APCS_CLOCK_BRANCH_ENA_VOTE` and the branch runs while any master votes for it; their
//!   CBCR `CLK_ENABLE` bit does nothing. The PRNG vote is bit 8, not bit 0: docs/hardware/conflicts.md#c2-prng-ahb-vote-bit
//!   (bit 0 is CRYPTO_AHB; early upstream Linux used it by mistake, U-Boot, current Linux
//!   and the MSM8909 sibling use bit 8).
//! - A voted branch counts as running when its CBCR reads `CLK_OFF = 0` with the NoC
//!   status (bits 30:28) 0 or 2. Disabling a voted branch only withdraws our vote and does
//!   not wait for `CLK_OFF`: other masters (RPM, modem, TrustZone) may keep it running, so
//!   waiting for it to stop could time out for no fault of ours.
//! - Every wait is bounded (see `wait`): branches 200 µs and RCG update 500 µs (the bounds
//!   Linux uses, docs/hardware/gcc-clocks.md#sequences), GPLL0 lock 1 ms (our own choice: no
//!   source gives a lock time; the boot chain leaves GPLL0 running).
//! - The divider search ([`rcg`]) is pure arithmetic, unit-tested on the host, and a `const fn`:
//!   [`Clocks::set_uart_clock_settings`] programs settings worked out at build time, so the
//!   search (and its 128-bit arithmetic) need not be in the firmware at all.
//! - [`tree`] lists, as data, the sources, roots and branches this driver programs and the
//!   blocks they clock (drawn in `docs/figures/clock-tree.svg`); a test keeps it equal to
//!   [`Branch`].

pub mod rcg;
pub mod tree;
pub(crate) mod wait;

use core::fmt;

use crate::pac;
use pac::gcc::Blsp1AhbCbcr;
use pac::gcc::Blsp1Qup2I2cAppsRcg;
use pac::gcc::Blsp1Uart1AppsRcg;
pub use rcg::{GPLL0_HZ, RcgSettings, RcgSource, UART_CLOCK_MAX_HZ, XO_HZ, uart_rcg_settings};

/// Bound for a branch to start or stop, in µs.
const BRANCH_TIMEOUT_US: u64 = 200;
/// Bound for an RCG to take a new configuration (`CMD_RCGR.UPDATE` to clear), in µs.
const RCG_UPDATE_TIMEOUT_US: u64 = 500;
/// Bound for GPLL0 to report `ACTIVE` after it is voted on, in µs.
const PLL_LOCK_TIMEOUT_US: u64 = 1_000;

/// A clock branch (gate) the HAL can switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Branch {
    /// BLSP1 bus clock, the interface clock of every BLSP1 UART/QUP (voted).
    Blsp1Ahb,
    /// Core clock of BLSP1 UART1 (fed by its RCG, see [`UartClock::Blsp1Uart1`]).
    Blsp1Uart1Apps,
    /// Core clock of BLSP1 UART2, the console (fed by [`UartClock::Blsp1Uart2`]).
    Blsp1Uart2Apps,
    /// Bus clock of the PRNG (voted).
    PrngAhb,
    /// Core clock of BLSP1 QUP2 in I2C mode (the low-speed header's I2C0), fed by
    /// [`I2cClock::Blsp1Qup2`].
    Blsp1Qup2I2cApps,
    /// Core clock of BLSP1 QUP6 in I2C mode (the low-speed header's I2C1), fed by
    /// [`I2cClock::Blsp1Qup6`].
    Blsp1Qup6I2cApps,
    /// Core clock of BLSP1 QUP5 in SPI mode (the low-speed header's SPI0), fed by
    /// [`SpiClock::Blsp1Qup5`].
    Blsp1Qup5SpiApps,
}

impl Branch {
    const fn is_voted(self) -> bool {
        matches!(self, Branch::Blsp1Ahb | Branch::PrngAhb)
    }
}

/// A root clock generator (RCG) feeding a UART core clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum UartClock {
    /// Root of BLSP1 UART1's core clock.
    Blsp1Uart1,
    /// Root of BLSP1 UART2's core clock.
    Blsp1Uart2,
}

/// A root clock generator (RCG) feeding a QUP's I2C core clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum I2cClock {
    /// Root of BLSP1 QUP2's I2C core clock (0x3000, docs/hardware/conflicts.md#c1-qup2-i2c-root-address).
    Blsp1Qup2,
    /// Root of BLSP1 QUP6's I2C core clock.
    Blsp1Qup6,
}

/// A root clock generator (RCG) feeding a QUP's SPI core clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SpiClock {
    /// Root of BLSP1 QUP5's SPI core clock (0x6024).
    Blsp1Qup5,
}

/// Errors of the clock controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ClockError {
    /// A branch did not reach the requested state in time.
    Timeout {
        /// The branch that did not start or stop.
        branch: Branch,
    },
    /// An RCG did not acknowledge its new configuration (`CMD_RCGR.UPDATE` stayed set).
    RcgUpdateTimeout {
        /// The root that did not update.
        clock: UartClock,
    },
    /// A QUP I2C root did not acknowledge its new configuration.
    I2cRcgUpdateTimeout {
        /// The root that did not update.
        clock: I2cClock,
    },
    /// A QUP SPI root did not acknowledge its new configuration.
    SpiRcgUpdateTimeout {
        /// The root that did not update.
        clock: SpiClock,
    },
    /// GPLL0 did not report `ACTIVE` after being voted on.
    PllLockTimeout,
    /// No source/divider/M/N setting gives the requested rate within the tolerance.
    UnachievableRate {
        /// The requested rate in Hz.
        requested_hz: u32,
    },
}

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClockError::Timeout { branch } => {
                write!(f, "clock branch {branch:?} did not change state in time")
            }
            ClockError::RcgUpdateTimeout { clock } => {
                write!(f, "root clock {clock:?} did not take its new configuration")
            }
            ClockError::I2cRcgUpdateTimeout { clock } => {
                write!(f, "root clock {clock:?} did not take its new configuration")
            }
            ClockError::SpiRcgUpdateTimeout { clock } => {
                write!(f, "root clock {clock:?} did not take its new configuration")
            }
            ClockError::PllLockTimeout => f.write_str("GPLL0 did not lock"),
            // The tolerance as a u32, so this needs no 64-bit integer formatting.
            ClockError::UnachievableRate { requested_hz } => write!(
                f,
                "no UART clock setting within {} ppm of {requested_hz} Hz",
                rcg::RATE_TOLERANCE_PPM as u32
            ),
        }
    }
}

impl core::error::Error for ClockError {}

/// Driver of the global clock controller. Owns the `GCC` peripheral.
pub struct Clocks {
    gcc: pac::GCC,
}

impl fmt::Debug for Clocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clocks").finish_non_exhaustive()
    }
}

impl Clocks {
    /// Takes the clock controller. Changes nothing in the hardware.
    pub fn new(gcc: pac::GCC) -> Self {
        Clocks { gcc }
    }

    /// Gives the peripheral back.
    pub fn free(self) -> pac::GCC {
        self.gcc
    }

    fn cbcr(&self, branch: Branch) -> &Blsp1AhbCbcr {
        match branch {
            Branch::Blsp1Ahb => self.gcc.blsp1_ahb_cbcr(),
            Branch::Blsp1Uart1Apps => self.gcc.blsp1_uart1_apps_cbcr(),
            Branch::Blsp1Uart2Apps => self.gcc.blsp1_uart2_apps_cbcr(),
            Branch::PrngAhb => self.gcc.prng_ahb_cbcr(),
            Branch::Blsp1Qup2I2cApps => self.gcc.blsp1_qup2_i2c_apps_cbcr(),
            Branch::Blsp1Qup6I2cApps => self.gcc.blsp1_qup6_i2c_apps_cbcr(),
            Branch::Blsp1Qup5SpiApps => self.gcc.blsp1_qup5_spi_apps_cbcr(),
        }
    }

    fn rcg(&self, clock: UartClock) -> &Blsp1Uart1AppsRcg {
        match clock {
            UartClock::Blsp1Uart1 => self.gcc.blsp1_uart1_apps_rcg(),
            UartClock::Blsp1Uart2 => self.gcc.blsp1_uart2_apps_rcg(),
        }
    }

    // ANCHOR: set_vote
    fn set_vote(&mut self, branch: Branch, on: bool) {
        self.gcc
            .apcs_clock_branch_ena_vote()
            .modify(|_, w| match branch {
                Branch::PrngAhb => w.prng_ahb().bit(on),
                _ => w.blsp1_ahb().bit(on),
            });
    }
    // ANCHOR_END: set_vote

    /// Whether the branch is running (`CLK_OFF` reads 0).
    pub fn is_enabled(&self, branch: Branch) -> bool {
        self.cbcr(branch).read().clk_off().bit_is_clear()
    }

    /// Turns a branch on (sets its vote or `CLK_ENABLE`) and waits until it runs.
    pub fn enable(&mut self, branch: Branch) -> Result<(), ClockError> {
        if branch.is_voted() {
            self.set_vote(branch, true);
        } else {
            self.cbcr(branch).modify(|_, w| w.clk_enable().set_bit());
        }
        let cbcr = self.cbcr(branch);
        let running = wait::poll_until(BRANCH_TIMEOUT_US, || {
            let r = cbcr.read();
            // Bits 31:28 = CLK_OFF and the NoC status: 0 (plain branch on) or 2 (NoC on).
            let top = r.bits() >> 28;
            if branch.is_voted() {
                top == 0 || top == 2
            } else {
                r.clk_off().bit_is_clear()
            }
        });
        if running {
            Ok(())
        } else {
            Err(ClockError::Timeout { branch })
        }
    }

    /// Turns a branch off. Plain branches: clears `CLK_ENABLE` and waits for `CLK_OFF`.
    /// Voted branches: withdraws the CPU's vote only (see the module notes).
    pub fn disable(&mut self, branch: Branch) -> Result<(), ClockError> {
        if branch.is_voted() {
            self.set_vote(branch, false);
            return Ok(());
        }
        let cbcr = self.cbcr(branch);
        cbcr.modify(|_, w| w.clk_enable().clear_bit());
        if wait::poll_until(BRANCH_TIMEOUT_US, || cbcr.read().clk_off().bit_is_set()) {
            Ok(())
        } else {
            Err(ClockError::Timeout { branch })
        }
    }

    /// Votes GPLL0 on (unless it already runs) and waits for it to lock.
    fn enable_gpll0(&mut self) -> Result<(), ClockError> {
        let status = self.gcc.gpll0_status();
        if status.read().active().bit_is_set() {
            return Ok(());
        }
        self.gcc
            .apcs_gpll_ena_vote()
            .modify(|_, w| w.gpll0().set_bit());
        if wait::poll_until(PLL_LOCK_TIMEOUT_US, || status.read().active().bit_is_set()) {
            Ok(())
        } else {
            Err(ClockError::PllLockTimeout)
        }
    }

    /// Programs a UART root clock for `hz` and returns the rate actually produced (Hz).
    ///
    /// Picks the source, pre-divider and M/N with [`rcg`]'s rules, votes GPLL0 on when it is
    /// the source, then writes M, N, D and CFG and latches them with `CMD_RCGR.UPDATE`.
    pub fn set_uart_clock(&mut self, clock: UartClock, hz: u32) -> Result<u32, ClockError> {
        let settings = rcg::uart_rcg_settings(hz)?;
        self.set_uart_clock_settings(clock, &settings)
    }

    /// Programs a UART root clock with `settings` (from [`uart_rcg_settings`], best computed
    /// at build time in a `const`, as [`crate::uart::Config::settings`] does) and returns the
    /// rate produced (Hz). Like [`Clocks::set_uart_clock`] without the search.
    pub fn set_uart_clock_settings(
        &mut self,
        clock: UartClock,
        settings: &RcgSettings,
    ) -> Result<u32, ClockError> {
        self.enable_source(settings)?;
        if Self::program_rcg(self.rcg(clock), settings) {
            Ok(settings.achieved_hz)
        } else {
            Err(ClockError::RcgUpdateTimeout { clock })
        }
    }

    /// Programs a QUP SPI root with `settings` (from `spi::clock_settings`; M/N must fit
    /// the root's 8-bit counter) and returns the rate produced (Hz).
    pub fn set_spi_clock(
        &mut self,
        clock: SpiClock,
        settings: &RcgSettings,
    ) -> Result<u32, ClockError> {
        self.enable_source(settings)?;
        let rcg = match clock {
            SpiClock::Blsp1Qup5 => self.gcc.blsp1_qup5_spi_apps_rcg(),
        };
        if Self::program_rcg(rcg, settings) {
            Ok(settings.achieved_hz)
        } else {
            Err(ClockError::SpiRcgUpdateTimeout { clock })
        }
    }

    /// Makes sure the source of `settings` runs: the RCG switches sources glitch-free,
    /// which needs the new source running.
    fn enable_source(&mut self, settings: &RcgSettings) -> Result<(), ClockError> {
        if settings.source == RcgSource::Gpll0 {
            self.enable_gpll0()?;
        }
        Ok(())
    }

    /// Writes an RCG's M/N/D and CFG and latches them; `false` if `UPDATE` stays set.
    fn program_rcg(rcg: &Blsp1Uart1AppsRcg, settings: &RcgSettings) -> bool {
        if let Some(mnd) = settings.mnd {
            rcg.m().write(|w| w.m().set(mnd.m));
            rcg.n().write(|w| w.not_n_minus_m().set(mnd.n_reg));
            rcg.d().write(|w| w.not_2d().set(mnd.d_reg));
        }
        rcg.cfg_rcgr().modify(|_, w| {
            w.src_div().set(settings.src_div);
            match settings.source {
                RcgSource::Xo => w.src_sel().xo(),
                RcgSource::Gpll0 => w.src_sel().gpll0(),
            };
            if settings.mnd.is_some() {
                w.mode().dual_edge()
            } else {
                w.mode().bypass()
            }
        });
        rcg.cmd_rcgr().modify(|_, w| w.update().set_bit());
        wait::poll_until(RCG_UPDATE_TIMEOUT_US, || {
            rcg.cmd_rcgr().read().update().bit_is_clear()
        })
    }

    fn i2c_rcg(&self, clock: I2cClock) -> &Blsp1Qup2I2cAppsRcg {
        match clock {
            I2cClock::Blsp1Qup2 => self.gcc.blsp1_qup2_i2c_apps_rcg(),
            I2cClock::Blsp1Qup6 => self.gcc.blsp1_qup6_i2c_apps_rcg(),
        }
    }

    /// Sets a QUP I2C root to the crystal, undivided, and returns its rate ([`XO_HZ`]).
    pub fn set_i2c_clock_xo(&mut self, clock: I2cClock) -> Result<u32, ClockError> {
        let rcg = self.i2c_rcg(clock);
        // SRC_DIV = 1 is "divide by 1" (2 x 1 - 1), as the UART roots are written.
        rcg.cfg_rcgr()
            .modify(|_, w| w.src_div().set(1).src_sel().xo());
        rcg.cmd_rcgr().modify(|_, w| w.update().set_bit());
        if wait::poll_until(RCG_UPDATE_TIMEOUT_US, || {
            rcg.cmd_rcgr().read().update().bit_is_clear()
        }) {
            Ok(XO_HZ)
        } else {
            Err(ClockError::I2cRcgUpdateTimeout { clock })
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::Branch;
    use std::format;
    use std::vec::Vec;

    /// Every branch, by an exhaustive match: adding a variant fails to compile here until it
    /// is listed (and then the test below asks for its entry in `tree::BRANCHES`).
    fn all_branches() -> Vec<Branch> {
        let listed = |branch: Branch| match branch {
            Branch::Blsp1Ahb
            | Branch::Blsp1Uart1Apps
            | Branch::Blsp1Uart2Apps
            | Branch::PrngAhb
            | Branch::Blsp1Qup2I2cApps
            | Branch::Blsp1Qup6I2cApps
            | Branch::Blsp1Qup5SpiApps => branch,
        };
        [
            Branch::Blsp1Ahb,
            Branch::Blsp1Uart1Apps,
            Branch::Blsp1Uart2Apps,
            Branch::PrngAhb,
            Branch::Blsp1Qup2I2cApps,
            Branch::Blsp1Qup6I2cApps,
            Branch::Blsp1Qup5SpiApps,
        ]
        .into_iter()
        .map(listed)
        .collect()
    }

    #[test]
    fn the_tree_lists_exactly_the_branches_the_driver_switches() {
        let mut names: Vec<_> = all_branches().iter().map(|b| format!("{b:?}")).collect();
        let mut listed: Vec<_> = super::tree::BRANCHES.iter().map(|b| b.hal_branch).collect();
        names.sort();
        listed.sort();
        assert_eq!(names, listed);
        for branch in all_branches() {
            let name = format!("{branch:?}");
            let entry = super::tree::BRANCHES
                .iter()
                .find(|b| b.hal_branch == name)
                .unwrap();
            assert_eq!(branch.is_voted(), entry.vote_bit.is_some(), "{name}");
        }
        // Every branch fed by a root names one of the roots.
        for branch in super::tree::BRANCHES {
            if let super::tree::BranchParent::Root(root) = branch.parent {
                assert!(super::tree::ROOTS.iter().any(|r| r.name == root), "{root}");
            }
        }
    }
}
