//! `embedded-io` and `embedded-io-async` for the interrupt-driven receiver ([`InterruptRx`])
//! and `embedded-io-async` for the transmitter ([`UartTx`]).
//!
//! # Design notes
//!
//! - **Executor-agnostic**: a read that finds the buffer empty registers its task's waker in
//!   the buffer's [`AtomicWaker`](embassy_sync::waitqueue::AtomicWaker) and returns
//!   `Pending`; the UART's interrupt handler ([`super::RxBuffer::on_interrupt`]) wakes it after
//!   storing something. What the wake does (an executor's pender: `SEV`, an SGI, a flag) is
//!   the executor's business. The buffer is checked again after registering, so a character
//!   that arrives between the first check and the registration is not slept past.
//! - **Transmit** has no interrupt here: a write queues what fits in the TX FIFO; when the
//!   FIFO is full it asks to be polled again at once (`wake_by_ref`) and returns `Pending`, so
//!   other tasks run while the FIFO drains (one character per 86.8 µs at 115200 baud), but the
//!   executor does not sleep while a write waits for room. `flush` works the same way on
//!   `SR.TXEMT`.

use core::future::poll_fn;
use core::task::Poll;

use super::{Error, InterruptRx, UartTx};

impl<const N: usize> embedded_io::ErrorType for InterruptRx<N> {
    type Error = Error;
}

impl<const N: usize> embedded_io::Read for InterruptRx<N> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        InterruptRx::read(self, buf)
    }
}

impl<const N: usize> embedded_io::ReadReady for InterruptRx<N> {
    fn read_ready(&mut self) -> Result<bool, Error> {
        Ok(InterruptRx::read_ready(self))
    }
}

impl<const N: usize> embedded_io_async::Read for InterruptRx<N> {
    /// Waits (without blocking the executor) until the interrupt handler has stored at least
    /// one character or an error, then returns what is waiting as [`InterruptRx::read`] does.
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        poll_fn(|cx| {
            match self.take(buf) {
                Ok(0) => {}
                done => return Poll::Ready(done),
            }
            self.buffer().waker.register(cx.waker());
            // Anything stored between the check above and the registration.
            match self.take(buf) {
                Ok(0) => Poll::Pending,
                done => Poll::Ready(done),
            }
        })
        .await
    }
}

impl embedded_io_async::Write for UartTx {
    /// Queues as many bytes as fit in the TX FIFO (at least one), waiting cooperatively for
    /// room; returns how many.
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        poll_fn(|cx| {
            if self.write_ready() {
                Poll::Ready(UartTx::write(self, buf))
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await
    }

    /// Waits cooperatively until every queued character has left the transmitter.
    async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| match self.flush_nb() {
            Ok(()) => Poll::Ready(Ok(())),
            Err(nb::Error::Other(e)) => Poll::Ready(Err(e)),
            Err(nb::Error::WouldBlock) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await
    }
}
