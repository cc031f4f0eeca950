//! embedded-hal 1.0 `I2c` for [`I2c`]: every operation sequence goes through
//! [`I2c::transaction`](embedded_hal::i2c::I2c::transaction); `read`, `write` and
//! `write_read` are the trait's own (one-, one- and two-operation transactions).

use embedded_hal::i2c::{ErrorKind, NoAcknowledgeSource, Operation, SevenBitAddress};

use super::{Error, I2c, Instance};

impl embedded_hal::i2c::Error for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::AddressNack { .. } => ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address),
            Error::DataNack { .. } => ErrorKind::NoAcknowledge(NoAcknowledgeSource::Data),
            Error::ArbitrationLoss => ErrorKind::ArbitrationLoss,
            Error::Bus | Error::BusStuck => ErrorKind::Bus,
            Error::Fifo => ErrorKind::Overrun,
            Error::Timeout | Error::InvalidAddress { .. } => ErrorKind::Other,
        }
    }
}

impl<I: Instance> embedded_hal::i2c::ErrorType for I2c<I> {
    type Error = Error;
}

impl<I: Instance> embedded_hal::i2c::I2c<SevenBitAddress> for I2c<I> {
    fn transaction(
        &mut self,
        address: SevenBitAddress,
        operations: &mut [Operation<'_>],
    ) -> Result<(), Error> {
        self.run(address, operations)
    }
}
