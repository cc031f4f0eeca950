//! Reference solution of the lab `interrupt_counter` (labs/interrupt_counter/README.md): the
//! button's falling edge raises the TLMM summary interrupt; its handler counts the press and
//! toggles LED 1; `main` sleeps in `WFI` until there is a press to print or the two seconds
//! are over (a one-shot alarm wakes it then).

#![no_std]
#![no_main]

use core::cell::RefCell;
use core::sync::atomic::{AtomicU32, Ordering};

use critical_section::Mutex;
use db410c::hal::gpio::{Input, InterruptTrigger, Output};
use db410c::hal::interrupt::{self, InterruptId, Trigger};
use db410c::hal::pac;
use db410c::hal::time::{Alarm, Duration, Instant};
use db410c::{Board, println};

/// How long the program counts presses.
const RUN_TIME: Duration = Duration::from_millis(2000);

/// What the handler works on, and what it counted.
static BUTTON: Mutex<RefCell<Option<Input>>> = Mutex::new(RefCell::new(None));
static LED1: Mutex<RefCell<Option<Output>>> = Mutex::new(RefCell::new(None));
static PRESSES: AtomicU32 = AtomicU32::new(0);

/// The TLMM summary interrupt: acknowledge the button's edge, count it, toggle LED 1.
fn on_gpio_interrupt() {
    critical_section::with(|cs| {
        let mut button = BUTTON.borrow_ref_mut(cs);
        let Some(button) = button.as_mut() else {
            return;
        };
        if !button.is_interrupt_pending() {
            return;
        }
        button.clear_interrupt();
        if let Some(led) = LED1.borrow_ref_mut(cs).as_mut() {
            led.toggle();
        }
        PRESSES.fetch_add(1, Ordering::Release);
    });
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("interrupt_counter: counting volume-up presses for 2 s");

    let mut button = board.volume_up.into_input();
    button.listen(InterruptTrigger::FallingEdge);
    critical_section::with(|cs| {
        BUTTON.borrow(cs).replace(Some(button));
        LED1.borrow(cs).replace(Some(board.led1));
    });
    let summary = InterruptId::from(pac::Interrupt::TLMM_SUMMARY);
    let interrupts = &mut board.interrupts;
    interrupts.set_handler(summary, on_gpio_interrupt).unwrap();
    interrupts.set_trigger(summary, Trigger::Level).unwrap();
    interrupts.enable(summary).unwrap();

    let end = Instant::now() + RUN_TIME;
    let mut alarm = Alarm::new(interrupts).unwrap();
    alarm.set(end);
    // SAFETY: not inside a critical section; both enabled lines have handlers.
    unsafe { interrupt::enable_irq() };

    let mut printed = 0;
    while Instant::now() < end {
        interrupt::wait_until(|| {
            PRESSES.load(Ordering::Acquire) != printed || Instant::now() >= end
        });
        let presses = PRESSES.load(Ordering::Acquire);
        while printed < presses {
            printed += 1;
            println!("press {printed}");
        }
    }
    interrupt::disable_irq();

    println!("presses: {}", PRESSES.load(Ordering::Acquire));
    let _ = board.console.flush();
    board.ps_hold.reset()
}
