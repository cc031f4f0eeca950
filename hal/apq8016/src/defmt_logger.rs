//! [`defmt`] global logger on the debug console (BLSP1 UART2), and the defmt timestamp.
//!
//! Enabled by the cargo feature `defmt-logger` (firmware builds only). With it, `defmt::info!`
//! and friends anywhere in the program (any core, interrupt handlers included) send compact
//! binary log frames over the console, interleaved with ordinary text; `cargo xtask` splits the
//! two apart on the host and decodes the frames with the ELF's defmt table. Link the program
//! with `-Tdefmt.x` in addition to the board's linker script. Details: `docs/defmt.md`.
//!
//! # Design notes
//!
//! - **Framing on the wire.** Console text and defmt frames share one byte stream, so every
//!   frame is sent as `0x00 0xFF <rzCOBS data> 0x00`. `0xFF` never occurs in console text (it
//!   is not a byte of any UTF-8 string), so the host treats it as "a frame starts here"; rzCOBS
//!   data never contains `0x00`, so the trailing `0x00` ends the frame. The leading `0x00`
//!   terminates any frame a previous boot, a stuck UART or a crash left unfinished, so the
//!   new frame is never swallowed by an old one. `0x00` is not console text either; the host
//!   drops it outside frames.
//! - **Integrity.** rzCOBS alone cannot notice a changed byte, and a changed argument byte would
//!   decode into a plausible but wrong message. So the rzCOBS payload is the defmt frame
//!   followed by its CRC-32 (IEEE 802.3, the zlib/Ethernet one, little-endian), fed through the
//!   same [`defmt::Encoder`]. The host checks the CRC before it decodes anything.
//! - **Exclusion.** [`acquire`](defmt::Logger::acquire) enters the `critical-section` (the
//!   HAL's multi-core implementation: interrupts masked on this core, global lock against the
//!   other cores) and keeps it until [`release`](defmt::Logger::release), so a frame is never
//!   interleaved with another frame, whichever core or interrupt level logs. The state (encoder,
//!   running CRC, saved restore state) lives in one static that is only touched inside that
//!   section. A defmt macro used *inside* a frame (from a `defmt::Format` impl) would nest on
//!   the same core; defmt requires a panic then. Before panicking the logger ends the open frame
//!   with `0x00`, so the panic report that follows reaches the host as plain text.
//! - **UART access.** Raw, polled register writes in single-character mode (`DMEN.TX_SC_EN`),
//!   exactly like the runtime's report writer and the [`crate::uart::Uart`] driver, so the
//!   driver and the logger can take turns on the console without reconfiguring anything. No
//!   driver object is needed (logging works before `Board::take()`, as soon as the boot firmware
//!   has the console running). Each wait for `SR.TXRDY` is bounded by time; when one expires,
//!   the rest of that frame is dropped (the host reports it as corrupted) and the next frame
//!   tries again, so a stuck or unclocked UART costs at most one timeout per log call and never
//!   hangs the program.
//! - **Timestamp.** Microseconds of the Arm generic timer (`{=u64:us}`), i.e. since the system
//!   counter started at power-on, not since `main`. Defining it here means programs using this
//!   logger cannot define their own `defmt::timestamp!`.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::pac;
use crate::time::{Duration, Instant, duration_to_ticks, ticks_per_second, ticks_to_duration};

/// Marks the start of a defmt frame on the console (never part of console text).
pub const FRAME_START: u8 = 0xFF;
/// Ends a frame (and, sent before [`FRAME_START`], any frame left unfinished).
pub const FRAME_END: u8 = 0x00;

/// Longest wait for room in the TX FIFO for one byte: more than ten character times down to
/// 9600 baud, far more than the 87 µs one character takes at 115200.
const BYTE_TIMEOUT: Duration = Duration::from_millis(10);
/// Longest wait for the transmitter to drain completely (64-byte FIFO at 115200 ≈ 5.6 ms).
const DRAIN_TIMEOUT: Duration = Duration::from_millis(20);

defmt::timestamp!("{=u64:us}", {
    let ticks = Instant::now().ticks();
    // Duration arithmetic avoids overflowing `ticks * 1_000_000`; u64 µs last 584 000 years.
    ticks_to_duration(ticks, ticks_per_second()).as_micros() as u64
});

/// The logger registered with defmt (private: only defmt's macros may call it).
#[defmt::global_logger]
struct ConsoleLogger;

/// Everything one frame in progress needs.
struct FrameState {
    /// The critical-section restore state from `acquire`, handed back in `release`.
    restore: critical_section::RestoreState,
    encoder: defmt::Encoder,
    /// Running CRC-32 of the unencoded frame bytes (pre-inverted, see [`crc32_update`]).
    crc: u32,
    tx: ConsoleTx,
}

/// [`FrameState`] in a static; see [`STATE`].
struct StateCell(UnsafeCell<FrameState>);

// SAFETY: the state is only accessed between `acquire` and `release`, i.e. while this core holds
// the global critical section and `TAKEN` is set, so there is never more than one accessor.
unsafe impl Sync for StateCell {}

static STATE: StateCell = StateCell(UnsafeCell::new(FrameState {
    restore: critical_section::RestoreState::invalid(),
    encoder: defmt::Encoder::new(),
    crc: 0,
    tx: ConsoleTx { gave_up: false },
}));

/// A frame is in progress. Only changed while holding the critical section, so a `true` seen
/// while holding it means this very core is inside a frame (re-entrant use).
static TAKEN: AtomicBool = AtomicBool::new(false);

/// The state of the frame in progress.
///
/// # Safety
///
/// Only between `acquire` and `release` (critical section held, `TAKEN` set), and the returned
/// reference must not outlive the calling logger method.
unsafe fn state() -> &'static mut FrameState {
    // SAFETY: the caller guarantees exclusive access (see above and `StateCell`'s Sync impl).
    unsafe { &mut *STATE.0.get() }
}

// SAFETY: `acquire` takes the global critical section and keeps it until the matching
// `release`, which makes the logger exclusive across cores and interrupt levels; re-entrant use
// on the same core is detected with `TAKEN` and panics, as the trait requires.
unsafe impl defmt::Logger for ConsoleLogger {
    fn acquire() {
        // SAFETY: the matching `critical_section::release` is in `release` (defmt calls it
        // exactly once per `acquire`), or right below on the re-entrant path.
        let restore = unsafe { critical_section::acquire() };
        if TAKEN.load(Ordering::Relaxed) {
            // A frame of this core is open (a defmt macro inside a `Format` impl). End it so the
            // panic report below is plain text to the host, then hand back the nested section.
            ConsoleTx { gave_up: false }.send(FRAME_END);
            // SAFETY: `restore` is the state returned by the `acquire` above (nested, so the
            // outer frame's section stays held).
            unsafe { critical_section::release(restore) };
            panic!("defmt: logger used re-entrantly (a defmt macro inside a defmt::Format impl?)");
        }
        TAKEN.store(true, Ordering::Relaxed);
        // SAFETY: critical section held and `TAKEN` set: this is the only accessor.
        let state = unsafe { state() };
        state.restore = restore;
        state.crc = CRC32_INIT;
        state.tx.start_frame();
        // rzCOBS's own start-of-stream separator is superseded by our leading FRAME_END.
        state.encoder.start_frame(|_| {});
        state.tx.send(FRAME_END);
        state.tx.send(FRAME_START);
    }

    unsafe fn write(bytes: &[u8]) {
        // SAFETY: defmt only calls `write` between `acquire` and `release`.
        let FrameState {
            encoder, crc, tx, ..
        } = unsafe { state() };
        *crc = crc32_update(*crc, bytes);
        encoder.write(bytes, |encoded| tx.send_all(encoded));
    }

    unsafe fn flush() {
        // SAFETY: defmt only calls `flush` between `acquire` and `release`.
        unsafe { state() }.tx.drain();
    }

    unsafe fn release() {
        // SAFETY: defmt calls `release` once, after its `acquire`.
        let FrameState {
            restore,
            encoder,
            crc,
            tx,
        } = unsafe { state() };
        let check = !*crc;
        encoder.write(&check.to_le_bytes(), |encoded| tx.send_all(encoded));
        encoder.end_frame(|encoded| tx.send_all(encoded));
        let restore = *restore;
        TAKEN.store(false, Ordering::Relaxed);
        // SAFETY: `restore` came from this frame's `critical_section::acquire`; the state is not
        // touched after this point.
        unsafe { critical_section::release(restore) };
    }
}

/// Initial value of the running CRC (the register starts with all ones).
const CRC32_INIT: u32 = 0xFFFF_FFFF;
/// The reflected CRC-32 polynomial (IEEE 802.3).
const CRC32_POLY_REFLECTED: u32 = 0xEDB8_8320;

/// Feeds `bytes` into a running CRC-32; the final value is the bitwise NOT of the result.
/// Bit-by-bit: no 1 KiB table in the image, and log frames are short.
fn crc32_update(mut crc: u32, bytes: &[u8]) -> u32 {
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let low_bit_mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (CRC32_POLY_REFLECTED & low_bit_mask);
        }
    }
    crc
}

/// The console transmitter, written raw (see the module notes).
struct ConsoleTx {
    /// A wait for TXRDY timed out during this frame: drop the rest of it.
    gave_up: bool,
}

/// The console's register block.
fn regs() -> &'static pac::blsp1_uart1::RegisterBlock {
    // SAFETY: BLSP1_UART2's register block is at a fixed, always-mapped device address; only
    // volatile register accesses are made through the reference.
    unsafe { &*pac::BLSP1_UART2::ptr() }
}

/// Polls `done` until it returns true or `timeout` has passed; returns whether it became true.
fn wait_for(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let limit = duration_to_ticks(timeout, ticks_per_second());
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if Instant::now().ticks_since(start) > limit {
            return false;
        }
        core::hint::spin_loop();
    }
}

impl ConsoleTx {
    /// Makes sure the transmitter is on in single-character mode and clears the give-up flag.
    fn start_frame(&mut self) {
        let uart = regs();
        if !uart.dmen().read().tx_sc_en().bit_is_set() {
            // Someone (the boot chain) used packed mode: let it drain, then switch over.
            wait_for(DRAIN_TIMEOUT, || uart.sr().read().txemt().bit_is_set());
            uart.dmen().modify(|_, w| w.tx_sc_en().set_bit());
        }
        uart.cr().write(|w| w.tx_en().set_bit());
        self.gave_up = false;
    }

    /// Sends one byte, waiting (bounded) for room in the FIFO.
    fn send(&mut self, byte: u8) {
        if self.gave_up {
            return;
        }
        let uart = regs();
        if wait_for(BYTE_TIMEOUT, || uart.sr().read().txrdy().bit_is_set()) {
            uart.tf(0).write(|w| w.data().set(u32::from(byte)));
        } else {
            self.gave_up = true;
        }
    }

    fn send_all(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.send(byte);
        }
    }

    /// Waits (bounded) until the last byte has left the shift register.
    fn drain(&mut self) {
        let uart = regs();
        wait_for(DRAIN_TIMEOUT, || uart.sr().read().txemt().bit_is_set());
    }
}
