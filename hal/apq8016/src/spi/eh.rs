//! embedded-hal 1.0 `SpiBus<u8>` for [`Spi`]. Every method returns once its bytes are on
//! the wire and in the buffers, so `flush` has nothing to wait for.

use embedded_hal::spi::ErrorKind;

use super::{Error, InPlace, Instance, Spi, Split};

impl embedded_hal::spi::Error for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::Overrun => ErrorKind::Overrun,
            Error::Timeout | Error::Underrun => ErrorKind::Other,
        }
    }
}

impl<I: Instance> embedded_hal::spi::ErrorType for Spi<I> {
    type Error = Error;
}

impl<I: Instance> embedded_hal::spi::SpiBus<u8> for Spi<I> {
    fn read(&mut self, words: &mut [u8]) -> Result<(), Error> {
        self.exchange(&mut Split {
            write: &[],
            read: words,
        })
    }

    fn write(&mut self, words: &[u8]) -> Result<(), Error> {
        self.exchange(&mut Split {
            write: words,
            read: &mut [],
        })
    }

    fn transfer(&mut self, read: &mut [u8], write: &[u8]) -> Result<(), Error> {
        self.exchange(&mut Split { write, read })
    }

    fn transfer_in_place(&mut self, words: &mut [u8]) -> Result<(), Error> {
        self.exchange(&mut InPlace(words))
    }

    fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }
}
