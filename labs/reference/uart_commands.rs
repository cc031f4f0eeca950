//! Reference solution of the lab `uart_commands` (labs/uart_commands/README.md): the command
//! protocol with its error replies.

#![no_std]
#![no_main]

use db410c::hal::gpio::{Level, Output};
use db410c::{Board, print, println};

/// Longest command line kept; the rest of a longer line is dropped.
const LINE_CAPACITY: usize = 64;

db410c::entry!(main);

/// What to do after a command.
enum Next {
    Continue,
    Quit,
}

/// Why a command was refused: the text after `error: `.
enum Refusal {
    UnknownCommand,
    BadArgument,
    Overflow,
}

/// `on` / `off` as a level.
fn parse_level(word: &str) -> Result<Level, Refusal> {
    match word {
        "on" => Ok(Level::High),
        "off" => Ok(Level::Low),
        _ => Err(Refusal::BadArgument),
    }
}

fn on_off(led: &Output) -> &'static str {
    if led.is_set_high() { "on" } else { "off" }
}

/// Runs one command; `Ok(true)` for `quit`.
fn run_command<'a>(
    mut words: impl Iterator<Item = &'a str>,
    led1: &mut Output,
    led2: &mut Output,
) -> Result<bool, Refusal> {
    let command = words.next().unwrap_or("");
    let arguments: [Option<&str>; 3] = [words.next(), words.next(), words.next()];
    match (command, arguments) {
        ("led", [Some(number), Some(state), None]) => {
            let level = parse_level(state)?;
            match number {
                "1" => led1.set_level(level),
                "2" => led2.set_level(level),
                _ => return Err(Refusal::BadArgument),
            }
            println!("ok");
        }
        ("add", [Some(a), Some(b), None]) => {
            let a: u32 = a.parse().map_err(|_| Refusal::BadArgument)?;
            let b: u32 = b.parse().map_err(|_| Refusal::BadArgument)?;
            let sum = a.checked_add(b).ok_or(Refusal::Overflow)?;
            println!("sum {sum}");
        }
        ("status", [None, None, None]) => {
            println!("led1={} led2={}", on_off(led1), on_off(led2));
        }
        ("quit", [None, None, None]) => {
            println!("bye");
            return Ok(true);
        }
        ("led" | "add" | "status" | "quit", _) => return Err(Refusal::BadArgument),
        _ => return Err(Refusal::UnknownCommand),
    }
    Ok(false)
}

/// Runs one command line (without its line end) and prints its reply.
fn execute(line: &str, led1: &mut Output, led2: &mut Output) -> Next {
    let words = line.split(' ').filter(|word| !word.is_empty());
    match run_command(words, led1, led2) {
        Ok(true) => Next::Quit,
        Ok(false) => Next::Continue,
        Err(refusal) => {
            let why = match refusal {
                Refusal::UnknownCommand => "unknown command",
                Refusal::BadArgument => "bad argument",
                Refusal::Overflow => "overflow",
            };
            println!("error: {why}");
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
        let Ok(count) = board.console.read(&mut received) else {
            continue;
        };
        for &byte in &received[..count] {
            match byte {
                b'\r' | b'\n' => {
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
