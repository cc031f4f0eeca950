//! Unit tests of the UART_DM model.

use super::*;
use crate::bus::{Effects, Model};
use crate::models::gcc::Gcc;

struct Rig {
    u: UartDm,
    clocks: crate::models::gcc::ClockView,
    fx: Effects,
}

impl Rig {
    fn new(input: &str) -> Self {
        let mut u = UartDm::new_console(parse_input_str(input).unwrap());
        u.regs.set_value(Reg::Dmen, 0x30);
        Self {
            u,
            clocks: Gcc::new().view(),
            fx: Effects::default(),
        }
    }
    fn rd(&mut self, now: u64, off: u64) -> u32 {
        let mut c = Ctx {
            now,
            clocks: &self.clocks,
            effects: &mut self.fx,
        };
        Registers::advance(&mut self.u, &mut c);
        self.u.access(&mut c, 0, off, 4, None).unwrap() as u32
    }
    fn wr(&mut self, now: u64, off: u64, v: u32) {
        let mut c = Ctx {
            now,
            clocks: &self.clocks,
            effects: &mut self.fx,
        };
        Registers::advance(&mut self.u, &mut c);
        self.u
            .access(&mut c, 0, off, 4, Some(u64::from(v)))
            .unwrap();
    }
}

#[test]
fn tx_drains_at_line_rate() {
    let mut r = Rig::new("");
    r.wr(0, 0x100, u32::from(b'A'));
    r.wr(0, 0x100, u32::from(b'B'));
    assert_eq!(r.rd(0, 0xA4) & 0b1100, 0b0100, "TXRDY, not TXEMT");
    // 10 bits at 115200 = 1666.7 ticks.
    assert_eq!(r.rd(1666, 0xA4) >> 3 & 1, 0);
    assert_eq!(r.u.output, b"");
    r.rd(1667, 0xA4);
    assert_eq!(r.u.output, b"A");
    assert_eq!(r.rd(3334, 0xA4) >> 3 & 1, 1);
    assert_eq!(r.u.output, b"AB");
    assert_eq!(r.u.first_byte_at, Some(1667));
}

#[test]
fn packed_tx_honours_ncf_and_tx_ready() {
    let mut r = Rig::new("");
    r.wr(0, 0x3C, 0);
    r.wr(0, 0x40, 6);
    r.wr(0, 0xA8, 0x300);
    r.wr(0, 0x100, u32::from_le_bytes(*b"hell"));
    assert_eq!(r.rd(0, 0xB4) >> 7 & 1, 0);
    r.wr(0, 0x104, u32::from_le_bytes(*b"o!xx"));
    // TX_READY rises once the transfer's characters have left the FIFO, not before.
    assert_eq!(r.rd(0, 0xB4) >> 7 & 1, 0);
    r.rd(100_000, 0x08);
    assert_eq!(r.u.output, b"hello!");
    assert_eq!(r.rd(100_000, 0xB4) >> 7 & 1, 1);
}

#[test]
fn rx_overrun_and_reset_error() {
    let input = "x".repeat(70);
    let mut r = Rig::new(&input);
    r.wr(0, 0xA8, 0x01);
    let sr = r.rd(200_000, 0xA4);
    assert_eq!(sr & 0b10011, 0b10011, "RXRDY, RXFULL, OVERRUN: {sr:#x}");
    assert_eq!(r.rd(200_000, 0x50), 64);
    r.wr(200_000, 0xA8, 0x30);
    assert_eq!(r.rd(200_000, 0xA4) >> 4 & 1, 0);
    assert_eq!(r.rd(200_000, 0x140), u32::from(b'x'));
}

#[test]
fn parity_error_escape_and_legacy_map() {
    let mut r = Rig::new(r"a\e{parity}b");
    r.wr(0, 0x10, 0x01); // legacy CR
    assert_eq!(r.rd(2000, 0x08) & 0b100001, 0b000001);
    assert_eq!(r.rd(4000, 0x08) >> 5 & 1, 1);
    assert_eq!(r.rd(4000, 0x70), u32::from(b'a'));
    assert_eq!(r.rd(4000, 0x70), u32::from(b'b'));
    r.wr(4000, 0x10, 0x30);
    assert_eq!(r.rd(4000, 0x08) >> 5 & 1, 0);
}

#[test]
fn interrupt_line_follows_misr_and_rx_arrivals_are_scheduled() {
    let mut r = Rig::new("ab");
    r.wr(0, 0xB0, 1 << 4); // IMR = RXLEV
    r.wr(0, 0x20, 0); // RFWR = 0: one word is above the watermark
    assert_eq!(Registers::interrupt_lines(&r.u), 0);
    r.wr(0, 0xA8, 0x01); // RX_EN: input starts
    // 10 bits at 115200 baud: the first character is in after 1667 ticks.
    let first = 1667;
    assert!(
        r.fx.scheduled
            .iter()
            .any(|&(at, e)| at == first && e == Event::Update(Device::Uart2)),
        "{:?}",
        r.fx.scheduled
    );
    r.rd(first - 1, 0xA4);
    assert_eq!(Registers::interrupt_lines(&r.u), 0);
    r.rd(first, 0xA4);
    assert_eq!(Registers::interrupt_lines(&r.u), 1, "RXLEV");
    assert_eq!(r.rd(first, 0xAC), 1 << 4, "MISR");
    r.wr(first, 0xB0, 0); // masked
    assert_eq!(Registers::interrupt_lines(&r.u), 0);
    r.wr(first, 0xB0, 1); // TXLEV: the empty TX FIFO is at or below TFWR
    assert_eq!(Registers::interrupt_lines(&r.u), 1);
}

#[test]
fn write_only_and_unknown_offsets_fault() {
    let mut r = Rig::new("");
    let mut c = Ctx {
        now: 0,
        clocks: &r.clocks,
        effects: &mut r.fx,
    };
    assert_eq!(r.u.access(&mut c, 0, 0xA0, 4, None), Err(Fault::Unclaimed));
    assert_eq!(
        r.u.access(&mut c, 0, 0xA4, 4, Some(0)),
        Err(Fault::Unclaimed)
    );
    assert_eq!(r.u.access(&mut c, 0, 0x60, 4, None), Err(Fault::Unclaimed));
    assert_eq!(r.u.access(&mut c, 0, 0xA4, 2, None), Err(Fault::Unclaimed));
}

#[test]
fn input_escapes() {
    use InputItem::*;
    assert_eq!(
        parse_input_str(r"a\n\x41\p!\w{100}").unwrap(),
        vec![
            Byte(b'a', false),
            Byte(b'\n', false),
            Byte(0x41, false),
            Byte(b'!', true),
            Wait(100)
        ]
    );
    assert!(parse_input_str(r"\q").is_err());
}

#[test]
fn rxlev_with_zero_watermark_follows_each_character_at_line_rate() {
    // Single-character mode, RFWR = 0, IMR = RXLEV: what an interrupt-driven receiver
    // programs. The line rises when a character arrives (every 1667 ticks at 115200 8N1),
    // falls when RF has been read empty, and rises again at the next arrival.
    let mut r = Rig::new("abc");
    r.wr(0, 0x20, 0);
    r.wr(0, 0xB0, 1 << 4);
    r.wr(0, 0xA8, 0x01);
    for (k, ch) in [b'a', b'b', b'c'].into_iter().enumerate() {
        let at = 1667 * (k as u64 + 1);
        r.rd(at - 1, 0xA4);
        assert_eq!(Registers::interrupt_lines(&r.u), 0, "before {}", ch as char);
        assert_eq!(r.rd(at, 0xB4) >> 4 & 1, 1, "ISR.RXLEV at {at}");
        assert_eq!(Registers::interrupt_lines(&r.u), 1);
        assert_eq!(r.rd(at, 0x140), u32::from(ch));
        assert_eq!(r.rd(at, 0xA4) & 1, 0, "RXRDY clear once read");
        assert_eq!(Registers::interrupt_lines(&r.u), 0, "line falls when empty");
    }
}
