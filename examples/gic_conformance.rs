//! # gic_conformance: the GICv2 programmer's model, checked item by item
//!
//! A test program rather than a tutorial: it drives the interrupt controller (QGIC2, a GICv2:
//! distributor at 0x0B00_0000, CPU interface at 0x0B00_2000) through its registers directly,
//! with volatile reads and writes at the offsets of the GICv2 architecture specification, and
//! prints one line per behaviour: `ok <name>`, or `FAIL <name>: <what differed>`. Then a
//! summary, then it resets the board. The virtual board's GIC model is held to it by
//! `cargo xtask test`; on a board it checks the chip the same way.
//!
//! Everything runs Non-secure at EL1 (as the runtime runs `main`), so it sees the Non-secure
//! view: group 1 interrupts, priorities as Non-secure values (16 levels: 0x00, 0x10, .. 0xF0).
//! Most items poll the CPU interface (IAR, HPPIR, RPR) with interrupts masked at the CPU; the
//! last one takes a real IRQ through a small vector table of its own, installed only for that
//! item (the runtime's handlers report any IRQ as unexpected).
//!
//! Sources used: SGIs 1..6 (sent to this core through GICD_SGIR), SPI 100 (no device: made
//! pending by software), and the generic timer's PPIs (ID 19 non-secure physical, ID 20
//! virtual: docs/hardware/gic-timers.md#architected-timer), whose compare condition is a real
//! level input to the GIC.
//!
//! ## What to connect
//!
//! A **1.8 V** USB-serial adapter on the low-speed header: adapter RX to pin 11, adapter TX to
//! pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! gic_conformance: GICv2 programmer's model checks
//! ok spurious_1023
//! ok pmr_masking
//! ok pending_while_disabled
//! ok level_reasserts_after_eoi
//! ok edge_latched_while_active
//! ok sgi_target_filter
//! ok running_priority
//! ok eoimode_split_priority_drop
//! ok timer_irq_wakes_wfi
//! gic_conformance: 9 of 9 passed
//! resetting
//! ```

#![no_std]
#![no_main]

use core::arch::{asm, global_asm};
use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{AtomicU64, Ordering};

use db410c::{Board, println};

db410c::entry!(main);

/// Distributor base.
const GICD: usize = 0x0B00_0000;
/// CPU interface base.
const GICC: usize = 0x0B00_2000;

// Distributor registers (offsets).
const GICD_CTLR: usize = 0x000;
const GICD_ISENABLER: usize = 0x100;
const GICD_ICENABLER: usize = 0x180;
const GICD_ISPENDR: usize = 0x200;
const GICD_ICPENDR: usize = 0x280;
const GICD_ISACTIVER: usize = 0x300;
const GICD_ICACTIVER: usize = 0x380;
const GICD_IPRIORITYR: usize = 0x400;
const GICD_ITARGETSR: usize = 0x800;
const GICD_ICFGR: usize = 0xC00;
const GICD_SGIR: usize = 0xF00;
const GICD_CPENDSGIR: usize = 0xF10;
const GICD_SPENDSGIR: usize = 0xF20;

// CPU interface registers (offsets).
const GICC_CTLR: usize = 0x00;
const GICC_PMR: usize = 0x04;
const GICC_BPR: usize = 0x08;
const GICC_IAR: usize = 0x0C;
const GICC_EOIR: usize = 0x10;
const GICC_RPR: usize = 0x14;
const GICC_HPPIR: usize = 0x18;
const GICC_DIR: usize = 0x1000;
/// GICC_CTLR (Non-secure view): EnableGrp1, EOImodeNS.
const GICC_CTLR_ENABLE: u32 = 1 << 0;
const GICC_CTLR_EOI_MODE: u32 = 1 << 9;

/// The ID IAR returns when nothing can be acknowledged.
const SPURIOUS: u32 = 1023;
/// GICD_SGIR target filters (bits 25:24).
const SGI_TO_LIST: u32 = 0 << 24;
const SGI_TO_OTHERS: u32 = 1 << 24;
const SGI_TO_SELF: u32 = 2 << 24;
/// Generic timer PPIs.
const TIMER_PHYSICAL: u32 = 19;
const TIMER_VIRTUAL: u32 = 20;
/// CNTx_CTL values: ENABLE, ENABLE | IMASK.
const TIMER_ON: u64 = 1;
const TIMER_MASKED: u64 = 3;

fn read(addr: usize) -> u32 {
    // SAFETY: `addr` is a GIC register (distributor or CPU interface window), device memory
    // in the runtime's page table; a 32-bit read has no side effect but IAR's acknowledge,
    // which the caller means.
    unsafe { read_volatile(addr as *const u32) }
}

fn write(addr: usize, value: u32) {
    // SAFETY: as in `read`; the checks own the GIC (nothing else in this program uses it).
    unsafe { write_volatile(addr as *mut u32, value) }
}

fn write_byte(addr: usize, value: u8) {
    // SAFETY: as in `write`; IPRIORITYR and ITARGETSR are byte-accessible.
    unsafe { write_volatile(addr as *mut u8, value) }
}

fn read_byte(addr: usize) -> u8 {
    // SAFETY: as in `read`; SPENDSGIR is byte-accessible.
    unsafe { read_volatile(addr as *const u8) }
}

fn bit(base: usize, id: u32) -> bool {
    read(GICD + base + 4 * (id as usize / 32)) >> (id % 32) & 1 != 0
}

fn set_bit(base: usize, id: u32) {
    write(GICD + base + 4 * (id as usize / 32), 1 << (id % 32));
}

fn enable(id: u32, priority: u8) {
    write_byte(GICD + GICD_IPRIORITYR + id as usize, priority);
    set_bit(GICD_ISENABLER, id);
}

fn disable(id: u32) {
    set_bit(GICD_ICENABLER, id);
}

fn sgi(id: u32, filter: u32, list: u32) {
    write(GICD + GICD_SGIR, filter | list << 16 | id);
}

fn iar() -> u32 {
    read(GICC + GICC_IAR)
}

fn eoi(id: u32) {
    write(GICC + GICC_EOIR, id);
}

/// The interrupts the items use.
const USED: [u32; 9] = [1, 2, 3, 4, 5, 6, TIMER_PHYSICAL, TIMER_VIRTUAL, 100];

/// After a failed item: end, deactivate and clear whatever it left, so the next item starts
/// clean.
fn clean_up() {
    drain();
    for id in USED {
        eoi(id);
        set_bit(GICD_ICACTIVER, id);
        set_bit(GICD_ICPENDR, id);
        disable(id);
    }
    set_physical_timer(0, 0);
    set_virtual_timer(0, 0);
    write(GICD + GICD_CPENDSGIR, u32::MAX);
    write(GICD + GICD_CPENDSGIR + 4, u32::MAX);
    write(GICC + GICC_CTLR, GICC_CTLR_ENABLE);
}

/// Acknowledge and end everything still signalled (bounded).
fn drain() {
    for _ in 0..32 {
        let id = iar();
        if id & 0x3FF == SPURIOUS {
            return;
        }
        eoi(id);
    }
}

fn set_physical_timer(cval: u64, ctl: u64) {
    // SAFETY: the EL1 physical timer registers are accessible at EL1 (CNTHCTL_EL2 lets EL1
    // use them on both boot paths); writing them only changes the timer's compare state.
    unsafe {
        asm!("msr cntp_cval_el0, {}", "msr cntp_ctl_el0, {}", "isb", in(reg) cval, in(reg) ctl)
    };
}

fn set_virtual_timer(cval: u64, ctl: u64) {
    // SAFETY: as in `set_physical_timer`, for the virtual timer.
    unsafe {
        asm!("msr cntv_cval_el0, {}", "msr cntv_ctl_el0, {}", "isb", in(reg) cval, in(reg) ctl)
    };
}

fn counter() -> u64 {
    let now: u64;
    // SAFETY: reading the physical counter has no side effect.
    unsafe { asm!("isb", "mrs {}, cntpct_el0", out(reg) now) };
    now
}

/// One conformance item: `Err` names what differed.
type Item = fn() -> Result<(), &'static str>;

/// `Err(what)` unless `ok`.
fn expect(ok: bool, what: &'static str) -> Result<(), &'static str> {
    if ok { Ok(()) } else { Err(what) }
}

/// IAR returns 1023 when nothing is pending, and when what is pending is disabled.
fn spurious_1023() -> Result<(), &'static str> {
    expect(iar() == SPURIOUS, "IAR with nothing pending")?;
    expect(
        read(GICC + GICC_HPPIR) == SPURIOUS,
        "HPPIR with nothing pending",
    )?;
    disable(1);
    sgi(1, SGI_TO_SELF, 0);
    expect(iar() == SPURIOUS, "IAR with only a disabled SGI pending")?;
    enable(1, 0xA0);
    expect(iar() == 1, "the SGI once enabled")?;
    eoi(1);
    disable(1);
    Ok(())
}

/// An interrupt whose priority is not below PMR is not signalled; HPPIR still shows it.
fn pmr_masking() -> Result<(), &'static str> {
    enable(1, 0xA0);
    write(GICC + GICC_PMR, 0xA0);
    expect(read(GICC + GICC_PMR) == 0xA0, "PMR reads back 0xA0")?;
    sgi(1, SGI_TO_SELF, 0);
    expect(read(GICC + GICC_HPPIR) == 1, "HPPIR shows the masked SGI")?;
    expect(iar() == SPURIOUS, "priority 0xA0 passed PMR 0xA0")?;
    write(GICC + GICC_PMR, 0xB0);
    expect(iar() == 1, "priority 0xA0 blocked by PMR 0xB0")?;
    eoi(1);
    write(GICC + GICC_PMR, 0xF0);
    disable(1);
    Ok(())
}

/// A disabled interrupt made pending stays pending and is signalled once enabled.
fn pending_while_disabled() -> Result<(), &'static str> {
    const SPI: u32 = 100;
    write_byte(GICD + GICD_ITARGETSR + SPI as usize, 1);
    write_byte(GICD + GICD_IPRIORITYR + SPI as usize, 0xA0);
    disable(SPI);
    set_bit(GICD_ISPENDR, SPI);
    expect(bit(GICD_ISPENDR, SPI), "ISPENDR does not show it pending")?;
    expect(iar() == SPURIOUS, "signalled while disabled")?;
    set_bit(GICD_ISENABLER, SPI);
    expect(iar() == SPI, "not signalled once enabled")?;
    expect(
        !bit(GICD_ISPENDR, SPI),
        "still pending after the acknowledge",
    )?;
    expect(bit(GICD_ISACTIVER, SPI), "not active after the acknowledge")?;
    eoi(SPI);
    expect(!bit(GICD_ISACTIVER, SPI), "active after EOI")?;
    disable(SPI);
    Ok(())
}

/// A level input still asserted at EOI makes its interrupt pending (and signalled) again.
fn level_reasserts_after_eoi() -> Result<(), &'static str> {
    enable(TIMER_PHYSICAL, 0xA0);
    set_physical_timer(0, TIMER_ON);
    let result = (|| {
        expect(iar() == TIMER_PHYSICAL, "timer PPI not signalled")?;
        expect(
            bit(GICD_ISPENDR, TIMER_PHYSICAL) && bit(GICD_ISACTIVER, TIMER_PHYSICAL),
            "not active and pending while the level stays",
        )?;
        expect(iar() == SPURIOUS, "an active interrupt signalled again")?;
        eoi(TIMER_PHYSICAL);
        expect(iar() == TIMER_PHYSICAL, "not signalled again after EOI")?;
        set_physical_timer(0, TIMER_MASKED);
        expect(
            !bit(GICD_ISPENDR, TIMER_PHYSICAL),
            "pending after the level fell",
        )?;
        eoi(TIMER_PHYSICAL);
        expect(iar() == SPURIOUS, "signalled after the level fell")
    })();
    set_physical_timer(0, 0);
    drain();
    disable(TIMER_PHYSICAL);
    result
}

/// An edge while the interrupt is active latches it pending; one edge is one interrupt.
fn edge_latched_while_active() -> Result<(), &'static str> {
    let icfgr = GICD + GICD_ICFGR + 4; // IDs 16..31
    let field = 2 * (TIMER_VIRTUAL - 16);
    let saved = read(icfgr);
    write(icfgr, saved | 2 << field);
    let result = (|| {
        expect(read(icfgr) >> field & 3 == 2, "ICFGR does not keep edge")?;
        enable(TIMER_VIRTUAL, 0xA0);
        set_virtual_timer(0, TIMER_ON);
        expect(iar() == TIMER_VIRTUAL, "rising edge not signalled")?;
        expect(
            !bit(GICD_ISPENDR, TIMER_VIRTUAL),
            "edge pending after acknowledge",
        )?;
        set_virtual_timer(0, TIMER_MASKED);
        set_virtual_timer(0, TIMER_ON);
        expect(
            bit(GICD_ISPENDR, TIMER_VIRTUAL) && bit(GICD_ISACTIVER, TIMER_VIRTUAL),
            "second edge not latched while active",
        )?;
        expect(iar() == SPURIOUS, "an active interrupt signalled again")?;
        eoi(TIMER_VIRTUAL);
        expect(iar() == TIMER_VIRTUAL, "latched edge lost at EOI")?;
        eoi(TIMER_VIRTUAL);
        expect(iar() == SPURIOUS, "a held level counted as a new edge")
    })();
    set_virtual_timer(0, 0);
    drain();
    disable(TIMER_VIRTUAL);
    write(icfgr, saved);
    result
}

/// GICD_SGIR's filters: a list without this core, or "all but self", reach nothing here;
/// "self" and a list naming this core (core 0 in a four-core list) do, from source core 0.
fn sgi_target_filter() -> Result<(), &'static str> {
    const SGI: u32 = 2;
    enable(SGI, 0xA0);
    sgi(SGI, SGI_TO_LIST, 0b0010);
    expect(
        read_byte(GICD + GICD_SPENDSGIR + SGI as usize) == 0,
        "list {1} reached core 0",
    )?;
    sgi(SGI, SGI_TO_OTHERS, 0);
    expect(iar() == SPURIOUS, "\"all but self\" reached this core")?;
    sgi(SGI, SGI_TO_SELF, 0);
    expect(
        read_byte(GICD + GICD_SPENDSGIR + SGI as usize) == 1,
        "SPENDSGIR does not show source core 0",
    )?;
    expect(iar() == SGI, "\"self\" SGI not signalled with source 0")?;
    eoi(SGI);
    sgi(SGI, SGI_TO_LIST, 0b0001);
    expect(iar() == SGI, "list {0} did not reach core 0")?;
    eoi(SGI);
    disable(SGI);
    Ok(())
}

/// RPR follows the highest active priority; only a higher group priority preempts, and the
/// binary point decides what "higher" means.
fn running_priority() -> Result<(), &'static str> {
    enable(3, 0xC0);
    enable(4, 0x80);
    enable(5, 0xD0);
    let saved_bpr = read(GICC + GICC_BPR);
    let result = (|| {
        expect(read(GICC + GICC_RPR) == 0xFF, "RPR not idle (0xFF)")?;
        sgi(3, SGI_TO_SELF, 0);
        expect(iar() == 3, "SGI 3")?;
        expect(
            read(GICC + GICC_RPR) == 0xC0,
            "RPR after acknowledging 0xC0",
        )?;
        sgi(4, SGI_TO_SELF, 0);
        expect(iar() == 4, "0x80 did not preempt 0xC0")?;
        expect(
            read(GICC + GICC_RPR) == 0x80,
            "RPR after acknowledging 0x80",
        )?;
        sgi(5, SGI_TO_SELF, 0);
        expect(iar() == SPURIOUS, "0xD0 preempted 0x80")?;
        expect(
            read(GICC + GICC_HPPIR) == 5,
            "HPPIR does not show the waiting SGI",
        )?;
        eoi(4);
        expect(read(GICC + GICC_RPR) == 0xC0, "RPR after EOI of 0x80")?;
        expect(iar() == SPURIOUS, "0xD0 preempted 0xC0")?;
        eoi(3);
        expect(read(GICC + GICC_RPR) == 0xFF, "RPR after the last EOI")?;
        expect(iar() == 5, "waiting SGI not signalled at idle")?;
        eoi(5);
        // Binary point 7: one group priority for every Non-secure priority, so nothing
        // preempts.
        write(GICC + GICC_BPR, 7);
        sgi(3, SGI_TO_SELF, 0);
        expect(iar() == 3, "SGI 3 at binary point 7")?;
        sgi(4, SGI_TO_SELF, 0);
        expect(iar() == SPURIOUS, "preempted within one group priority")?;
        eoi(3);
        expect(iar() == 4, "SGI 4 after EOI")?;
        eoi(4);
        Ok(())
    })();
    write(GICC + GICC_BPR, saved_bpr);
    drain();
    for id in 3..=5 {
        disable(id);
    }
    result
}

/// With EOImodeNS, EOIR only drops the running priority; the interrupt stays active (and is
/// not signalled again) until GICC_DIR deactivates it.
fn eoimode_split_priority_drop() -> Result<(), &'static str> {
    const SGI: u32 = 6;
    enable(SGI, 0xA0);
    write(GICC + GICC_CTLR, GICC_CTLR_ENABLE | GICC_CTLR_EOI_MODE);
    let result = (|| {
        sgi(SGI, SGI_TO_SELF, 0);
        expect(iar() == SGI, "SGI 6")?;
        eoi(SGI);
        expect(
            read(GICC + GICC_RPR) == 0xFF,
            "EOIR did not drop the priority",
        )?;
        expect(bit(GICD_ISACTIVER, SGI), "EOIR deactivated it")?;
        sgi(SGI, SGI_TO_SELF, 0);
        expect(iar() == SPURIOUS, "signalled again while active")?;
        write(GICC + GICC_DIR, SGI);
        expect(!bit(GICD_ISACTIVER, SGI), "DIR did not deactivate it")?;
        expect(iar() == SGI, "the second SGI lost")?;
        eoi(SGI);
        write(GICC + GICC_DIR, SGI);
        Ok(())
    })();
    write(GICC + GICC_CTLR, GICC_CTLR_ENABLE);
    drain();
    disable(SGI);
    result
}

/// What the IRQ handler saw: the acknowledged ID (0: no IRQ yet) and the counter then.
static IRQ_SEEN: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

// A vector table for the last item only: an IRQ from the current EL on SP_ELx (offset
// 0x280) acknowledges, records the ID and the counter, masks the physical timer (its level
// input falls), ends the interrupt and returns. Every other entry spins (the item fails:
// the run ends without its `ok` line).
global_asm!(
    ".section .text.gic_conformance_vectors, \"ax\"",
    ".balign 2048",
    "gic_conformance_vectors:",
    ".rept 5",
    "b .",
    ".balign 128",
    ".endr",
    // +0x280: IRQ, current EL, SP_ELx.
    "stp x0, x1, [sp, #-16]!",
    "stp x2, x3, [sp, #-16]!",
    "movz x0, #{gicc_high}, lsl #16",
    "movk x0, #{gicc_low}",
    "ldr w1, [x0, #{iar}]",
    "adrp x2, {seen}",
    "add x2, x2, :lo12:{seen}",
    "mrs x3, cntpct_el0",
    "str x1, [x2]",
    "str x3, [x2, #8]",
    "mov x3, #{masked}",
    "msr cntp_ctl_el0, x3",
    "isb",
    "str w1, [x0, #{eoir}]",
    "ldp x2, x3, [sp], #16",
    "ldp x0, x1, [sp], #16",
    "eret",
    ".balign 128",
    ".rept 10",
    "b .",
    ".balign 128",
    ".endr",
    gicc_high = const GICC >> 16,
    gicc_low = const GICC & 0xFFFF,
    iar = const GICC_IAR,
    eoir = const GICC_EOIR,
    masked = const TIMER_MASKED,
    seen = sym IRQ_SEEN,
);

unsafe extern "C" {
    /// The table above.
    static gic_conformance_vectors: [u8; 2048];
}

/// The timer's PPI, enabled at the GIC, wakes a WFI and is taken as a real IRQ after the
/// compare value.
fn timer_irq_wakes_wfi() -> Result<(), &'static str> {
    const AHEAD: u64 = 19_200; // 1 ms
    enable(TIMER_PHYSICAL, 0x80);
    let runtime_vectors: u64;
    // SAFETY: reading VBAR_EL1 has no side effect.
    unsafe { asm!("mrs {}, vbar_el1", out(reg) runtime_vectors) };
    let cval = counter() + AHEAD;
    // SAFETY: the table is 2 KiB aligned code with a complete set of entries; it is
    // installed only while IRQs are expected and the runtime's table is put back before
    // anything else runs. The handler saves what it uses and returns with `eret`.
    unsafe {
        let table = (&raw const gic_conformance_vectors) as u64;
        asm!("msr vbar_el1, {}", "isb", in(reg) table);
    }
    set_physical_timer(cval, TIMER_ON);
    // SAFETY: unmasking IRQs with the table above installed; WFI waits for the timer's IRQ,
    // which the handler ends; then IRQs are masked again and the runtime's table restored.
    unsafe {
        asm!(
            "msr daifclr, #2",
            "wfi",
            "msr daifset, #2",
            "isb",
            "msr vbar_el1, {}",
            "isb",
            in(reg) runtime_vectors,
        )
    };
    set_physical_timer(0, 0);
    disable(TIMER_PHYSICAL);
    let id = IRQ_SEEN[0].load(Ordering::Acquire);
    let at = IRQ_SEEN[1].load(Ordering::Acquire);
    expect(id != 0, "no IRQ taken")?;
    expect(
        id == u64::from(TIMER_PHYSICAL),
        "IRQ with another ID than 19",
    )?;
    expect(at >= cval, "IRQ taken before the compare value")?;
    expect(at < cval + AHEAD, "IRQ taken more than 1 ms late")?;
    expect(iar() == SPURIOUS, "something left pending")
}

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("\ngic_conformance: GICv2 programmer's model checks");

    // Group 1 forwarding in the distributor and the CPU interface; the mask fully open
    // (Non-secure 0xF0: every priority but the lowest passes).
    write(GICD + GICD_CTLR, 1);
    write(GICC + GICC_CTLR, GICC_CTLR_ENABLE);
    write(GICC + GICC_PMR, 0xF0);
    drain();

    let checks: [(&str, Item); 9] = [
        ("spurious_1023", spurious_1023),
        ("pmr_masking", pmr_masking),
        ("pending_while_disabled", pending_while_disabled),
        ("level_reasserts_after_eoi", level_reasserts_after_eoi),
        ("edge_latched_while_active", edge_latched_while_active),
        ("sgi_target_filter", sgi_target_filter),
        ("running_priority", running_priority),
        ("eoimode_split_priority_drop", eoimode_split_priority_drop),
        ("timer_irq_wakes_wfi", timer_irq_wakes_wfi),
    ];
    let mut passed = 0;
    for (name, check) in checks {
        match check() {
            Ok(()) => {
                passed += 1;
                println!("ok {name}");
            }
            Err(what) => {
                println!("FAIL {name}: {what}");
                clean_up();
            }
        }
    }
    println!("gic_conformance: {passed} of {} passed", checks.len());

    println!("resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
