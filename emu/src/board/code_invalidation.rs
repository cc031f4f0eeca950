//! Instruction-cache invalidation between cores: what one core's IC instruction makes the
//! other cores' engines drop of the code they translated.
//!
//! Design notes:
//! - Each core's engine keeps its own translated blocks and does not see stores another
//!   engine makes to code (`multicore`). The architecture's way to make new code visible to
//!   every core is DC CVAU + IC IVAU (by virtual address, to the point of unification,
//!   broadcast to the Inner Shareable domain) or IC IALLU/IALLUIS (all of it). The SYS hook
//!   on the issuing core (`hooks::sys_hook`) records here what each OTHER core must drop; the
//!   run loop applies it to a core's engine before that core's next turn.
//! - IC IVAU names a virtual address of the ISSUING core, and the cores may run different
//!   processes: the hook translates it to a physical address with the issuing engine's MMU
//!   (`uc_vmem_translate`, a non-faulting walk that at most fills that engine's TLB, as a load
//!   would), and the other engines drop the blocks whose code is in that physical page
//!   (engine patch item 9, `uc_ctl` code `INVALIDATE_PHYSICAL_RANGE`). A page rather than
//!   the line: Linux invalidates whole pages line by line, so one page per run of lines is
//!   kept, and dropping a little more than asked is always correct.
//! - IC IALLU/IALLUIS invalidate every line, but on this CPU (CTR_EL0.IDC = 0) a store to
//!   cacheable memory reaches instruction fetches only once its line is cleaned from the data
//!   cache (DC CVAU, or a clean or invalidate by VA to the point of coherency: CVAC, CIVAC,
//!   CVAP, CVADP, IVAC) before the IC: so only the pages of the lines maintained that way
//!   since the previous IC IALLU/IALLUIS can hold code the other cores must see new.
//!   `data_cache_maintained` collects them (physical pages, from the maintaining core's
//!   MMU), and an IC IALLU/IALLUIS hands them to the other cores as an IC IVAU would. Linux
//!   on this CPU makes a newly mapped page's code visible this way (its VIPT instruction
//!   cache counts as aliasing): DC CVAU over the page, then IC IALLUIS.
//! - Full flush instead (what every IC did before): an IC IALLU/IALLUIS after a DC by
//!   set/way, or with more than `PENDING_PAGES` pages maintained, or issued while the issuing
//!   core's MMU or data cache is off (its stores may have bypassed the cache, needing no
//!   clean); an IC IVAU or a DC whose address does not translate; more than `PENDING_PAGES`
//!   pages pending for a core; or an engine without the patch (a plain `cargo build` links
//!   unicorn's bundled engine, which answers the unknown control code with UC_ERR_ARG:
//!   `engine_invalidates_by_physical` probes that once, when the first cache-maintenance
//!   hook is added).
//! - Limit: code written through a non-cacheable mapping (or with the data cache off) by one
//!   core, or put in memory by DMA, with no DC maintenance by VA of its lines, and published
//!   by an IC IALLU/IALLUIS from a core whose caches are on, may run old on another core.
//!   Nothing run on this board so far (Linux, U-Boot, the examples) does that.
//! - `Counts` (shown by `--stats` when a run had more than one core on) lets a test see that
//!   an IC did not cost the other cores all their code.

use std::cell::RefCell;

use unicorn_engine::Unicorn;
use unicorn_engine_sys as sys;
use unicorn_engine_sys::uc_error;

use super::State;
use super::cpu::{SCTLR_C, SCTLR_M};
use super::multicore::CORES;

/// A cache-maintenance SYS instruction that matters to the other cores' translated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Maintenance {
    /// IC IVAU (op1 3, C7, C5, 1).
    InstructionByAddress,
    /// IC IALLUIS (0, C7, C1, 0) or IC IALLU (0, C7, C5, 0).
    InstructionAll,
    /// DC CVAU (3, C7, C11, 1), CVAC (3, C7, C10, 1), CIVAC (3, C7, C14, 1), CVAP (3, C7,
    /// C12, 1), CVADP (3, C7, C13, 1), IVAC (0, C7, C6, 1): a data cache line by VA.
    DataByAddress,
    /// DC ISW, CSW, CISW (0, C7, C6/C10/C14, 2): data cache lines by set/way.
    DataBySetWay,
}

impl Maintenance {
    /// The SYS instruction with these fields (op0 1), if it is one of them.
    pub fn decode(op1: u32, crn: u32, crm: u32, op2: u32) -> Option<Self> {
        if crn != 7 {
            return None;
        }
        match (op1, crm, op2) {
            (3, 5, 1) => Some(Self::InstructionByAddress),
            (0, 1 | 5, 0) => Some(Self::InstructionAll),
            (3, 10..=14, 1) | (0, 6, 1) => Some(Self::DataByAddress),
            (0, 6 | 10 | 14, 2) => Some(Self::DataBySetWay),
            _ => None,
        }
    }
}

/// Note `maintenance` with operand `operand` (Xt) by the running core, from its SYS hook.
///
/// # Safety
/// `uc` is the live engine of the running core, calling the hook.
pub unsafe fn note(
    uc: *mut sys::uc_engine,
    state: &RefCell<State>,
    maintenance: Maintenance,
    operand: u64,
) {
    let Ok(st) = state.try_borrow() else { return };
    let by_physical_address = st.code_stale.by_physical_address;
    drop(st);
    // Translations and register reads before the state is borrowed (the walk reads memory).
    let by_address = matches!(
        maintenance,
        Maintenance::InstructionByAddress | Maintenance::DataByAddress
    );
    let physical = if by_address && by_physical_address {
        // SAFETY: `uc` is live (caller).
        unsafe { physical_address(uc, operand) }
    } else {
        None
    };
    // SAFETY: as above.
    let caches_on = maintenance == Maintenance::InstructionAll && unsafe { caches_on(uc) };
    let Ok(mut st) = state.try_borrow_mut() else {
        return;
    };
    let core = st.core;
    let pending = &mut st.code_stale;
    match maintenance {
        Maintenance::InstructionByAddress => {
            pending.counts.by_address += 1;
            match physical {
                Some(address) => pending.page(core, address),
                None => pending.all(core),
            }
        }
        Maintenance::InstructionAll => {
            pending.counts.all += 1;
            if by_physical_address {
                pending.all_maintained(core, caches_on);
            } else {
                pending.all(core);
            }
        }
        Maintenance::DataByAddress => pending.data_cache_maintained(physical),
        Maintenance::DataBySetWay => pending.data_cache_maintained(None),
    }
}

/// Whether the running core's MMU and data cache are on (SCTLR_EL1, or SCTLR_EL2 at EL2).
///
/// # Safety
/// `uc` is the live engine.
unsafe fn caches_on(uc: *mut sys::uc_engine) -> bool {
    // SAFETY: `uc` is live (caller).
    let el = unsafe { super::interrupts::current_el(uc) };
    let mut sctlr = super::cpu::cp(3, if el == 2 { 4 } else { 0 }, 1, 0, 0, 0);
    // SAFETY: `uc` is live; `sctlr` has the layout the CP_REG interface expects and outlives
    // the call; the engine fills `val`.
    let e = unsafe {
        sys::uc_reg_read(
            uc,
            unicorn_engine::RegisterARM64::CP_REG as i32,
            (&raw mut sctlr).cast(),
        )
    };
    e == uc_error::OK && sctlr.val & (SCTLR_M | SCTLR_C) == SCTLR_M | SCTLR_C
}

/// The patched engine's `uc_ctl` control code that invalidates translated blocks by guest
/// physical range `[start, end)` (emu/engine-patch, item 9).
const INVALIDATE_PHYSICAL_RANGE: u32 = 0x7d01;

/// Granule of the invalidation: a 4 KiB page.
pub const PAGE: u64 = 0x1000;

/// Pages a core may have pending before it drops everything instead.
pub const PENDING_PAGES: usize = 64;

/// What IC instructions did across cores (counted only while more than one core is on).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// IC IVAU instructions seen.
    pub by_address: u64,
    /// IC IALLU and IC IALLUIS instructions seen.
    pub all: u64,
    /// Times an engine dropped all its translated code for another core's IC.
    pub full_flushes: u64,
    /// Pages whose translated code an engine dropped for another core's IC IVAU.
    pub pages: u64,
}

/// What one core's engine must drop before its next turn.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Stale {
    /// All its translated code.
    all: bool,
    /// The translated code of these physical pages (page-aligned addresses).
    pages: Vec<u64>,
}

/// The pending invalidations of every core, and the counts.
#[derive(Debug, Default)]
pub struct Pending {
    cores: [Stale; CORES],
    /// The engine invalidates by physical range (patched); `false`: every IC is a full
    /// flush.
    pub by_physical_address: bool,
    /// What happened so far.
    pub counts: Counts,
    /// Physical pages of the lines DC cleaned or invalidated by VA since the last IC IALLU or
    /// IC IALLUIS, by any core.
    maintained: Vec<u64>,
    /// A DC by set/way, an address that did not translate, or too many pages: the next IC
    /// IALLU/IALLUIS drops everything.
    maintained_unknown: bool,
}

impl Pending {
    /// `issuer` executed IC IALLU or IC IALLUIS (or an IC IVAU that is handled as one): every
    /// other core drops all its translated code.
    pub fn all(&mut self, issuer: usize) {
        for (k, core) in self.cores.iter_mut().enumerate() {
            if k != issuer {
                core.all = true;
                core.pages.clear();
            }
        }
    }

    /// `issuer` executed IC IVAU for an address in the physical page at `page`: every other
    /// core drops that page's translated code.
    pub fn page(&mut self, issuer: usize, page: u64) {
        let page = page & !(PAGE - 1);
        for (k, core) in self.cores.iter_mut().enumerate() {
            if k == issuer || core.all || core.pages.contains(&page) {
                continue;
            }
            if core.pages.len() == PENDING_PAGES {
                core.all = true;
                core.pages.clear();
            } else {
                core.pages.push(page);
            }
        }
    }

    /// A device wrote the physical page at `page` by DMA: every core drops that page's
    /// translated code (the running one too, before its next block: `hooks`).
    pub fn device_wrote(&mut self, page: u64) {
        // No core issued it.
        self.page(usize::MAX, page);
    }

    /// A core cleaned or invalidated data cache lines by VA in the physical page at `page`
    /// (`None`: by set/way, or the address did not translate).
    pub fn data_cache_maintained(&mut self, page: Option<u64>) {
        let Some(page) = page else {
            self.maintained_unknown = true;
            self.maintained.clear();
            return;
        };
        let page = page & !(PAGE - 1);
        if self.maintained_unknown || self.maintained.contains(&page) {
            return;
        }
        if self.maintained.len() == PENDING_PAGES {
            self.maintained_unknown = true;
            self.maintained.clear();
        } else {
            self.maintained.push(page);
        }
    }

    /// `issuer` executed IC IALLU or IC IALLUIS, with its MMU and data cache on
    /// (`caches_on`) or not: every other core drops the code of the pages maintained in the
    /// data cache since the last such IC, or everything.
    pub fn all_maintained(&mut self, issuer: usize, caches_on: bool) {
        let pages = std::mem::take(&mut self.maintained);
        if std::mem::take(&mut self.maintained_unknown) || !caches_on {
            self.all(issuer);
        } else {
            for page in pages {
                self.page(issuer, page);
            }
        }
    }

    /// Forget what `core` had pending (its engine is new).
    pub fn forget(&mut self, core: usize) {
        self.cores[core] = Stale::default();
    }

    /// Make `core`'s engine drop what other cores' IC instructions asked for.
    pub fn apply(&mut self, core: usize, uc: &mut Unicorn<'static, ()>) -> Result<(), uc_error> {
        let stale = std::mem::take(&mut self.cores[core]);
        if stale.all {
            self.counts.full_flushes += 1;
            return uc.ctl_flush_tb();
        }
        for page in stale.pages {
            invalidate_physical_range(uc, page, page + PAGE)?;
            self.counts.pages += 1;
        }
        Ok(())
    }
}

/// Whether `uc` is the patched engine that invalidates by physical range (an unpatched one
/// answers UC_ERR_ARG to the control code). Probed with an empty range: it drops nothing.
pub fn engine_invalidates_by_physical(uc: &mut Unicorn<'static, ()>) -> bool {
    invalidate_physical_range(uc, 0, 0).is_ok()
}

/// Drop `uc`'s translated blocks whose code is in the guest physical range `[start, end)`.
fn invalidate_physical_range(
    uc: &mut Unicorn<'static, ()>,
    start: u64,
    end: u64,
) -> Result<(), uc_error> {
    let control = sys::ControlType(INVALIDATE_PHYSICAL_RANGE | sys::ControlType::IO_WRITE.0);
    // SAFETY: `uc` is a live engine; the control takes two uint64_t arguments (patch item 9),
    // and an engine without it ignores them and answers UC_ERR_ARG.
    unsafe { sys::uc_ctl(uc.get_handle(), control, start, end) }.into()
}

/// The physical address the virtual address `address` maps to for a read by the engine
/// `uc` in its current translation regime, or `None` if it does not translate. Called from
/// an instruction hook of that engine: the walk does not fault, and at most fills the
/// engine's TLB.
///
/// # Safety
/// `uc` is the live engine calling the hook.
pub unsafe fn physical_address(uc: *mut sys::uc_engine, address: u64) -> Option<u64> {
    let mut physical = 0u64;
    // SAFETY: `uc` is live (caller); `physical` outlives the call.
    let e = unsafe { sys::uc_vmem_translate(uc, address, sys::Prot::READ, &raw mut physical) };
    (e == uc_error::OK).then_some(physical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_pending_once_for_every_other_core() {
        let mut pending = Pending::default();
        pending.page(1, 0x8010_0040);
        pending.page(1, 0x8010_0fc0);
        assert!(pending.cores[1].pages.is_empty());
        for core in [0, 2, 3] {
            assert_eq!(pending.cores[core].pages, [0x8010_0000]);
            assert!(!pending.cores[core].all);
        }
    }

    #[test]
    fn an_invalidate_all_drops_the_pages_maintained_in_the_data_cache_since_the_last() {
        let mut pending = Pending::default();
        pending.data_cache_maintained(Some(0x8010_0040));
        pending.data_cache_maintained(Some(0x8010_0080));
        pending.data_cache_maintained(Some(0x8020_0000));
        pending.all_maintained(0, true);
        assert!(pending.cores[0].pages.is_empty());
        for core in 1..CORES {
            assert_eq!(pending.cores[core].pages, [0x8010_0000, 0x8020_0000]);
            assert!(!pending.cores[core].all);
        }
        // Nothing maintained since: nothing more to drop.
        let mut pending = Pending::default();
        pending.all_maintained(1, true);
        assert_eq!(pending.cores[0], Stale::default());
        // Set/way, an untranslatable address, too many pages, caches off: everything.
        for maintain in [
            vec![None],
            vec![Some(0x1000), None, Some(0x2000)],
            (0..=PENDING_PAGES as u64).map(|k| Some(k * PAGE)).collect(),
        ] {
            let mut pending = Pending::default();
            for page in maintain {
                pending.data_cache_maintained(page);
            }
            pending.all_maintained(1, true);
            assert!(pending.cores[0].all && pending.cores[0].pages.is_empty());
            // The next IC starts afresh.
            pending.forget(0);
            pending.all_maintained(1, true);
            assert_eq!(pending.cores[0], Stale::default());
        }
        let mut pending = Pending::default();
        pending.data_cache_maintained(Some(0x1000));
        pending.all_maintained(1, false);
        assert!(pending.cores[0].all);
    }

    #[test]
    fn too_many_pages_or_an_invalidate_all_become_a_full_flush() {
        let mut pending = Pending::default();
        for k in 0..PENDING_PAGES as u64 {
            pending.page(0, k * PAGE);
        }
        assert!(!pending.cores[1].all);
        pending.page(0, PENDING_PAGES as u64 * PAGE);
        assert!(pending.cores[1].all && pending.cores[1].pages.is_empty());
        pending.page(0, 0x9000_0000);
        assert!(pending.cores[1].pages.is_empty());
        let mut pending = Pending::default();
        pending.page(2, 0x1000);
        pending.all(0);
        // The issuer keeps what others asked of it.
        assert!(!pending.cores[0].all);
        assert_eq!(pending.cores[0].pages, [0x1000]);
        assert!(pending.cores[1].all && pending.cores[1].pages.is_empty());
        assert!(pending.cores[2].all);
        pending.forget(1);
        assert_eq!(pending.cores[1], Stale::default());
    }
}
