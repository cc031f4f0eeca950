//! UART_DM v1.4 model (BLSP1 UART1/UART2).
//!
//! Design notes:
//! - Both register maps of the v1.4 block answer: the legacy one with read/write-split
//!   addresses (0x08, 0x10, 0x14, 0x38, 0x70) and the BLSP one (0xA0..0xBC, TF 0x100..0x10C,
//!   RF 0x140..0x14C). Reading a write-only or writing a read-only address is reported as an
//!   unclaimed access, as is any access that is not 32 bits wide.
//! - Time is the board's 19.2 MHz counter. The TX FIFO (64 chars) drains at the configured
//!   baud (core clock from the GCC model / CSR divisor; start + data + parity + stop bits per
//!   char); a byte reaches the host when its last bit has been shifted. Bytes still in the
//!   FIFO when the run ends never reach the host.
//! - RX input arrives at the host line rate (115200 8N1), starting when the guest first
//!   enables the receiver (CR.RX_EN) or reads RF. A byte arriving while the 64-char RX FIFO
//!   is full is lost and sets SR.OVERRUN; one arriving while the receiver is disabled or its
//!   clock is off is lost silently.
//! - Single-character mode (DMEN.TX_SC_EN / RX_SC_EN) moves one char per TF/RF access;
//!   otherwise TF takes packed words limited by NCF_TX and RF returns up to 4 chars.
//! - The watermark interrupts compare FIFO fill in 32-bit words with TFWR/RFWR.
//! - Interrupt output (the row's GIC line): asserted while MISR (ISR & IMR) is not zero. So
//!   that it rises at its tick (a WFI waiting for input), the model asks the scheduler for an
//!   update when the next input character arrives and when the stale timeout would expire.

use std::collections::VecDeque;

use crate::bus::{Ctx, Fault};
use crate::machine::Device;
use crate::regfile::{Hit, Register, RegisterFile, Registers};
use crate::scheduler::Event;

/// FIFO depth in characters.
pub const FIFO_CHARS: usize = 64;
/// Host line rate.
pub const HOST_BAUD: u64 = 115_200;
/// Counter frequency.
pub const COUNTER_HZ: u64 = 19_200_000;

/// One element of the receive script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputItem {
    /// A character; `true` = received with a parity/framing error.
    Byte(u8, bool),
    /// Idle line for this many counter ticks.
    Wait(u64),
}

/// Parse `--input-str` text: `\n \r \t \\ \xHH`, `\p` / `\f` (or `\e{parity}` /
/// `\e{framing}`): the next character arrives with a parity / framing error; `\w{N}`: line
/// idle for N counter ticks.
pub fn parse_input_str(s: &str) -> Result<Vec<InputItem>, String> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut error_next = false;
    let braced = |i: usize| -> Result<(&str, usize), String> {
        if bytes.get(i) != Some(&b'{') {
            return Err(format!("expected '{{' after escape at byte {i}"));
        }
        let end = s[i..].find('}').ok_or("unterminated '{'")? + i;
        Ok((&s[i + 1..end], end + 1))
    };
    while i < bytes.len() {
        let c = bytes[i];
        i += 1;
        let byte = if c == b'\\' {
            let e = *bytes.get(i).ok_or("trailing backslash")?;
            i += 1;
            match e {
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'\\' => b'\\',
                b'x' => {
                    let h = s.get(i..i + 2).ok_or("\\x needs two hex digits")?;
                    i += 2;
                    u8::from_str_radix(h, 16).map_err(|_| format!("bad hex escape \\x{h}"))?
                }
                b'p' | b'f' => {
                    error_next = true;
                    continue;
                }
                b'e' => {
                    let (what, next) = braced(i)?;
                    i = next;
                    if what != "parity" && what != "framing" {
                        return Err(format!("unknown error kind \\e{{{what}}}"));
                    }
                    error_next = true;
                    continue;
                }
                b'w' => {
                    let (n, next) = braced(i)?;
                    i = next;
                    let ticks = n
                        .replace('_', "")
                        .parse()
                        .map_err(|_| format!("bad \\w{{{n}}}"))?;
                    out.push(InputItem::Wait(ticks));
                    continue;
                }
                other => return Err(format!("unknown escape \\{}", other as char)),
            }
        } else {
            c
        };
        out.push(InputItem::Byte(byte, error_next));
        error_next = false;
    }
    if error_next {
        return Err("error escape at the end of the input".into());
    }
    Ok(out)
}

/// CSR code -> divisor of the core clock.
pub fn csr_divisor(code: u32) -> u64 {
    const DIV: [u64; 16] = [
        24576, 12288, 6144, 3072, 1536, 768, 512, 384, 256, 192, 128, 96, 64, 48, 32, 16,
    ];
    DIV[(code & 0xF) as usize]
}

/// Register names. Both maps of the v1.4 block answer: the legacy addresses (read/write split
/// at 0x08, 0x10, 0x14, 0x38, 0x70) and the BLSP ones (0xA0..0xBC, TF 0x100.., RF 0x140..).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// UART_DM_MR1.
    Mr1,
    /// UART_DM_MR2 (character format).
    Mr2,
    /// UART_DM_SR (status, read).
    Sr,
    /// UART_DM_CSR (clock divisor select, write).
    Csr,
    /// UART_DM_MISR (masked interrupt status, read).
    Misr,
    /// UART_DM_CR (command, write).
    Cr,
    /// UART_DM_ISR (interrupt status, read).
    Isr,
    /// UART_DM_IMR (interrupt mask, write).
    Imr,
    /// UART_DM_IPR (stale timeout).
    Ipr,
    /// UART_DM_TFWR (TX watermark).
    Tfwr,
    /// UART_DM_RFWR (RX watermark).
    Rfwr,
    /// UART_DM_HCR.
    Hcr,
    /// UART_DM_DMRX.
    Dmrx,
    /// UART_DM_RX_TOTAL_SNAP (read).
    RxTotalSnap,
    /// UART_DM_IRDA (write).
    Irda,
    /// UART_DM_DMEN.
    Dmen,
    /// UART_DM_NCF_TX.
    NcfTx,
    /// UART_DM_BADR.
    Badr,
    /// UART_DM_TXFS.
    Txfs,
    /// UART_DM_RXFS.
    Rxfs,
    /// UART_DM_TF (TX FIFO, write).
    Tf,
    /// UART_DM_RF (RX FIFO, read).
    Rf,
}

static REGISTERS: [Register<Reg>; 24] = [
    Register::rw(Reg::Mr1, "MR1", 0x00),
    Register::rw(Reg::Mr2, "MR2", 0x04).mask(0x1FF),
    Register::ro(Reg::Sr, "SR", 0x08).alias(0xA4).special(),
    Register::wo(Reg::Csr, "CSR", 0x08).alias(0xA0).mask(0xFF),
    Register::ro(Reg::Misr, "MISR", 0x10).alias(0xAC).special(),
    Register::wo(Reg::Cr, "CR", 0x10).alias(0xA8).special(),
    Register::ro(Reg::Isr, "ISR", 0x14).alias(0xB4).special(),
    Register::wo(Reg::Imr, "IMR", 0x14).alias(0xB0).mask(0x1FFF),
    Register::rw(Reg::Ipr, "IPR", 0x18),
    Register::rw(Reg::Tfwr, "TFWR", 0x1C),
    Register::rw(Reg::Rfwr, "RFWR", 0x20),
    Register::rw(Reg::Hcr, "HCR", 0x24).mask(0xFF),
    Register::rw(Reg::Dmrx, "DMRX", 0x34).mask(0xFF_FFFF),
    Register::ro(Reg::RxTotalSnap, "RX_TOTAL_SNAP", 0x38)
        .alias(0xBC)
        .special(),
    Register::wo(Reg::Irda, "IRDA", 0x38).alias(0xB8),
    Register::rw(Reg::Dmen, "DMEN", 0x3C).mask(0x3F),
    Register::rw(Reg::NcfTx, "NCF_TX", 0x40).mask(0xFF_FFFF),
    Register::rw(Reg::Badr, "BADR", 0x44),
    Register::ro(Reg::Txfs, "TXFS", 0x4C).special(),
    Register::ro(Reg::Rxfs, "RXFS", 0x50).special(),
    Register::wo(Reg::Tf, "TF", 0x100).array(4, 4).special(),
    Register::wo(Reg::Tf, "TF (legacy)", 0x70).special(),
    Register::ro(Reg::Rf, "RF", 0x140).array(4, 4).special(),
    Register::ro(Reg::Rf, "RF (legacy)", 0x70).special(),
];

/// The UART_DM model.
#[derive(Debug)]
pub struct UartDm {
    index: usize,
    name: &'static str,
    regs: RegisterFile<Reg>,
    rx_en: bool,
    tx_en: bool,
    stale_en: bool,
    stale: bool,
    tx_ready: bool,
    /// A packed transfer of NCF_TX characters has been fully written; ISR.TX_READY rises once
    /// its characters have left the TX FIFO (drivers that write one transfer at a time without
    /// checking FIFO room, like U-Boot's, rely on this pacing on the real block).
    tx_ready_pending: bool,
    /// The guest has reset the receiver (RESET_RX) since power-on: from then on, polling SR
    /// with the receiver enabled also starts the scripted input (U-Boot never writes RX_EN;
    /// the boot chain left the receiver enabled).
    rx_reset_seen: bool,
    overrun: bool,
    par_err: bool,
    tx_fifo: VecDeque<u8>,
    tx_next_done: u64,
    /// Tick of the update already asked of the board's scheduler.
    tx_wake: Option<u64>,
    /// Tick of the receive-side update already asked for (next arrival or stale timeout).
    rx_wake: Option<u64>,
    ncf_remaining: u32,
    rx_fifo: VecDeque<u8>,
    rx_total: u32,
    rx_snap: u32,
    input: VecDeque<InputItem>,
    input_started: bool,
    next_arrival: u64,
    last_rx_at: u64,
    warned_baud: bool,
    /// Characters that reached the host, in order.
    pub output: Vec<u8>,
    /// Counter value when the first character reached the host.
    pub first_byte_at: Option<u64>,
}

impl UartDm {
    /// A UART at reset values; `index` 0 = UART1, 1 = UART2.
    pub fn new(index: usize, input: Vec<InputItem>) -> Self {
        Self {
            index,
            name: if index == 0 {
                "BLSP1_UART1"
            } else {
                "BLSP1_UART2"
            },
            regs: RegisterFile::new(&REGISTERS),
            rx_en: false,
            tx_en: false,
            stale_en: false,
            stale: false,
            tx_ready: false,
            tx_ready_pending: false,
            rx_reset_seen: false,
            overrun: false,
            par_err: false,
            tx_fifo: VecDeque::new(),
            tx_next_done: 0,
            tx_wake: None,
            rx_wake: None,
            ncf_remaining: 0,
            rx_fifo: VecDeque::new(),
            rx_total: 0,
            rx_snap: 0,
            input: input.into(),
            input_started: false,
            next_arrival: 0,
            last_rx_at: 0,
            warned_baud: false,
            output: Vec::new(),
            first_byte_at: None,
        }
    }

    /// The console as the stock boot chain leaves it: 115200 8N1 (CSR 0xCC, MR2 0x34),
    /// packed mode, receiver and transmitter enabled.
    pub fn new_console(input: Vec<InputItem>) -> Self {
        let mut u = Self::new(1, input);
        u.regs.set_value(Reg::Csr, 0xCC);
        u.regs.set_value(Reg::Mr2, 0x34);
        u.rx_en = true;
        u.tx_en = true;
        u
    }

    /// Add bytes to the receive script (interactive input).
    pub fn push_input(&mut self, bytes: &[u8]) {
        self.input
            .extend(bytes.iter().map(|&b| InputItem::Byte(b, false)));
    }

    /// Add scripted input at tick `now` (`--send-after`): it arrives at line rate from now on
    /// (not in a burst catching up with an idle line's past).
    pub fn push_items(&mut self, now: u64, items: &[InputItem]) {
        if self.input_started && self.input.is_empty() {
            let char_ticks = (10 * COUNTER_HZ).div_ceil(HOST_BAUD);
            self.next_arrival = self.next_arrival.max(now + char_ticks);
        }
        self.input.extend(items.iter().copied());
    }

    /// Characters accepted by the TX FIFO but not yet sent.
    pub fn tx_pending(&self) -> usize {
        self.tx_fifo.len()
    }

    fn bits_per_char(&self) -> u64 {
        let mr2 = self.regs.value(Reg::Mr2);
        let data = 5 + u64::from(mr2 >> 4 & 3);
        let parity = u64::from(mr2 & 3 != 0);
        let stop = if mr2 >> 2 & 3 >= 2 { 2 } else { 1 };
        1 + data + parity + stop
    }

    /// Baud rate the transmitter runs at.
    pub fn baud(&self, core_hz: u64) -> u64 {
        core_hz / csr_divisor(self.regs.value(Reg::Csr))
    }

    fn tx_char_ticks(&self, core_hz: u64) -> Option<u64> {
        let baud = self.baud(core_hz);
        (baud > 0).then(|| (self.bits_per_char() * COUNTER_HZ).div_ceil(baud))
    }

    fn sc_tx(&self) -> bool {
        self.regs.value(Reg::Dmen) >> 4 & 1 != 0
    }

    fn sc_rx(&self) -> bool {
        self.regs.value(Reg::Dmen) >> 5 & 1 != 0
    }

    fn rx_ready(&self) -> bool {
        if self.sc_rx() {
            !self.rx_fifo.is_empty()
        } else {
            self.rx_fifo.len() >= 4 || (self.stale && !self.rx_fifo.is_empty())
        }
    }

    fn sr(&self) -> u32 {
        let tx_space = if self.sc_tx() {
            self.tx_fifo.len() < FIFO_CHARS
        } else {
            self.tx_fifo.len() <= FIFO_CHARS - 4
        };
        u32::from(self.rx_ready())
            | u32::from(self.rx_fifo.len() >= FIFO_CHARS) << 1
            | u32::from(tx_space) << 2
            | u32::from(self.tx_fifo.is_empty()) << 3
            | u32::from(self.overrun) << 4
            | u32::from(self.par_err) << 5
    }

    fn isr(&self) -> u32 {
        let tx_words = self.tx_fifo.len().div_ceil(4) as u32;
        let rx_words = self.rx_fifo.len().div_ceil(4) as u32;
        u32::from(tx_words <= self.regs.value(Reg::Tfwr))
            | u32::from(self.stale) << 3
            | u32::from(rx_words > self.regs.value(Reg::Rfwr)) << 4
            | u32::from(self.tx_ready) << 7
            | u32::from(self.par_err) << 12
    }

    fn fifo_state(len: usize, packed: bool) -> u32 {
        if packed {
            (len / 4) as u32 | ((len % 4) as u32) << 7
        } else {
            len as u32
        }
    }

    fn start_input(&mut self, now: u64) {
        if !self.input_started {
            self.input_started = true;
            self.next_arrival = now + (10 * COUNTER_HZ).div_ceil(HOST_BAUD);
        }
    }

    fn push_tx(&mut self, now: u64, core_hz: u64, ch: u8) {
        if self.tx_fifo.len() >= FIFO_CHARS {
            return;
        }
        if self.tx_fifo.is_empty() {
            self.tx_next_done = now + self.tx_char_ticks(core_hz).unwrap_or(0);
        }
        self.tx_fifo.push_back(ch);
    }

    /// Ask the board to bring this UART up to date when the character on the wire has been
    /// shifted out, so it reaches the host at its tick rather than at the next poll.
    fn schedule_tx_done(&mut self, ctx: &mut Ctx<'_>) {
        if self.tx_fifo.is_empty() || self.tx_wake == Some(self.tx_next_done) {
            return;
        }
        self.tx_wake = Some(self.tx_next_done);
        let device = if self.index == 0 {
            Device::Uart1
        } else {
            Device::Uart2
        };
        ctx.effects
            .schedule(self.tx_next_done, Event::Update(device));
    }

    fn device(&self) -> Device {
        if self.index == 0 {
            Device::Uart1
        } else {
            Device::Uart2
        }
    }

    /// When the stale timeout expires, if it can: enabled, not yet stale, characters waiting.
    fn stale_deadline(&self) -> Option<u64> {
        if !self.stale_en || self.stale || self.rx_fifo.is_empty() {
            return None;
        }
        let host_ct = (10 * COUNTER_HZ).div_ceil(HOST_BAUD);
        let ipr = self.regs.value(Reg::Ipr);
        let timeout = u64::from((ipr & 0x1F) | (ipr >> 7) << 5).max(1);
        Some(self.last_rx_at + timeout * host_ct)
    }

    /// Ask for an update when the next input character arrives or the stale timeout would
    /// expire, whichever comes first (receive interrupts rise at their tick).
    fn schedule_rx(&mut self, ctx: &mut Ctx<'_>) {
        if !self.input_started {
            return;
        }
        let arrival = (!self.input.is_empty()).then_some(self.next_arrival);
        let Some(at) = [arrival, self.stale_deadline()].into_iter().flatten().min() else {
            return;
        };
        if at > ctx.now && self.rx_wake != Some(at) {
            self.rx_wake = Some(at);
            let device = self.device();
            ctx.effects.schedule(at, Event::Update(device));
        }
    }

    fn command(&mut self, now: u64, v: u32) {
        let channel = (v >> 4 & 0xF) | (v >> 11 & 1) << 4;
        match channel {
            // The reset commands empty the FIFO and the channel's state machine but leave its
            // enable alone: U-Boot resets the transmitter and never re-enables it, yet prints on
            // real boards.
            1 => {
                self.rx_reset_seen = true;
                self.rx_fifo.clear();
                self.rx_total = 0;
                self.stale = false;
            }
            2 => {
                self.tx_fifo.clear();
                self.ncf_remaining = 0;
            }
            3 => {
                self.overrun = false;
                self.par_err = false;
            }
            8 => self.stale = false,
            0x14 => self.par_err = false,
            _ => {}
        }
        match v >> 8 & 7 {
            3 => {
                self.tx_ready = false;
            }
            4 => {
                self.stale = true;
                self.rx_snap = self.rx_total;
            }
            5 => self.stale_en = true,
            6 => self.stale_en = false,
            _ => {}
        }
        if v & 2 != 0 {
            self.rx_en = false;
        }
        if v & 1 != 0 {
            self.rx_en = true;
            self.start_input(now);
        }
        if v & 8 != 0 {
            self.tx_en = false;
        }
        if v & 4 != 0 {
            self.tx_en = true;
        }
    }
}

impl Registers for UartDm {
    type Id = Reg;

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }

    fn advance(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now;
        let core_hz = ctx.clocks.uart_core_hz[self.index];
        let running = ctx.clocks.uart_apps[self.index];
        let ct = self.tx_char_ticks(core_hz).filter(|_| running);
        match ct {
            Some(ct) if self.tx_en => {
                while !self.tx_fifo.is_empty() && self.tx_next_done <= now {
                    let ch = self.tx_fifo.pop_front().unwrap_or_default();
                    if !self.warned_baud {
                        self.warned_baud = true;
                        let baud = self.baud(core_hz);
                        if baud.abs_diff(HOST_BAUD) * 100 > 3 * HOST_BAUD {
                            ctx.effects.messages.push(format!(
                                "warning: {} transmits at {baud} baud (core clock {core_hz} Hz, CSR {:#x}); the host line runs at {HOST_BAUD}",
                                self.name, self.regs.value(Reg::Csr)
                            ));
                        }
                    }
                    self.first_byte_at.get_or_insert(self.tx_next_done);
                    self.output.push(ch);
                    self.tx_next_done += ct;
                }
                if self.tx_fifo.is_empty() && self.tx_ready_pending {
                    self.tx_ready_pending = false;
                    self.tx_ready = true;
                }
                self.schedule_tx_done(ctx);
            }
            _ => {
                // Not shifting: the head char starts over once the transmitter runs again.
                self.tx_next_done = self.tx_next_done.max(now + ct.unwrap_or(0));
            }
        }
        if self.input_started {
            let host_ct = (10 * COUNTER_HZ).div_ceil(HOST_BAUD);
            while let Some(&item) = self.input.front() {
                if self.next_arrival > now {
                    break;
                }
                self.input.pop_front();
                match item {
                    InputItem::Wait(t) => self.next_arrival += t,
                    InputItem::Byte(b, err) => {
                        if self.rx_en && running {
                            if self.rx_fifo.len() < FIFO_CHARS {
                                self.rx_fifo.push_back(b);
                                self.rx_total += 1;
                                self.par_err |= err;
                            } else {
                                self.overrun = true;
                            }
                        }
                        self.last_rx_at = self.next_arrival;
                        self.next_arrival += host_ct;
                    }
                }
            }
            if self.stale_deadline().is_some_and(|at| now >= at) {
                self.stale = true;
                self.rx_snap = self.rx_total;
            }
            self.schedule_rx(ctx);
        }
    }

    fn interrupt_lines(&self) -> u32 {
        u32::from(self.isr() & self.regs.value(Reg::Imr) != 0)
    }

    fn read_special(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
        let v = match hit.id {
            Reg::Sr => {
                if self.rx_reset_seen && self.rx_en {
                    self.start_input(ctx.now);
                }
                self.sr()
            }
            Reg::Misr => self.isr() & self.regs.value(Reg::Imr),
            Reg::Isr => self.isr(),
            Reg::RxTotalSnap => self.rx_snap,
            Reg::Txfs => Self::fifo_state(self.tx_fifo.len(), !self.sc_tx()),
            Reg::Rxfs => Self::fifo_state(self.rx_fifo.len(), !self.sc_rx()),
            Reg::Rf => {
                self.start_input(ctx.now);
                if self.sc_rx() {
                    u32::from(self.rx_fifo.pop_front().unwrap_or(0))
                } else {
                    let mut w = 0;
                    for k in 0..4 {
                        match self.rx_fifo.pop_front() {
                            Some(b) => w |= u32::from(b) << (8 * k),
                            None => break,
                        }
                    }
                    w
                }
            }
            other => unreachable!("{other:?} is not special on read"),
        };
        if matches!(hit.id, Reg::Sr | Reg::Rf) {
            self.schedule_rx(ctx);
        }
        Ok(v)
    }

    fn write_special(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>, v: u32) -> Result<(), Fault> {
        match hit.id {
            Reg::Cr => self.command(ctx.now, v),
            Reg::Tf => {
                let core_hz = ctx.clocks.uart_core_hz[self.index];
                if self.sc_tx() {
                    self.push_tx(ctx.now, core_hz, v as u8);
                } else {
                    let n = self.ncf_remaining.min(4);
                    for k in 0..n {
                        self.push_tx(ctx.now, core_hz, (v >> (8 * k)) as u8);
                    }
                    self.ncf_remaining -= n;
                    if n > 0 && self.ncf_remaining == 0 {
                        self.tx_ready_pending = true;
                    }
                }
                if self.tx_en && ctx.clocks.uart_apps[self.index] {
                    self.schedule_tx_done(ctx);
                }
            }
            other => unreachable!("{other:?} is not special on write"),
        }
        Ok(())
    }

    fn written(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>) {
        match hit.id {
            Reg::Dmrx => self.rx_total = 0,
            Reg::NcfTx => self.ncf_remaining = self.regs.value(Reg::NcfTx),
            _ => {}
        }
        // A command may have started the input or enabled the stale event.
        self.schedule_rx(ctx);
    }
}

#[cfg(test)]
mod tests;
