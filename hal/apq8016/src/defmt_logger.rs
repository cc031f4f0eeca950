//! [`defmt`] global logger on the console (the UART the board selected, see
//! [`crate::console`]), and the defmt timestamp.
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
//! - **Exclusion.** [`acquire`](defmt::Logger::acquire) takes the console lock
//!   ([`crate::console::lock`]: interrupts masked on this core, a global lock against the other
//!   cores) and keeps it until [`release`](defmt::Logger::release), so a frame is never
//!   interleaved with another frame or with `print!`/report text, whichever core or interrupt
//!   level writes. The state (the console writer, encoder, running CRC) lives in one static
//!   that is only touched while the lock is held. A defmt macro used *inside* a frame (from a
//!   `defmt::Format` impl) would nest on the same core (the lock is re-entrant); defmt requires
//!   a panic then. Before panicking the logger ends the open frame with `0x00`, so the panic
//!   report that follows reaches the host as plain text.
//! - **UART access.** Through the console writer: raw, polled register writes in
//!   single-character mode (`DMEN.TX_SC_EN`), exactly like the reports and the
//!   [`crate::uart::Uart`] driver, so the driver and the logger can take turns on the console
//!   without reconfiguring anything. No driver object is needed (logging works before
//!   `Board::take()`, as soon as the console is selected and the boot firmware has it running).
//!   Each wait for `SR.TXRDY` is bounded by time; when one expires, the rest of that frame is
//!   dropped (the host reports it as corrupted) and the next frame tries again, so a stuck or
//!   unclocked UART costs at most one timeout per log call and never hangs the program.
//! - **Timestamp.** Microseconds of the Arm generic timer (`{=u64:us}`), i.e. since the system
//!   counter started at power-on, not since `main`. Defining it here means programs using this
//!   logger cannot define their own `defmt::timestamp!`.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::console::{self, ConsoleWriter};
use crate::time::{Instant, ticks_per_second, ticks_to_duration};

/// Marks the start of a defmt frame on the console (never part of console text).
pub const FRAME_START: u8 = 0xFF;
/// Ends a frame (and, sent before [`FRAME_START`], any frame left unfinished).
pub const FRAME_END: u8 = 0x00;

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
    /// The console, locked from `acquire` to `release` (`None` outside a frame).
    console: Option<ConsoleWriter>,
    encoder: defmt::Encoder,
    /// Running CRC-32 of the unencoded frame bytes (pre-inverted, see [`crc32_update`]).
    crc: u32,
}

impl FrameState {
    fn send_all(console: &mut Option<ConsoleWriter>, bytes: &[u8]) {
        if let Some(console) = console {
            console.write_bytes(bytes);
        }
    }
}

/// [`FrameState`] in a static; see [`STATE`].
struct StateCell(UnsafeCell<FrameState>);

// SAFETY: the state is only accessed between `acquire` and `release`, i.e. while this core holds
// the console lock and `TAKEN` is set, so there is never more than one accessor.
unsafe impl Sync for StateCell {}

static STATE: StateCell = StateCell(UnsafeCell::new(FrameState {
    console: None,
    encoder: defmt::Encoder::new(),
    crc: 0,
}));

/// A frame is in progress. Only changed while holding the console lock, so a `true` seen
/// while holding it means this very core is inside a frame (re-entrant use).
static TAKEN: AtomicBool = AtomicBool::new(false);

/// The state of the frame in progress.
///
/// # Safety
///
/// Only between `acquire` and `release` (console lock held, `TAKEN` set), and the returned
/// reference must not outlive the calling logger method.
unsafe fn state() -> &'static mut FrameState {
    // SAFETY: the caller guarantees exclusive access (see above and `StateCell`'s Sync impl).
    unsafe { &mut *STATE.0.get() }
}

// SAFETY: `acquire` takes the console lock and keeps it (in the state's writer) until the
// matching `release`, which makes the logger exclusive across cores and interrupt levels;
// re-entrant use on the same core is detected with `TAKEN` and panics, as the trait requires.
unsafe impl defmt::Logger for ConsoleLogger {
    fn acquire() {
        let mut console = console::lock();
        if TAKEN.load(Ordering::Relaxed) {
            // A frame of this core is open (a defmt macro inside a `Format` impl). End it so the
            // panic report below is plain text to the host; dropping the nested writer keeps
            // the outer frame's lock.
            console.write_bytes(&[FRAME_END]);
            drop(console);
            panic!("defmt: logger used re-entrantly (a defmt macro inside a defmt::Format impl?)");
        }
        TAKEN.store(true, Ordering::Relaxed);
        // rzCOBS's own start-of-stream separator is superseded by our leading FRAME_END.
        console.write_bytes(&[FRAME_END, FRAME_START]);
        // SAFETY: console lock held and `TAKEN` set: this is the only accessor.
        let state = unsafe { state() };
        state.console = Some(console);
        state.crc = CRC32_INIT;
        state.encoder.start_frame(|_| {});
    }

    unsafe fn write(bytes: &[u8]) {
        // SAFETY: defmt only calls `write` between `acquire` and `release`.
        let FrameState {
            console,
            encoder,
            crc,
        } = unsafe { state() };
        *crc = crc32_update(*crc, bytes);
        encoder.write(bytes, |encoded| FrameState::send_all(console, encoded));
    }

    unsafe fn flush() {
        // SAFETY: defmt only calls `flush` between `acquire` and `release`.
        if let Some(console) = &mut unsafe { state() }.console {
            console.flush();
        }
    }

    unsafe fn release() {
        // SAFETY: defmt calls `release` once, after its `acquire`.
        let FrameState {
            console,
            encoder,
            crc,
        } = unsafe { state() };
        let check = !*crc;
        encoder.write(&check.to_le_bytes(), |encoded| {
            FrameState::send_all(console, encoded)
        });
        encoder.end_frame(|encoded| FrameState::send_all(console, encoded));
        let console = console.take();
        TAKEN.store(false, Ordering::Relaxed);
        // Dropping the writer releases the console lock; the state is not touched after this.
        drop(console);
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
