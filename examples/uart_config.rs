//! # uart_config: change the console's settings at run time, and give the UART back
//!
//! Shows the UART driver's lifecycle: `apply_config` changes baud rate and framing while the
//! driver stays alive (a rate the UART's clock cannot make is refused and nothing changes),
//! and `free` hands back the peripheral and both pins so a new driver can be built from them.
//! Each line says how long the same 64 characters took on the wire, measured with the
//! generic timer, so you can see the baud rate change.
//!
//! ## What to connect
//!
//! The console adapter as for `hello` (LS pins 11/13/1, 1.8 V). Your terminal stays at
//! 115200 8N1: the line sent at 9600 8E1 shows up as garbage on a real board, which is the
//! point; every result line is printed at 115200 again.
//!
//! ## Expected output
//!
//! ```text
//! ##############################################################
//! uart_config: 64 characters at 115200 8N1 took 5560 us
//! ##############################################################
//! uart_config: 64 characters at 9600 8E1 took 73336 us
//! uart_config: 921600 baud refused: baud rate 921600 cannot be generated
//! uart_config: free() gave back the UART and its pins; a new driver runs at 115200 baud
//! resetting
//! ```
//!
//! Each line of `#` is the timed one (62 characters and CR LF). The second is sent at 9600
//! 8E1, 11 bits per character (start, 8 data, parity, stop), which is why it takes
//! 64 × 11 / 9600 s = 73.3 ms instead of 64 × 10 / 115200 s = 5.6 ms. The few microseconds
//! above those figures are the program's own time around the transfer.

#![no_std]
#![no_main]

use db410c::hal::time::Instant;
use db410c::hal::uart::{Config, Parity, Uart};
use db410c::{Board, ConsoleUart, println};

db410c::entry!(main);

/// What is sent at each setting: 62 visible characters and CR LF, 64 in all.
const LINE: &[u8; 64] = b"##############################################################\r\n";

/// Sends [`LINE`] and waits until its last stop bit has left; returns the time in µs.
fn timed_line(console: &mut Uart<ConsoleUart>) -> u64 {
    // Empty the transmitter first, so only our 64 characters are timed.
    let _ = console.flush();
    let start = Instant::now();
    let _ = console.write_all(LINE);
    let _ = console.flush();
    start.elapsed().as_micros() as u64
}

fn main() -> ! {
    // The board sets the console up at 115200 8N1.
    let mut board = Board::take().unwrap();

    // 1. The same 64 characters at the boot setting, 115200 8N1 (10 bits per character).
    let fast = timed_line(&mut board.console);
    println!("uart_config: 64 characters at 115200 8N1 took {fast} us");

    // 2. Switch to 9600 baud with even parity: `apply_config` reprograms the running driver
    //    (what is still in the transmitter goes out first at the old setting).
    let slow_config = Config::default()
        .with_baudrate(9600)
        .with_parity(Parity::Even);
    board.console.apply_config(&slow_config).unwrap();
    let slow = timed_line(&mut board.console);
    // Back to the setting the terminal expects before saying anything.
    board.console.apply_config(&Config::default()).unwrap();
    println!("uart_config: 64 characters at 9600 8E1 took {slow} us");

    // 3. A rate the UART's 7.3728 MHz core clock cannot make within tolerance: refused, and
    //    the driver keeps its old setting (this line still arrives at 115200).
    match board
        .console
        .apply_config(&Config::default().with_baudrate(921_600))
    {
        Ok(()) => println!("uart_config: 921600 baud accepted?"),
        Err(error) => println!("uart_config: 921600 baud refused: {error}"),
    }

    // 4. `free` gives back the peripheral and the two pins; `Uart::new` builds a new driver
    //    from them (and could pick a different core clock for rates `apply_config` refuses).
    let (uart, tx, rx) = board.console.free();
    let mut console = Uart::new(uart, tx, rx, &mut board.clocks, Config::default()).unwrap();
    println!(
        "uart_config: free() gave back the UART and its pins; a new driver runs at {} baud",
        console.baudrate()
    );

    println!("resetting");
    let _ = console.flush();
    board.ps_hold.reset()
}
