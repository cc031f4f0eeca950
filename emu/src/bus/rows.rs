//! Finding the machine table row of an address, and the row that carries a device's
//! interrupts, without walking the table on every access.
//!
//! Design notes:
//! - The memory-mapped rows are kept sorted by base as (base, end, row) windows; a lookup
//!   first tries the window of the previous hit (a driver polling a register hits the same
//!   window again and again), else binary-searches. Windows never overlap (the machine
//!   table's test checks it, and [`Rows::new`] refuses a table where they do), so the window
//!   found is the one row that holds the address, the row `machine::block_at` finds.
//! - A device's interrupt row is the first row of that device with interrupts, in table
//!   order (the SPMI arbiter's and the QTimer's interrupts sit on one of their windows).

use std::cell::Cell;

use crate::machine::{Block, Device};

/// One memory-mapped row: `[base, end)` and its index in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    base: u64,
    end: u64,
    row: usize,
}

/// Lookup tables over a machine table.
#[derive(Debug)]
pub struct Rows {
    table: &'static [Block],
    /// The memory-mapped rows of non-zero size, sorted by base.
    windows: Vec<Window>,
    /// Index in `windows` of the last hit.
    last: Cell<usize>,
    /// Per device (by its discriminant): the first row with interrupts.
    interrupt_rows: Vec<Option<usize>>,
}

impl Rows {
    /// The lookup tables of `table`. Panics if two windows overlap (a table error).
    pub fn new(table: &'static [Block]) -> Self {
        let mut windows: Vec<Window> = table
            .iter()
            .enumerate()
            .filter_map(|(row, block)| {
                let (base, size) = block.mmio()?;
                (size > 0).then(|| Window {
                    base,
                    end: base + size,
                    row,
                })
            })
            .collect();
        windows.sort_by_key(|w| w.base);
        for pair in windows.windows(2) {
            assert!(
                pair[0].end <= pair[1].base,
                "machine table rows {} and {} overlap",
                table[pair[0].row].name,
                table[pair[1].row].name
            );
        }
        let devices = table
            .iter()
            .map(|b| b.device as usize + 1)
            .max()
            .unwrap_or(0);
        let interrupt_rows = (0..devices)
            .map(|device| {
                table
                    .iter()
                    .position(|b| b.device as usize == device && !b.interrupts.is_empty())
            })
            .collect();
        Self {
            table,
            windows,
            last: Cell::new(0),
            interrupt_rows,
        }
    }

    /// The row that holds `addr`, and the offset of `addr` in it.
    pub fn at(&self, addr: u64) -> Option<(&'static Block, u64)> {
        let last = self.last.get();
        let window = match self.windows.get(last) {
            Some(w) if (w.base..w.end).contains(&addr) => *w,
            _ => {
                // The first window that ends after `addr`: the only one that can hold it.
                let k = self.windows.partition_point(|w| w.end <= addr);
                let w = *self.windows.get(k)?;
                if addr < w.base {
                    return None;
                }
                self.last.set(k);
                w
            }
        };
        Some((&self.table[window.row], addr - window.base))
    }

    /// The first row of `device` with interrupts.
    pub fn interrupt_row(&self, device: Device) -> Option<&'static Block> {
        let row = (*self.interrupt_rows.get(device as usize)?)?;
        Some(&self.table[row])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::{MACHINE, block_at};

    /// Every address around every window edge, plus the gaps between windows and the ends
    /// of the address space: the same row (and offset) as a walk of the table.
    #[test]
    fn finds_the_row_a_table_walk_finds() {
        let rows = Rows::new(MACHINE);
        let mut probes = vec![0, 1, u64::MAX, u64::MAX - 1];
        for block in MACHINE {
            let Some((base, size)) = block.mmio() else {
                continue;
            };
            for edge in [base, base + size / 2, base + size] {
                probes.extend([edge.wrapping_sub(1), edge, edge + 1, edge + 4]);
            }
        }
        // In order, in reverse and interleaved, so the last-hit window is both right and
        // wrong for the next probe.
        let mut order = probes.clone();
        order.extend(probes.iter().rev());
        order.extend(
            probes
                .iter()
                .zip(probes.iter().rev())
                .flat_map(|(a, b)| [*a, *b]),
        );
        let mut hits = 0;
        for addr in order {
            let walked = block_at(addr).map(|b| (b.name, addr - b.mmio().unwrap().0));
            let found = rows.at(addr).map(|(b, offset)| (b.name, offset));
            assert_eq!(found, walked, "at {addr:#x}");
            hits += usize::from(found.is_some());
        }
        assert!(hits > 3 * MACHINE.len(), "only {hits} probes hit a window");
    }

    #[test]
    fn gaps_and_edges_of_a_small_table() {
        use crate::machine::Place;
        static TABLE: std::sync::LazyLock<Vec<Block>> = std::sync::LazyLock::new(|| {
            let row = |base, size, device| Block {
                place: Place::Mmio { base, size },
                device,
                ..MACHINE[0]
            };
            vec![
                row(0x3000, 0x1000, Device::Tlmm),
                row(0x1000, 0x1000, Device::Gcc),
                row(0x2000, 0, Device::Prng),
                row(0x2000, 0x800, Device::Uart1),
                row(0x8000, 0x10, Device::Uart2),
            ]
        });
        let rows = Rows::new(&TABLE[..]);
        let device = |addr| rows.at(addr).map(|(b, offset)| (b.device, offset));
        assert_eq!(device(0xFFF), None);
        assert_eq!(device(0x1000), Some((Device::Gcc, 0)));
        assert_eq!(device(0x1FFF), Some((Device::Gcc, 0xFFF)));
        // Right after GCC: UART1 (the empty PRNG row at the same base holds nothing).
        assert_eq!(device(0x2000), Some((Device::Uart1, 0)));
        assert_eq!(device(0x27FF), Some((Device::Uart1, 0x7FF)));
        assert_eq!(device(0x2800), None, "the gap between UART1 and TLMM");
        assert_eq!(device(0x2FFF), None);
        assert_eq!(device(0x3000), Some((Device::Tlmm, 0)));
        assert_eq!(device(0x3FFF), Some((Device::Tlmm, 0xFFF)));
        // The last hit (TLMM) must not answer for its neighbours.
        assert_eq!(device(0x4000), None);
        assert_eq!(device(0x8000), Some((Device::Uart2, 0)));
        assert_eq!(device(0x800F), Some((Device::Uart2, 0xF)));
        assert_eq!(device(0x8010), None);
        assert_eq!(device(u64::MAX), None);
    }

    #[test]
    #[should_panic(expected = "overlap")]
    fn overlapping_windows_are_refused() {
        use crate::machine::Place;
        static TABLE: std::sync::LazyLock<Vec<Block>> = std::sync::LazyLock::new(|| {
            let row = |base, size| Block {
                place: Place::Mmio { base, size },
                ..MACHINE[0]
            };
            vec![row(0x1000, 0x1001), row(0x2000, 0x1000)]
        });
        Rows::new(&TABLE[..]);
    }

    #[test]
    fn interrupt_rows_are_the_first_with_interrupts() {
        let rows = Rows::new(MACHINE);
        for block in MACHINE {
            let walked = MACHINE
                .iter()
                .find(|b| b.device == block.device && !b.interrupts.is_empty())
                .map(|b| b.name);
            assert_eq!(
                rows.interrupt_row(block.device).map(|b| b.name),
                walked,
                "{}",
                block.name
            );
        }
    }
}
