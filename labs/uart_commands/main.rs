//! Lab `uart_commands`: a small line-based command protocol on the console. The task:
//! `labs/uart_commands/README.md`. Check your work with `cargo xtask lab check uart_commands`.
//!
//! This starting point builds and runs: it prints the prompt, collects lines and knows one
//! command, `quit`. Everything else gets `error: unknown command`. Add the other commands
//! and their error replies in `execute`.

#![no_std]
#![no_main]

use db410c::hal::gpio::Output;
use db410c::{Board, print, println};

/// Longest command line kept; the rest of a longer line is dropped.
const LINE_CAPACITY: usize = 64;

db410c::entry!(main);

/// What to do after a command.
enum Next {
    /// Print the prompt and read the next command.
    Continue,
    /// End the session (the caller resets the board).
    Quit,
}

/// Runs one command line (without its line end) and prints its reply.
fn execute(line: &str, led1: &mut Output, led2: &mut Output) -> Next {
    // The words of the line, split at spaces.
    let mut words = line.split(' ').filter(|word| !word.is_empty());
    let command = words.next().unwrap_or("");
    // Not used yet: you will need them for `led`.
    let _ = (led1, led2);
    match command {
        "quit" => {
            println!("bye");
            Next::Quit
        }
        _ => {
            println!("error: unknown command");
            Next::Continue
        }
    }
}

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("uart_commands: ready");
    print!("> ");

    let mut line = [0u8; LINE_CAPACITY];
    let mut length = 0;
    let mut received = [0u8; 16];
    'session: loop {
        // Wait for characters (a read returns those already waiting, at least one).
        let Ok(count) = board.console.read(&mut received) else {
            continue;
        };
        for &byte in &received[..count] {
            match byte {
                b'\r' | b'\n' => {
                    // Empty lines (e.g. the LF of a CR LF) are ignored.
                    if length == 0 {
                        continue;
                    }
                    let text = core::str::from_utf8(&line[..length]).unwrap_or("");
                    length = 0;
                    match execute(text, &mut board.led1, &mut board.led2) {
                        Next::Continue => print!("> "),
                        Next::Quit => break 'session,
                    }
                }
                _ if length < LINE_CAPACITY => {
                    line[length] = byte;
                    length += 1;
                }
                _ => {}
            }
        }
    }

    let _ = board.console.flush();
    board.ps_hold.reset()
}
