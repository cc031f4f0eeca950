//! Firmware examples for the DragonBoard 410c. This library holds no code: it is the
//! documentation page of the package (Cargo needs one library or binary target; the examples
//! are `[[example]]` targets, each one file in `examples/`, readable on its own).
//!
//! | example | shows |
//! |---|---|
//! | `hello` | the console, the exception level the runtime runs at, the timer frequency |
//! | `blinky` | GPIO outputs (user LEDs 1 and 2) and real-time delays |
//! | `rng` | the hardware PRNG |
//! | `panic` | the panic report on the console, then reset |
//! | `exception` | the synchronous-exception report (undefined instruction), then reset |
//! | `echo` | console input: reading lines with a timeout, receive errors (overrun, framing) |
//! | `button` | GPIO input: the volume-up button mirrored on LED 1, with time stamps |
//! | `pmic` | the PM8916 over SPMI: revision, power-on reason, all five LEDs, the power key, power-off |
//! | `async_blinky` | async tasks (feature `async`): exact-period LEDs, the button by interrupt, a console echo |
//! | `async_wake` | async tasks woken from another core by SGI and by SEV, with the latency of each (feature `async`) |
//!
//! Build all of them:
//!
//! ```text
//! cargo build -p db410c-examples --target aarch64-unknown-none --release --examples
//! ```
//!
//! Run one on the virtual board:
//!
//! ```text
//! cargo run -p db410c-emu --release -- target/aarch64-unknown-none/release/examples/hello
//! ```
//!
//! On a real board, wire a **1.8 V** USB-serial adapter to the low-speed header: adapter RX to
//! pin 11 (board TX), adapter TX to pin 13 (board RX), GND to pin 1 or 2; open it at 115200 8N1.
//! Every example ends by resetting the board through PS_HOLD.
#![no_std]
