//! # rtc_alarm: the PM8916 RTC alarm by interrupt, the CPU asleep until it goes off
//!
//! The `rtc` example polls the alarm; this one sleeps. It sets the PMIC's real-time clock,
//! arms its alarm 2 s ahead and makes the alarm a **PMIC interrupt**: the PM8916 latches it,
//! the SoC's SPMI arbiter raises GIC ID 222, and the handler acknowledges it (at the arbiter,
//! at the PMIC, and in the RTC's own alarm status). `main` sleeps in `WFI` until the handler
//! has run, prints when the alarm came, and powers the board off. An RTC alarm is also what
//! can switch a board back on (power-on reason `RTC`); here the board stays on.
//!
//! ## What to connect
//!
//! Nothing. For the console: a **1.8 V** USB-serial adapter on the low-speed header, adapter
//! RX to pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! rtc_alarm: the PM8916 RTC alarm by interrupt
//! time set to 1800000000, alarm at 1800000002
//! sleeping until the alarm interrupt
//! alarm interrupt after 2000 ms, RTC at 1800000002
//! powering off
//! ```
//!
//! On the virtual board the RTC counts in virtual time and restarts its second when set, so
//! the alarm comes 2000 ms (to the millisecond) after the time was set, while the CPU sleeps
//! (`--stats` shows far fewer instructions than the 38 million ticks of those 2 s). The run
//! ends with `emu: PS_HOLD released at pc=...: power off`.

#![no_std]
#![no_main]

use core::cell::RefCell;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use critical_section::Mutex;
use db410c::hal::interrupt::{self, InterruptId, Trigger};
use db410c::hal::pac;
use db410c::hal::pmic::{PmicInterrupt, PmicInterrupts, PmicTrigger, Rtc};
use db410c::hal::time::Instant;
use db410c::{Board, println};

/// The time this example sets, and how far ahead the alarm is.
const NEW_TIME: u32 = 1_800_000_000;
const AHEAD_SECONDS: u32 = 2;

/// What the handler shares with `main`.
static PMIC_INTERRUPTS: Mutex<RefCell<Option<(PmicInterrupts, Rtc)>>> =
    Mutex::new(RefCell::new(None));
static ALARMS: AtomicU32 = AtomicU32::new(0);
static ALARM_TICKS: AtomicU64 = AtomicU64::new(0);

/// The arbiter's interrupt (GIC ID 222): acknowledge, and for the alarm also disarm it and
/// clear the RTC's alarm status, as the RTC sequence asks
/// (docs/hardware/spmi-pm8916.md#rtc-sequences).
fn on_pmic_interrupt() {
    let now = Instant::now().ticks();
    critical_section::with(|cs| {
        let mut shared = PMIC_INTERRUPTS.borrow_ref_mut(cs);
        let Some((irqs, rtc)) = shared.as_mut() else {
            return;
        };
        let mut alarm = false;
        irqs.handle(|irq| alarm |= irq == PmicInterrupt::RTC_ALARM)
            .unwrap();
        if alarm {
            rtc.disable_alarm().unwrap();
            rtc.clear_alarm().unwrap();
            ALARM_TICKS.store(now, Ordering::Relaxed);
            ALARMS.fetch_add(1, Ordering::Release);
        }
    });
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("\nrtc_alarm: the PM8916 RTC alarm by interrupt");
    let mut pmic = board.pmic().unwrap();
    let rtc = pmic.pm8916.rtc();

    // The alarm's PMIC interrupt: on the rising edge of its status.
    pmic.interrupts
        .listen(PmicInterrupt::RTC_ALARM, PmicTrigger::RisingEdge)
        .unwrap();
    critical_section::with(|cs| {
        PMIC_INTERRUPTS
            .borrow(cs)
            .replace(Some((pmic.interrupts, rtc)));
    });
    let arbiter = InterruptId::from(pac::Interrupt::SPMI_PERIPHERAL);
    board
        .interrupts
        .set_handler(arbiter, on_pmic_interrupt)
        .unwrap();
    board
        .interrupts
        .set_trigger(arbiter, Trigger::Level)
        .unwrap();
    board.interrupts.enable(arbiter).unwrap();

    // Set the clock (its second restarts) and arm the alarm.
    let set_at = Instant::now();
    rtc.set_seconds(NEW_TIME).unwrap();
    let alarm_at = NEW_TIME + AHEAD_SECONDS;
    rtc.set_alarm(alarm_at).unwrap();
    println!("time set to {NEW_TIME}, alarm at {alarm_at}");

    println!("sleeping until the alarm interrupt");
    // SAFETY: not inside a critical section; the enabled line has a handler.
    unsafe { interrupt::enable_irq() };
    interrupt::wait_until(|| ALARMS.load(Ordering::Acquire) != 0);
    interrupt::disable_irq();

    let waited = Instant::from_ticks(ALARM_TICKS.load(Ordering::Relaxed))
        .duration_since(set_at)
        .as_millis();
    let now = rtc.seconds().unwrap();
    println!("alarm interrupt after {waited} ms, RTC at {now}");

    println!("powering off");
    let _ = board.console.flush();
    match board.power_off() {
        Err(e) => panic!("could not power off: {e}"),
    }
}
