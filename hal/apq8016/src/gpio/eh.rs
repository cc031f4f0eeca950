//! embedded-hal 1.0 digital traits for the GPIO drivers. None of them can fail.

use core::convert::Infallible;

use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};

use super::{Flex, Input, Output};

impl ErrorType for Output {
    type Error = Infallible;
}

impl OutputPin for Output {
    #[inline]
    fn set_low(&mut self) -> Result<(), Infallible> {
        Output::set_low(self);
        Ok(())
    }

    #[inline]
    fn set_high(&mut self) -> Result<(), Infallible> {
        Output::set_high(self);
        Ok(())
    }
}

impl StatefulOutputPin for Output {
    #[inline]
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        Ok(Output::is_set_high(self))
    }

    #[inline]
    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        Ok(Output::is_set_low(self))
    }

    #[inline]
    fn toggle(&mut self) -> Result<(), Infallible> {
        Output::toggle(self);
        Ok(())
    }
}

impl ErrorType for Input {
    type Error = Infallible;
}

impl InputPin for Input {
    #[inline]
    fn is_high(&mut self) -> Result<bool, Infallible> {
        Ok(Input::is_high(self))
    }

    #[inline]
    fn is_low(&mut self) -> Result<bool, Infallible> {
        Ok(Input::is_low(self))
    }
}

impl ErrorType for Flex {
    type Error = Infallible;
}

impl OutputPin for Flex {
    #[inline]
    fn set_low(&mut self) -> Result<(), Infallible> {
        Flex::set_low(self);
        Ok(())
    }

    #[inline]
    fn set_high(&mut self) -> Result<(), Infallible> {
        Flex::set_high(self);
        Ok(())
    }
}

impl StatefulOutputPin for Flex {
    #[inline]
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.output_level() == super::Level::High)
    }

    #[inline]
    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        Ok(self.output_level() == super::Level::Low)
    }

    #[inline]
    fn toggle(&mut self) -> Result<(), Infallible> {
        Flex::toggle(self);
        Ok(())
    }
}

impl InputPin for Flex {
    #[inline]
    fn is_high(&mut self) -> Result<bool, Infallible> {
        Ok(Flex::is_high(self))
    }

    #[inline]
    fn is_low(&mut self) -> Result<bool, Infallible> {
        Ok(Flex::is_low(self))
    }
}
