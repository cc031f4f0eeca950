//! Ecosystem trait impls for [`Uart`], [`UartTx`] and [`UartRx`]: embedded-io 0.7,
//! embedded-hal-nb 1.0 serial and `core::fmt::Write`.

use core::fmt;

use super::{Error, Instance, Uart, UartRx, UartTx};

impl embedded_io::Error for Error {
    fn kind(&self) -> embedded_io::ErrorKind {
        use embedded_io::ErrorKind;
        match self {
            Error::Framing | Error::ParityOrFraming => ErrorKind::InvalidData,
            Error::Timeout => ErrorKind::TimedOut,
            Error::Break => ErrorKind::Interrupted,
            Error::Overrun => ErrorKind::Other,
        }
    }
}

impl embedded_hal_nb::serial::Error for Error {
    fn kind(&self) -> embedded_hal_nb::serial::ErrorKind {
        use embedded_hal_nb::serial::ErrorKind;
        match self {
            Error::Overrun => ErrorKind::Overrun,
            Error::Framing => ErrorKind::FrameFormat,
            Error::ParityOrFraming | Error::Break | Error::Timeout => ErrorKind::Other,
        }
    }
}

// Each macro takes the impl generics in brackets, then the type.
macro_rules! error_types {
    ($([$($g:tt)*] $t:ty),+) => {$(
        impl<$($g)*> embedded_io::ErrorType for $t {
            type Error = Error;
        }
        impl<$($g)*> embedded_hal_nb::serial::ErrorType for $t {
            type Error = Error;
        }
    )+};
}
error_types!([I: Instance] Uart<I>, [] UartTx, [] UartRx);

/// Receive-side traits; `$rx` gives the `&mut UartRx` of `self`.
macro_rules! rx_traits {
    ([$($g:tt)*] $t:ty, |$s:ident| $rx:expr) => {
        impl<$($g)*> embedded_io::Read for $t {
            fn read(&mut $s, buf: &mut [u8]) -> Result<usize, Error> {
                UartRx::read($rx, buf)
            }
        }
        impl<$($g)*> embedded_io::ReadReady for $t {
            fn read_ready(&mut $s) -> Result<bool, Error> {
                Ok(UartRx::read_ready($rx))
            }
        }
        impl<$($g)*> embedded_hal_nb::serial::Read<u8> for $t {
            fn read(&mut $s) -> nb::Result<u8, Error> {
                UartRx::read_byte_nb($rx)
            }
        }
    };
}

/// Transmit-side traits; `$tx` gives the `&mut UartTx` of `self`.
macro_rules! tx_traits {
    ([$($g:tt)*] $t:ty, |$s:ident| $tx:expr) => {
        impl<$($g)*> embedded_io::Write for $t {
            fn write(&mut $s, buf: &[u8]) -> Result<usize, Error> {
                UartTx::write($tx, buf)
            }
            fn flush(&mut $s) -> Result<(), Error> {
                UartTx::flush($tx)
            }
        }
        impl<$($g)*> embedded_io::WriteReady for $t {
            fn write_ready(&mut $s) -> Result<bool, Error> {
                Ok(UartTx::write_ready($tx))
            }
        }
        impl<$($g)*> embedded_hal_nb::serial::Write<u8> for $t {
            fn write(&mut $s, word: u8) -> nb::Result<(), Error> {
                UartTx::write_byte_nb($tx, word)
            }
            fn flush(&mut $s) -> nb::Result<(), Error> {
                UartTx::flush_nb($tx)
            }
        }
        impl<$($g)*> fmt::Write for $t {
            fn write_str(&mut $s, text: &str) -> fmt::Result {
                UartTx::write_all($tx, text.as_bytes()).map_err(|_| fmt::Error)
            }
        }
    };
}

rx_traits!([I: Instance] Uart<I>, |self| &mut self.rx);
rx_traits!([] UartRx, |self| self);
tx_traits!([I: Instance] Uart<I>, |self| &mut self.tx);
tx_traits!([] UartTx, |self| self);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kinds() {
        use embedded_hal_nb::serial::ErrorKind as NbKind;
        use embedded_io::ErrorKind as IoKind;
        assert_eq!(embedded_io::Error::kind(&Error::Timeout), IoKind::TimedOut);
        assert_eq!(
            embedded_io::Error::kind(&Error::Framing),
            IoKind::InvalidData
        );
        assert_eq!(
            embedded_hal_nb::serial::Error::kind(&Error::Overrun),
            NbKind::Overrun
        );
        assert_eq!(
            embedded_hal_nb::serial::Error::kind(&Error::Framing),
            NbKind::FrameFormat
        );
    }

    fn assert_send<T: Send>() {}

    #[test]
    fn drivers_can_move_between_cores() {
        assert_send::<Uart<crate::pac::BLSP1_UART1>>();
        assert_send::<Uart<crate::pac::BLSP1_UART2>>();
        assert_send::<UartTx>();
        assert_send::<UartRx>();
        assert_send::<crate::gpio::Output>();
        assert_send::<crate::clocks::Clocks>();
        assert_send::<crate::rng::Rng>();
    }
}
