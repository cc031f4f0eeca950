//! SPMI PMIC arbiter v2: the application processor's way to the PM8916's registers
//! (docs/hardware/spmi-pm8916.md#arbiter).
//!
//! Design notes:
//! - A PMIC register has a 16-bit address within a slave ID (SID): the high byte picks a
//!   peripheral, the low byte a register in it. The arbiter gives each peripheral a channel
//!   number (APID); [`SpmiBus::channel`] finds it in the core's APID → PPID table
//!   (PPID = SID << 8 | peripheral, docs/hardware/spmi-pm8916.md#read-and-write-one-pmic-register)
//!   and reads its owner from the cnfg ownership table. Reads go through the observer
//!   channel, writes through the command channel, of execution environment 0 (this CPU);
//!   a write to a channel another EE owns is refused up front ([`Error::NotOwner`]).
//! - A command: CONFIG = 0 (polled), data into WDATA0/1 for a write, CMD with opcode, register
//!   offset and byte count − 1 (1 to 8 bytes), then STATUS is polled until nonzero, bounded
//!   by [`COMMAND_TIMEOUT_US`]; FAILURE (the PMIC did not acknowledge, or the command is not
//!   supported), DENIED and DROPPED are errors, only DONE is success. Pure parts (status,
//!   packing) are in `spmi/command.rs` with host tests.
//! - Ownership: [`Spmi`] owns the four PAC windows and gives them back with [`Spmi::free`]; it
//!   derefs to [`SpmiBus`], a zero-sized `Copy` handle the PMIC drivers keep (every LED, pin
//!   and key of the PMIC needs the bus). Each command runs inside a critical section, so
//!   commands from different handles, cores or interrupt handlers never interleave on a
//!   channel. A [`Channel`] found once can be kept to skip the table lookup.

mod command;

use core::fmt;
use core::ops::Deref;

use crate::clocks::wait;
use crate::pac;
// Opcodes (docs/hardware/spmi-pm8916.md#opcodes).
use pac::spmi_chnls::channel::cmd::Opcode;

/// Bound for one command to finish, in µs (a PMIC register access takes a few µs at the
/// bus's ~19 MHz clock).
pub const COMMAND_TIMEOUT_US: u64 = 1_000;
/// Execution environment of the application processor (`qcom,ee = 0`).
const EE: u8 = 0;

/// Errors of the arbiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// No channel serves this PMIC peripheral (nothing at that address on this PMIC).
    NoSuchPeripheral {
        /// Slave ID.
        sid: u8,
        /// Peripheral (high byte of the register address).
        peripheral: u8,
    },
    /// Writing needs the channel, which another execution environment owns.
    NotOwner {
        /// The channel.
        apid: u16,
        /// Its owning execution environment.
        owner: u8,
    },
    /// The command failed: the PMIC did not acknowledge it, or the arbiter does not support it.
    Failure,
    /// The arbiter refused the command on this channel.
    Denied,
    /// The arbiter dropped the command.
    Dropped,
    /// STATUS stayed 0 for [`COMMAND_TIMEOUT_US`].
    Timeout,
    /// A transfer moves 1 to 8 bytes.
    InvalidLength {
        /// The length asked for.
        len: usize,
    },
    /// The arbiter is not version 2 (VERSION outside 0x2001_0000..0x3000_0000).
    UnsupportedVersion {
        /// The VERSION register.
        version: u32,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoSuchPeripheral { sid, peripheral } => {
                write!(
                    f,
                    "no SPMI channel serves PMIC SID {sid} peripheral {peripheral:#04x}"
                )
            }
            Error::NotOwner { apid, owner } => write!(
                f,
                "SPMI channel {apid} belongs to execution environment {owner}, not this one"
            ),
            Error::Failure => f.write_str("SPMI command failed (not acknowledged)"),
            Error::Denied => f.write_str("SPMI command denied by the arbiter"),
            Error::Dropped => f.write_str("SPMI command dropped by the arbiter"),
            Error::Timeout => f.write_str("SPMI command did not finish in time"),
            Error::InvalidLength { len } => {
                write!(f, "SPMI transfers move 1 to 8 bytes, not {len}")
            }
            Error::UnsupportedVersion { version } => {
                write!(f, "SPMI arbiter version {version:#010x} is not v2")
            }
        }
    }
}

impl core::error::Error for Error {}

/// The channel of one PMIC peripheral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Channel {
    apid: u16,
    owner: u8,
    sid: u8,
    peripheral: u8,
}

impl Channel {
    /// The arbiter's channel number (APID).
    pub fn apid(&self) -> u16 {
        self.apid
    }

    /// The execution environment that owns the channel (0 = this CPU).
    pub fn owner(&self) -> u8 {
        self.owner
    }

    /// Slave ID and peripheral the channel serves.
    pub fn peripheral(&self) -> (u8, u8) {
        (self.sid, self.peripheral)
    }
}

/// The arbiter, owning its register windows.
///
/// ```no_run
/// use apq8016_hal::{pac, spmi::Spmi};
///
/// let p = pac::Peripherals::take().unwrap();
/// let spmi = Spmi::new(p.SPMI_CORE, p.SPMI_CNFG, p.SPMI_CHNLS, p.SPMI_OBSRVR)?;
/// // PM8916 REVID TYPE and SUBTYPE (SID 0, 0x0104..0x0105) in one read.
/// let mut id = [0u8; 2];
/// spmi.read(0, 0x0104, &mut id)?;
/// let bus = *spmi; // a Copy handle for drivers
/// bus.write_u8(0, 0xC046, 0x80)?;
/// let (core, cnfg, chnls, obsrvr) = spmi.free();
/// # let _ = (core, cnfg, chnls, obsrvr);
/// # Ok::<(), apq8016_hal::spmi::Error>(())
/// ```
pub struct Spmi {
    core: pac::SPMI_CORE,
    cnfg: pac::SPMI_CNFG,
    chnls: pac::SPMI_CHNLS,
    obsrvr: pac::SPMI_OBSRVR,
    bus: SpmiBus,
}

impl fmt::Debug for Spmi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spmi").finish_non_exhaustive()
    }
}

impl Spmi {
    /// Takes the arbiter's windows and checks that it is version 2. Touches no PMIC register.
    pub fn new(
        core: pac::SPMI_CORE,
        cnfg: pac::SPMI_CNFG,
        chnls: pac::SPMI_CHNLS,
        obsrvr: pac::SPMI_OBSRVR,
    ) -> Result<Self, Error> {
        let version = core.version().read().bits();
        if !(0x2001_0000..0x3000_0000).contains(&version) {
            return Err(Error::UnsupportedVersion { version });
        }
        Ok(Self {
            core,
            cnfg,
            chnls,
            obsrvr,
            bus: SpmiBus { _private: () },
        })
    }

    /// Gives the windows back. Handles ([`SpmiBus`]) copied out earlier stay usable: they are
    /// only a licence to issue commands, which stays valid while the hardware is there.
    pub fn free(
        self,
    ) -> (
        pac::SPMI_CORE,
        pac::SPMI_CNFG,
        pac::SPMI_CHNLS,
        pac::SPMI_OBSRVR,
    ) {
        (self.core, self.cnfg, self.chnls, self.obsrvr)
    }
}

impl Deref for Spmi {
    type Target = SpmiBus;

    fn deref(&self) -> &SpmiBus {
        &self.bus
    }
}

/// A handle to issue PMIC register commands; only an [`Spmi`] can make one (by `Deref` and
/// copy), so holding one means the arbiter was checked.
#[derive(Clone, Copy, Debug)]
pub struct SpmiBus {
    _private: (),
}

/// The arbiter's register windows (zero-sized PAC handles re-created from their addresses).
struct Windows {
    core: &'static pac::spmi_core::RegisterBlock,
    cnfg: &'static pac::spmi_cnfg::RegisterBlock,
    chnls: &'static pac::spmi_chnls::RegisterBlock,
    obsrvr: &'static pac::spmi_chnls::RegisterBlock,
}

fn windows() -> Windows {
    // SAFETY: the pointers are the PAC's fixed, always-mapped MMIO addresses of the arbiter
    // windows; registers are accessed through volatile cells only, and an `SpmiBus` exists
    // only after `Spmi::new` took the peripherals, so nothing else in safe code owns them.
    // Commands are serialised by the critical section in `SpmiBus::command`.
    unsafe {
        Windows {
            core: &*pac::SPMI_CORE::ptr(),
            cnfg: &*pac::SPMI_CNFG::ptr(),
            chnls: &*pac::SPMI_CHNLS::ptr(),
            obsrvr: &*pac::SPMI_OBSRVR::ptr(),
        }
    }
}

impl SpmiBus {
    /// The arbiter's version register.
    pub fn version(&self) -> u32 {
        windows().core.version().read().bits()
    }

    /// Finds the channel serving `peripheral` (high address byte) on slave `sid`.
    pub fn channel(&self, sid: u8, peripheral: u8) -> Result<Channel, Error> {
        if sid > 0xF {
            // The table's SID field is 4 bits wide.
            return Err(Error::NoSuchPeripheral { sid, peripheral });
        }
        let w = windows();
        let channels = w.chnls.channel_iter().count();
        for (apid, entry) in w.core.apid_ppid_iter().enumerate() {
            let r = entry.read();
            if r.sid().bits() == sid && r.peripheral().bits() == peripheral {
                if apid >= channels {
                    // Listed, but past the channel windows this CPU can reach.
                    break;
                }
                let owner = w.cnfg.ownership(apid).read().owner().bits();
                return Ok(Channel {
                    apid: apid as u16,
                    owner,
                    sid,
                    peripheral,
                });
            }
        }
        Err(Error::NoSuchPeripheral { sid, peripheral })
    }

    /// Reads `buf.len()` (1 to 8) consecutive registers starting at `offset` of `channel`'s
    /// peripheral.
    pub fn read_channel(&self, channel: &Channel, offset: u8, buf: &mut [u8]) -> Result<(), Error> {
        let count = command::byte_count(buf.len())?;
        let observer = windows().obsrvr.channel(usize::from(channel.apid));
        let words = self.command(observer, Opcode::ExtReadl, offset, count, None)?;
        command::unpack(words, buf);
        Ok(())
    }

    /// Writes `data` (1 to 8 bytes) to consecutive registers starting at `offset` of
    /// `channel`'s peripheral.
    pub fn write_channel(&self, channel: &Channel, offset: u8, data: &[u8]) -> Result<(), Error> {
        let count = command::byte_count(data.len())?;
        if channel.owner != EE {
            return Err(Error::NotOwner {
                apid: channel.apid,
                owner: channel.owner,
            });
        }
        let writer = windows().chnls.channel(usize::from(channel.apid));
        self.command(
            writer,
            Opcode::ExtWritel,
            offset,
            count,
            Some(command::pack(data)),
        )
        .map(drop)
    }

    /// Reads `buf.len()` (1 to 8) registers from 16-bit `address` on slave `sid`.
    pub fn read(&self, sid: u8, address: u16, buf: &mut [u8]) -> Result<(), Error> {
        let [peripheral, offset] = address.to_be_bytes();
        let channel = self.channel(sid, peripheral)?;
        self.read_channel(&channel, offset, buf)
    }

    /// Writes `data` (1 to 8 bytes) from 16-bit `address` on slave `sid`.
    pub fn write(&self, sid: u8, address: u16, data: &[u8]) -> Result<(), Error> {
        let [peripheral, offset] = address.to_be_bytes();
        let channel = self.channel(sid, peripheral)?;
        self.write_channel(&channel, offset, data)
    }

    /// Reads one register.
    pub fn read_u8(&self, sid: u8, address: u16) -> Result<u8, Error> {
        let mut b = [0u8];
        self.read(sid, address, &mut b)?;
        Ok(b[0])
    }

    /// Writes one register.
    pub fn write_u8(&self, sid: u8, address: u16, value: u8) -> Result<(), Error> {
        self.write(sid, address, &[value])
    }

    /// Runs one command on a channel and returns RDATA0/1.
    fn command(
        &self,
        channel: &pac::spmi_chnls::Channel,
        opcode: Opcode,
        offset: u8,
        count: u8,
        data: Option<[u32; 2]>,
    ) -> Result<[u32; 2], Error> {
        critical_section::with(|_| {
            channel.config().write(|w| w);
            if let Some([low, high]) = data {
                channel.wdata0().write(|w| w.data().set(low));
                channel.wdata1().write(|w| w.data().set(high));
            }
            channel.cmd().write(|w| {
                w.opcode()
                    .variant(opcode)
                    .address()
                    .set(offset)
                    .byte_count()
                    .set(count)
            });
            let mut status = 0;
            let finished = wait::poll_until(COMMAND_TIMEOUT_US, || {
                status = channel.status().read().bits();
                status != 0
            });
            if !finished {
                return Err(Error::Timeout);
            }
            command::status_result(status)?;
            Ok([
                channel.rdata0().read().data().bits(),
                channel.rdata1().read().data().bits(),
            ])
        })
    }
}
