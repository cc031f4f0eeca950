//! The connection thread: `gdbstub` speaks the GDB remote protocol with the client and asks
//! the board thread for everything it needs (`Message`), each core one GDB thread.

use std::net::TcpStream;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use gdbstub::common::{Signal, Tid};
use gdbstub::conn::{Connection, ConnectionExt};
use gdbstub::stub::run_blocking::{BlockingEventLoop, Event as LoopEvent, WaitForStopReasonError};
use gdbstub::stub::{DisconnectReason, GdbStub, MultiThreadStopReason};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSchedulerLocking,
    MultiThreadSchedulerLockingOps, MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::single_register_access::{
    SingleRegisterAccess, SingleRegisterAccessOps,
};
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps,
    SwBreakpoint, SwBreakpointOps, WatchKind as GdbWatchKind,
};
use gdbstub::target::{Target, TargetError, TargetResult};
use gdbstub_arch::aarch64::reg::AArch64CoreRegs;
use gdbstub_arch::aarch64::reg::id::AArch64RegId;

use super::hooks::{Stop, WatchKind};
use super::registers::Board64;
use super::{Access, Action, Event, Message};

/// The board's side of the link, as the connection thread holds it.
pub struct Link {
    /// Requests to the board thread.
    pub to_board: Sender<Message>,
    /// Stops and the end of the run.
    pub events: Receiver<Event>,
    /// Ctrl-C: the board stops at its next checkpoint.
    pub interrupt: Arc<AtomicBool>,
}

/// The target `gdbstub` drives: a proxy for the board thread.
pub struct Proxy {
    link: Link,
    actions: Vec<(usize, Action)>,
}

type Failure = &'static str;

impl Proxy {
    /// Run `f` on the board thread (which answers while the board is stopped).
    fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Access<'_>) -> R + Send + 'static,
    ) -> Result<R, Failure> {
        let (tx, rx) = channel();
        let call = Box::new(move |access: &mut Access<'_>| {
            let _ = tx.send(f(access));
        });
        self.link
            .to_board
            .send(Message::Call(call))
            .map_err(|_| "the board has stopped")?;
        rx.recv().map_err(|_| "the board has stopped")
    }

    fn call_result<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Access<'_>) -> Result<R, String> + Send + 'static,
    ) -> TargetResult<R, Self> {
        match self.call(f) {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(TargetError::NonFatal),
            Err(e) => Err(TargetError::Fatal(e)),
        }
    }
}

fn core_of(tid: Tid) -> usize {
    tid.get() - 1
}

fn tid_of(core: usize) -> Tid {
    NonZeroUsize::new(core + 1).unwrap_or(NonZeroUsize::MIN)
}

impl Target for Proxy {
    type Arch = Board64;
    type Error = Failure;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn guard_rail_implicit_sw_breakpoints(&self) -> bool {
        // Breakpoints are engine hooks: the firmware's code is never patched.
        true
    }
}

impl MultiThreadBase for Proxy {
    fn read_registers(&mut self, regs: &mut AArch64CoreRegs, tid: Tid) -> TargetResult<(), Self> {
        let core = core_of(tid);
        *regs = self.call_result(move |a| a.read_core(core))?;
        Ok(())
    }

    fn write_registers(&mut self, regs: &AArch64CoreRegs, tid: Tid) -> TargetResult<(), Self> {
        let (core, regs) = (core_of(tid), regs.clone());
        self.call_result(move |a| a.write_core(core, &regs))
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, Tid, Self>> {
        Some(self)
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], tid: Tid) -> TargetResult<usize, Self> {
        let (core, len) = (core_of(tid), data.len());
        let bytes = self.call_result(move |a| a.read_memory(core, start, len))?;
        if bytes.is_empty() {
            return Err(TargetError::NonFatal);
        }
        data[..bytes.len()].copy_from_slice(&bytes);
        Ok(bytes.len())
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], tid: Tid) -> TargetResult<(), Self> {
        let (core, data) = (core_of(tid), data.to_vec());
        self.call_result(move |a| a.write_memory(core, start, &data))
    }

    fn list_active_threads(
        &mut self,
        thread_is_active: &mut dyn FnMut(Tid),
    ) -> Result<(), Self::Error> {
        for core in self.call(|a| a.cores_on())? {
            thread_is_active(tid_of(core));
        }
        Ok(())
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<Tid> for Proxy {
    fn read_register(
        &mut self,
        tid: Tid,
        reg: AArch64RegId,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let core = core_of(tid);
        let bytes = self.call_result(move |a| a.read_register(core, reg))?;
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        Ok(n)
    }

    fn write_register(
        &mut self,
        tid: Tid,
        reg: AArch64RegId,
        val: &[u8],
    ) -> TargetResult<(), Self> {
        let (core, val) = (core_of(tid), val.to_vec());
        self.call_result(move |a| a.write_register(core, reg, &val))
    }
}

impl MultiThreadResume for Proxy {
    fn resume(&mut self) -> Result<(), Self::Error> {
        let actions = std::mem::take(&mut self.actions);
        self.link
            .to_board
            .send(Message::Resume(actions))
            .map_err(|_| "the board has stopped")
    }

    fn clear_resume_actions(&mut self) -> Result<(), Self::Error> {
        self.actions.clear();
        Ok(())
    }

    fn set_resume_action_continue(
        &mut self,
        tid: Tid,
        _signal: Option<Signal>,
    ) -> Result<(), Self::Error> {
        self.actions.push((core_of(tid), Action::Continue));
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadSchedulerLocking for Proxy {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), Self::Error> {
        // A step ends after one instruction of its core; the other cores do not run in the
        // meantime unless that core's turn (`board::multicore::QUANTUM`) ends right there,
        // which keeps the interleaving of the undebugged run.
        Ok(())
    }
}

impl MultiThreadSingleStep for Proxy {
    fn set_resume_action_step(
        &mut self,
        tid: Tid,
        _signal: Option<Signal>,
    ) -> Result<(), Self::Error> {
        self.actions.push((core_of(tid), Action::Step));
        Ok(())
    }
}

impl Breakpoints for Proxy {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for Proxy {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.call_result(move |a| Ok(a.set_breakpoint(addr, false, true)))
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.call_result(move |a| Ok(a.set_breakpoint(addr, false, false)))
    }
}

impl HwBreakpoint for Proxy {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.call_result(move |a| Ok(a.set_breakpoint(addr, true, true)))
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.call_result(move |a| Ok(a.set_breakpoint(addr, true, false)))
    }
}

fn watch_kind(kind: GdbWatchKind) -> WatchKind {
    match kind {
        GdbWatchKind::Write => WatchKind::Write,
        GdbWatchKind::Read => WatchKind::Read,
        GdbWatchKind::ReadWrite => WatchKind::Access,
    }
}

impl HwWatchpoint for Proxy {
    fn add_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: GdbWatchKind,
    ) -> TargetResult<bool, Self> {
        let kind = watch_kind(kind);
        self.call_result(move |a| Ok(a.set_watch(addr, len, kind, true)))
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: GdbWatchKind,
    ) -> TargetResult<bool, Self> {
        let kind = watch_kind(kind);
        self.call_result(move |a| Ok(a.set_watch(addr, len, kind, false)))
    }
}

/// The blocking event loop: wait for a stop from the board or a byte from GDB.
enum EventLoop {}

/// How often the connection is looked at while the board runs.
const PEEK_INTERVAL: Duration = Duration::from_millis(5);

impl BlockingEventLoop for EventLoop {
    type Target = Proxy;
    type Connection = TcpStream;
    type StopReason = MultiThreadStopReason<u64>;

    fn wait_for_stop_reason(
        target: &mut Proxy,
        conn: &mut TcpStream,
    ) -> Result<
        LoopEvent<Self::StopReason>,
        WaitForStopReasonError<Failure, <TcpStream as Connection>::Error>,
    > {
        loop {
            match target.link.events.recv_timeout(PEEK_INTERVAL) {
                Ok(event) => return Ok(LoopEvent::TargetStopped(stop_reason(event))),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(WaitForStopReasonError::Target("the board has stopped"));
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if conn
                .peek()
                .map_err(WaitForStopReasonError::Connection)?
                .is_some()
            {
                let byte = conn.read().map_err(WaitForStopReasonError::Connection)?;
                return Ok(LoopEvent::IncomingData(byte));
            }
        }
    }

    fn on_interrupt(target: &mut Proxy) -> Result<Option<Self::StopReason>, Failure> {
        target.link.interrupt.store(true, Ordering::SeqCst);
        Ok(None)
    }
}

fn stop_reason(event: Event) -> MultiThreadStopReason<u64> {
    match event {
        Event::Exited(code) => MultiThreadStopReason::Exited(code),
        Event::Interrupted(core) => MultiThreadStopReason::SignalWithThread {
            tid: tid_of(core),
            signal: Signal::SIGINT,
        },
        Event::Stopped(core, stop) => {
            let tid = tid_of(core);
            match stop {
                Stop::Breakpoint { hardware: false } => MultiThreadStopReason::SwBreak(tid),
                Stop::Breakpoint { hardware: true } => MultiThreadStopReason::HwBreak(tid),
                Stop::Step => MultiThreadStopReason::DoneStep,
                Stop::Watch { addr, kind } => MultiThreadStopReason::Watch {
                    tid,
                    kind: match kind {
                        WatchKind::Write => GdbWatchKind::Write,
                        WatchKind::Read => GdbWatchKind::Read,
                        WatchKind::Access => GdbWatchKind::ReadWrite,
                    },
                    addr,
                },
            }
        }
    }
}

/// Serve one GDB connection until it ends; tell the board how (detach or kill).
pub fn serve(stream: TcpStream, link: Link) -> Result<(), String> {
    let _ = stream.set_nodelay(true);
    let to_board = link.to_board.clone();
    let mut target = Proxy {
        link,
        actions: Vec::new(),
    };
    let result = GdbStub::new(stream).run_blocking::<EventLoop>(&mut target);
    match result {
        Ok(DisconnectReason::Kill) => {
            let _ = to_board.send(Message::Kill);
            Ok(())
        }
        Ok(DisconnectReason::TargetExited(_) | DisconnectReason::TargetTerminated(_)) => Ok(()),
        Ok(DisconnectReason::Disconnect) => {
            let _ = to_board.send(Message::Detach);
            Ok(())
        }
        Err(e) => {
            let _ = to_board.send(Message::Detach);
            Err(format!("GDB connection: {e}"))
        }
    }
}
