//! `embedded_hal_async::digital::Wait` for [`Input`]: a task waits for a level or an edge on
//! the pad's interrupt, asleep meanwhile.
//!
//! ```no_run
//! use apq8016_hal::gpio::{self, Input, InputConfig, Pins, Pull};
//! use apq8016_hal::{interrupt::InterruptController, pac};
//! use embedded_hal_async::digital::Wait;
//!
//! async fn wait_for_press(button: &mut Input) {
//!     button.wait_for_falling_edge().await.unwrap(); // pressed (active low)
//! }
//!
//! let pins = Pins::new(pac::Peripherals::take().unwrap().TLMM);
//! let mut interrupts = InterruptController::take().unwrap();
//! gpio::enable_async_wait(&mut interrupts).unwrap(); // once: the summary handler
//! let mut volume_up = Input::new(pins.gpio107, InputConfig::default().with_pull(Pull::Up));
//! let press = wait_for_press(&mut volume_up); // a future: await it in a task (`executor`)
//! # drop(press);
//! ```
//!
//! # Design notes
//!
//! - All pads share the TLMM summary interrupt (GIC ID 240), so [`enable_async_wait`]
//!   registers one HAL handler for it ([`on_summary_interrupt`]); a program that waits
//!   asynchronously does not install its own handler for ID 240 as well (the last one
//!   registered wins), nor leaves other pads listening ([`Input::listen`]) without a
//!   waiting future: this handler never acknowledges those, so the level-triggered summary
//!   line would stay asserted.
//! - A waiting future lends its pad's interrupt to that handler: it sets the pad's bit in
//!   `WAITING` after registering its waker in the pad's [`AtomicWaker`] and configuring the
//!   trigger ([`Input::listen`], which clears what was latched before, so only an edge after
//!   the call counts). The handler looks only at pads with a `WAITING` bit: for each whose
//!   `INTR_STATUS` is set it turns the pad's interrupt off, acknowledges it, moves the bit
//!   to `FIRED` and wakes the waker. The next poll sees `FIRED` and completes. A future
//!   dropped before that turns the pad's interrupt off and clears its bits.
//! - The bit sets and the pad accesses of both sides happen inside critical sections, so a
//!   future on another core and the handler (SPIs go to core 0) never interleave.
//! - `wait_for_high`/`wait_for_low` complete at once if the level already holds, else they
//!   wait on a level trigger; the edge waits use the pad's edge detection (`DualEdge` for
//!   any edge). Nothing is debounced.
//! - One `AtomicWaker` per pad (`embassy-sync`'s, the type the UART's async driver uses too):
//!   122 of them, about 2 KiB of `.bss`.

use core::future::poll_fn;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::Poll;

use embassy_sync::waitqueue::AtomicWaker;

use super::{GPIO_COUNT, Input, InterruptTrigger};
use crate::interrupt::{self, InterruptController, InterruptId, Trigger};
use crate::pac;

/// Words of one bit per pad.
const WORDS: usize = GPIO_COUNT.div_ceil(32);

/// Pads whose interrupt a future waits for (the handler's to serve).
static WAITING: [AtomicU32; WORDS] = [const { AtomicU32::new(0) }; WORDS];
/// Pads whose awaited interrupt came (the future's to collect).
static FIRED: [AtomicU32; WORDS] = [const { AtomicU32::new(0) }; WORDS];
/// The waker of each pad's waiting future.
static WAKERS: [AtomicWaker; GPIO_COUNT] = [const { AtomicWaker::new() }; GPIO_COUNT];

/// The word and bit of pad `pad` in the bit sets.
const fn bit(pad: usize) -> (usize, u32) {
    (pad / 32, 1 << (pad % 32))
}

/// Pad `pad`'s registers, for the handler and a dropped future.
fn pad_registers(pad: usize) -> &'static pac::tlmm::Gpio {
    // SAFETY: TLMM::ptr() is the TLMM register block, mapped for the whole program. The
    // callers only touch INTR_CFG.INTR_ENABLE and INTR_STATUS of a pad whose future has lent
    // them (its WAITING bit is set), inside a critical section.
    let tlmm = unsafe { &*pac::TLMM::ptr() };
    tlmm.gpio(pad)
}

/// Turns pad `pad`'s interrupt off and acknowledges it.
fn silence(pad: usize) {
    let registers = pad_registers(pad);
    registers
        .intr_cfg()
        .modify(|_, w| w.intr_enable().clear_bit());
    registers
        .intr_status()
        .write(|w| w.intr_status().clear_bit());
}

/// The TLMM summary interrupt's handler that [`enable_async_wait`] registers: completes the
/// waits whose pad has its interrupt pending.
pub fn on_summary_interrupt() {
    critical_section::with(|_| {
        for (word, waiting) in WAITING.iter().enumerate() {
            let mut pads = waiting.load(Ordering::Relaxed);
            while pads != 0 {
                let index = pads.trailing_zeros();
                pads &= pads - 1;
                let pad = word * 32 + index as usize;
                if pad_registers(pad)
                    .intr_status()
                    .read()
                    .intr_status()
                    .bit_is_clear()
                {
                    continue;
                }
                silence(pad);
                waiting.fetch_and(!(1 << index), Ordering::Relaxed);
                FIRED[word].fetch_or(1 << index, Ordering::Release);
                WAKERS[pad].wake();
            }
        }
    });
}

/// Registers [`on_summary_interrupt`] for the TLMM summary interrupt (level) and enables it:
/// call once before awaiting any [`Input`]'s `Wait` methods (with IRQs unmasked on core 0).
pub fn enable_async_wait(interrupts: &mut InterruptController) -> Result<(), interrupt::Error> {
    let summary = InterruptId::from(pac::Interrupt::TLMM_SUMMARY);
    interrupts.set_handler(summary, on_summary_interrupt)?;
    interrupts.set_trigger(summary, Trigger::Level)?;
    interrupts.enable(summary)
}

/// Turns the pad's interrupt off if the future is dropped while waiting.
struct WaitGuard {
    pad: usize,
}

impl Drop for WaitGuard {
    fn drop(&mut self) {
        let (word, mask) = bit(self.pad);
        critical_section::with(|_| {
            if WAITING[word].fetch_and(!mask, Ordering::Relaxed) & mask != 0 {
                silence(self.pad);
            }
            FIRED[word].fetch_and(!mask, Ordering::Relaxed);
        });
    }
}

impl Input {
    /// Waits until the pad's interrupt with `trigger` comes (the trigger set up from now).
    async fn wait_for_interrupt(&mut self, trigger: InterruptTrigger) {
        let pad = usize::from(self.number());
        let (word, mask) = bit(pad);
        let _guard = WaitGuard { pad };
        let mut armed = false;
        poll_fn(|cx| {
            WAKERS[pad].register(cx.waker());
            if !armed {
                armed = true;
                critical_section::with(|_| {
                    FIRED[word].fetch_and(!mask, Ordering::Relaxed);
                    self.listen(trigger);
                    WAITING[word].fetch_or(mask, Ordering::Relaxed);
                });
                return Poll::Pending;
            }
            if FIRED[word].fetch_and(!mask, Ordering::Acquire) & mask != 0 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
}

impl embedded_hal_async::digital::Wait for Input {
    async fn wait_for_high(&mut self) -> Result<(), Self::Error> {
        if !self.is_high() {
            self.wait_for_interrupt(InterruptTrigger::LevelHigh).await;
        }
        Ok(())
    }

    async fn wait_for_low(&mut self) -> Result<(), Self::Error> {
        if !self.is_low() {
            self.wait_for_interrupt(InterruptTrigger::LevelLow).await;
        }
        Ok(())
    }

    async fn wait_for_rising_edge(&mut self) -> Result<(), Self::Error> {
        self.wait_for_interrupt(InterruptTrigger::RisingEdge).await;
        Ok(())
    }

    async fn wait_for_falling_edge(&mut self) -> Result<(), Self::Error> {
        self.wait_for_interrupt(InterruptTrigger::FallingEdge).await;
        Ok(())
    }

    async fn wait_for_any_edge(&mut self) -> Result<(), Self::Error> {
        self.wait_for_interrupt(InterruptTrigger::BothEdges).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_bits() {
        assert_eq!(WORDS, 4);
        assert_eq!(bit(0), (0, 1));
        assert_eq!(bit(31), (0, 1 << 31));
        assert_eq!(bit(107), (3, 1 << 11));
        assert_eq!(bit(GPIO_COUNT - 1), (3, 1 << 25));
    }
}
