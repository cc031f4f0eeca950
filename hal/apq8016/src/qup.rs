//! The parts of a BLSP1 QUP that every mini-core driver uses the same way: the register
//! block pointer, the state machine (write a state, wait until the core reports it), the
//! software reset, and the FIFO sizes from `QUP_IO_MODES`
//! (docs/hardware/qup-i2c-spi.md#common-qup-registers). The I2C ([`crate::i2c`]) and SPI
//! ([`crate::spi`]) drivers build on it.

pub(crate) mod signal;

use crate::clocks::wait;
use crate::pac;
use pac::blsp1_qup1::qup_state::State;

/// Every QUP has this register block (QUP2..6 derive from QUP1 in the SVD).
pub(crate) type RegisterBlock = pac::blsp1_qup1::RegisterBlock;

/// Longest wait for a state change or a software reset to complete.
pub(crate) const STATE_TIMEOUT_US: u64 = 1_000;

/// Pointer to a QUP register block.
#[derive(Clone, Copy)]
pub(crate) struct Regs(pub(crate) *const RegisterBlock);

// SAFETY: the pointer is the fixed MMIO address of a QUP owned by the driver holding it; the
// register block may be accessed from any core (device memory, no CPU-local state).
unsafe impl Send for Regs {}

impl Regs {
    #[inline(always)]
    pub(crate) fn get(&self) -> &RegisterBlock {
        // SAFETY: built only from a driver's `Instance::register_block()`, the MMIO block of a
        // QUP whose peripheral value that driver took over; mapped for the whole program.
        unsafe { &*self.0 }
    }
}

/// Writes `state` and waits until the core reports it (valid and equal); `false` on timeout.
pub(crate) fn set_state(r: &RegisterBlock, state: State) -> bool {
    r.qup_state().write(|w| w.state().variant(state));
    let reached = || {
        let s = r.qup_state().read();
        s.state_valid().bit_is_set() && s.state().variant() == state
    };
    // Fast path: a running core usually reports the new state at once, and the bounded wait's
    // set-up (reading the counter, working out the bound) costs more than the check. Drivers
    // change state several times per FIFO load, so this is most of their per-chunk time.
    reached() || wait::poll_until(STATE_TIMEOUT_US, reached)
}

/// Software reset (every register back to its reset value); waits until the core reports a
/// valid RESET state; `false` on timeout.
pub(crate) fn software_reset(r: &RegisterBlock) -> bool {
    r.qup_sw_reset().write(|w| w.reset().set_bit());
    wait::poll_until(STATE_TIMEOUT_US, || {
        let s = r.qup_state().read();
        s.state_valid().bit_is_set() && s.state().is_reset()
    })
}

/// Bytes a FIFO holds, from its `QUP_IO_MODES` block-size and FIFO-size codes.
fn fifo_bytes(block: u8, size: u8) -> usize {
    let block_bytes = match block {
        0 => 4,
        1 => 16,
        _ => 32,
    };
    block_bytes << (usize::from(size) + 1)
}

/// (output FIFO bytes, input FIFO bytes), as the hardware reports them.
pub(crate) fn fifo_sizes(r: &RegisterBlock) -> (usize, usize) {
    let modes = r.qup_io_modes().read();
    (
        fifo_bytes(
            modes.output_block_size().bits(),
            modes.output_fifo_size().bits(),
        ),
        fifo_bytes(
            modes.input_block_size().bits(),
            modes.input_fifo_size().bits(),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::fifo_bytes;

    #[test]
    fn fifo_size_codes() {
        // Block 16 bytes, FIFO size code 1: 64 bytes (the virtual board's and the usual value).
        assert_eq!(fifo_bytes(1, 1), 64);
        assert_eq!(fifo_bytes(0, 0), 8);
        assert_eq!(fifo_bytes(2, 3), 512);
    }
}
