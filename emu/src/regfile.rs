//! Register files: how a model declares its registers, and the one place that decides whether
//! an access is claimed.
//!
//! Design notes:
//! - A model lists its registers in a static table of [`Register`]s: an id (the model's own
//!   enum), a name, an offset (plus an optional alias address), an access [`Kind`], a reset
//!   value, the writable bits, and whether the model's callback handles it (`special`).
//!   Register arrays (one register per pin, per channel) have a count and a stride.
//! - Width policy (kept from the first models): a register is 32 bits wide and only an
//!   aligned access of exactly its width at its address is claimed; anything else is
//!   [`Fault::Unclaimed`]. A register may declare another width (8- or 16-bit capability
//!   registers). A byte window (`window`) claims any naturally aligned 1-, 2- or 4-byte access
//!   inside it and is always handled by the model (the SD host standard registers).
//! - Direction: reading a write-only register or writing a read-only one is unclaimed, but two
//!   registers may share an address, one per direction (UART_DM's legacy map).
//! - Default path, for registers that are not `special`: read-write registers store
//!   `value & mask`; write-one-to-clear registers clear the bits written as 1; read-clears
//!   registers return their value and reset to 0; write-only writes are stored (a model may
//!   look at them), read-only writes are refused.
//! - The clock gate is not here: the bus checks it from the machine table before any model
//!   sees the access.

use std::cell::Cell;

use crate::bus::{Ctx, Fault};

/// How a register behaves on the default path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Read and write.
    ReadWrite,
    /// Read only: a write is unclaimed.
    ReadOnly,
    /// Write only: a read is unclaimed.
    WriteOnly,
    /// Writing 1 to a bit clears it.
    WriteOneToClear,
    /// A read returns the value and clears it.
    ReadClears,
}

impl Kind {
    fn readable(self) -> bool {
        self != Self::WriteOnly
    }
    fn writable(self) -> bool {
        self != Self::ReadOnly && self != Self::ReadClears
    }
}

/// One register (or register array, or byte window) of a model.
#[derive(Debug, Clone, Copy)]
pub struct Register<Id> {
    /// The model's name for it.
    pub id: Id,
    /// Register name as the documentation spells it (for people reading the tables and for
    /// the table checks in tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub name: &'static str,
    /// Offset from the window base.
    pub offset: u64,
    /// Second address answering the same register.
    pub alias: Option<u64>,
    /// Number of registers in an array (1 for a plain register).
    pub count: u32,
    /// Distance between array elements.
    pub stride: u64,
    /// Access width in bytes.
    pub width: u8,
    /// Length of a byte window (0: not a window).
    pub window: u64,
    /// Value at reset.
    pub reset: u32,
    /// Default-path behaviour.
    pub kind: Kind,
    /// Bits a write keeps.
    pub mask: u32,
    /// The model's callback handles every access.
    pub special: bool,
}

impl<Id> Register<Id> {
    /// A 32-bit register, reset value 0, every bit writable, default path.
    pub const fn new(id: Id, name: &'static str, offset: u64, kind: Kind) -> Self {
        Self {
            id,
            name,
            offset,
            alias: None,
            count: 1,
            stride: 0,
            width: 4,
            window: 0,
            reset: 0,
            kind,
            mask: u32::MAX,
            special: false,
        }
    }
    /// Read-write register.
    pub const fn rw(id: Id, name: &'static str, offset: u64) -> Self {
        Self::new(id, name, offset, Kind::ReadWrite)
    }
    /// Read-only register.
    pub const fn ro(id: Id, name: &'static str, offset: u64) -> Self {
        Self::new(id, name, offset, Kind::ReadOnly)
    }
    /// Write-only register.
    pub const fn wo(id: Id, name: &'static str, offset: u64) -> Self {
        Self::new(id, name, offset, Kind::WriteOnly)
    }
    /// Write-one-to-clear register.
    pub const fn w1c(id: Id, name: &'static str, offset: u64) -> Self {
        Self::new(id, name, offset, Kind::WriteOneToClear)
    }
    /// With a reset value.
    pub const fn reset(mut self, value: u32) -> Self {
        self.reset = value;
        self
    }
    /// With only these bits writable.
    pub const fn mask(mut self, mask: u32) -> Self {
        self.mask = mask;
        self
    }
    /// Handled by the model's callback.
    pub const fn special(mut self) -> Self {
        self.special = true;
        self
    }
    /// Also answering at `alias`.
    pub const fn alias(mut self, alias: u64) -> Self {
        self.alias = Some(alias);
        self
    }
    /// An array of `count` registers `stride` apart.
    pub const fn array(mut self, count: u32, stride: u64) -> Self {
        self.count = count;
        self.stride = stride;
        self
    }
    /// Of another width than 32 bits.
    pub const fn width(mut self, bytes: u8) -> Self {
        self.width = bytes;
        self
    }
    /// A byte window of `len` bytes (always special).
    pub const fn window(mut self, len: u64) -> Self {
        self.window = len;
        self.special = true;
        self
    }

    fn storage(&self) -> usize {
        if self.window > 0 {
            0
        } else {
            self.count as usize
        }
    }

    /// Element and byte offset within it for an address, if the address is this register's.
    fn locate(&self, offset: u64) -> Option<(usize, u64)> {
        // The register's own offset first, then its alias (no iterator chain: this runs for
        // every register a lookup passes, on every access).
        self.locate_at(self.offset, offset)
            .or_else(|| self.locate_at(self.alias?, offset))
    }

    /// [`Self::locate`] for the register placed at `base`.
    fn locate_at(&self, base: u64, offset: u64) -> Option<(usize, u64)> {
        let rel = offset.checked_sub(base)?;
        if self.window > 0 {
            return (rel < self.window).then_some((0, rel));
        }
        // Strides are usually powers of two: then a shift, not a division.
        let index = match self.count {
            0 | 1 => 0,
            _ if self.stride.is_power_of_two() => rel >> self.stride.trailing_zeros(),
            _ => rel / self.stride,
        };
        (index < u64::from(self.count) && rel == index * self.stride).then_some((index as usize, 0))
    }
}

/// The register an access decoded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit<Id> {
    /// Which register.
    pub id: Id,
    /// Array element (0 for a plain register); for a window, the byte offset in it.
    pub index: usize,
    /// Access width in bytes.
    pub size: usize,
    /// Which of the model's windows (the machine table's `window`).
    pub window: usize,
    slot: usize,
}

/// The registers of one window of a model, with their values.
#[derive(Debug, Clone)]
pub struct RegisterFile<Id: 'static> {
    table: &'static [Register<Id>],
    start: Vec<usize>,
    values: Vec<u32>,
    /// The last access [`Self::decode`] claimed: a driver polling a register decodes the
    /// same access again and again, and the answer depends on the table alone.
    last: Cell<Option<Decoded>>,
}

/// An access and the register element it decoded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decoded {
    offset: u64,
    size: usize,
    write: bool,
    slot: usize,
    index: usize,
}

impl<Id: Copy + PartialEq + std::fmt::Debug> RegisterFile<Id> {
    /// The registers of `table` at their reset values.
    pub fn new(table: &'static [Register<Id>]) -> Self {
        let mut start = Vec::with_capacity(table.len());
        let mut values = Vec::new();
        for r in table {
            start.push(values.len());
            values.extend(std::iter::repeat_n(r.reset, r.storage()));
        }
        Self {
            table,
            start,
            values,
            last: Cell::new(None),
        }
    }

    /// Every register back to its reset value.
    pub fn reset(&mut self) {
        *self = Self::new(self.table);
    }

    /// The width policy: which register answers `size` bytes at `offset` in this direction.
    pub fn decode(&self, offset: u64, size: usize, write: bool) -> Result<Hit<Id>, Fault> {
        if let Some(last) = self.last.get()
            && (last.offset, last.size, last.write) == (offset, size, write)
        {
            return Ok(Hit {
                id: self.table[last.slot].id,
                index: last.index,
                size,
                window: 0,
                slot: last.slot,
            });
        }
        let hit = self.search(offset, size, write)?;
        self.last.set(Some(Decoded {
            offset,
            size,
            write,
            slot: hit.slot,
            index: hit.index,
        }));
        Ok(hit)
    }

    /// [`Self::decode`] by a walk of the table.
    fn search(&self, offset: u64, size: usize, write: bool) -> Result<Hit<Id>, Fault> {
        for (slot, r) in self.table.iter().enumerate() {
            let Some((index, rel)) = r.locate(offset) else {
                continue;
            };
            let hit = Hit {
                id: r.id,
                index,
                size,
                window: 0,
                slot,
            };
            if r.window > 0 {
                let fits = matches!(size, 1 | 2 | 4)
                    && offset.is_multiple_of(size as u64)
                    && rel + size as u64 <= r.window;
                return if fits {
                    Ok(Hit {
                        index: rel as usize,
                        ..hit
                    })
                } else {
                    Err(Fault::Unclaimed)
                };
            }
            let direction_ok = if write {
                r.kind.writable()
            } else {
                r.kind.readable()
            };
            if size == usize::from(r.width) && direction_ok {
                return Ok(hit);
            }
        }
        Err(Fault::Unclaimed)
    }

    fn position(&self, id: Id, index: usize) -> usize {
        let slot = self
            .table
            .iter()
            .position(|r| r.id == id)
            .unwrap_or_else(|| panic!("register {id:?} is not in this file"));
        debug_assert!(index < self.table[slot].storage());
        self.start[slot] + index
    }

    /// Value of register `id` (element `index`).
    pub fn get(&self, id: Id, index: usize) -> u32 {
        self.values[self.position(id, index)]
    }

    /// Value of plain register `id`.
    pub fn value(&self, id: Id) -> u32 {
        self.get(id, 0)
    }

    /// Set register `id` (element `index`) without any access semantics.
    pub fn set(&mut self, id: Id, index: usize, value: u32) {
        let p = self.position(id, index);
        self.values[p] = value;
    }

    /// Set plain register `id`.
    pub fn set_value(&mut self, id: Id, value: u32) {
        self.set(id, 0, value);
    }

    /// The register declaration behind a hit.
    pub fn register(&self, hit: &Hit<Id>) -> &Register<Id> {
        &self.table[hit.slot]
    }

    /// Default-path read.
    pub fn read_default(&mut self, hit: &Hit<Id>) -> u32 {
        let p = self.start[hit.slot] + hit.index;
        let v = self.values[p];
        if self.table[hit.slot].kind == Kind::ReadClears {
            self.values[p] = 0;
        }
        v
    }

    /// Default-path write.
    pub fn write_default(&mut self, hit: &Hit<Id>, value: u32) {
        let r = self.table[hit.slot];
        let p = self.start[hit.slot] + hit.index;
        match r.kind {
            Kind::WriteOneToClear => self.values[p] &= !(value & r.mask),
            _ => self.values[p] = value & r.mask,
        }
    }
}

/// A model built on register files. `window` numbers the model's windows in the machine
/// table (0 for single-window models). Registers are at most 32 bits wide, so callbacks see
/// `u32` values.
pub trait Registers {
    /// The model's register names.
    type Id: Copy + PartialEq + std::fmt::Debug + 'static;
    /// The register file of a window.
    fn file(&mut self, window: usize) -> &mut RegisterFile<Self::Id>;
    /// Read of a `special` register.
    fn read_special(&mut self, _ctx: &mut Ctx<'_>, hit: Hit<Self::Id>) -> Result<u32, Fault> {
        unreachable!("{hit:?} is special but its model has no read callback")
    }
    /// Write of a `special` register.
    fn write_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Self::Id>, _: u32) -> Result<(), Fault> {
        unreachable!("{hit:?} is special but its model has no write callback")
    }
    /// Called after every claimed write (default path or special).
    fn written(&mut self, _ctx: &mut Ctx<'_>, _hit: Hit<Self::Id>) {}
    /// Bring time-dependent state up to `ctx.now`.
    fn advance(&mut self, _ctx: &mut Ctx<'_>) {}
    /// Levels of the model's interrupt outputs (bit k = the k-th interrupt of its machine
    /// table row); none by default.
    fn interrupt_lines(&self) -> u32 {
        0
    }
}

/// One access to a register-file model: the width policy, then the default path or the
/// model's callback. `write` carries the value for a write.
pub fn access<M: Registers>(
    model: &mut M,
    ctx: &mut Ctx<'_>,
    window: usize,
    offset: u64,
    size: usize,
    write: Option<u64>,
) -> Result<u64, Fault> {
    let file = model.file(window);
    let hit = Hit {
        window,
        ..file.decode(offset, size, write.is_some())?
    };
    let special = file.register(&hit).special;
    match write {
        None if special => model.read_special(ctx, hit).map(u64::from),
        None => Ok(u64::from(model.file(window).read_default(&hit))),
        Some(value) => {
            let value = value as u32;
            if special {
                model.write_special(ctx, hit, value)?;
            } else {
                model.file(window).write_default(&hit, value);
            }
            model.written(ctx, hit);
            Ok(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum R {
        Data,
        Control,
        Status,
        Flags,
        Pins,
        Byte,
        Clears,
    }

    static TABLE: [Register<R>; 7] = [
        Register::rw(R::Data, "DATA", 0x0).mask(0xFF).reset(0x12),
        Register::ro(R::Status, "STATUS", 0x4).reset(7),
        Register::wo(R::Control, "CONTROL", 0x4),
        Register::w1c(R::Flags, "FLAGS", 0x8).reset(0xF),
        Register::rw(R::Pins, "PIN", 0x1000).array(3, 0x10),
        Register::ro(R::Byte, "BYTE", 0x20).width(1).reset(0x40),
        Register::new(R::Clears, "CLEARS", 0x24, Kind::ReadClears).reset(5),
    ];

    #[test]
    fn width_direction_and_default_path() {
        let mut f = RegisterFile::new(&TABLE);
        let hit = |f: &RegisterFile<R>, o, s, w| f.decode(o, s, w).map(|h| (h.id, h.index));
        assert_eq!(hit(&f, 0x0, 4, false), Ok((R::Data, 0)));
        assert_eq!(hit(&f, 0x0, 2, false), Err(Fault::Unclaimed));
        assert_eq!(hit(&f, 0x2, 4, false), Err(Fault::Unclaimed));
        // One address, one register per direction.
        assert_eq!(hit(&f, 0x4, 4, false), Ok((R::Status, 0)));
        assert_eq!(hit(&f, 0x4, 4, true), Ok((R::Control, 0)));
        assert_eq!(hit(&f, 0x1020, 4, true), Ok((R::Pins, 2)));
        assert_eq!(hit(&f, 0x1030, 4, true), Err(Fault::Unclaimed));
        assert_eq!(hit(&f, 0x1014, 4, true), Err(Fault::Unclaimed));
        assert_eq!(hit(&f, 0x20, 1, false), Ok((R::Byte, 0)));
        assert_eq!(hit(&f, 0x20, 4, false), Err(Fault::Unclaimed));
        assert_eq!(hit(&f, 0x20, 1, true), Err(Fault::Unclaimed));
        let h = f.decode(0x0, 4, true).unwrap();
        f.write_default(&h, 0x1234);
        assert_eq!(f.value(R::Data), 0x34);
        let h = f.decode(0x8, 4, true).unwrap();
        f.write_default(&h, 0x5);
        assert_eq!(f.value(R::Flags), 0xA);
        let h = f.decode(0x24, 4, false).unwrap();
        assert_eq!(f.register(&h).name, "CLEARS");
        assert_eq!((f.read_default(&h), f.read_default(&h)), (5, 0));
        f.reset();
        assert_eq!((f.value(R::Data), f.value(R::Flags)), (0x12, 0xF));
    }

    #[test]
    fn a_repeated_decode_answers_as_a_table_walk() {
        // Every access of a grid, each decoded twice in a row and then interleaved with its
        // neighbours, by one file (which keeps its last hit) and by a fresh one each time.
        let f = RegisterFile::new(&TABLE);
        let mut accesses = Vec::new();
        for offset in (0..0x40).chain(0x1000..0x1040) {
            for size in [1, 2, 4, 8] {
                for write in [false, true] {
                    accesses.push((offset, size, write));
                }
            }
        }
        let order = accesses.iter().flat_map(|&a| [a, a]).chain(
            accesses
                .iter()
                .zip(accesses.iter().rev())
                .flat_map(|(&a, &b)| [a, b, a]),
        );
        let mut claimed = 0;
        for (offset, size, write) in order {
            let kept = f.decode(offset, size, write);
            let walked = RegisterFile::new(&TABLE).decode(offset, size, write);
            assert_eq!(kept, walked, "{offset:#x} size {size} write {write}");
            claimed += usize::from(kept.is_ok());
        }
        assert!(claimed > 50, "only {claimed} accesses were claimed");
    }
}
