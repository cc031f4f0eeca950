//! # power_key: the power and volume-down keys by interrupt
//!
//! The power key (S2) and volume down (S4) are wired to the PM8916, not to the SoC. Their
//! changes reach the CPU as **PMIC interrupts**: the PMIC latches the key's edge, tells the
//! SoC's SPMI arbiter, and the arbiter raises one GIC line (ID 222) for every PMIC interrupt
//! of the application processor. The handler asks the arbiter which PMIC interrupts are
//! pending, acknowledges them, reads whether the key is now down or up and notes the time.
//! `main` sleeps in `WFI` in between, prints each change, and after 3 s (an alarm wakes it)
//! prints how many key interrupts came and powers the board off.
//!
//! ## What to connect
//!
//! Nothing: both keys are on the board. For the console: a **1.8 V** USB-serial adapter on
//! the low-speed header, adapter RX to pin 11, adapter TX to pin 13, GND to pin 1; 115200
//! 8N1. Press the keys briefly (holding the power key for many seconds makes the PMIC itself
//! switch the board off).
//!
//! ## Expected output
//!
//! ```text
//! power_key: the power and volume-down keys by interrupt for 3000 ms
//! power key pressed at 1000 ms
//! power key released at 1200 ms
//! volume down pressed at 1500 ms
//! volume down released at 1600 ms
//! 4 key interrupts, powering off
//! ```
//!
//! On the virtual board, `--press power@1s:1200ms --press volume-down@1500ms:1600ms` gives
//! exactly these lines (each time within a millisecond of the press: the interrupt's
//! latency is a few hundred instructions). The run ends with
//! `emu: PS_HOLD released at pc=...: power off`.

#![no_std]
#![no_main]

use core::cell::RefCell;

use critical_section::Mutex;
use db410c::hal::interrupt::{self, InterruptId, Trigger};
use db410c::hal::pac;
use db410c::hal::pmic::{PmicInterrupt, PmicInterrupts, PmicTrigger};
use db410c::hal::time::{Alarm, Duration, Instant, ticks_per_second};
use db410c::{Board, println};

/// How long the program watches the keys.
const RUN_TIME: Duration = Duration::from_millis(3000);
/// Key changes kept until `main` prints them.
const QUEUE: usize = 16;

/// One key change, as the handler saw it.
#[derive(Clone, Copy)]
struct Change {
    key: PmicInterrupt,
    pressed: bool,
    ticks: u64,
}

/// What the handler shares with `main`: the PMIC interrupts (used only inside critical
/// sections) and the changes it saw, in order.
static PMIC_INTERRUPTS: Mutex<RefCell<Option<PmicInterrupts>>> = Mutex::new(RefCell::new(None));
static CHANGES: Mutex<RefCell<([Option<Change>; QUEUE], usize)>> =
    Mutex::new(RefCell::new(([None; QUEUE], 0)));

/// The arbiter's interrupt (GIC ID 222): acknowledge every pending PMIC interrupt, then note
/// each key change with the key's state after it.
fn on_pmic_interrupt() {
    let now = Instant::now().ticks();
    critical_section::with(|cs| {
        let mut irqs = PMIC_INTERRUPTS.borrow_ref_mut(cs);
        let Some(irqs) = irqs.as_mut() else {
            return;
        };
        let mut seen: [Option<PmicInterrupt>; 2] = [None; 2];
        let mut n = 0;
        irqs.handle(|irq| {
            if n < seen.len() {
                seen[n] = Some(irq);
                n += 1;
            }
        })
        .unwrap();
        let mut changes = CHANGES.borrow_ref_mut(cs);
        for key in seen.into_iter().flatten() {
            let pressed = irqs.is_active(key).unwrap();
            let (queue, count) = &mut *changes;
            if *count < QUEUE {
                queue[*count] = Some(Change {
                    key,
                    pressed,
                    ticks: now,
                });
                *count += 1;
            }
        }
    });
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!(
        "\npower_key: the power and volume-down keys by interrupt for {} ms",
        RUN_TIME.as_millis()
    );

    // The PMIC side: both keys raise an interrupt on each edge (press and release).
    let mut pmic = board.pmic().unwrap();
    let power = pmic.power_key.interrupt();
    let volume_down = pmic.volume_down.interrupt();
    pmic.interrupts
        .listen(power, PmicTrigger::BothEdges)
        .unwrap();
    pmic.interrupts
        .listen(volume_down, PmicTrigger::BothEdges)
        .unwrap();
    critical_section::with(|cs| {
        PMIC_INTERRUPTS.borrow(cs).replace(Some(pmic.interrupts));
    });

    // The GIC side: the arbiter's line (level-high) with its handler.
    let arbiter = InterruptId::from(pac::Interrupt::SPMI_PERIPHERAL);
    let interrupts = &mut board.interrupts;
    interrupts.set_handler(arbiter, on_pmic_interrupt).unwrap();
    interrupts.set_trigger(arbiter, Trigger::Level).unwrap();
    interrupts.enable(arbiter).unwrap();

    // A one-shot alarm wakes `main` for the last time when the time is over.
    let end = Instant::now() + RUN_TIME;
    let mut alarm = Alarm::new(interrupts).unwrap();
    alarm.set(end);
    // SAFETY: not inside a critical section; both enabled lines have handlers.
    unsafe { interrupt::enable_irq() };

    let ms = |ticks: u64| ticks * 1000 / u64::from(ticks_per_second());
    let changes = || critical_section::with(|cs| CHANGES.borrow_ref(cs).1);
    let mut printed = 0;
    while Instant::now() < end {
        interrupt::wait_until(|| changes() != printed || Instant::now() >= end);
        while printed < changes() {
            let change = critical_section::with(|cs| CHANGES.borrow_ref(cs).0[printed]);
            printed += 1;
            let Some(change) = change else { continue };
            let name = if change.key == power {
                "power key"
            } else {
                "volume down"
            };
            let what = if change.pressed {
                "pressed"
            } else {
                "released"
            };
            println!("{name} {what} at {} ms", ms(change.ticks));
        }
    }
    interrupt::disable_irq();

    println!("{printed} key interrupts, powering off");
    let _ = board.console.flush();
    match board.power_off() {
        Err(e) => panic!("could not power off: {e}"),
    }
}
