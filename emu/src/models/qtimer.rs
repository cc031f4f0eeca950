//! The QTimer: the memory-mapped view of the system counter and its timer frames
//! (docs/hardware/gic-timers.md#qtimer).
//!
//! Design notes:
//! - Written from the Arm architecture's memory-mapped generic timer (the CNTCTLBase control
//!   frame and the CNTBaseN timer frames, with their CNTEL0BaseN views), with the chip's
//!   layout from the hardware reference: control frame at 0x0B02_0000; frame 0 at
//!   0x0B02_1000 with its EL0 view at 0x0B02_2000; frames 1..6 at 0x0B02_3000..0x0B02_8000.
//!   Two machine-table rows: window 0 is the control frame, window 1 the 0x8000 bytes of
//!   frames. Every interrupt output is on the first row (frame 0 physical SPI 8, frame 0
//!   virtual SPI 7, frames 1..6 physical SPI 9..14).
//! - One system counter for the whole board: CNTPCT is the virtual clock (`ctx.now`), the same
//!   count the CPU's generic timer reads. CNTVCT = CNTPCT - the frame's CNTVOFF.
//! - CNTTIDR: frames 0..6 implemented; frame 0 has a virtual timer and an EL0 view (the device
//!   tree gives it a virtual interrupt and an EL0 base); frames 1..6 physical only (one
//!   interrupt each in the device tree). This is an inference from the device tree, stated in
//!   the hardware reference.
//! - Access control as the architecture defines it: CNTACR<n> (RPCT, RVCT, RFRQ, RVOFF, RWVT,
//!   RWPT) gates what frame n shows (a register it does not permit reads as zero and ignores
//!   writes), and CNTEL0ACR gates the EL0 view the same way (EL0PCTEN, EL0VCTEN, EL0VTEN,
//!   EL0PTEN; the view's CNTFRQ is readable when either counter is). The guest is Non-secure:
//!   CNTNSAR reads as secure firmware left it (every frame Non-secure accessible) and ignores
//!   writes; CNTFRQ in the control frame is writable (the frames' copies are read-only).
//! - Registers are 32 bits wide; the 64-bit ones are a low and a high word. A 64-bit access
//!   (e.g. Linux's `writeq` of CNTP_CVAL) reaches the model as its two halves, low word first
//!   (the machine-table row allows it, see `Block::halves`).
//! - A timer whose condition will be met asks the scheduler for an update at that tick, so its
//!   interrupt rises on time and WFI can wake for it.

use crate::bus::{Ctx, Fault, Model};
use crate::machine::Device;
use crate::models::timer::{CNTFRQ, TimerRegs};
use crate::scheduler::Event;

/// Number of timer frames.
pub const FRAMES: usize = 7;
/// CNTTIDR: frame 0 = implemented | virtual | EL0 view (0b0111), frames 1..6 = implemented.
const CNTTIDR: u32 = 0x0111_1117;
/// CNTNSAR as secure firmware leaves it: every frame Non-secure accessible.
const CNTNSAR: u32 = 0xFF;

// CNTACR bits.
const RPCT: u32 = 1 << 0;
const RVCT: u32 = 1 << 1;
const RFRQ: u32 = 1 << 2;
const RVOFF: u32 = 1 << 3;
const RWVT: u32 = 1 << 4;
const RWPT: u32 = 1 << 5;
// CNTEL0ACR bits.
const EL0PCTEN: u32 = 1 << 0;
const EL0VCTEN: u32 = 1 << 1;
const EL0VTEN: u32 = 1 << 8;
const EL0PTEN: u32 = 1 << 9;

/// One timer frame.
#[derive(Debug, Default, Clone, Copy)]
struct Frame {
    /// CNTACR<n> (in the control frame).
    access: u32,
    /// CNTVOFF<n>.
    virtual_offset: u64,
    /// CNTEL0ACR.
    el0_access: u32,
    physical: TimerRegs,
    virtual_timer: TimerRegs,
}

/// The QTimer.
#[derive(Debug)]
pub struct QTimer {
    frequency: u32,
    frames: [Frame; FRAMES],
    /// Virtual clock at the last update.
    now: u64,
    /// Ticks for which an update is already scheduled.
    pending: Vec<u64>,
}

impl Default for QTimer {
    fn default() -> Self {
        Self {
            frequency: CNTFRQ as u32,
            frames: [Frame::default(); FRAMES],
            now: 0,
            pending: Vec::new(),
        }
    }
}

/// Which frame view a window-1 offset falls in: (frame, EL0 view).
fn frame_of(offset: u64) -> Option<(usize, bool, u64)> {
    let page = (offset >> 12) as usize;
    let within = offset & 0xFFF;
    match page {
        0 => Some((0, false, within)),
        1 => Some((0, true, within)),
        2..=7 => Some((page - 1, false, within)),
        _ => None,
    }
}

fn set_low(value: u64, low: u32) -> u64 {
    value & !0xFFFF_FFFF | u64::from(low)
}

fn set_high(value: u64, high: u32) -> u64 {
    value & 0xFFFF_FFFF | u64::from(high) << 32
}

impl QTimer {
    /// The control frame (CNTCTLBase).
    fn control(&mut self, offset: u64, write: Option<u32>) -> Result<u32, Fault> {
        Ok(match (offset, write) {
            (0x000, None) => self.frequency,
            (0x000, Some(v)) => {
                self.frequency = v;
                0
            }
            (0x004, None) => CNTNSAR,
            (0x004, Some(_)) => 0, // Secure-only: ignored for a Non-secure write.
            (0x008, None) => CNTTIDR,
            (0x040..=0x05C, _) if offset.is_multiple_of(4) => {
                let n = ((offset - 0x40) / 4) as usize;
                match (self.frames.get_mut(n), write) {
                    (Some(frame), Some(v)) => {
                        frame.access = v & 0x3F;
                        0
                    }
                    (Some(frame), None) => frame.access,
                    (None, _) => 0, // CNTACR of an unimplemented frame: RAZ/WI.
                }
            }
            (0x080..=0x0BC, _) if offset.is_multiple_of(4) => {
                let n = ((offset - 0x80) / 8) as usize;
                let high = offset % 8 == 4;
                match (self.frames.get_mut(n), write) {
                    (Some(frame), Some(v)) => {
                        frame.virtual_offset = if high {
                            set_high(frame.virtual_offset, v)
                        } else {
                            set_low(frame.virtual_offset, v)
                        };
                        0
                    }
                    (Some(frame), None) => {
                        (frame.virtual_offset >> if high { 32 } else { 0 }) as u32
                    }
                    (None, _) => 0,
                }
            }
            _ => return Err(Fault::Unclaimed),
        })
    }

    /// A timer frame (CNTBaseN) or frame 0's EL0 view (CNTEL0Base0).
    fn frame(
        &mut self,
        n: usize,
        el0: bool,
        offset: u64,
        write: Option<u32>,
    ) -> Result<u32, Fault> {
        let now = self.now;
        let frequency = self.frequency;
        let frame = &mut self.frames[n];
        let allowed = |bit: u32, el0_bit: u32| -> bool {
            frame.access & bit != 0 && (!el0 || frame.el0_access & el0_bit != 0)
        };
        let count_physical = allowed(RPCT, EL0PCTEN);
        let count_virtual = allowed(RVCT, EL0VCTEN);
        let physical_timer = allowed(RWPT, EL0PTEN);
        let virtual_timer = n == 0 && allowed(RWVT, EL0VTEN);
        let virtual_count = now.wrapping_sub(frame.virtual_offset);
        let read_only = |value: u32| if write.is_some() { 0 } else { value };
        Ok(match offset {
            0x00 => read_only(if count_physical { now as u32 } else { 0 }),
            0x04 => read_only(if count_physical {
                (now >> 32) as u32
            } else {
                0
            }),
            0x08 => read_only(if count_virtual {
                virtual_count as u32
            } else {
                0
            }),
            0x0C => read_only(if count_virtual {
                (virtual_count >> 32) as u32
            } else {
                0
            }),
            0x10 => {
                let readable = if el0 {
                    frame.el0_access & (EL0PCTEN | EL0VCTEN) != 0 && frame.access & RFRQ != 0
                } else {
                    frame.access & RFRQ != 0
                };
                read_only(if readable { frequency } else { 0 })
            }
            0x14 if !el0 => match write {
                Some(v) => {
                    frame.el0_access = v & (EL0PCTEN | EL0VCTEN | EL0VTEN | EL0PTEN);
                    0
                }
                None => frame.el0_access,
            },
            0x18 | 0x1C if !el0 => {
                let value = if frame.access & RVOFF != 0 {
                    frame.virtual_offset
                } else {
                    0
                };
                read_only((value >> if offset == 0x1C { 32 } else { 0 }) as u32)
            }
            0x14..=0x1C => 0, // reserved in the EL0 view: RAZ/WI
            0x20..=0x2C => timer_register(
                &mut frame.physical,
                physical_timer,
                offset - 0x20,
                now,
                write,
            ),
            0x30..=0x3C => timer_register(
                &mut frame.virtual_timer,
                virtual_timer,
                offset - 0x30,
                virtual_count,
                write,
            ),
            _ => return Err(Fault::Unclaimed),
        })
    }

    /// Ask for an update at every future tick at which a timer's condition becomes true.
    fn schedule_deadlines(&mut self, ctx: &mut Ctx<'_>) {
        self.pending.retain(|&at| at > ctx.now);
        for frame in &self.frames {
            let timers = [
                (frame.physical, 0),
                (frame.virtual_timer, frame.virtual_offset),
            ];
            for (timer, offset) in timers {
                if timer.ctl & 1 == 0 {
                    continue;
                }
                // Condition: count - offset >= CVAL, i.e. count >= CVAL + offset.
                let at = timer.cval.wrapping_add(offset);
                if at > ctx.now && !self.pending.contains(&at) {
                    self.pending.push(at);
                    ctx.effects.schedule(at, Event::Update(Device::QTimer));
                }
            }
        }
    }
}

/// CVAL low/high, TVAL and CTL of one timer at `base` (0x0, 0x4, 0x8, 0xC), against the count
/// `count` it compares with.
fn timer_register(
    timer: &mut TimerRegs,
    allowed: bool,
    offset: u64,
    count: u64,
    write: Option<u32>,
) -> u32 {
    if !allowed {
        return 0;
    }
    match (offset, write) {
        (0x0, None) => timer.cval as u32,
        (0x4, None) => (timer.cval >> 32) as u32,
        (0x0, Some(v)) => {
            timer.cval = set_low(timer.cval, v);
            0
        }
        (0x4, Some(v)) => {
            timer.cval = set_high(timer.cval, v);
            0
        }
        // TVAL: CVAL - count as a signed 32-bit value; a write sets CVAL = count + TVAL.
        (0x8, None) => timer.cval.wrapping_sub(count) as u32,
        (0x8, Some(v)) => {
            timer.cval = count.wrapping_add(v as i32 as i64 as u64);
            0
        }
        (0xC, None) => {
            let met = count >= timer.cval;
            (timer.ctl as u32 & 3) | u32::from(timer.ctl & 1 != 0 && met) << 2
        }
        (0xC, Some(v)) => {
            timer.ctl = u64::from(v & 3);
            0
        }
        _ => 0,
    }
}

impl Model for QTimer {
    fn access(
        &mut self,
        ctx: &mut Ctx<'_>,
        window: usize,
        offset: u64,
        size: usize,
        write: Option<u64>,
    ) -> Result<u64, Fault> {
        if size != 4 || !offset.is_multiple_of(4) {
            return Err(Fault::Unclaimed);
        }
        self.now = ctx.now;
        let write = write.map(|v| v as u32);
        let value = match window {
            0 => self.control(offset, write)?,
            _ => {
                let (n, el0, within) = frame_of(offset).ok_or(Fault::Unclaimed)?;
                self.frame(n, el0, within, write)?
            }
        };
        if write.is_some() {
            self.schedule_deadlines(ctx);
        }
        Ok(u64::from(value))
    }

    fn advance(&mut self, ctx: &mut Ctx<'_>) {
        self.now = ctx.now;
        self.pending.retain(|&at| at > ctx.now);
    }

    fn interrupt_lines(&self) -> u32 {
        let frame0 = &self.frames[0];
        let mut lines = u32::from(frame0.physical.output(self.now));
        let virtual_count = self.now.wrapping_sub(frame0.virtual_offset);
        lines |= u32::from(frame0.virtual_timer.output(virtual_count)) << 1;
        for (k, frame) in self.frames[1..].iter().enumerate() {
            lines |= u32::from(frame.physical.output(self.now)) << (2 + k);
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::Effects;
    use crate::models::gcc::Gcc;

    fn access(m: &mut QTimer, now: u64, window: usize, offset: u64, write: Option<u32>) -> u32 {
        let clocks = Gcc::new().view();
        let mut effects = Effects::default();
        let mut ctx = Ctx {
            now,
            clocks: &clocks,
            effects: &mut effects,
        };
        m.advance(&mut ctx);
        m.access(&mut ctx, window, offset, 4, write.map(u64::from))
            .unwrap() as u32
    }

    #[test]
    fn control_frame_describes_the_frames_and_gates_them() {
        let mut m = QTimer::default();
        assert_eq!(access(&mut m, 0, 0, 0x000, None), 19_200_000);
        assert_eq!(access(&mut m, 0, 0, 0x008, None) & 0xF, 0b0111);
        assert_eq!(access(&mut m, 0, 0, 0x008, None) >> 4 & 0xF, 0b0001);
        // Without CNTACR permission the frame's counter reads as zero.
        assert_eq!(access(&mut m, 1000, 1, 0x000, None), 0);
        access(&mut m, 0, 0, 0x040, Some(0x3F));
        assert_eq!(access(&mut m, 0, 0, 0x040, None), 0x3F);
        assert_eq!(access(&mut m, 1000, 1, 0x000, None), 1000);
        assert_eq!(access(&mut m, 1000, 1, 0x010, None), 19_200_000);
        // CNTVOFF from the control frame; CNTVCT follows it.
        access(&mut m, 0, 0, 0x080, Some(400));
        assert_eq!(access(&mut m, 1000, 1, 0x008, None), 600);
        assert_eq!(access(&mut m, 1000, 1, 0x018, None), 400);
        // The EL0 view needs CNTEL0ACR too.
        assert_eq!(access(&mut m, 1000, 1, 0x1000, None), 0);
        access(&mut m, 0, 1, 0x014, Some(EL0PCTEN));
        assert_eq!(access(&mut m, 1000, 1, 0x1000, None), 1000);
        assert_eq!(
            access(&mut m, 1000, 1, 0x1014, None),
            0,
            "reserved in the EL0 view"
        );
    }

    #[test]
    fn physical_timer_fires_at_cval_and_tval_counts_down() {
        let mut m = QTimer::default();
        access(&mut m, 0, 0, 0x040, Some(0x3F));
        // TVAL = 500 at tick 100: CVAL = 600.
        access(&mut m, 100, 1, 0x028, Some(500));
        assert_eq!(access(&mut m, 100, 1, 0x020, None), 600);
        assert_eq!(access(&mut m, 350, 1, 0x028, None), 250);
        access(&mut m, 350, 1, 0x02C, Some(1)); // ENABLE, unmasked
        assert_eq!(m.interrupt_lines(), 0);
        assert_eq!(
            access(&mut m, 600, 1, 0x02C, None),
            0b101,
            "ISTATUS at CVAL"
        );
        assert_eq!(m.interrupt_lines(), 1);
        // Masked: status stays, the line falls.
        access(&mut m, 600, 1, 0x02C, Some(0b11));
        assert_eq!(m.interrupt_lines(), 0);
        // TVAL reads negative after the deadline.
        assert_eq!(access(&mut m, 700, 1, 0x028, None) as i32, -100);
    }

    #[test]
    fn cval_written_as_two_halves_and_a_deadline_is_scheduled() {
        let mut m = QTimer::default();
        access(&mut m, 0, 0, 0x044, Some(0x3F)); // frame 1
        let clocks = Gcc::new().view();
        let mut effects = Effects::default();
        let mut ctx = Ctx {
            now: 10,
            clocks: &clocks,
            effects: &mut effects,
        };
        m.access(&mut ctx, 1, 0x2020, 4, Some(5000)).unwrap();
        m.access(&mut ctx, 1, 0x2024, 4, Some(0)).unwrap();
        m.access(&mut ctx, 1, 0x202C, 4, Some(1)).unwrap();
        assert_eq!(
            effects.scheduled,
            vec![(5000, Event::Update(Device::QTimer))]
        );
        assert_eq!(access(&mut m, 5000, 1, 0x202C, None) & 4, 4);
        assert_eq!(
            m.interrupt_lines(),
            1 << 2,
            "frame 1 is the third line (SPI 9)"
        );
        // Frames 1..6 have no virtual timer.
        assert_eq!(access(&mut m, 5000, 1, 0x2030, Some(7)), 0);
        assert_eq!(access(&mut m, 5000, 1, 0x2030, None), 0);
    }

    #[test]
    fn other_offsets_and_widths_are_unclaimed() {
        let mut m = QTimer::default();
        let clocks = Gcc::new().view();
        let mut effects = Effects::default();
        let mut ctx = Ctx {
            now: 0,
            clocks: &clocks,
            effects: &mut effects,
        };
        assert_eq!(m.access(&mut ctx, 0, 0x00C, 4, None), Err(Fault::Unclaimed));
        assert_eq!(m.access(&mut ctx, 1, 0x040, 4, None), Err(Fault::Unclaimed));
        assert_eq!(m.access(&mut ctx, 1, 0x000, 2, None), Err(Fault::Unclaimed));
        assert_eq!(
            m.access(&mut ctx, 1, 0x8000, 4, None),
            Err(Fault::Unclaimed)
        );
    }
}
