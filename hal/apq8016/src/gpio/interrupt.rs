//! Pad interrupts: an [`Input`] raises the TLMM summary interrupt (GIC ID 240) on an edge or
//! level (docs/hardware/tlmm-gpio.md#interrupt-programming).
//!
//! Every pad's interrupt goes to the one summary line, a level-high SPI that stays asserted
//! while any enabled pad has its `INTR_STATUS` set. A handler for
//! [`pac::Interrupt::TLMM_SUMMARY`] therefore asks each input it cares about
//! ([`Input::is_interrupt_pending`]) and acknowledges it ([`Input::clear_interrupt`]) before
//! returning; an unacknowledged pad makes the GIC signal again after the end of interrupt.

use super::Input;
use crate::pac;
use pac::tlmm::gpio::intr_cfg::IntrDectCtl;

/// `INTR_TARGET_PROC` value that routes a pad's interrupt to the application processor.
const TARGET_APPLICATION_PROCESSOR: u8 = 4;

/// What makes a pad's interrupt pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum InterruptTrigger {
    /// Low to high.
    RisingEdge,
    /// High to low (e.g. an active-low button being pressed).
    FallingEdge,
    /// Either edge.
    BothEdges,
    /// While the pad is high.
    LevelHigh,
    /// While the pad is low.
    LevelLow,
}

/// The `INTR_DECT_CTL` and `INTR_POL_CTL` values for `trigger`. Polarity is 1 for every edge,
/// falling included; only level-low uses 0 (docs/hardware/tlmm-gpio.md#interrupt-programming).
pub const fn detection_and_polarity(trigger: InterruptTrigger) -> (IntrDectCtl, bool) {
    match trigger {
        InterruptTrigger::RisingEdge => (IntrDectCtl::PosEdge, true),
        InterruptTrigger::FallingEdge => (IntrDectCtl::NegEdge, true),
        InterruptTrigger::BothEdges => (IntrDectCtl::DualEdge, true),
        InterruptTrigger::LevelHigh => (IntrDectCtl::Level, true),
        InterruptTrigger::LevelLow => (IntrDectCtl::Level, false),
    }
}

impl Input {
    /// Makes the pad raise the TLMM summary interrupt on `trigger`, routed to the
    /// application processor. A stale pending state is cleared first. The GIC line
    /// ([`pac::Interrupt::TLMM_SUMMARY`]) is enabled separately, on the interrupt controller.
    pub fn listen(&mut self, trigger: InterruptTrigger) {
        let (detection, polarity) = detection_and_polarity(trigger);
        let regs = self.flex.pin.regs();
        // Configure with the interrupt masked, clear what the change may have latched, then
        // unmask.
        regs.intr_cfg().write(|w| {
            w.intr_dect_ctl().variant(detection);
            w.intr_pol_ctl().bit(polarity);
            w.intr_raw_status_en().set_bit();
            w.intr_target().set(TARGET_APPLICATION_PROCESSOR);
            w.intr_enable().clear_bit()
        });
        regs.intr_status().write(|w| w.intr_status().clear_bit());
        regs.intr_cfg().modify(|_, w| w.intr_enable().set_bit());
    }

    /// Stops the pad from raising interrupts and clears its pending state.
    pub fn unlisten(&mut self) {
        let regs = self.flex.pin.regs();
        regs.intr_cfg().modify(|_, w| w.intr_enable().clear_bit());
        regs.intr_status().write(|w| w.intr_status().clear_bit());
    }

    /// Whether the pad's interrupt is pending (`INTR_STATUS`).
    #[inline]
    pub fn is_interrupt_pending(&self) -> bool {
        self.flex
            .pin
            .regs()
            .intr_status()
            .read()
            .intr_status()
            .bit_is_set()
    }

    /// Acknowledges the pad's interrupt (writes 0 to `INTR_STATUS`). A level trigger whose
    /// level is still present sets it again.
    #[inline]
    pub fn clear_interrupt(&mut self) {
        self.flex
            .pin
            .regs()
            .intr_status()
            .write(|w| w.intr_status().clear_bit());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edge_has_polarity_one_only_level_low_zero() {
        let table = [
            (InterruptTrigger::RisingEdge, IntrDectCtl::PosEdge, true),
            (InterruptTrigger::FallingEdge, IntrDectCtl::NegEdge, true),
            (InterruptTrigger::BothEdges, IntrDectCtl::DualEdge, true),
            (InterruptTrigger::LevelHigh, IntrDectCtl::Level, true),
            (InterruptTrigger::LevelLow, IntrDectCtl::Level, false),
        ];
        for (trigger, detection, polarity) in table {
            assert_eq!(
                detection_and_polarity(trigger),
                (detection, polarity),
                "{trigger:?}"
            );
        }
    }
}
