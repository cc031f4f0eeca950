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
//! - Full flush instead (what every IC did before): IC IALLU/IALLUIS; an IC IVAU whose
//!   address does not translate; more than `PENDING_PAGES` pages pending for a core; or an
//!   engine without the patch (a plain `cargo build` links unicorn's bundled engine, which
//!   answers the unknown control code with UC_ERR_ARG: `engine_invalidates_by_physical`
//!   probes that once, when the first cache-maintenance hook is added).
//! - `Counts` (shown by `--stats` when a run had more than one core on) lets a test see that
//!   an IC IVAU did not cost the other cores all their code.

use unicorn_engine::Unicorn;
use unicorn_engine_sys as sys;
use unicorn_engine_sys::uc_error;

use super::multicore::CORES;

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
