//! The board's PM8916 side: user LEDs 3 and 4, the BT LED, the power and volume-down keys and
//! GPIO-F on the low-speed header (docs/hardware/board-pinout.md#leds-and-buttons).
//!
//! Design notes: [`crate::Board::take`] makes no SPMI traffic (programs that never touch the
//! PMIC pay nothing for it); [`crate::Board::pmic`] checks the arbiter and the PMIC and sets the
//! PMIC-driven LEDs up (off). The keys are read by polling ([`PmicKey::is_pressed`]) or by
//! interrupt: [`BoardPmic::interrupts`] with [`PmicKey::interrupt`], on GIC ID 222
//! (`hal::pac::Interrupt::SPMI_PERIPHERAL`). All five user-visible LEDs are embedded-hal
//! `StatefulOutputPin`s: SoC LEDs 1 and 2 never fail (`Infallible`), the PMIC ones return
//! [`hal::pmic::Error`] because every change is an SPMI transfer.

use hal::gpio::Level;
use hal::pmic::{Keys, Pm8916, PmicInterrupt, PmicInterrupts, PmicOutput, PmicPin, PmicPins};

use crate::hal;

/// A key wired to the PMIC's power-on block: polled from PON INT_RT_STS, or by interrupt.
#[derive(Debug)]
pub struct PmicKey {
    pmic: Pm8916,
    key: Keys,
}

impl PmicKey {
    /// Whether the key is held down right now (the PMIC debounces it).
    pub fn is_pressed(&self) -> Result<bool, hal::pmic::Error> {
        Ok(self.pmic.keys()?.contains(self.key))
    }

    /// The key's PMIC interrupt, for [`BoardPmic::interrupts`]:
    /// `pmic.interrupts.listen(pmic.power_key.interrupt(), PmicTrigger::BothEdges)`.
    pub fn interrupt(&self) -> PmicInterrupt {
        if self.key == Keys::POWER {
            PmicInterrupt::POWER_KEY
        } else {
            PmicInterrupt::VOLUME_DOWN
        }
    }
}

/// The PM8916 side of the board, set up by [`crate::Board::pmic`].
#[derive(Debug)]
pub struct BoardPmic {
    /// The PMIC: revision, power-on and reset reasons, PS_HOLD action.
    pub pm8916: Pm8916,
    /// User LED 3 (green): PM8916 GPIO1, active high. Starts off.
    pub led3: PmicOutput,
    /// User LED 4 (green, "panic" in Linux): PM8916 GPIO2, active high. Starts off.
    pub led4: PmicOutput,
    /// BT LED (blue): PM8916 MPP3, active high. Starts off.
    pub bt_led: PmicOutput,
    /// WLAN LED (yellow): PM8916 MPP2, active high. Not set up (the WLAN firmware's LED on
    /// other systems): `PmicOutput::new(bus, pmic.wlan_led, Level::Low)`.
    pub wlan_led: PmicPin,
    /// GPIO-F, LS pin 28: PM8916 MPP4, 1.8 V. Not set up: make it a `PmicOutput` or
    /// `PmicInput` (`hal::pmic`).
    pub gpio_f: PmicPin,
    /// Power key S2 (KPDPWR_N).
    pub power_key: PmicKey,
    /// Volume-down / reset key S4 (RESIN_N).
    pub volume_down: PmicKey,
    /// The PMIC pins the board does not use: GPIO3, GPIO4, MPP1.
    pub unused: (PmicPin, PmicPin, PmicPin),
    /// The PMIC's interrupts (keys, RTC alarm, PMIC watchdog bark), all on GIC ID 222;
    /// nothing enabled yet.
    pub interrupts: PmicInterrupts,
}

impl BoardPmic {
    pub(crate) fn new(
        bus: hal::spmi::SpmiBus,
        pins: PmicPins,
        intr: hal::pac::SPMI_INTR,
    ) -> Result<Self, hal::pmic::Error> {
        let pm8916 = Pm8916::new(bus)?;
        let led3 = PmicOutput::new(bus, pins.gpio1, Level::Low)?;
        let led4 = PmicOutput::new(bus, pins.gpio2, Level::Low)?;
        let bt_led = PmicOutput::new(bus, pins.mpp3, Level::Low)?;
        let key = |key| PmicKey {
            pmic: pm8916.clone(),
            key,
        };
        Ok(Self {
            power_key: key(Keys::POWER),
            volume_down: key(Keys::VOLUME_DOWN),
            pm8916,
            led3,
            led4,
            bt_led,
            wlan_led: pins.mpp2,
            gpio_f: pins.mpp4,
            unused: (pins.gpio3, pins.gpio4, pins.mpp1),
            interrupts: PmicInterrupts::new(bus, intr),
        })
    }
}
