//! PM8916 GPIO1-4 and MPP1-4 as embedded-hal pins (docs/hardware/spmi-pm8916.md#gpio-registers,
//! docs/hardware/spmi-pm8916.md#mpp-registers).
//!
//! Design notes:
//! - A pin is a [`PmicPin`] token (one per pin, from [`PmicPins::take`], once per program); [`PmicOutput`]
//!   and [`PmicInput`] take it and give it back with `free`, like the SoC GPIO drivers.
//! - GPIO output set-up follows the order U-Boot uses: disable (EN_CTL), MODE_CTL (output,
//!   constant source, level in bit 0), no pull, supply VIN0, CMOS low drive, enable. MPP output:
//!   MODE_CTL (digital output, source low/high), enable; the MPP's supply select (DIG_VIN_CTL)
//!   is left as the boot chain set it (on the DragonBoard it depends on the pin's rail).
//! - An output keeps its MODE_CTL copy, so changing the level is one SPMI write and reading the
//!   set level needs none. Every operation can fail (it is a bus transfer): the embedded-hal
//!   error type is [`super::Error`].
//! - Input level: GPIO STATUS bit 0; MPP INT_RT_STS bit 0.

use embedded_hal::digital::{self, ErrorType, InputPin, OutputPin, StatefulOutputPin};

use super::Error;
use super::registers::{
    DIG_OUT_CTL, DIG_PULL_CTL, EN_CTL, GPIO_MODE_CTL, LocalRegisterCopy, MPP_MODE_CTL, PIN_STATUS,
    SID, offset, peripheral,
};
use crate::gpio::Level;
use crate::spmi::{Channel, SpmiBus};

/// Which kind of PMIC pin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PinKind {
    /// A PM8916 GPIO.
    Gpio,
    /// A PM8916 multi-purpose pin.
    Mpp,
}

/// One PMIC pin, not yet configured (a token: there is one per pin).
#[derive(Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PmicPin {
    kind: PinKind,
    number: u8,
}

impl PmicPin {
    /// GPIO or MPP.
    pub fn kind(&self) -> PinKind {
        self.kind
    }

    /// 1 to 4.
    pub fn number(&self) -> u8 {
        self.number
    }

    fn peripheral(&self) -> u8 {
        let first = match self.kind {
            PinKind::Gpio => peripheral::GPIO1,
            PinKind::Mpp => peripheral::MPP1,
        };
        first + self.number - 1
    }
}

/// The PM8916's GPIO1-4 and MPP1-4. On the DragonBoard 410c: GPIO1 = user LED 3, GPIO2 =
/// user LED 4, MPP2 = WLAN LED, MPP3 = BT LED, MPP4 = GPIO-F on the low-speed header
/// (docs/hardware/board-pinout.md#leds-and-buttons).
#[derive(Debug)]
#[allow(missing_docs)]
pub struct PmicPins {
    pub gpio1: PmicPin,
    pub gpio2: PmicPin,
    pub gpio3: PmicPin,
    pub gpio4: PmicPin,
    pub mpp1: PmicPin,
    pub mpp2: PmicPin,
    pub mpp3: PmicPin,
    pub mpp4: PmicPin,
}

static PINS_TAKEN: critical_section::Mutex<core::cell::Cell<bool>> =
    critical_section::Mutex::new(core::cell::Cell::new(false));

impl PmicPins {
    /// The pin tokens; `None` after the first call.
    pub fn take() -> Option<Self> {
        let first = critical_section::with(|cs| !PINS_TAKEN.borrow(cs).replace(true));
        first.then(Self::new)
    }

    fn new() -> Self {
        let gpio = |number| PmicPin {
            kind: PinKind::Gpio,
            number,
        };
        let mpp = |number| PmicPin {
            kind: PinKind::Mpp,
            number,
        };
        Self {
            gpio1: gpio(1),
            gpio2: gpio(2),
            gpio3: gpio(3),
            gpio4: gpio(4),
            mpp1: mpp(1),
            mpp2: mpp(2),
            mpp3: mpp(3),
            mpp4: mpp(4),
        }
    }
}

/// Input bias of a PMIC GPIO (MPP inputs have none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PmicPull {
    /// No bias.
    #[default]
    None,
    /// 30 µA pull-up.
    Up,
    /// 10 µA pull-down.
    Down,
}

fn write(bus: &SpmiBus, channel: &Channel, offset: u8, value: u8) -> Result<(), Error> {
    Ok(bus.write_channel(channel, offset, &[value])?)
}

fn read(bus: &SpmiBus, channel: &Channel, offset: u8) -> Result<u8, Error> {
    let mut b = [0u8];
    bus.read_channel(channel, offset, &mut b)?;
    Ok(b[0])
}

/// A PMIC pin driven as a push-pull output.
///
/// ```no_run
/// use apq8016_hal::{gpio::Level, pac, pmic::{PmicOutput, PmicPins}, spmi::Spmi};
/// use embedded_hal::digital::OutputPin;
///
/// let p = pac::Peripherals::take().unwrap();
/// let spmi = Spmi::new(p.SPMI_CORE, p.SPMI_CNFG, p.SPMI_CHNLS, p.SPMI_OBSRVR)?;
/// let pins = PmicPins::take().unwrap();
/// let mut led3 = PmicOutput::new(*spmi, pins.gpio1, Level::Low)?;
/// led3.set_high()?;
/// let gpio1 = led3.free(); // the pin keeps driving
/// # let _ = gpio1;
/// # Ok::<(), apq8016_hal::pmic::Error>(())
/// ```
#[derive(Debug)]
pub struct PmicOutput {
    bus: SpmiBus,
    channel: Channel,
    pin: PmicPin,
    /// MODE_CTL as last written.
    mode_ctl: u8,
}

impl PmicOutput {
    /// Configures `pin` as an output driving `initial`.
    pub fn new(bus: SpmiBus, pin: PmicPin, initial: Level) -> Result<Self, Error> {
        let channel = bus.channel(SID, pin.peripheral())?;
        let high = initial == Level::High;
        let mut en =
            LocalRegisterCopy::<u8, EN_CTL::Register>::new(read(&bus, &channel, offset::EN_CTL)?);
        let mode_ctl = match pin.kind {
            PinKind::Gpio => {
                en.modify(EN_CTL::ENABLE::CLEAR);
                write(&bus, &channel, offset::EN_CTL, en.get())?;
                let mut mode = LocalRegisterCopy::<u8, GPIO_MODE_CTL::Register>::new(0);
                mode.write(
                    GPIO_MODE_CTL::MODE::Output
                        + GPIO_MODE_CTL::SOURCE::Constant
                        + GPIO_MODE_CTL::LEVEL.val(u8::from(high)),
                );
                write(&bus, &channel, offset::MODE_CTL, mode.get())?;
                let pull = LocalRegisterCopy::<u8, DIG_PULL_CTL::Register>::new(0);
                let mut pull = pull;
                pull.write(DIG_PULL_CTL::PULL::None);
                write(&bus, &channel, offset::DIG_PULL_CTL, pull.get())?;
                write(&bus, &channel, offset::DIG_VIN_CTL, 0)?;
                let mut out = LocalRegisterCopy::<u8, DIG_OUT_CTL::Register>::new(0);
                out.write(DIG_OUT_CTL::BUFFER::Cmos + DIG_OUT_CTL::DRIVE::Low);
                write(&bus, &channel, offset::DIG_OUT_CTL, out.get())?;
                mode.get()
            }
            PinKind::Mpp => {
                let mut mode = LocalRegisterCopy::<u8, MPP_MODE_CTL::Register>::new(0);
                mode.write(MPP_MODE_CTL::MODE::DigitalOutput + mpp_source(high));
                write(&bus, &channel, offset::MODE_CTL, mode.get())?;
                mode.get()
            }
        };
        en.modify(EN_CTL::ENABLE::SET);
        write(&bus, &channel, offset::EN_CTL, en.get())?;
        Ok(Self {
            bus,
            channel,
            pin,
            mode_ctl,
        })
    }

    /// Drives `level`.
    pub fn set_level(&mut self, level: Level) -> Result<(), Error> {
        let high = level == Level::High;
        let mode_ctl = match self.pin.kind {
            PinKind::Gpio => {
                let mut mode = LocalRegisterCopy::<u8, GPIO_MODE_CTL::Register>::new(self.mode_ctl);
                mode.modify(GPIO_MODE_CTL::LEVEL.val(u8::from(high)));
                mode.get()
            }
            PinKind::Mpp => {
                let mut mode = LocalRegisterCopy::<u8, MPP_MODE_CTL::Register>::new(self.mode_ctl);
                mode.modify(mpp_source(high));
                mode.get()
            }
        };
        write(&self.bus, &self.channel, offset::MODE_CTL, mode_ctl)?;
        self.mode_ctl = mode_ctl;
        Ok(())
    }

    /// The level this output drives (from the driver's copy, no bus transfer).
    pub fn output_level(&self) -> Level {
        let high = match self.pin.kind {
            PinKind::Gpio => LocalRegisterCopy::<u8, GPIO_MODE_CTL::Register>::new(self.mode_ctl)
                .is_set(GPIO_MODE_CTL::LEVEL),
            PinKind::Mpp => LocalRegisterCopy::<u8, MPP_MODE_CTL::Register>::new(self.mode_ctl)
                .matches_all(MPP_MODE_CTL::SOURCE::High),
        };
        if high { Level::High } else { Level::Low }
    }

    /// Drives the other level.
    pub fn toggle(&mut self) -> Result<(), Error> {
        let next = match self.output_level() {
            Level::High => Level::Low,
            Level::Low => Level::High,
        };
        self.set_level(next)
    }

    /// Gives the pin back; it keeps driving its level.
    pub fn free(self) -> PmicPin {
        self.pin
    }
}

fn mpp_source(high: bool) -> tock_registers::fields::FieldValue<u8, MPP_MODE_CTL::Register> {
    if high {
        MPP_MODE_CTL::SOURCE::High
    } else {
        MPP_MODE_CTL::SOURCE::Low
    }
}

/// A PMIC pin read as a digital input.
#[derive(Debug)]
pub struct PmicInput {
    bus: SpmiBus,
    channel: Channel,
    pin: PmicPin,
}

impl PmicInput {
    /// Configures `pin` as an input; `pull` applies to GPIOs only (MPP inputs have no bias).
    pub fn new(bus: SpmiBus, pin: PmicPin, pull: PmicPull) -> Result<Self, Error> {
        let channel = bus.channel(SID, pin.peripheral())?;
        let mut en =
            LocalRegisterCopy::<u8, EN_CTL::Register>::new(read(&bus, &channel, offset::EN_CTL)?);
        en.modify(EN_CTL::ENABLE::CLEAR);
        write(&bus, &channel, offset::EN_CTL, en.get())?;
        match pin.kind {
            PinKind::Gpio => {
                let mut mode = LocalRegisterCopy::<u8, GPIO_MODE_CTL::Register>::new(0);
                mode.write(GPIO_MODE_CTL::MODE::Input);
                write(&bus, &channel, offset::MODE_CTL, mode.get())?;
                let mut bias = LocalRegisterCopy::<u8, DIG_PULL_CTL::Register>::new(0);
                bias.write(match pull {
                    PmicPull::None => DIG_PULL_CTL::PULL::None,
                    PmicPull::Up => DIG_PULL_CTL::PULL::Up30uA,
                    PmicPull::Down => DIG_PULL_CTL::PULL::Down10uA,
                });
                write(&bus, &channel, offset::DIG_PULL_CTL, bias.get())?;
            }
            PinKind::Mpp => {
                let mut mode = LocalRegisterCopy::<u8, MPP_MODE_CTL::Register>::new(0);
                mode.write(MPP_MODE_CTL::MODE::DigitalInput);
                write(&bus, &channel, offset::MODE_CTL, mode.get())?;
            }
        }
        en.modify(EN_CTL::ENABLE::SET);
        write(&bus, &channel, offset::EN_CTL, en.get())?;
        Ok(Self { bus, channel, pin })
    }

    /// The level on the pin.
    pub fn level(&self) -> Result<Level, Error> {
        let register = match self.pin.kind {
            PinKind::Gpio => offset::STATUS,
            PinKind::Mpp => offset::INT_RT_STS,
        };
        let status = LocalRegisterCopy::<u8, PIN_STATUS::Register>::new(read(
            &self.bus,
            &self.channel,
            register,
        )?);
        Ok(if status.is_set(PIN_STATUS::LEVEL) {
            Level::High
        } else {
            Level::Low
        })
    }

    /// Gives the pin back (still an input).
    pub fn free(self) -> PmicPin {
        self.pin
    }
}

impl digital::Error for Error {
    fn kind(&self) -> digital::ErrorKind {
        digital::ErrorKind::Other
    }
}

impl ErrorType for PmicOutput {
    type Error = Error;
}

impl OutputPin for PmicOutput {
    fn set_low(&mut self) -> Result<(), Error> {
        self.set_level(Level::Low)
    }

    fn set_high(&mut self) -> Result<(), Error> {
        self.set_level(Level::High)
    }
}

impl StatefulOutputPin for PmicOutput {
    fn is_set_high(&mut self) -> Result<bool, Error> {
        Ok(self.output_level() == Level::High)
    }

    fn is_set_low(&mut self) -> Result<bool, Error> {
        Ok(self.output_level() == Level::Low)
    }

    fn toggle(&mut self) -> Result<(), Error> {
        PmicOutput::toggle(self)
    }
}

impl ErrorType for PmicInput {
    type Error = Error;
}

impl InputPin for PmicInput {
    fn is_high(&mut self) -> Result<bool, Error> {
        Ok(self.level()? == Level::High)
    }

    fn is_low(&mut self) -> Result<bool, Error> {
        Ok(self.level()? == Level::Low)
    }
}
