//! The virtual board: unicorn CPU, DRAM, peripheral bus, virtual clock and run loop.
//!
//! Design notes:
//! - Structure: `cpu` (engine and reset state), `hooks` (MMIO, block, unmapped, exception and
//!   MRS/MSR hooks), `exceptions` (exception entry, SMC), `access` (which instruction faulted),
//!   `run_loop` (the loop around `emu_start`), `progress` (runs that can change nothing more),
//!   `script` (the console script's hook: `--expect`, `--fail-on`, `--timeout`, `--send-after`).
//!   `multicore` (cores 1..3: one engine per core, round-robin turns, WFI/WFE parking),
//!   `code_invalidation` (what one core's IC instruction makes the other engines drop).
//! - CPU: the engine's Cortex-A53 model (MIDR_EL1 0x410F_D034), chosen before any mapping.
//! - Time: a 19.2 MHz counter advanced by one tick per guest instruction. Instructions are
//!   counted per translated block when it starts (block hook: size / 4), never per
//!   instruction, so every model sees the count at the end of the current block. A block the
//!   engine is stopped at (poll, timed event) does not run and is counted when it does, so the
//!   count is exactly the instructions executed. Timed events (`crate::scheduler`) run before
//!   the first block that reaches their tick; WFI runs the events up to the next timer event
//!   in order and fast-forwards the counter to it. Models are also brought up to date (output
//!   flushed, stdin read) at least every `POLL_TICKS`. Nothing depends on host time (except
//!   `--stdin` input), so the same input gives the same output.
//! - Privilege: unicorn starts in Secure EL1. We set SCR_EL3 = NS|HCE|RW and
//!   HCR_EL2.RW, so the guest runs in Non-secure EL1 (AArch64) and the host owns EL2/EL3;
//!   `--entry-el 2` starts in EL2h instead (named bits and values in `cpu`).
//! - Exceptions: unicorn does not vector synchronous exceptions. The interrupt hook performs
//!   the entry by hand (ELR, ESR, SPSR through the CP_REG interface, PSTATE, SP banking,
//!   PC = VBAR + offset). SVC -> EC 0x15, BRK -> EC 0x3C, HVC at EL2 -> EC 0x16; UDF, and
//!   HVC at EL1 (no hypervisor on this board), -> EC 0 (unknown); a branch to a misaligned
//!   PC (which the engine reports as undefined, at that PC) -> EC 0x22 with FAR. An illegal
//!   exception return sets PSTATE.IL, which the engine ignores: after an SPSR write whose
//!   return would be illegal the block hook watches PSTATE.IL and the run loop takes the
//!   Illegal Execution State exception (EC 0x0E). The vector and the faulting instruction
//!   are read through the MMU (VBAR may be virtual).
//!   Data/instruction aborts carry no syndrome through the API: they stop the run (exit 5).
//! - SMC at EL1/EL2 goes to the secure firmware model (`models::secure_monitor`): the TZ
//!   "milestone 32->64" call re-enters the caller in AArch64 EL1 at the address it gave, PSCI
//!   calls are answered (CPU_ON/CPU_OFF start and stop cores 1..3; SYSTEM_OFF/RESET release
//!   PS_HOLD through the bus, as the real firmware does), anything else returns NOT_SUPPORTED
//!   (-1) in x0.
//! - Generic timer: MRS/MSR of CNT* registers are trapped with a system-instruction hook
//!   registered through unicorn-engine-sys (the Rust binding's trampoline returns bool where
//!   C expects u32). Its outputs are the GIC's timer PPIs.
//! - Cores (`multicore`): with more than one core on, the cores take turns of 10,000
//!   instructions in a fixed order on one virtual counter; with one core on, the board is
//!   exactly the single-core board described here.
//! - Interrupts (`interrupts`): the GIC model's IRQ output for each core drives its HCR_EL2.VI (the
//!   host owns EL2, IMO/FMO set), so the engine takes real IRQ exceptions at EL1. A WFI wakes
//!   when the GIC signals an interrupt or when an enabled, unmasked timer's condition is met
//!   (even with PSTATE.I set: architecturally WFI wakes on a pending interrupt whether or not
//!   it is masked; the timer rule is kept from before the GIC, so firmware that never
//!   programs the GIC still sleeps on the timer). While the GIC could signal something, a
//!   WFI runs the timed events one by one until one makes it signal. A WFI with nothing that
//!   can wake it ends the run as "no progress" (exit 6; more such cases in `progress`).
//! - MMIO: each memory-mapped row of the machine table (`crate::machine`) is an unicorn MMIO
//!   region; a `Fault` from the bus stops the run. An access the engine splits into pieces
//!   (64/128-bit, unaligned, DC ZVA) is reported once, as the instruction made it (`access`).
//! - Debugger (`crate::gdb`, `--gdb`): `State::gdb` holds its breakpoints, watchpoints and
//!   stops; the run loop serves GDB at a checkpoint before each `emu_start`, and the block
//!   hook's first check skips the rest of a block already counted when the core stopped
//!   inside it. Without `--gdb` none of it runs.
//! - End of run: after any end but a reset the UART transmitters drain to stdout first
//!   (`run_loop`). With `--max-resets N` a reset restarts the firmware instead, up to N
//!   times (`reboot`).

mod access;
pub(crate) mod code_invalidation;
pub(crate) mod count;
pub(crate) mod cpu;
mod exceptions;
mod hooks;
mod interrupts;
mod mmio;
mod multicore;
mod progress;
mod reboot;
mod run_loop;
mod script;

// gdb: the debugger (`crate::gdb`) reaches the engines and the state.
pub(crate) use multicore::{CORES, Core};

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::mpsc::Receiver;

use unicorn_engine_sys as sys;

use crate::bus::Bus;
use crate::loader::LoadedImage;
use crate::models::ps_hold::Release;
use crate::models::secure_monitor::SecureMonitor;
use crate::models::spmi::{DEFAULT_PON_REASON, DEFAULT_RTC_SECONDS, KeyEvent};
use crate::models::timer::GenericTimer;
use crate::models::tlmm::PinEvent;
use crate::models::uart_dm::InputItem;

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
    /// `--trace irq`: the CPU's IRQ line.
    pub trace_irq: bool,
    /// `--trace-pc ADDR`: a line each time a translated block starting at one of these runs.
    pub trace_pcs: Vec<u64>,
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
    /// PMIC key presses and releases (`--press power@..`).
    pub keys: Vec<KeyEvent>,
    /// PM8916 PON_REASON1 at the start of the run (`--pon-reason`).
    pub pon_reason: u8,
    /// PM8916 RTC count at the start of the run (`--rtc`).
    pub rtc_seconds: u32,
    /// The previous run ended with an APSS watchdog bite (`--reset-reason watchdog`).
    pub watchdog_reset: bool,
    /// Resets that restart the firmware within this run (`--max-resets`; 0: a reset ends it).
    pub max_resets: u32,
    /// I2C devices and faults (`--i2c`, `--i2c-fault`).
    pub i2c: crate::models::i2c_devices::I2cSetup,
    /// Console script (`--expect`, `--fail-on`, `--timeout`, `--send-after`), see `script`.
    pub script: Option<crate::expect::Link>,
    /// SPI devices (`--spi`).
    pub spi: crate::models::spi_devices::SpiSetup,
    /// The card in the µSD slot (`--sd`, `--sd-writable`).
    pub sd: Option<SdSetup>,
    /// Record the blocks that run (`--coverage`, `crate::coverage`).
    pub coverage: bool,
    /// GDB remote server (`--gdb`, `--gdb-wait`), see `crate::gdb`.
    pub gdb: Option<crate::gdb::Options>,
    /// Let the engine count blocks inline between the block hook's bounds (`count`; off
    /// with `--no-inline-count`: the hook sees every block, for comparison).
    pub inline_count: bool,
}

/// `--sd IMAGE` and whether `--sd-writable` lets writes reach it.
#[derive(Debug, Clone)]
pub struct SdSetup {
    /// The card image.
    pub image: std::path::PathBuf,
    /// Writes go to the image file.
    pub writable: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            trace_gpio: false,
            trace_uart: false,
            trace_clock: false,
            trace_mmio: false,
            trace_irq: false,
            trace_pcs: Vec::new(),
            input: Vec::new(),
            max_instructions: 4_000_000_000,
            seed: 1,
            entry_el: 1,
            pins: Vec::new(),
            keys: Vec::new(),
            pon_reason: DEFAULT_PON_REASON,
            rtc_seconds: DEFAULT_RTC_SECONDS,
            watchdog_reset: false,
            max_resets: 0,
            i2c: Default::default(),
            script: None,
            spi: Default::default(),
            sd: None,
            coverage: false,
            gdb: None,
            inline_count: true,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// PS_HOLD released: the PMIC resets the system or powers it off.
    PsHold {
        /// PC of the store.
        pc: u64,
        /// What the PMIC's PS_HOLD configuration made of it.
        release: Release,
    },
    /// A watchdog bit: the SoC resets (or the PMIC powers the board off).
    WatchdogBite {
        /// Which watchdog, when, and what it does.
        bite: crate::bus::Bite,
        /// Where the CPU was.
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
    /// The guest still runs but can never change anything again (see `progress`).
    NoProgress {
        /// Why nothing can change.
        what: String,
        /// PC.
        pc: u64,
    },
    /// The console script (`crate::expect`) ended the run; it reports the verdict and
    /// decides the exit code.
    Script {
        /// Tick at which it stopped.
        at: u64,
        /// PC.
        pc: u64,
    },
}

impl Outcome {
    /// Process exit code per docs/contracts.md.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::PsHold { .. } | Self::WatchdogBite { .. } => 0,
            Self::Unclaimed { .. } => 3,
            Self::Budget { .. } => 4,
            Self::Stopped { .. } => 5,
            Self::NoProgress { .. } => 6,
            Self::Script { .. } => 0,
        }
    }

    /// The stderr line (with the `emu: ` prefix).
    pub fn line(&self) -> String {
        match self {
            Self::PsHold {
                pc,
                release: Release::Reset,
            } => format!("emu: PS_HOLD released at pc={pc:#x}: system reset"),
            Self::PsHold {
                pc,
                release: Release::PowerOff,
            } => format!("emu: PS_HOLD released at pc={pc:#x}: power off"),
            Self::WatchdogBite { bite, pc } => format!(
                "emu: {} watchdog bite at t={} (pc={pc:#x}): {}",
                bite.watchdog,
                bite.at,
                if bite.power_off {
                    "power off"
                } else {
                    "system reset"
                }
            ),
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
            Self::NoProgress { what, pc } => {
                format!("emu: error: no progress: {what} (pc={pc:#x})")
            }
            Self::Script { at, pc } => {
                format!("emu: run ended by the console script at tick {at} (pc={pc:#x})")
            }
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
    /// The blocks that ran, when `Config::coverage` asked for them.
    pub coverage: Option<crate::coverage::Blocks>,
    /// What instruction-cache invalidations cost the other cores (`code_invalidation`).
    pub code_invalidations: code_invalidation::Counts,
}

pub(crate) struct State {
    pub(crate) bus: Bus,
    /// Each core's generic timer (its CNTP/CNTV registers; the counter is the board's).
    timers: [GenericTimer; multicore::CORES],
    pub(crate) now: u64,
    pub(crate) instructions: u64,
    budget: u64,
    next_poll: u64,
    poll: bool,
    /// The engine stopped before a block that ends at this tick: events due by then run first.
    horizon: Option<u64>,
    stop: Option<Outcome>,
    trace_mmio: bool,
    trace_clock: bool,
    trace_irq: bool,
    /// `--trace-pc` addresses.
    trace_pcs: Vec<u64>,
    /// Address and size in bytes of the translated block being executed.
    pub(crate) block: (u64, u32),
    /// The secure firmware answering SMC.
    secure: SecureMonitor,
    /// An SPSR was written with a value whose exception return is illegal: the block hook
    /// watches PSTATE.IL until a legal value is written (see `exceptions::take_illegal_state`).
    watch_illegal_return: bool,
    /// The block hook found PSTATE.IL set and stopped before the block: the run loop takes
    /// the Illegal Execution State exception.
    illegal_state: bool,
    /// Loops and exception storms that can change nothing (see `progress`).
    progress: progress::Watch,
    /// Code of the block the last MMIO access came from (see `access`).
    block_code: access::BlockCode,
    /// The level HCR_EL2.VI of each core's engine is driven at (the GIC's IRQ outputs).
    irq_line: [bool; multicore::CORES],
    /// The core whose engine runs (`multicore`).
    pub(crate) core: usize,
    /// More than one core is on: turns of `multicore::QUANTUM` instructions.
    multicore: bool,
    /// Instructions the running core executed in its turn.
    pub(crate) quantum_used: u64,
    /// The turn ended (quantum used up).
    switch: bool,
    /// A PSCI call started or stopped a core, or a device wrote code pages by DMA: the
    /// running core stops at its next block, so the run loop acts first.
    yield_core: bool,
    /// The running core executed a WFE with no event pending: it parks.
    park_wfe: bool,
    /// Event register per core (SEV, SEVL).
    events: [bool; multicore::CORES],
    /// Per core: the translated code its engine drops before it runs again, because another
    /// core invalidated instruction cache lines (IC) (`code_invalidation`).
    code_stale: code_invalidation::Pending,
    /// Per core: another core broadcast a TLB invalidation (TLBI ...IS), so this core's
    /// engine drops its TLB before it runs again (`multicore`).
    tlb_stale: [bool; multicore::CORES],
    /// The DRAM every engine maps.
    dram: Rc<cpu::Dram>,
    /// The line rose inside a hook: the next block hook leaves the chain (`interrupts`).
    irq_recheck: bool,
    /// Next counter value at which a timer PPI rises (`u64::MAX`: none armed).
    timer_deadline: u64,
    /// The blocks that ran (`--coverage`; `None`: not recorded).
    coverage: Option<crate::coverage::Blocks>,
    /// gdb: breakpoints, watchpoints, steps and stops (`--gdb`), see `crate::gdb::hooks`.
    pub(crate) gdb: Option<crate::gdb::hooks::Debug>,
    /// The engines' inline count and the credit granted to each (`count`).
    count: count::InlineCount,
    /// Blocks the hook saw one after the other since the last inline count (`count`).
    blocks_seen_in_a_row: u32,
    /// The most the next inline stretch may count (`count`).
    credit_limit: u64,
    /// Grant credit for inline counting (`Config::inline_count`).
    inline_count: bool,
}

pub(crate) type Shared = Rc<RefCell<State>>;

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
    let mut bus = Bus::new(config);
    if let Some(sd) = &config.sd {
        let card = crate::models::sd_card::SdCard::open(&sd.image, sd.writable)?;
        bus.devices.sdhc2.insert(card);
    }
    script::prepare(config, &mut bus);
    let windows = bus.windows();
    let dram = Rc::new(cpu::Dram::new()?);
    let state: Shared = Rc::new(RefCell::new(State {
        bus,
        timers: Default::default(),
        now: 0,
        instructions: 0,
        budget: config.max_instructions,
        next_poll: POLL_TICKS,
        poll: false,
        horizon: None,
        stop: None,
        trace_mmio: config.trace_mmio,
        trace_clock: config.trace_clock,
        trace_irq: config.trace_irq,
        trace_pcs: config.trace_pcs.clone(),
        block: (image.entry, 0),
        secure: SecureMonitor::default(),
        watch_illegal_return: false,
        illegal_state: false,
        progress: progress::Watch::default(),
        block_code: access::BlockCode::default(),
        irq_line: [false; multicore::CORES],
        core: 0,
        multicore: false,
        quantum_used: 0,
        switch: false,
        yield_core: false,
        park_wfe: false,
        events: [false; multicore::CORES],
        code_stale: code_invalidation::Pending::default(),
        tlb_stale: [false; multicore::CORES],
        dram: dram.clone(),
        irq_recheck: false,
        timer_deadline: u64::MAX,
        coverage: config.coverage.then(Default::default),
        gdb: None,
        count: count::InlineCount::default(),
        blocks_seen_in_a_row: 0,
        credit_limit: count::FIRST_CREDIT,
        inline_count: config.inline_count,
    }));
    state.borrow_mut().bus.attach_memory(dram.clone());
    let mut uc = cpu::new_engine(&dram)?;
    cpu::load(&mut uc, image)?;
    hooks::install(&mut uc, &state, &windows, 0)?;
    cpu::reset(&mut uc, image, config.entry_el)?;
    let mut cores = [(); multicore::CORES].map(|()| multicore::Core {
        uc: None,
        pc: 0,
        wait: None,
        watches_cache_maintenance: false,
    });
    cores[0] = multicore::Core {
        uc: Some(uc),
        pc: image.entry,
        wait: None,
        watches_cache_maintenance: false,
    };
    // `state` outlives every `emu_start` (the MRS/MSR hooks hold a raw pointer to it); the
    // engines are dropped (with `cores`) before `dram`.
    let mut result = run_loop::run(
        &mut cores,
        &state,
        &windows,
        config,
        stdin.as_ref(),
        out,
        err,
    );
    let mut resets = 0;
    while resets < config.max_resets
        && let Some(cause) = reboot::cause(&result.outcome)
    {
        resets += 1;
        let _ = writeln!(err, "{}", result.outcome.line());
        drop(cores);
        cores = reboot::restart(&state, image, config, &windows, cause, resets, err)?;
        let first = result.first_console_byte_at;
        result = run_loop::run(
            &mut cores,
            &state,
            &windows,
            config,
            stdin.as_ref(),
            out,
            err,
        );
        result.first_console_byte_at = first.or(result.first_console_byte_at);
    }
    drop(cores);
    Ok(result)
}
