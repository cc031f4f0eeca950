//! The virtual board: unicorn CPU, DRAM, peripheral bus, virtual clock and run loop.
//!
//! Design notes:
//! - Time: a 19.2 MHz counter advanced by one tick per guest instruction. Instructions are
//!   counted per translated block (block hook: size / 4), never per instruction, so every
//!   model sees the count at the start of the current block. WFI fast-forwards the counter to
//!   the next timer event. Nothing depends on host time (except `--stdin` input), so the same
//!   input gives the same output.
//! - Privilege: unicorn starts in Secure EL1. We set SCR_EL3 = NS|HCE|RW (0x501) and
//!   HCR_EL2.RW, so the guest runs in Non-secure EL1 (AArch64) and the host owns EL2/EL3;
//!   `--entry-el 2` starts in EL2h instead.
//! - Exceptions: unicorn does not vector synchronous exceptions. The interrupt hook performs
//!   the entry by hand (ELR, ESR, SPSR through the CP_REG interface, PSTATE, SP banking,
//!   PC = VBAR + offset). SVC -> EC 0x15, BRK -> EC 0x3C, HVC at EL2 -> EC 0x16; UDF, and
//!   HVC at EL1 (no hypervisor on this board), -> EC 0 (unknown).
//!   MMU/alignment aborts carry no syndrome through the API: they stop the run (exit 5).
//! - SMC at EL1/EL2 goes to the secure firmware model (`models::secure_monitor`): the TZ
//!   "milestone 32->64" call re-enters the caller in AArch64 EL1 at the address it gave, PSCI
//!   calls are answered (SYSTEM_OFF/RESET release PS_HOLD through the bus, as the real
//!   firmware does), anything else returns NOT_SUPPORTED (-1) in x0.
//! - Generic timer: MRS/MSR of CNT* registers are trapped with a system-instruction hook
//!   registered through unicorn-engine-sys (the Rust binding's trampoline returns bool where
//!   C expects u32). There is no GIC model yet, so no interrupt is delivered; a WFI wakes when
//!   an enabled, unmasked timer's condition is met (even with PSTATE.I set: architecturally
//!   WFI wakes on a pending interrupt whether or not it is masked). A WFI with no such timer
//!   ends the run (exit 5).
//! - MMIO: each model window is an unicorn MMIO region; a `Fault` from the bus stops the run.

use std::cell::RefCell;
use std::ffi::c_void;
use std::io::Write;
use std::rc::Rc;
use std::sync::mpsc::Receiver;

use unicorn_engine::{
    Arch, HookType, MemType, Mode, Prot, RegisterARM64, RegisterARM64CP, Unicorn,
};
use unicorn_engine_sys as sys;

use crate::bus::{Bus, Fault};
use crate::loader::{DRAM_BASE, DRAM_SIZE, LoadedImage};
use crate::models::gcc::Gcc;
use crate::models::prng::Prng;
use crate::models::ps_hold::PsHold;
use crate::models::sdhc::Sdhc;
use crate::models::secure_monitor::{SecureMonitor, SmcAction};
use crate::models::timer::{GenericTimer, TimerReg};
use crate::models::tlmm::{PinEvent, Tlmm};
use crate::models::uart_dm::{InputItem, UartDm};

/// WFI instruction word.
const WFI: u32 = 0xD503_207F;
/// Models are brought up to date (output flushed, stdin read) at least this often.
const POLL_TICKS: u64 = 1 << 16;

/// Options for a run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `--trace gpio`.
    pub trace_gpio: bool,
    /// `--trace uart`: UART1 output also goes to stdout.
    pub trace_uart: bool,
    /// `--trace clock`.
    pub trace_clock: bool,
    /// `--trace mmio`.
    pub trace_mmio: bool,
    /// Console receive script.
    pub input: Vec<InputItem>,
    /// Instruction budget.
    pub max_instructions: u64,
    /// PRNG seed.
    pub seed: u64,
    /// Exception level at entry (1 or 2).
    pub entry_el: u8,
    /// Externally applied pin levels.
    pub pins: Vec<PinEvent>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            trace_gpio: false,
            trace_uart: false,
            trace_clock: false,
            trace_mmio: false,
            input: Vec::new(),
            max_instructions: 4_000_000_000,
            seed: 1,
            entry_el: 1,
            pins: Vec::new(),
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// PS_HOLD released.
    PsHold {
        /// PC of the store.
        pc: u64,
    },
    /// Access nobody claims.
    Unclaimed {
        /// Write (else read).
        write: bool,
        /// Bytes.
        size: usize,
        /// Address.
        addr: u64,
        /// PC.
        pc: u64,
    },
    /// Instruction budget exhausted.
    Budget {
        /// The budget.
        budget: u64,
        /// PC.
        pc: u64,
    },
    /// Guest stopped for good.
    Stopped {
        /// What happened.
        what: String,
        /// PC.
        pc: u64,
    },
}

impl Outcome {
    /// Process exit code per docs/contracts.md.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::PsHold { .. } => 0,
            Self::Unclaimed { .. } => 3,
            Self::Budget { .. } => 4,
            Self::Stopped { .. } => 5,
        }
    }

    /// The stderr line (with the `emu: ` prefix).
    pub fn line(&self) -> String {
        match self {
            Self::PsHold { pc } => format!("emu: PS_HOLD released at pc={pc:#x}: system reset"),
            Self::Unclaimed {
                write,
                size,
                addr,
                pc,
            } => format!(
                "emu: error: unclaimed {} of {size} bytes at {addr:#x} (pc={pc:#x})",
                if *write { "write" } else { "read" }
            ),
            Self::Budget { budget, pc } => {
                format!("emu: error: instruction budget of {budget} exhausted (pc={pc:#x})")
            }
            Self::Stopped { what, pc } => format!("emu: error: {what} (pc={pc:#x})"),
        }
    }
}

/// Result of a run.
#[derive(Debug)]
pub struct RunResult {
    /// How it ended.
    pub outcome: Outcome,
    /// Guest instructions executed.
    pub instructions: u64,
    /// Counter value when the first console byte reached the host.
    pub first_console_byte_at: Option<u64>,
}

struct State {
    bus: Bus,
    timer: GenericTimer,
    now: u64,
    instructions: u64,
    budget: u64,
    next_poll: u64,
    poll: bool,
    stop: Option<Outcome>,
    trace_mmio: bool,
    trace_clock: bool,
    /// Address and size in bytes of the translated block being executed.
    block: (u64, u32),
    /// The secure firmware answering SMC.
    secure: SecureMonitor,
}

type Shared = Rc<RefCell<State>>;

fn cp(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32, val: u64) -> RegisterARM64CP {
    RegisterARM64CP {
        crn,
        crm,
        op0,
        op1,
        op2,
        val,
    }
}

/// MRS hook: write the timer register into Xt.
unsafe extern "C" fn mrs_hook(
    uc: *mut sys::uc_engine,
    reg: RegisterARM64,
    cp_reg: *const RegisterARM64CP,
    user_data: *mut c_void,
) -> u32 {
    // SAFETY: valid for the duration of the call (unicorn contract).
    let cpr = unsafe { &*cp_reg };
    let Some(treg) = TimerReg::decode(cpr.op0, cpr.op1, cpr.crn, cpr.crm, cpr.op2) else {
        return 0;
    };
    // SAFETY: user_data is `Rc::as_ptr` of the shared state, alive while emulating.
    let state = unsafe { &*(user_data as *const RefCell<State>) };
    let Ok(st) = state.try_borrow() else { return 0 };
    let value = st.timer.read(treg, st.now);
    drop(st);
    if reg != RegisterARM64::XZR {
        // SAFETY: `uc` is the live engine calling us; `value` outlives the call.
        unsafe { sys::uc_reg_write(uc, reg as i32, (&raw const value).cast()) };
    }
    1
}

/// MSR hook: update the timer from the value being written.
unsafe extern "C" fn msr_hook(
    _uc: *mut sys::uc_engine,
    _reg: RegisterARM64,
    cp_reg: *const RegisterARM64CP,
    user_data: *mut c_void,
) -> u32 {
    // SAFETY: valid for the duration of the call (unicorn contract).
    let cpr = unsafe { &*cp_reg };
    let Some(treg) = TimerReg::decode(cpr.op0, cpr.op1, cpr.crn, cpr.crm, cpr.op2) else {
        return 0;
    };
    // SAFETY: user_data is `Rc::as_ptr` of the shared state, alive while emulating.
    let state = unsafe { &*(user_data as *const RefCell<State>) };
    let Ok(mut st) = state.try_borrow_mut() else {
        return 0;
    };
    let now = st.now;
    st.timer.write(treg, now, cpr.val);
    1
}

fn fail(e: sys::uc_error) -> String {
    format!("unicorn: {e}")
}

/// Run `image` on a fresh board. Console bytes go to `out`, board messages to `err`.
pub fn run(
    image: &LoadedImage,
    config: &Config,
    stdin: Option<Receiver<Vec<u8>>>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<RunResult, String> {
    let mut bus = Bus::new(Gcc::new());
    bus.register(
        0x0100_0000,
        0x30_0000,
        Box::new(Tlmm::new(config.pins.clone(), config.trace_gpio)),
    );
    bus.register(0x078A_F000, 0x1000, Box::new(UartDm::new(0, Vec::new())));
    bus.register(
        0x078B_0000,
        0x1000,
        Box::new(UartDm::new_console(config.input.clone())),
    );
    bus.register(0x0002_2000, 0x1000, Box::new(Prng::new(config.seed)));
    bus.register(0x004A_B000, 0x1000, Box::new(PsHold::default()));
    // SD host controllers: eMMC slot (8-bit) and µSD slot, both empty.
    bus.register(0x0782_4000, 0x1000, Box::new(Sdhc::new(true)));
    bus.register(0x0786_4000, 0x1000, Box::new(Sdhc::new(false)));
    // SPMI PMIC arbiter (five windows sharing one state) with the PM8916 behind it.
    for (base, size, window) in crate::models::spmi::windows(config.trace_gpio) {
        bus.register(base, size, Box::new(window));
    }
    // USB HS controller (ChipIdea, EHCI host) and its ULPI PHY; nothing plugged in.
    bus.register(
        0x078D_9000,
        0x1000,
        Box::new(crate::models::usb_hs::UsbHs::new()),
    );
    let windows = bus.windows();
    let state: Shared = Rc::new(RefCell::new(State {
        bus,
        timer: GenericTimer::default(),
        now: 0,
        instructions: 0,
        budget: config.max_instructions,
        next_poll: POLL_TICKS,
        poll: false,
        stop: None,
        trace_mmio: config.trace_mmio,
        trace_clock: config.trace_clock,
        block: (image.entry, 0),
        secure: SecureMonitor::default(),
    }));

    let mut uc = Unicorn::new(Arch::ARM64, Mode::ARM).map_err(fail)?;
    uc.mem_map(DRAM_BASE, DRAM_SIZE, Prot::ALL).map_err(fail)?;
    for (addr, bytes) in &image.chunks {
        uc.mem_write(*addr, bytes).map_err(fail)?;
    }
    for (base, size) in windows {
        let (sr, sw) = (state.clone(), state.clone());
        uc.mmio_map(
            base,
            size,
            Some(
                move |uc: &mut Unicorn<'_, ()>, off: u64, size: usize| -> u64 {
                    let mut st = sr.borrow_mut();
                    let now = st.now;
                    let addr = base + off;
                    match st.bus.read(now, addr, size) {
                        Ok(v) => {
                            if st.trace_mmio {
                                st.bus
                                    .effects
                                    .messages
                                    .push(format!("t={now} mmio read{size} {addr:#x} = {v:#x}"));
                            }
                            v
                        }
                        Err(f) => {
                            let pc = access_pc(uc, st.block, addr, false);
                            st.stop = Some(fault_outcome(f, false, size, addr, pc));
                            drop(st);
                            let _ = uc.emu_stop();
                            0
                        }
                    }
                },
            ),
            Some(
                move |uc: &mut Unicorn<'_, ()>, off: u64, size: usize, value: u64| {
                    let mut st = sw.borrow_mut();
                    let now = st.now;
                    let addr = base + off;
                    let before = st.trace_clock.then(|| st.bus.gcc.view());
                    if st.trace_mmio {
                        st.bus
                            .effects
                            .messages
                            .push(format!("t={now} mmio write{size} {addr:#x} = {value:#x}"));
                    }
                    let res = st.bus.write(now, addr, size, value);
                    if let Some(before) = before {
                        let after = st.bus.gcc.view();
                        if after != before {
                            let on = |b: bool| if b { "on" } else { "off" };
                            let line = format!(
                                "t={now} clock blsp1_ahb={} prng_ahb={} uart1_apps={} uart1_core={}Hz uart2_apps={} uart2_core={}Hz",
                                on(after.blsp1_ahb),
                                on(after.prng_ahb),
                                on(after.uart_apps[0]),
                                after.uart_core_hz[0],
                                on(after.uart_apps[1]),
                                after.uart_core_hz[1],
                            );
                            st.bus.effects.messages.push(line);
                        }
                    }
                    let block = st.block;
                    let pc = || access_pc(uc, block, addr, true);
                    if let Err(f) = res {
                        st.stop = Some(fault_outcome(f, true, size, addr, pc()));
                    } else if st.bus.effects.ps_hold_released {
                        st.stop = Some(Outcome::PsHold { pc: pc() });
                    }
                    if st.stop.is_some() {
                        drop(st);
                        let _ = uc.emu_stop();
                    }
                },
            ),
        )
        .map_err(fail)?;
    }

    let s = state.clone();
    uc.add_block_hook(1, 0, move |uc, addr, size| {
        let mut st = s.borrow_mut();
        st.block = (addr, size);
        let n = u64::from(size / 4);
        st.instructions += n;
        st.now += n;
        if st.instructions > st.budget {
            let budget = st.budget;
            st.instructions = budget;
            st.stop = Some(Outcome::Budget {
                budget,
                pc: uc.pc_read().unwrap_or(0),
            });
            drop(st);
            let _ = uc.emu_stop();
        } else if st.now >= st.next_poll {
            st.next_poll = st.now + POLL_TICKS;
            st.poll = true;
            drop(st);
            let _ = uc.emu_stop();
        }
    })
    .map_err(fail)?;

    let s = state.clone();
    uc.add_mem_hook(
        HookType::MEM_READ_UNMAPPED | HookType::MEM_WRITE_UNMAPPED | HookType::MEM_FETCH_UNMAPPED,
        1,
        0,
        move |uc, kind, addr, size, _value| {
            let pc = uc.pc_read().unwrap_or(0);
            let outcome = match kind {
                MemType::FETCH_UNMAPPED => Outcome::Stopped {
                    what: format!("instruction fetch from unmapped address {addr:#x}"),
                    pc: addr,
                },
                k => Outcome::Unclaimed {
                    write: k == MemType::WRITE_UNMAPPED,
                    size,
                    addr,
                    pc,
                },
            };
            s.borrow_mut().stop.get_or_insert(outcome);
            false
        },
    )
    .map_err(fail)?;

    let s = state.clone();
    uc.add_intr_hook(move |uc, intno| {
        let el = (uc.reg_read(RegisterARM64::PSTATE).unwrap_or(0) >> 2) & 3;
        let res = if intno == INTNO_SMC && el >= 1 {
            secure_call(uc, &s)
        } else {
            take_exception(uc, intno)
        };
        if let Err(outcome) = res {
            s.borrow_mut().stop.get_or_insert(outcome);
            let _ = uc.emu_stop();
        }
    })
    .map_err(fail)?;

    let user = Rc::as_ptr(&state) as *mut c_void;
    for (insn, cb) in [
        (
            sys::Arm64Insn::UC_ARM64_INS_MRS,
            mrs_hook as unsafe extern "C" fn(_, _, _, _) -> u32,
        ),
        (sys::Arm64Insn::UC_ARM64_INS_MSR, msr_hook),
    ] {
        let mut hh: sys::uc_hook = 0;
        // SAFETY: the engine handle is live; `cb` has the C signature `uc_cb_insn_sys_t`
        // expects (u32 return); `user` stays valid while `state` lives (until the end of
        // this function, after the last `emu_start`). The variadic argument is the
        // instruction id as a C int.
        let e = unsafe {
            sys::uc_hook_add(
                uc.get_handle(),
                &raw mut hh,
                HookType::INSN.0 as i32,
                cb as *mut c_void,
                user,
                1,
                0,
                insn as i32,
            )
        };
        Result::<(), _>::from(e).map_err(fail)?;
    }

    // CPU state at entry (facts §11): AArch64, MMU/caches off, DAIF masked.
    let el = u64::from(config.entry_el);
    uc.reg_write(RegisterARM64::PSTATE, 0x3CD).map_err(fail)?;
    uc.reg_write_arm64_coproc(&cp(3, 6, 1, 1, 0, 0x501))
        .map_err(fail)?;
    uc.reg_write_arm64_coproc(&cp(3, 4, 1, 1, 0, 1 << 31))
        .map_err(fail)?;
    uc.reg_write(RegisterARM64::PSTATE, 0x3C0 | (el << 2) | 1)
        .map_err(fail)?;
    let spsr = if el == 2 {
        cp(3, 4, 4, 0, 0, 0x3C9)
    } else {
        cp(3, 0, 4, 0, 0, 0x3C5)
    };
    uc.reg_write_arm64_coproc(&spsr).map_err(fail)?;
    uc.reg_write(RegisterARM64::X0, image.x0).map_err(fail)?;
    for r in [RegisterARM64::X1, RegisterARM64::X2, RegisterARM64::X3] {
        uc.reg_write(r, 0).map_err(fail)?;
    }

    let mut pc = image.entry;
    let outcome = loop {
        let res = uc.emu_start(pc, 0, 0, 0);
        pc = uc.pc_read().unwrap_or(pc);
        if let Some(rx) = &stdin {
            while let Ok(bytes) = rx.try_recv() {
                state.borrow_mut().bus.uarts().1.push_input(&bytes);
            }
        }
        flush(&state, config, out, err);
        let mut st = state.borrow_mut();
        st.poll = false;
        if let Some(o) = st.stop.take() {
            break o;
        }
        if let Err(e) = res {
            break Outcome::Stopped {
                what: format!("CPU stopped: {e}"),
                pc,
            };
        }
        let mut word = [0u8; 4];
        if uc.mem_read(pc.wrapping_sub(4), &mut word).is_ok() && u32::from_le_bytes(word) == WFI {
            match st.timer.next_wake() {
                Some(t) => {
                    if t > st.now {
                        st.now = t;
                        st.next_poll = t + POLL_TICKS;
                    }
                }
                None => {
                    break Outcome::Stopped {
                        what:
                            "WFI with nothing that can wake the core (no enabled, unmasked timer)"
                                .into(),
                        pc: pc - 4,
                    };
                }
            }
        }
    };
    let mut st = state.borrow_mut();
    let now = st.now;
    st.bus.advance_all(now);
    drop(st);
    flush(&state, config, out, err);
    let mut st = state.borrow_mut();
    let lost = st.bus.uarts().1.tx_pending();
    if lost > 0 && matches!(outcome, Outcome::PsHold { .. }) {
        let _ = writeln!(
            err,
            "emu: note: {lost} bytes still in the BLSP1_UART2 TX FIFO were lost at reset"
        );
    }
    let first = st.bus.uarts().1.first_byte_at;
    let instructions = st.instructions;
    Ok(RunResult {
        outcome,
        instructions,
        first_console_byte_at: first,
    })
}

fn flush(state: &Shared, config: &Config, out: &mut dyn Write, err: &mut dyn Write) {
    let mut st = state.borrow_mut();
    let now = st.now;
    st.bus.advance_all(now);
    for line in std::mem::take(&mut st.bus.effects.messages) {
        let _ = writeln!(err, "emu: {line}");
    }
    let (uart1, uart2) = st.bus.uarts();
    let b1 = std::mem::take(&mut uart1.output);
    let b2 = std::mem::take(&mut uart2.output);
    if config.trace_uart {
        let _ = out.write_all(&b1);
    }
    let _ = out.write_all(&b2);
    let _ = out.flush();
}

/// Find the instruction that made a data access to `addr`.
///
/// unicorn only keeps the PC of the current translated block while it runs MMIO callbacks, so
/// we decode the loads/stores of that block and compute their addresses from the registers
/// (which hold the values as of the faulting instruction, before any write-back). The first
/// load/store in the right direction whose address range covers `addr` is the culprit; if
/// none matches (unusual addressing forms), the block address is reported.
fn access_pc(uc: &Unicorn<'_, ()>, block: (u64, u32), addr: u64, write: bool) -> u64 {
    let xreg = |n: u32| -> u64 {
        let id = match n {
            29 => RegisterARM64::X29 as i32,
            30 => RegisterARM64::X30 as i32,
            31 => RegisterARM64::SP as i32,
            n => RegisterARM64::X0 as i32 + n as i32,
        };
        uc.reg_read(id).unwrap_or(0)
    };
    let (start, size) = block;
    let mut code = vec![0u8; size as usize];
    if uc.mem_read(start, &mut code).is_err() {
        return start;
    }
    for (k, w) in code.chunks_exact(4).enumerate() {
        let insn = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        if let Some((ea, len, store)) = decode_ldst(insn, &xreg)
            && store == write
            && (ea..ea.wrapping_add(len)).contains(&addr)
        {
            return start + 4 * k as u64;
        }
    }
    start
}

/// Effective address, bytes touched and direction (true = store) of common load/store forms.
fn decode_ldst(insn: u32, xreg: &dyn Fn(u32) -> u64) -> Option<(u64, u64, bool)> {
    let rn = (insn >> 5) & 31;
    let base = xreg(rn);
    let size = insn >> 30;
    if insn & 0x3B00_0000 == 0x3900_0000 {
        // Load/store register, unsigned immediate.
        let vector = insn >> 26 & 1 != 0;
        let opc = insn >> 22 & 3;
        let scale = if vector && opc >= 2 { 4 } else { size };
        let imm = u64::from(insn >> 10 & 0xFFF) << scale;
        return Some((
            base.wrapping_add(imm),
            1 << scale,
            opc == 0 || (vector && opc == 2),
        ));
    }
    if insn & 0x3B20_0000 == 0x3800_0000 {
        // Unscaled / pre-index / post-index (9-bit signed immediate).
        let imm = i64::from(((insn >> 12 & 0x1FF) as i32) << 23 >> 23) as u64;
        let ea = if insn >> 10 & 3 == 1 {
            base
        } else {
            base.wrapping_add(imm)
        };
        return Some((ea, 1 << size, insn >> 22 & 3 == 0));
    }
    if insn & 0x3B20_0C00 == 0x3820_0800 {
        // Register offset.
        let rm = xreg(insn >> 16 & 31);
        let option = insn >> 13 & 7;
        let off = match option {
            2 => rm & 0xFFFF_FFFF,
            6 => i64::from(rm as u32 as i32) as u64,
            _ => rm,
        };
        let shift = if insn >> 12 & 1 != 0 { size } else { 0 };
        return Some((
            base.wrapping_add(off << shift),
            1 << size,
            insn >> 22 & 3 == 0,
        ));
    }
    if insn & 0x3A00_0000 == 0x2800_0000 {
        // Load/store pair (general registers).
        let esize = if insn >> 31 != 0 { 8 } else { 4 };
        let imm = (i64::from(((insn >> 15 & 0x7F) as i32) << 25 >> 25) * esize as i64) as u64;
        let ea = if insn >> 23 & 3 == 1 {
            base
        } else {
            base.wrapping_add(imm)
        };
        return Some((ea, 2 * esize, insn >> 22 & 1 == 0));
    }
    None
}

fn fault_outcome(f: Fault, write: bool, size: usize, addr: u64, pc: u64) -> Outcome {
    match f {
        Fault::Unclaimed => Outcome::Unclaimed {
            write,
            size,
            addr,
            pc,
        },
        Fault::ClockOff(clock) => Outcome::Stopped {
            what: format!(
                "{} of {size} bytes at {addr:#x} while {clock} is off (the bus access would hang on hardware)",
                if write { "write" } else { "read" }
            ),
            pc,
        },
    }
}

/// unicorn's interrupt number for an SMC instruction (measured, see virtual-board notes).
const INTNO_SMC: u32 = 13;
/// MPM PS_HOLD register, which the secure firmware drops for PSCI SYSTEM_OFF/RESET.
const PS_HOLD_ADDR: u64 = 0x004A_B000;

/// Hand an SMC to the secure firmware model and apply its answer to the CPU. The PC is
/// already past the SMC instruction.
fn secure_call(uc: &mut Unicorn<'_, ()>, state: &Shared) -> Result<(), Outcome> {
    let pc = uc.pc_read().unwrap_or(0);
    let smc_pc = pc.wrapping_sub(4);
    let stopped = |e| Outcome::Stopped {
        what: fail(e),
        pc: smc_pc,
    };
    let mut x = [0u64; 8];
    for (k, v) in x.iter_mut().enumerate() {
        *v = uc
            .reg_read(RegisterARM64::X0 as i32 + k as i32)
            .map_err(stopped)?;
    }
    let action = {
        let view: &Unicorn<'_, ()> = uc;
        // DRAM only: reading an MMIO window here would re-enter the models.
        let read = |addr: u64, len: usize| -> Option<Vec<u8>> {
            let end = addr.checked_add(len as u64)?;
            if addr < DRAM_BASE || end > DRAM_BASE + DRAM_SIZE {
                return None;
            }
            let mut v = vec![0u8; len];
            view.mem_read(addr, &mut v).ok().map(|()| v)
        };
        state.borrow_mut().secure.call(&x, &read)
    };
    match action {
        SmcAction::Return(v) => uc.reg_write(RegisterARM64::X0, v).map_err(stopped),
        SmcAction::EnterEl1 { pc: entry, x } => {
            for (k, v) in x.iter().enumerate() {
                uc.reg_write(RegisterARM64::X0 as i32 + k as i32, *v)
                    .map_err(stopped)?;
            }
            // MMU, data and instruction caches off (SCTLR_EL1.M, .C, .I).
            let mut sctlr = cp(3, 0, 1, 0, 0, 0);
            uc.reg_read_arm64_coproc(&mut sctlr).map_err(stopped)?;
            sctlr.val &= !((1 << 12) | (1 << 2) | 1);
            uc.reg_write_arm64_coproc(&sctlr).map_err(stopped)?;
            // EL1h, DAIF masked; the SPSR write makes QEMU recompute its cached flags.
            uc.reg_write(RegisterARM64::PSTATE, 0x3C5)
                .map_err(stopped)?;
            uc.reg_write_arm64_coproc(&cp(3, 0, 4, 0, 0, 0x3C5))
                .map_err(stopped)?;
            uc.reg_write(RegisterARM64::PC, entry).map_err(stopped)
        }
        SmcAction::ReleasePsHold { call } => {
            let mut st = state.borrow_mut();
            let now = st.now;
            st.bus
                .effects
                .messages
                .push(format!("secure firmware: PSCI {call}: releasing PS_HOLD"));
            st.bus
                .write(now, PS_HOLD_ADDR, 4, 0)
                .map_err(|f| fault_outcome(f, true, 4, PS_HOLD_ADDR, smc_pc))?;
            if st.bus.effects.ps_hold_released {
                return Err(Outcome::PsHold { pc: smc_pc });
            }
            Ok(())
        }
    }
}

/// Perform a synchronous exception entry by hand.
fn take_exception(uc: &mut Unicorn<'_, ()>, intno: u32) -> Result<(), Outcome> {
    let rd = |uc: &Unicorn<'_, ()>, r| uc.reg_read(r).unwrap_or(0);
    let pc = rd(uc, RegisterARM64::PC);
    let pstate = rd(uc, RegisterARM64::PSTATE);
    let cur_el = (pstate >> 2) & 3;
    let word_at = |a: u64| {
        let mut w = [0u8; 4];
        uc.mem_read(a, &mut w)
            .map(|()| u32::from_le_bytes(w))
            .unwrap_or(0)
    };
    let imm16 = |a: u64| u64::from((word_at(a) >> 5) & 0xFFFF);
    // Measured: for SVC/HVC/SMC the PC is already past the instruction; for UDF and BRK it
    // still points at it. (EC, preferred return address, ISS):
    let (ec, elr, iss) = match intno {
        2 => (0x15, pc, imm16(pc.wrapping_sub(4))),
        7 => (0x3C, pc, imm16(pc)),
        11 if cur_el == 2 => (0x16, pc, imm16(pc.wrapping_sub(4))),
        1 => (0, pc, 0),
        // HVC/SMC with nobody to take them: UNDEFINED, returning to the instruction.
        11 | 13 => (0, pc.wrapping_sub(4), 0),
        3 | 4 => {
            return Err(Outcome::Stopped {
                what: format!(
                    "{} abort (MMU or alignment fault) at EL{cur_el}: the virtual board cannot give its syndrome",
                    if intno == 3 { "instruction" } else { "data" }
                ),
                pc,
            });
        }
        n => {
            return Err(Outcome::Stopped {
                what: format!("unexpected CPU exception {n}"),
                pc,
            });
        }
    };
    let target = cur_el.max(1);
    let (elr_r, esr_r, vbar_r, sp_r, spsr_op1) = if target == 2 {
        (
            RegisterARM64::ELR_EL2,
            RegisterARM64::ESR_EL2,
            RegisterARM64::VBAR_EL2,
            RegisterARM64::SP_EL2,
            4,
        )
    } else {
        (
            RegisterARM64::ELR_EL1,
            RegisterARM64::ESR_EL1,
            RegisterARM64::VBAR_EL1,
            RegisterARM64::SP_EL1,
            0,
        )
    };
    let vbar = rd(uc, vbar_r);
    let offset = if cur_el == target {
        if pstate & 1 != 0 { 0x200 } else { 0 }
    } else {
        0x400
    };
    let vector = vbar + offset;
    if vbar == 0 || !(DRAM_BASE..DRAM_BASE + DRAM_SIZE).contains(&vector) {
        return Err(Outcome::Stopped {
            what: format!(
                "synchronous exception (EC {ec:#x}) with no vector table: VBAR_EL{target} = {vbar:#x}"
            ),
            pc: elr,
        });
    }
    let esr = (ec << 26) | (1 << 25) | iss;
    let w = |uc: &mut Unicorn<'_, ()>, r, v| {
        uc.reg_write(r, v)
            .map_err(|e| Outcome::Stopped { what: fail(e), pc })
    };
    // Bank the stack pointer in use.
    let sp = rd(uc, RegisterARM64::SP);
    let old_sp_reg = match (cur_el, pstate & 1) {
        (_, 0) | (0, _) => RegisterARM64::SP_EL0,
        (1, _) => RegisterARM64::SP_EL1,
        _ => RegisterARM64::SP_EL2,
    };
    w(uc, old_sp_reg, sp)?;
    let new_sp = rd(uc, sp_r);
    w(uc, elr_r, elr)?;
    w(uc, esr_r, esr)?;
    w(uc, RegisterARM64::PSTATE, 0x3C0 | (target << 2) | 1)?;
    w(uc, RegisterARM64::SP, new_sp)?;
    uc.reg_write_arm64_coproc(&cp(3, spsr_op1, 4, 0, 0, pstate))
        .map_err(|e| Outcome::Stopped { what: fail(e), pc })?;
    w(uc, RegisterARM64::PC, vector)?;
    Ok(())
}
