//! # async_blinky: LEDs, the button and the console as concurrent async tasks
//!
//! Three tasks share core 0 on an async executor (`embassy-executor`, with the HAL's
//! wake-up for this chip) and an `embassy-time` driver on the generic timer's alarm:
//!
//! - `blink`: user LED 1 toggles every 100 ms and LED 2 every 200 ms, driven by one
//!   `Ticker`, whose deadlines are whole periods from its start, so the blinking never
//!   drifts. After 20 periods it prints a summary and resets the board.
//! - `button`: waits for the volume-up button (S3, GPIO 107) by interrupt
//!   (`embedded-hal-async`'s `Wait`: a falling edge for the press, the high level for the
//!   release) and prints when it was pressed and released.
//! - `echo`: reads the console and prints each line typed (ended by Enter) back. The
//!   console's receiver fills a buffer from its interrupt ([`RxBuffer`]), and the task awaits
//!   characters with `embedded-io-async`'s `Read`: it only runs when a character came.
//!
//! While every task waits, the core sleeps in `WFI`: the alarm's interrupt (for the
//! timers), the TLMM summary interrupt (for the button) and the console's receive
//! interrupt wake it.
//!
//! ## What to connect
//!
//! Nothing for the LEDs and the button: LEDs 1 and 2 are near the USB connectors, S3 "VOL+"
//! next to the power button. For the console: a **1.8 V** USB-serial adapter on the
//! low-speed header, adapter RX to pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//! Type a line and press the button within two seconds of the start.
//!
//! ## Expected output
//!
//! ```text
//! async_blinky: LEDs, button and console echo as async tasks for 2000 ms
//! echo: hello
//! button pressed at 300 ms
//! button released at 600 ms
//! blink: 20 periods of 100 ms, LED1 toggled 20 times, LED2 10 times
//! done, resetting
//! ```
//!
//! On the virtual board, `--send-after async_blinky 'hello\r'` types the line,
//! `--press 107@300ms:600ms` holds the button, `--trace gpio` shows LED 1 changing exactly
//! 1 920 000 ticks (100 ms at 19.2 MHz) apart, and `--stats` that the core slept (under a
//! million instructions in two seconds, against 38.4 million for busy-waiting).

#![no_std]
#![no_main]

use db410c::hal::console;
use db410c::hal::executor::Executor;
use db410c::hal::gpio::{self, Input, Output};
use db410c::hal::interrupt::{self, InterruptId, Trigger};
use db410c::hal::pac;
use db410c::hal::reset::PsHold;
use db410c::hal::time::{self, Alarm, Instant, ticks_per_second};
use db410c::hal::uart::{InterruptRx, RxBuffer};
use db410c::{Board, println};
use embassy_time::{Duration, Ticker};
use embedded_hal_async::digital::Wait;
use embedded_io_async::Read;

/// LED 1's period; LED 2 toggles every second period.
const PERIOD: Duration = Duration::from_millis(100);
/// Periods before the program ends.
const PERIODS: u32 = 20;
/// The console's receive buffer: its interrupt handler fills it, the echo task reads it.
static CONSOLE_RX: RxBuffer<256> = RxBuffer::new();

/// The console UART's interrupt handler (GIC ID 140, BLSP1 UART2): into the buffer, and
/// wake the task waiting for it.
fn on_console_interrupt() {
    CONSOLE_RX.on_interrupt();
}

/// Milliseconds of the generic timer's counter (since power-on).
fn now_ms() -> u64 {
    Instant::now().ticks() * 1000 / u64::from(ticks_per_second())
}

/// LED 1 every period, LED 2 every second one; then the summary and the reset.
#[embassy_executor::task]
async fn blink(mut led1: Output, mut led2: Output, ps_hold: PsHold) {
    let mut ticker = Ticker::every(PERIOD);
    let (mut led1_toggles, mut led2_toggles) = (0, 0);
    for period in 1..=PERIODS {
        // Sleeps until the next deadline: start + period × 100 ms.
        ticker.next().await;
        led1.toggle();
        led1_toggles += 1;
        if period % 2 == 0 {
            led2.toggle();
            led2_toggles += 1;
        }
    }
    println!(
        "blink: {PERIODS} periods of {} ms, LED1 toggled {led1_toggles} times, LED2 \
         {led2_toggles} times",
        PERIOD.as_millis()
    );
    println!("done, resetting");
    // The echo task owns the console driver; the console writer that `println!` uses can
    // still wait until the last character has left.
    console::lock().flush();
    ps_hold.reset()
}

/// Reports each press and release of the button, waiting by interrupt.
#[embassy_executor::task]
async fn button(mut button: Input) {
    loop {
        // Active low: pressing is a falling edge.
        let _ = button.wait_for_falling_edge().await;
        println!("button pressed at {} ms", now_ms());
        let _ = button.wait_for_high().await;
        println!("button released at {} ms", now_ms());
    }
}

/// Echoes each line typed on the console.
#[embassy_executor::task]
async fn echo(mut console: InterruptRx<256>) {
    let mut line = [0u8; 64];
    let mut length = 0;
    loop {
        // Sleeps until the receive interrupt has put a character in the buffer.
        let mut byte = [0u8];
        match Read::read(&mut console, &mut byte).await {
            // A receive error (framing, parity, overrun) drops the line.
            Err(_) => {
                length = 0;
                continue;
            }
            Ok(0) => continue,
            Ok(_) => {}
        }
        match byte[0] {
            b'\r' | b'\n' if length > 0 => {
                let text = core::str::from_utf8(&line[..length]).unwrap_or("?");
                println!("echo: {text}");
                length = 0;
            }
            byte if byte != b'\r' && byte != b'\n' && length < line.len() => {
                line[length] = byte;
                length += 1;
            }
            _ => {}
        }
    }
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!(
        "\nasync_blinky: LEDs, button and console echo as async tasks for {} ms",
        PERIOD.as_millis() * u64::from(PERIODS)
    );
    let interrupts = &mut board.interrupts;

    // embassy-time's timers run on the generic timer's alarm, which the driver takes over.
    let alarm = Alarm::new(interrupts).unwrap();
    time::driver::start(alarm);
    // GPIO waits: the HAL's handler for the TLMM summary interrupt wakes the waiting task.
    gpio::enable_async_wait(interrupts).unwrap();
    // The executor sleeps in WFI; another core would wake it with an SGI.
    let executor = Executor::woken_by_interrupt(interrupts).unwrap();
    // The console: its receive half fills CONSOLE_RX from the UART's interrupt (level
    // triggered); the transmit half stays here, unused (`println!` has its own writer).
    let (_console_tx, console_rx) = board.console.split();
    let console_rx = console_rx.into_interrupt_driven(&CONSOLE_RX);
    let uart = InterruptId::from(pac::Interrupt::BLSP1_UART2);
    interrupts.set_handler(uart, on_console_interrupt).unwrap();
    interrupts.set_trigger(uart, Trigger::Level).unwrap();
    interrupts.enable(uart).unwrap();

    // SAFETY: not inside a critical section; the enabled lines (timer, TLMM summary, the
    // console UART, the executor's SGI) all have their handlers.
    unsafe { interrupt::enable_irq() };

    let button_input = board.volume_up.into_input();
    executor.run(|spawner| {
        spawner.spawn(blink(board.led1, board.led2, board.ps_hold).unwrap());
        spawner.spawn(button(button_input).unwrap());
        spawner.spawn(echo(console_rx).unwrap());
    })
}
