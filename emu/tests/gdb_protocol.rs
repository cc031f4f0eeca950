//! The GDB remote server (`--gdb`, `--gdb-wait`) spoken to directly in the remote serial
//! protocol, on a hand-encoded loop that counts in x0 and stores the count: registers,
//! memory, a breakpoint, a write watchpoint (the core stops after the store), Ctrl-C and
//! kill.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

const MOVZ_X1_8009_LSL16: u32 = 0xD2B0_0121; // movz x1, #0x8009, lsl #16
const ADD_X0_1: u32 = 0x9100_0400; // add x0, x0, #1
const STR_X0_X1: u32 = 0xF900_0020; // str x0, [x1]
const B_BACK_2: u32 = 0x17FF_FFFE; // b .-8

struct Client {
    stream: TcpStream,
}

impl Client {
    fn write_packet(&mut self, payload: &str) {
        let sum = payload.bytes().fold(0u8, |s, b| s.wrapping_add(b));
        write!(self.stream, "${payload}#{sum:02x}").unwrap();
    }

    fn read_packet(&mut self) -> String {
        let mut byte = [0u8];
        loop {
            self.stream.read_exact(&mut byte).unwrap();
            if byte[0] == b'$' {
                break;
            }
        }
        let mut payload = Vec::new();
        loop {
            self.stream.read_exact(&mut byte).unwrap();
            if byte[0] == b'#' {
                break;
            }
            payload.push(byte[0]);
        }
        let mut sum = [0u8; 2];
        self.stream.read_exact(&mut sum).unwrap();
        // Run-length encoding: `X*N` is X followed by N - 29 more copies.
        let mut decoded = Vec::new();
        let mut k = 0;
        while k < payload.len() {
            if payload[k] == b'*' && k + 1 < payload.len() {
                let last = *decoded.last().unwrap();
                let repeat = usize::from(payload[k + 1]) - 29;
                decoded.extend(std::iter::repeat_n(last, repeat));
                k += 2;
            } else {
                decoded.push(payload[k]);
                k += 1;
            }
        }
        String::from_utf8(decoded).unwrap()
    }

    fn ask(&mut self, payload: &str) -> String {
        self.write_packet(payload);
        self.read_packet()
    }
}

/// Little-endian hex of a 64-bit register value, as `p`/`g` answer.
fn le_hex(value: u64) -> String {
    value
        .to_le_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn from_le_hex(hex: &str) -> u64 {
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .map(|k| u8::from_str_radix(&hex[2 * k..2 * k + 2], 16).unwrap())
        .collect();
    let mut le = [0u8; 8];
    le[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
    u64::from_le_bytes(le)
}

#[test]
fn registers_memory_breakpoint_watchpoint_interrupt_and_kill() {
    let base = common::LOAD;
    let path = common::image_path("gdb-protocol");
    std::fs::write(
        &path,
        common::elf(&[MOVZ_X1_8009_LSL16, ADD_X0_1, STR_X0_X1, B_BACK_2]),
    )
    .unwrap();
    let mut board = Command::new(env!("CARGO_BIN_EXE_db410c-emu"))
        .args(["--gdb", "0", "--gdb-wait"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(board.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    assert!(
        line.starts_with("emu: GDB server listening on 127.0.0.1:"),
        "{line}"
    );
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut gdb = Client { stream };

    assert_eq!(gdb.ask("QStartNoAckMode"), "OK");
    assert!(gdb.ask("?").starts_with("T05"));
    // Stopped before the first instruction: PC (register 32) at the entry, x0 = 0.
    assert_eq!(gdb.ask("p20"), le_hex(base));
    assert_eq!(gdb.ask("p0"), le_hex(0));
    assert_eq!(gdb.ask(&format!("m{base:x},8")), "2101b0d200040091");

    // A breakpoint on the store: the add before it ran once.
    assert_eq!(gdb.ask(&format!("Z0,{:x},4", base + 8)), "OK");
    assert!(gdb.ask("c").starts_with("T05"));
    assert_eq!(gdb.ask("p20"), le_hex(base + 8));
    assert_eq!(gdb.ask("p0"), le_hex(1));
    assert_eq!(gdb.ask(&format!("z0,{:x},4", base + 8)), "OK");

    // A write watchpoint on the stored word: the core stops right after the store.
    assert_eq!(gdb.ask("Z2,80090000,8"), "OK");
    let stop = gdb.ask("c");
    assert!(
        stop.starts_with("T05") && stop.contains("watch:80090000"),
        "{stop}"
    );
    assert_eq!(gdb.ask("p20"), le_hex(base + 12));
    assert_eq!(gdb.ask("m80090000,8"), le_hex(1));
    assert_eq!(gdb.ask("z2,80090000,8"), "OK");

    // Ctrl-C while it counts.
    gdb.write_packet("c");
    std::thread::sleep(Duration::from_millis(200));
    gdb.stream.write_all(&[0x03]).unwrap();
    let stop = gdb.read_packet();
    assert!(stop.starts_with("T02"), "{stop}");
    let count = from_le_hex(&gdb.ask("p0"));
    assert!(count > 1000, "x0 = {count}");

    // Writing a register is seen by the firmware.
    assert_eq!(gdb.ask(&format!("P0={}", le_hex(7))), "OK");
    assert_eq!(gdb.ask("p0"), le_hex(7));

    // kill ends the run.
    gdb.write_packet("k");
    let status = board.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(status.code(), Some(5), "{rest}");
    assert!(rest.contains("run ended by the debugger (kill)"), "{rest}");
}
