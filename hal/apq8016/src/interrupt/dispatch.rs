//! The IRQ dispatcher, called by the runtime's IRQ vector (see the module notes of
//! [`super`]): acknowledge, call the handler, end.

use core::sync::atomic::{AtomicU32, Ordering};

use super::table::HANDLERS;

/// GIC CPU interface base (docs/hardware/gic-timers.md#gicv2-qgic2).
pub(crate) const CPU_INTERFACE_BASE: usize = 0x0B00_2000;
/// `GICC_IAR`: reading it acknowledges the most urgent pending interrupt.
const GICC_IAR: usize = CPU_INTERFACE_BASE + 0x0C;
/// `GICC_EOIR`: writing the acknowledged value ends it.
const GICC_EOIR: usize = CPU_INTERFACE_BASE + 0x10;

/// The interrupt-ID field of `GICC_IAR` (bits 9:0); bits 12:10 name an SGI's sender.
const IAR_ID_MASK: u32 = 0x3FF;
/// The ID `GICC_IAR` gives when nothing is pending for this core (or it was taken away).
pub const SPURIOUS_ID: u32 = 1023;

/// Spurious acknowledges seen (IRQ taken, but `GICC_IAR` said 1023).
static SPURIOUS: AtomicU32 = AtomicU32::new(0);

/// What one read of `GICC_IAR` means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acknowledge {
    /// Nothing to do (ID 1023): no EOI is written.
    Spurious,
    /// Interrupt `id` (bits 9:0) is now active; `GICC_EOIR` must get the whole value back.
    Interrupt {
        /// The interrupt ID.
        id: u16,
    },
}

/// Decodes a `GICC_IAR` value.
pub const fn decode_acknowledge(iar: u32) -> Acknowledge {
    let id = iar & IAR_ID_MASK;
    if id >= 1020 {
        // 1020-1022 are only returned to secure software; treat them as nothing to do too.
        Acknowledge::Spurious
    } else {
        Acknowledge::Interrupt { id: id as u16 }
    }
}

/// How many spurious IRQs the dispatcher has seen.
pub fn spurious_count() -> u32 {
    SPURIOUS.load(Ordering::Relaxed)
}

/// Handles one IRQ: acknowledge, call the registered handler, end of interrupt.
///
/// Returns `Err(id)` for an interrupt that has no handler (after ending it); the runtime then
/// reports it and resets. Called by the runtime's IRQ vector; calling it elsewhere (with
/// IRQs masked, to poll) is harmless.
#[inline]
pub fn dispatch() -> Result<(), u16> {
    // SAFETY: GICC_IAR is a 32-bit read-only register of this core's banked CPU interface,
    // mapped as device memory by the runtime's page table; only the dispatcher reads it.
    let iar = unsafe { core::ptr::read_volatile(GICC_IAR as *const u32) };
    let Acknowledge::Interrupt { id } = decode_acknowledge(iar) else {
        SPURIOUS.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    };
    let handler = HANDLERS.get(usize::from(id));
    if let Some(handler) = handler {
        handler();
    }
    // SAFETY: GICC_EOIR is this core's write-only end-of-interrupt register; the value is the
    // one just acknowledged, as the architecture requires.
    unsafe { core::ptr::write_volatile(GICC_EOIR as *mut u32, iar) };
    match handler {
        Some(_) => Ok(()),
        None => Err(id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledge_values() {
        assert_eq!(decode_acknowledge(1023), Acknowledge::Spurious);
        assert_eq!(decode_acknowledge(1022), Acknowledge::Spurious);
        assert_eq!(decode_acknowledge(19), Acknowledge::Interrupt { id: 19 });
        // An SGI from core 2: the source field is not part of the ID.
        assert_eq!(
            decode_acknowledge((2 << 10) | 5),
            Acknowledge::Interrupt { id: 5 }
        );
        assert_eq!(decode_acknowledge(240), Acknowledge::Interrupt { id: 240 });
    }
}
