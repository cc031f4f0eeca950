//! The GDB remote server (`--gdb PORT`, `--gdb-wait`).
//!
//! Design notes:
//! - Threads: a connection thread accepts GDB on 127.0.0.1 and runs `gdbstub` (`stub`), with
//!   a proxy target that sends each request (registers, memory, breakpoints, resume) to the
//!   board thread as a `Message`. The board thread answers only while the board is stopped,
//!   at the run loop's checkpoint (`Session::checkpoint`, before each `emu_start`), so the
//!   engines are never touched from two threads and nothing the board does depends on host
//!   time: a run under GDB executes the same instructions, with the same counts and output,
//!   as one without (Ctrl-C is the only host-timed input; it stops at the next checkpoint,
//!   at most `POLL_TICKS` instructions later).
//! - Stops: breakpoints are code hooks on one address each (the firmware's code is never
//!   patched, so hardware and software breakpoints are the same thing); the engine checks for
//!   a stop request right after a code hook, so the core stops before the instruction.
//!   Single step and watchpoints use the tracer, a hook before every instruction that is in
//!   an engine only while its core steps or a watchpoint is set (an undebugged run has no
//!   extra hook). Watchpoints are memory hooks on the physical range (RAM and MMIO alike, so
//!   a watchpoint on a peripheral register stops when the firmware touches it); the core
//!   stops after the accessing instruction, as QEMU's stub does (GDB then steps once more
//!   for its value check). See `hooks` for how instruction counts stay exact when the
//!   engine stops inside a translated block.
//! - Cores: each core is a GDB thread (thread id = core + 1), listed while it is on. All
//!   stop together (only one engine runs at a time). A step steps one core; the others go on
//!   taking their turns as usual, so the interleaving is the undebugged one.
//! - Memory: GDB's addresses are virtual, translated by the engine of the thread GDB reads
//!   through (its MMU state); DRAM is read directly, MMIO windows through the bus (a read of a
//!   register with read side effects, such as a FIFO, has them).
//! - Ends: when the firmware ends the run, GDB sees the inferior exit with the board's exit
//!   code. GDB's `kill` ends the run (exit 5); `detach` or a closed connection removes every
//!   breakpoint and the run goes on.

pub mod hooks;
mod registers;
mod stub;

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gdbstub_arch::aarch64::reg::AArch64CoreRegs;
use gdbstub_arch::aarch64::reg::id::AArch64RegId;
use unicorn_engine::{Prot, Unicorn};

use crate::board::{CORES, Core, Outcome, Shared};
use crate::loader::{DRAM_BASE, DRAM_SIZE};
use hooks::{Stop, Watch, WatchKind};

/// `--gdb PORT` and `--gdb-wait`: the server listens, and its connection thread runs, from
/// the moment the options are read (GDB's first packets are answered at once, even while the
/// board is still being built).
#[derive(Debug, Clone)]
pub struct Options {
    /// The port listened on.
    pub port: u16,
    /// Stop before the first instruction until GDB resumes.
    pub wait: bool,
    /// The board's end of the link, taken by the run's [`Session`].
    board_end: Arc<Mutex<Option<BoardEnd>>>,
}

/// What the board thread keeps of the link.
#[derive(Debug)]
struct BoardEnd {
    messages: Receiver<Message>,
    served: Receiver<()>,
    interrupt: Arc<AtomicBool>,
}

impl Options {
    /// Listen on 127.0.0.1:`port` (0: any free port) and start the connection thread.
    pub fn listen(port: u16, wait: bool) -> Result<Self, String> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .map_err(|e| format!("--gdb: cannot listen on 127.0.0.1:{port}: {e}"))?;
        let port = listener.local_addr().map_or(port, |a| a.port());
        let (to_board, messages) = channel();
        let (served_tx, served) = channel();
        let interrupt = Arc::new(AtomicBool::new(false));
        let flag = interrupt.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (events_tx, events) = channel();
                // Stop the board (if it runs) so that it reads the requests; it clears the
                // flag when it reads the attach.
                flag.store(true, Ordering::SeqCst);
                if to_board.send(Message::Attach(events_tx)).is_err() {
                    return;
                }
                let link = stub::Link {
                    to_board: to_board.clone(),
                    events,
                    interrupt: flag.clone(),
                };
                if let Err(e) = stub::serve(stream, link) {
                    eprintln!("emu: {e}");
                }
                let _ = served_tx.send(());
            }
        });
        Ok(Self {
            port,
            wait,
            board_end: Arc::new(Mutex::new(Some(BoardEnd {
                messages,
                served,
                interrupt,
            }))),
        })
    }
}

/// What a core does when GDB resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Run.
    Continue,
    /// One instruction, then stop.
    Step,
}

/// A request run on the board thread.
pub type Call = Box<dyn FnOnce(&mut Access<'_>) + Send>;

/// From the connection thread to the board thread.
pub enum Message {
    /// A GDB connected; stops and the end of the run go to this sender.
    Attach(Sender<Event>),
    /// Read or change something while stopped.
    Call(Call),
    /// Run on (GDB's resume actions per core).
    Resume(Vec<(usize, Action)>),
    /// GDB detached or went away.
    Detach,
    /// GDB killed the inferior.
    Kill,
}

/// From the board thread to the connection thread.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// A core stopped (breakpoint, step, watchpoint).
    Stopped(usize, Stop),
    /// Ctrl-C: stopped with this core running.
    Interrupted(usize),
    /// The run ended with this exit code.
    Exited(u8),
}

/// The board thread's end of the debugger.
pub struct Session {
    messages: Receiver<Message>,
    events: Option<Sender<Event>>,
    interrupt: Arc<AtomicBool>,
    /// Stop before the first instruction.
    wait_at_start: bool,
    /// GDB resumed the board and waits for a stop.
    running_for_gdb: bool,
    /// A connection thread finished serving (after the last stop was sent).
    served: Receiver<()>,
}

impl Session {
    /// The session for `--gdb`, if given (one run per set of options); `state` gets the
    /// debugger's board-side state.
    pub fn start(options: Option<&Options>, state: &Shared) -> Option<Self> {
        let options = options?;
        let end = options.board_end.lock().ok()?.take()?;
        state.borrow_mut().gdb = Some(hooks::Debug::default());
        Some(Self {
            messages: end.messages,
            events: None,
            interrupt: end.interrupt,
            wait_at_start: options.wait,
            running_for_gdb: false,
            served: end.served,
        })
    }

    /// Before the engine of `current` runs: if a hook stopped a core, GDB interrupted or
    /// connected, or the run starts with `--gdb-wait`, report the stop and answer GDB until it
    /// resumes. Returns the end of the run if GDB killed it.
    pub fn checkpoint(
        &mut self,
        cores: &mut [Core; CORES],
        state: &Shared,
        current: usize,
    ) -> Option<Outcome> {
        let stop = state
            .borrow_mut()
            .gdb
            .as_mut()
            .and_then(|debug| debug.stop.take());
        let interrupted = self.interrupt.swap(false, Ordering::SeqCst);
        let waiting = std::mem::take(&mut self.wait_at_start);
        if stop.is_none() && !interrupted && !waiting {
            return None;
        }
        if std::mem::take(&mut self.running_for_gdb)
            && let Some(events) = &self.events
        {
            let event = match stop {
                Some((core, stop)) => Event::Stopped(core, stop),
                None => Event::Interrupted(current),
            };
            let _ = events.send(event);
        }
        self.serve(cores, state, current)
    }

    fn serve(
        &mut self,
        cores: &mut [Core; CORES],
        state: &Shared,
        current: usize,
    ) -> Option<Outcome> {
        // The run loop keeps where each core goes on; its engine's PC may not say it yet
        // (before the first `emu_start`).
        for core in cores.iter_mut() {
            let pc = core.pc;
            if let Some(uc) = core.uc.as_mut() {
                let _ = uc.set_pc(pc);
            }
        }
        let mut access = Access {
            cores,
            state,
            current,
            code_written: false,
        };
        loop {
            match self.messages.recv() {
                Ok(Message::Attach(events)) => {
                    self.interrupt.store(false, Ordering::SeqCst);
                    self.events = Some(events);
                }
                Ok(Message::Call(call)) => call(&mut access),
                Ok(Message::Resume(actions)) => {
                    self.running_for_gdb = true;
                    access.resume(&actions);
                    return None;
                }
                Ok(Message::Detach) | Err(_) => {
                    self.events = None;
                    access.detach();
                    return None;
                }
                Ok(Message::Kill) => {
                    self.events = None;
                    let pc = access.cores[current].pc;
                    return Some(Outcome::Stopped {
                        what: "run ended by the debugger (kill)".into(),
                        pc,
                    });
                }
            }
        }
    }

    /// The run ended: tell GDB (the inferior exited with the board's exit code) and give the
    /// connection thread a moment to pass it on.
    pub fn finish(&mut self, outcome: &Outcome) {
        if std::mem::take(&mut self.running_for_gdb)
            && let Some(events) = self.events.take()
        {
            let code = u8::try_from(outcome.exit_code()).unwrap_or(u8::MAX);
            if events.send(Event::Exited(code)).is_ok() {
                let _ = self.served.recv_timeout(Duration::from_secs(5));
            }
        }
    }
}

/// The board as the requests see it, while stopped.
pub struct Access<'a> {
    cores: &'a mut [Core; CORES],
    state: &'a Shared,
    current: usize,
    /// GDB wrote DRAM: the engines drop their translated code before running on.
    code_written: bool,
}

/// Page size for address translation (the smallest translation granule).
const PAGE: u64 = 0x1000;

impl Access<'_> {
    fn engine(&mut self, core: usize) -> Result<&mut Unicorn<'static, ()>, String> {
        self.cores
            .get_mut(core)
            .and_then(|c| c.uc.as_mut())
            .ok_or_else(|| format!("core {core} is off"))
    }

    /// Cores that are on (GDB's threads).
    pub fn cores_on(&mut self) -> Vec<usize> {
        (0..CORES).filter(|&k| self.cores[k].uc.is_some()).collect()
    }

    /// Core and FP/SIMD registers.
    pub fn read_core(&mut self, core: usize) -> Result<AArch64CoreRegs, String> {
        registers::read_core(self.engine(core)?)
    }

    /// Write the core and FP/SIMD registers.
    pub fn write_core(&mut self, core: usize, regs: &AArch64CoreRegs) -> Result<(), String> {
        registers::write_core(self.engine(core)?, regs)
    }

    /// One register.
    pub fn read_register(&mut self, core: usize, reg: AArch64RegId) -> Result<Vec<u8>, String> {
        registers::read_one(self.engine(core)?, reg)
    }

    /// Write one register.
    pub fn write_register(
        &mut self,
        core: usize,
        reg: AArch64RegId,
        bytes: &[u8],
    ) -> Result<(), String> {
        registers::write_one(self.engine(core)?, reg, bytes)
    }

    /// `len` bytes at virtual `addr` as `core` sees them (fewer if the range ends in memory
    /// that cannot be read).
    pub fn read_memory(&mut self, core: usize, addr: u64, len: usize) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let va = addr + out.len() as u64;
            let n = ((PAGE - va % PAGE) as usize).min(len - out.len());
            let Ok(pa) = self.engine(core)?.vmem_translate(va, Prot::READ) else {
                break;
            };
            match self.read_physical(core, pa, n) {
                Some(bytes) => out.extend_from_slice(&bytes),
                None => break,
            }
        }
        Ok(out)
    }

    fn read_physical(&mut self, core: usize, pa: u64, n: usize) -> Option<Vec<u8>> {
        if in_dram(pa, n) {
            let mut buf = vec![0u8; n];
            self.engine(core).ok()?.mem_read(pa, &mut buf).ok()?;
            return Some(buf);
        }
        // MMIO: whole 32-bit registers through the bus.
        let mut st = self.state.borrow_mut();
        let now = st.now;
        let first = pa & !3;
        let mut bytes = Vec::new();
        let mut word = first;
        while word < pa + n as u64 {
            let v = st.bus.read(now, word, 4).ok()? as u32;
            bytes.extend_from_slice(&v.to_le_bytes());
            word += 4;
        }
        let skip = (pa - first) as usize;
        Some(bytes[skip..skip + n].to_vec())
    }

    /// Write `data` at virtual `addr` as `core` sees it (MMIO: whole aligned 32-bit words).
    pub fn write_memory(&mut self, core: usize, addr: u64, data: &[u8]) -> Result<(), String> {
        let mut done = 0;
        while done < data.len() {
            let va = addr + done as u64;
            let n = ((PAGE - va % PAGE) as usize).min(data.len() - done);
            let pa = self
                .engine(core)?
                .vmem_translate(va, Prot::WRITE)
                .map_err(|e| format!("{va:#x}: {e:?}"))?;
            let chunk = &data[done..done + n];
            if in_dram(pa, n) {
                self.engine(core)?
                    .mem_write(pa, chunk)
                    .map_err(|e| format!("{pa:#x}: {e:?}"))?;
                self.code_written = true;
            } else if pa.is_multiple_of(4) && n.is_multiple_of(4) {
                let mut st = self.state.borrow_mut();
                let now = st.now;
                for (k, w) in chunk.chunks_exact(4).enumerate() {
                    let value = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
                    st.bus
                        .write(now, pa + 4 * k as u64, 4, value.into())
                        .map_err(|f| format!("{pa:#x}: {f:?}"))?;
                }
            } else {
                return Err(format!("{pa:#x}: MMIO is written in whole 32-bit words"));
            }
            done += n;
        }
        Ok(())
    }

    /// Add (or remove) a breakpoint; returns whether it was done.
    pub fn set_breakpoint(&mut self, addr: u64, hardware: bool, add: bool) -> bool {
        let mut st = self.state.borrow_mut();
        let Some(debug) = st.gdb.as_mut() else {
            return false;
        };
        if add {
            debug.breakpoints.insert(addr, hardware);
            true
        } else {
            debug.breakpoints.remove(&addr).is_some()
        }
    }

    /// Add (or remove) a watchpoint on virtual `addr` (translated by the running core's MMU).
    pub fn set_watch(&mut self, addr: u64, len: u64, kind: WatchKind, add: bool) -> bool {
        let current = self.current;
        let physical = self
            .engine(current)
            .ok()
            .and_then(|uc| uc.vmem_translate(addr, Prot::READ).ok())
            .unwrap_or(addr);
        let watch = Watch {
            addr,
            physical,
            len,
            kind,
        };
        let mut st = self.state.borrow_mut();
        let Some(debug) = st.gdb.as_mut() else {
            return false;
        };
        if add {
            debug.watches.push(watch);
            true
        } else if let Some(k) = debug.watches.iter().position(|w| *w == watch) {
            debug.watches.remove(k);
            true
        } else {
            false
        }
    }

    /// Apply GDB's resume actions: a step arms the tracer of its core; every engine gets the
    /// hooks for the current breakpoints and watchpoints, and drops the code it translated
    /// without them.
    fn resume(&mut self, actions: &[(usize, Action)]) {
        if let Some(debug) = self.state.borrow_mut().gdb.as_mut() {
            debug.step = actions
                .iter()
                .find(|(_, action)| *action == Action::Step)
                .map(|&(core, _)| hooks::Step {
                    core,
                    started: false,
                });
        }
        self.sync_engines();
    }

    /// GDB went away: no breakpoint, watchpoint or step stays.
    fn detach(&mut self) {
        if let Some(debug) = self.state.borrow_mut().gdb.as_mut() {
            debug.breakpoints.clear();
            debug.watches.clear();
            debug.step = None;
            debug.watch_hit = None;
        }
        self.sync_engines();
    }

    fn sync_engines(&mut self) {
        let code_written = std::mem::take(&mut self.code_written);
        for k in 0..CORES {
            let state = self.state;
            let Some(uc) = self.cores[k].uc.as_mut() else {
                continue;
            };
            let changed = hooks::sync(uc, state, k).unwrap_or_else(|e| {
                eprintln!("emu: gdb: {e}");
                true
            });
            if changed || code_written {
                let _ = uc.ctl_flush_tb();
                // The patched engine clears its slow-store marker on RAM pages once no code
                // is left on them; a memory hook added now would miss stores to such pages
                // until their TLB entries are rebuilt (docs/virtual-board.md#the-cpu-engine).
                let _ = uc.ctl_flush_tlb();
            }
            // GDB may have moved the PC.
            if let Ok(pc) = uc.pc_read() {
                self.cores[k].pc = pc;
            }
        }
    }
}

fn in_dram(pa: u64, n: usize) -> bool {
    pa >= DRAM_BASE && pa + n as u64 <= DRAM_BASE + DRAM_SIZE
}
