//! Unit tests of the SPMI arbiter and PM8916 model.
use super::*;
use crate::bus::{Effects, Model};
use crate::models::gcc::Gcc;
use crate::scheduler::Event;

struct Bench {
    spmi: Spmi,
    effects: Effects,
}

impl Bench {
    fn new() -> Self {
        Self {
            spmi: Spmi::new(false, DEFAULT_PON_REASON),
            effects: Effects::default(),
        }
    }

    fn access(&mut self, addr: u64, write: Option<u32>) -> Result<u32, Fault> {
        let clocks = Gcc::new().view();
        let mut ctx = Ctx {
            now: 0,
            clocks: &clocks,
            effects: &mut self.effects,
        };
        let (window, (base, _)) = [CORE, CNFG, CHNLS, OBSRVR, INTR]
            .into_iter()
            .enumerate()
            .find(|(_, (b, s))| (*b..*b + *s).contains(&addr))
            .ok_or(Fault::Unclaimed)?;
        self.spmi
            .access(&mut ctx, window, addr - base, 4, write.map(u64::from))
            .map(|v| v as u32)
    }

    fn rd(&mut self, addr: u64) -> u32 {
        self.access(addr, None).unwrap()
    }

    fn wr(&mut self, addr: u64, v: u32) {
        self.access(addr, Some(v)).unwrap();
    }

    /// Find the APID of (sid, peripheral) the way a driver does.
    fn apid(&mut self, sid: u32, periph: u32) -> usize {
        (0..MAX_APIDS)
            .find(|&a| self.rd(CORE.0 + 0x800 + 4 * a as u64) >> 8 & 0xFFF == sid << 8 | periph)
            .unwrap()
    }

    fn pmic_read(&mut self, sid: u32, addr: u32, n: u32) -> (u32, u32) {
        let apid = self.apid(sid, addr >> 8) as u64;
        let ch = OBSRVR.0 + CHANNEL_STRIDE * apid;
        self.wr(ch + 4, 0);
        self.wr(ch, 1 << 27 | (addr & 0xFF) << 4 | (n - 1));
        (self.rd(ch + 8), self.rd(ch + 0x18))
    }

    fn pmic_write(&mut self, sid: u32, addr: u32, value: u32) -> u32 {
        let apid = self.apid(sid, addr >> 8) as u64;
        let ch = CHNLS.0 + CHANNEL_STRIDE * apid;
        self.wr(ch + 4, 0);
        self.wr(ch + 0x10, value);
        self.wr(ch, (addr & 0xFF) << 4);
        self.rd(ch + 8)
    }
}

#[test]
fn version_and_revid_through_the_observer_channel() {
    let mut b = Bench::new();
    let v = b.rd(CORE.0);
    assert!((0x2001_0000..0x3000_0000).contains(&v));
    // TYPE and SUBTYPE in one 2-byte read.
    assert_eq!(b.pmic_read(0, 0x104, 2), (STATUS_DONE, 0x0B51));
    assert_eq!(b.pmic_read(0, 0x104, 1), (STATUS_DONE, 0x51));
    // Nobody pressed the power key or volume down.
    assert_eq!(b.pmic_read(0, 0x810, 1), (STATUS_DONE, 0));
    // The ownership table says EE 0.
    let apid = b.apid(0, 0x08) as u64;
    assert_eq!(b.rd(CNFG.0 + 0x700 + 4 * apid) & 7, 0);
}

#[test]
fn gpio_output_level_reads_back_and_read_only_registers_keep_their_value() {
    let mut b = Bench::new();
    assert_eq!(b.pmic_write(0, 0xC046, 0), STATUS_DONE);
    assert_eq!(b.pmic_write(0, 0xC040, 0x21), STATUS_DONE);
    assert_eq!(b.pmic_read(0, 0xC008, 1), (STATUS_DONE, 1));
    assert_eq!(b.pmic_write(0, 0xC040, 0x20), STATUS_DONE);
    assert_eq!(b.pmic_read(0, 0xC008, 1), (STATUS_DONE, 0));
    assert_eq!(b.pmic_read(0, 0xC104, 2), (STATUS_DONE, 0x0110));
    // A 2-byte read starting at SUBTYPE sweeps up an unmodelled byte, which reads 0.
    assert_eq!(b.pmic_read(0, 0xC105, 2), (STATUS_DONE, 0x0001));
    assert_eq!(b.pmic_write(0, 0x104, 0x77), STATUS_DONE);
    assert_eq!(b.pmic_read(0, 0x104, 1), (STATUS_DONE, 0x51));
}

#[test]
fn denied_failure_and_unmodelled_registers() {
    let mut b = Bench::new();
    // Write on the observer channel: denied.
    let apid = b.apid(0, 0xC0) as u64;
    b.wr(OBSRVR.0 + CHANNEL_STRIDE * apid, 0x40 << 4);
    assert_eq!(b.rd(OBSRVR.0 + CHANNEL_STRIDE * apid + 8), STATUS_DENIED);
    // An APID with no peripheral: denied.
    b.wr(OBSRVR.0 + CHANNEL_STRIDE * 100, 1 << 27);
    assert_eq!(b.rd(OBSRVR.0 + CHANNEL_STRIDE * 100 + 8), STATUS_DENIED);
    // A 2-byte write starting at EN_CTL: the second byte lands nowhere.
    let ch = CHNLS.0 + CHANNEL_STRIDE * apid;
    b.wr(ch + 0x10, 0x0080);
    b.wr(ch, 0x46 << 4 | 1);
    assert_eq!(b.rd(ch + 8), STATUS_DONE);
    assert_eq!(b.pmic_read(0, 0xC046, 1), (STATUS_DONE, 0x80));
    // Unsupported opcode: failure.
    b.wr(OBSRVR.0 + CHANNEL_STRIDE * apid, 15 << 27);
    assert_eq!(b.rd(OBSRVR.0 + CHANNEL_STRIDE * apid + 8), STATUS_FAILURE);
    // A PMIC register nobody documented: the access is reported.
    let ch = OBSRVR.0 + CHANNEL_STRIDE * apid;
    assert_eq!(
        b.access(ch, Some(1 << 27 | 0x99 << 4)),
        Err(Fault::Unclaimed)
    );
    assert!(
        b.effects.messages[0].contains("0xc099"),
        "{:?}",
        b.effects.messages
    );
    // Other EEs' channels and unknown window offsets are unclaimed.
    assert_eq!(b.access(CHNLS.0 + 0x1000, None), Err(Fault::Unclaimed));
    assert_eq!(b.access(CORE.0 + 0x10, None), Err(Fault::Unclaimed));
}

#[test]
fn keys_and_power_on_reason() {
    let mut b = Bench::new();
    assert_eq!(
        b.pmic_read(0, 0x808, 1),
        (STATUS_DONE, u32::from(DEFAULT_PON_REASON))
    );
    b.spmi.set_key(PmicKey::Power, true);
    assert_eq!(b.pmic_read(0, 0x810, 1), (STATUS_DONE, 1));
    b.spmi.set_key(PmicKey::VolumeDown, true);
    b.spmi.set_key(PmicKey::Power, false);
    assert_eq!(b.pmic_read(0, 0x810, 1), (STATUS_DONE, 2));
    let mut b = Bench {
        spmi: Spmi::new(false, 0x11),
        effects: Effects::default(),
    };
    assert_eq!(b.pmic_read(0, 0x808, 1), (STATUS_DONE, 0x11));
}

#[test]
fn ps_hold_configuration_decides_reset_or_power_off() {
    let mut b = Bench::new();
    assert_eq!(b.spmi.ps_hold_release(), Release::Reset);
    assert_eq!(b.pmic_write(0, 0x85B, 0), STATUS_DONE);
    assert_eq!(b.pmic_write(0, 0x85A, 4), STATUS_DONE);
    // Shutdown type, but the PS_HOLD reset is disabled: not a power-off.
    assert_eq!(b.spmi.ps_hold_release(), Release::Reset);
    assert_eq!(b.pmic_write(0, 0x85B, 0x80), STATUS_DONE);
    assert_eq!(b.spmi.ps_hold_release(), Release::PowerOff);
    assert_eq!(b.pmic_write(0, 0x85A, 1), STATUS_DONE);
    assert_eq!(b.spmi.ps_hold_release(), Release::Reset);
}

#[test]
fn pin_registers_linux_reads_exist_and_keep_their_values() {
    // Linux's PMIC pin drivers read these when they probe (docs/hardware/spmi-pm8916.md):
    // MPP AOUT_CTL, AIN_CTL, SINK_CTL and GPIO DIG_IN_CTL.
    let mut b = Bench::new();
    for addr in [0xA048, 0xA04A, 0xA04C, 0xC043] {
        assert_eq!(b.pmic_read(0, addr, 1), (STATUS_DONE, 0), "{addr:#x}");
        assert_eq!(b.pmic_write(0, addr, 0x05), STATUS_DONE, "{addr:#x}");
        assert_eq!(b.pmic_read(0, addr, 1), (STATUS_DONE, 0x05), "{addr:#x}");
    }
}

#[test]
fn mpp_output_is_traced_and_reads_back() {
    let mut b = Bench {
        spmi: Spmi::new(true, DEFAULT_PON_REASON),
        effects: Effects::default(),
    };
    // MPP3: digital output, source high, then enable.
    assert_eq!(b.pmic_write(0, 0xA240, 0x11), STATUS_DONE);
    assert!(b.effects.messages.is_empty());
    assert_eq!(b.pmic_write(0, 0xA246, 0x80), STATUS_DONE);
    assert_eq!(b.pmic_read(0, 0xA210, 1), (STATUS_DONE, 1));
    assert_eq!(b.pmic_write(0, 0xA240, 0x10), STATUS_DONE);
    assert_eq!(b.pmic_read(0, 0xA210, 1), (STATUS_DONE, 0));
    assert_eq!(
        b.effects.messages,
        ["t=0 pm8916-mpp3 high", "t=0 pm8916-mpp3 low"]
    );
    assert_eq!(b.pmic_read(0, 0xA304, 2), (STATUS_DONE, 0x0311));
}

#[test]
fn tables_run_to_the_end_of_their_regions_and_channels_fill_their_window() {
    let mut b = Bench::new();
    // The last APID table entry (0xFFC) and ownership entry exist and are unassigned.
    assert_eq!(b.rd(CORE.0 + 0x800 + 4 * 511), 0);
    assert_eq!(b.rd(CNFG.0 + 0x700 + 4 * 511), 0);
    // Channel 127 is the last one in the 4 MiB window; a command there finds nothing.
    b.wr(OBSRVR.0 + CHANNEL_STRIDE * 127, 1 << 27);
    assert_eq!(b.rd(OBSRVR.0 + CHANNEL_STRIDE * 127 + 8), STATUS_DENIED);
    assert_eq!(CHANNEL_STRIDE * CHANNELS as u64, CHNLS.1);
}

#[test]
fn rtc_reads_its_start_value_through_the_arbiter_and_takes_writes() {
    let mut b = Bench::new();
    let (status, value) = b.pmic_read(0, 0x6048, 4);
    assert_eq!((status, value), (1, DEFAULT_RTC_SECONDS));
    // Stop, load 0x0102_0304 byte by byte, read back; the alarm status starts clear.
    assert_eq!(b.pmic_write(0, 0x6046, 0), 1);
    for (i, byte) in 0x0102_0304u32.to_le_bytes().into_iter().enumerate() {
        assert_eq!(b.pmic_write(0, 0x6040 + i as u32, u32::from(byte)), 1);
    }
    assert_eq!(b.pmic_read(0, 0x6048, 4), (1, 0x0102_0304));
    assert_eq!(b.pmic_read(0, 0x6110, 1), (1, 0));
    let started = Spmi::new(false, DEFAULT_PON_REASON).with_rtc(7);
    assert_eq!(started.arbiter.rtc.seconds(0), 7);
    assert_eq!(started.arbiter.rtc.seconds(19_200_000), 8);
}

#[test]
fn pmic_watchdog_enabled_through_the_arbiter_schedules_its_bark() {
    let mut b = Bench::new();
    for (address, value) in [
        (0x854, 3),
        (0x855, 1),
        (0x856, 7),
        (0x858, 1),
        (0x857, 0x80),
    ] {
        assert_eq!(b.pmic_write(0, address, value), 1);
    }
    assert!(
        b.effects
            .scheduled
            .contains(&(3 * 19_200_000, Event::Update(crate::machine::Device::Spmi))),
        "{:?}",
        b.effects.scheduled
    );
    assert_eq!(b.pmic_read(0, 0x810, 1), (1, 0), "no bark yet");
}

#[test]
fn power_key_interrupt_reaches_the_line_through_enable_status_and_clear() {
    let mut b = Bench::new();
    let pon = b.apid(0, 0x08) as u64;
    let line = |b: &Bench| Model::interrupt_lines(&b.spmi);
    // Both edges of KPDPWR (bit 0), enabled, channel enabled in the arbiter.
    for (reg, value) in [(0x811, 1), (0x812, 1), (0x813, 1), (0x815, 1)] {
        assert_eq!(b.pmic_write(0, reg, value), STATUS_DONE);
    }
    b.wr(INTR.0 + 0x1000 * pon, 1);
    assert_eq!(line(&b), 0);
    b.spmi.set_key(PmicKey::Power, true);
    assert_eq!(line(&b), 1, "the press raises SPI 190");
    let word = INTR.0 + 0x10_0000 + 4 * (pon / 32);
    assert_eq!(b.rd(word), 1 << (pon % 32));
    assert_eq!(b.rd(INTR.0 + 0x1000 * pon + 4), 1, "IRQ_STATUS bit 0");
    assert_eq!(b.pmic_read(0, 0x818, 1), (STATUS_DONE, 1), "latched");
    // Clear at the arbiter, then at the peripheral: the line falls.
    b.wr(INTR.0 + 0x1000 * pon + 8, 1);
    assert_eq!(line(&b), 0);
    b.pmic_write(0, 0x814, 1);
    assert_eq!(b.pmic_read(0, 0x818, 1), (STATUS_DONE, 0));
    // The release is the other edge.
    b.spmi.set_key(PmicKey::Power, false);
    assert_eq!(line(&b), 1);
    assert_eq!(b.pmic_read(0, 0x810, 1), (STATUS_DONE, 0), "released");
    b.pmic_write(0, 0x814, 1);
    b.wr(INTR.0 + 0x1000 * pon + 8, 1);
    assert_eq!(line(&b), 0);
    // Disabled at the peripheral: a press latches but is not sent.
    b.pmic_write(0, 0x816, 1);
    b.spmi.set_key(PmicKey::Power, true);
    assert_eq!(line(&b), 0);
    assert_eq!(b.pmic_read(0, 0x818, 1), (STATUS_DONE, 1));
    // ACC_ENABLE off: sent, but not in the summary.
    b.pmic_write(0, 0x814, 1);
    b.pmic_write(0, 0x815, 1);
    b.wr(INTR.0 + 0x1000 * pon, 0);
    b.spmi.set_key(PmicKey::Power, false);
    assert_eq!(b.rd(INTR.0 + 0x1000 * pon + 4), 1);
    assert_eq!(line(&b), 0);
}

#[test]
fn rtc_alarm_asks_for_an_event_at_its_second_and_interrupts_then() {
    let mut b = Bench::new();
    let alarm = b.apid(0, 0x61) as u64;
    // Alarm 2 s after the start value, rising edge of bit 1, enabled.
    let at = DEFAULT_RTC_SECONDS + 2;
    for (i, byte) in at.to_le_bytes().into_iter().enumerate() {
        b.pmic_write(0, 0x6140 + i as u32, u32::from(byte));
    }
    for (reg, value) in [(0x6111, 2), (0x6112, 2), (0x6115, 2), (0x6146, 0x80)] {
        b.pmic_write(0, reg, value);
    }
    b.wr(INTR.0 + 0x1000 * alarm, 1);
    let due = 2 * 19_200_000;
    assert!(
        b.effects
            .scheduled
            .contains(&(due, Event::Update(Device::Spmi))),
        "{:?}",
        b.effects.scheduled
    );
    let clocks = Gcc::new().view();
    let mut ctx = Ctx {
        now: due - 1,
        clocks: &clocks,
        effects: &mut b.effects,
    };
    Model::advance(&mut b.spmi, &mut ctx);
    assert_eq!(Model::interrupt_lines(&b.spmi), 0);
    ctx.now = due;
    Model::advance(&mut b.spmi, &mut ctx);
    assert_eq!(Model::interrupt_lines(&b.spmi), 1);
}

#[test]
fn pmic_watchdog_bark_is_a_rising_edge_interrupt_of_pon_bit_6() {
    let mut b = Bench::new();
    let pon = b.apid(0, 0x08) as u64;
    // Bark 1 s after enabling, bite 1 s later; rising edge of bit 6 enabled.
    for (reg, value) in [
        (0x854, 1),
        (0x855, 1),
        (0x811, 0x40),
        (0x812, 0x40),
        (0x815, 0x40),
    ] {
        b.pmic_write(0, reg, value);
    }
    b.wr(INTR.0 + 0x1000 * pon, 1);
    b.pmic_write(0, 0x857, 0x80);
    let clocks = Gcc::new().view();
    let mut ctx = Ctx {
        now: 19_200_000 - 1,
        clocks: &clocks,
        effects: &mut b.effects,
    };
    Model::advance(&mut b.spmi, &mut ctx);
    assert_eq!(Model::interrupt_lines(&b.spmi), 0);
    ctx.now = 19_200_000;
    Model::advance(&mut b.spmi, &mut ctx);
    assert_eq!(Model::interrupt_lines(&b.spmi), 1, "the bark");
    assert_eq!(b.rd(INTR.0 + 0x1000 * pon + 4), 0x40);
}
