//! PM8916 register maps (docs/hardware/spmi-pm8916.md#pm8916-register-map), as
//! `tock-registers` bitfields on local copies: the PMIC's registers are reached over SPMI, not
//! memory-mapped, so a register is read into a [`LocalRegisterCopy`], changed and written back.

// The items `register_bitfields!` generates (one module per register, one constant per field and
// value) carry the register and field names of the hardware reference; they have no doc
// comments of their own.
#![allow(missing_docs)]

use tock_registers::register_bitfields;

pub use tock_registers::LocalRegisterCopy;

/// Slave ID of the PM8916's main functions.
pub const SID: u8 = 0;

/// Peripheral numbers (high address byte).
pub mod peripheral {
    /// Revision and identification.
    pub const REVID: u8 = 0x01;
    /// Power-on / reset control.
    pub const PON: u8 = 0x08;
    /// RTC counter (RTC_RW).
    pub const RTC_RW: u8 = 0x60;
    /// RTC alarm.
    pub const RTC_ALARM: u8 = 0x61;
    /// MPP1; MPP n is `MPP1 + n - 1`.
    pub const MPP1: u8 = 0xA0;
    /// GPIO1; GPIO n is `GPIO1 + n - 1`.
    pub const GPIO1: u8 = 0xC0;
}

/// Register offsets within a peripheral.
pub mod offset {
    /// REVID: REV1..REV4 (REV3 = minor, REV4 = major).
    pub const REVID_REV1: u8 = 0x00;
    /// Every peripheral: TYPE (SUBTYPE follows at 0x05).
    pub const TYPE: u8 = 0x04;
    /// PON: REV2.
    pub const PON_REV2: u8 = 0x01;
    /// PON: PON_REASON1.
    pub const PON_REASON1: u8 = 0x08;
    /// PON: WARM_RESET_REASON1 (REASON2 follows).
    pub const WARM_RESET_REASON1: u8 = 0x0A;
    /// PON: POFF_REASON1 (REASON2 follows).
    pub const POFF_REASON1: u8 = 0x0C;
    /// Every peripheral with interrupts: INT_RT_STS, the live state.
    pub const INT_RT_STS: u8 = 0x10;
    /// PON: PMIC_WD_RESET_S1_TIMER (bark, seconds).
    pub const PMIC_WD_RESET_S1_TIMER: u8 = 0x54;
    /// PON: PMIC_WD_RESET_S2_TIMER (bite, seconds after the bark).
    pub const PMIC_WD_RESET_S2_TIMER: u8 = 0x55;
    /// PON: PMIC_WD_RESET_S2_CTL (reset type).
    pub const PMIC_WD_RESET_S2_CTL: u8 = 0x56;
    /// PON: PMIC_WD_RESET_S2_CTL2 (enable).
    pub const PMIC_WD_RESET_S2_CTL2: u8 = 0x57;
    /// PON: PMIC_WD_RESET_PET.
    pub const PMIC_WD_RESET_PET: u8 = 0x58;
    /// PON: PS_HOLD_RESET_CTL.
    pub const PS_HOLD_RESET_CTL: u8 = 0x5A;
    /// PON: PS_HOLD_RESET_CTL2.
    pub const PS_HOLD_RESET_CTL2: u8 = 0x5B;
    /// RTC_RW: RTC_WRITE, 4 bytes, least significant first.
    pub const RTC_WRITE: u8 = 0x40;
    /// RTC_RW: RTC_CTRL.
    pub const RTC_CTRL: u8 = 0x46;
    /// RTC_RW: RTC_READ, 4 bytes, least significant first.
    pub const RTC_READ: u8 = 0x48;
    /// RTC_ALARM: ALARM_RW, 4 bytes, least significant first.
    pub const ALARM_RW: u8 = 0x40;
    /// RTC_ALARM: ALARM_CTRL.
    pub const ALARM_CTRL: u8 = 0x46;
    /// RTC_ALARM: ALARM_CTRL2.
    pub const ALARM_CTRL2: u8 = 0x48;
    /// GPIO: STATUS.
    pub const STATUS: u8 = 0x08;
    /// GPIO/MPP: MODE_CTL.
    pub const MODE_CTL: u8 = 0x40;
    /// GPIO/MPP: DIG_VIN_CTL.
    pub const DIG_VIN_CTL: u8 = 0x41;
    /// GPIO/MPP: DIG_PULL_CTL.
    pub const DIG_PULL_CTL: u8 = 0x42;
    /// GPIO: DIG_OUT_CTL.
    pub const DIG_OUT_CTL: u8 = 0x45;
    /// GPIO/MPP: EN_CTL.
    pub const EN_CTL: u8 = 0x46;
}

register_bitfields![u8,
    /// PON_REASON1: what powered the PMIC on (docs/hardware/spmi-pm8916.md#pon-registers).
    pub PON_REASON1 [
        HARD_RESET OFFSET(0) NUMBITS(1) [],
        SMPL OFFSET(1) NUMBITS(1) [],
        RTC OFFSET(2) NUMBITS(1) [],
        DC_CHG OFFSET(3) NUMBITS(1) [],
        USB_CHG OFFSET(4) NUMBITS(1) [],
        PON1 OFFSET(5) NUMBITS(1) [],
        CBLPWR_N OFFSET(6) NUMBITS(1) [],
        KPDPWR_N OFFSET(7) NUMBITS(1) []
    ],
    /// PON INT_RT_STS: live state of the keys and barks.
    pub PON_INT_RT_STS [
        KPDPWR_ON OFFSET(0) NUMBITS(1) [],
        RESIN_ON OFFSET(1) NUMBITS(1) [],
        RESIN_BARK OFFSET(4) NUMBITS(1) [],
        WATCHDOG_BARK OFFSET(6) NUMBITS(1) []
    ],
    /// PS_HOLD_RESET_CTL: what releasing PS_HOLD does.
    pub PS_HOLD_RESET_CTL [
        RESET_TYPE OFFSET(0) NUMBITS(4) [
            WarmReset = 1,
            Shutdown = 4,
            HardReset = 7
        ]
    ],
    /// PMIC_WD_RESET_S1_TIMER / S2_TIMER: seconds (docs/hardware/watchdog.md#pmic-watchdog).
    pub PMIC_WD_TIMER [
        SECONDS OFFSET(0) NUMBITS(7) []
    ],
    /// PMIC_WD_RESET_S2_CTL: what the bite does (the PS_HOLD reset type values).
    pub PMIC_WD_RESET_S2_CTL [
        RESET_TYPE OFFSET(0) NUMBITS(4) [
            WarmReset = 1,
            Shutdown = 4,
            HardReset = 7
        ]
    ],
    /// PMIC_WD_RESET_S2_CTL2: enable.
    pub PMIC_WD_RESET_S2_CTL2 [
        ENABLE OFFSET(7) NUMBITS(1) []
    ],
    /// PMIC_WD_RESET_PET: write PET to restart the count.
    pub PMIC_WD_RESET_PET [
        PET OFFSET(0) NUMBITS(1) []
    ],
    /// PS_HOLD_RESET_CTL2: enable of the PS_HOLD reset.
    pub PS_HOLD_RESET_CTL2 [
        ENABLE OFFSET(7) NUMBITS(1) []
    ],
    /// RTC_CTRL and ALARM_CTRL: enable (docs/hardware/spmi-pm8916.md#rtc).
    pub RTC_CTRL [
        ENABLE OFFSET(7) NUMBITS(1) []
    ],
    /// ALARM_CTRL2: writing 1 to CLEAR clears the alarm status.
    pub ALARM_CTRL2 [
        CLEAR OFFSET(0) NUMBITS(1) []
    ],
    /// RTC_ALARM INT_RT_STS: the alarm went off (the DT's <0 0x61 1> interrupt).
    pub ALARM_INT_RT_STS [
        ALARM OFFSET(1) NUMBITS(1) []
    ],
    /// GPIO MODE_CTL (docs/hardware/spmi-pm8916.md#gpio-registers).
    pub GPIO_MODE_CTL [
        LEVEL OFFSET(0) NUMBITS(1) [],
        SOURCE OFFSET(1) NUMBITS(3) [
            Constant = 0
        ],
        MODE OFFSET(4) NUMBITS(3) [
            Input = 0,
            Output = 1,
            InputOutput = 2
        ]
    ],
    /// MPP MODE_CTL (docs/hardware/spmi-pm8916.md#mpp-registers).
    pub MPP_MODE_CTL [
        SOURCE OFFSET(0) NUMBITS(4) [
            Low = 0,
            High = 1
        ],
        MODE OFFSET(4) NUMBITS(3) [
            DigitalInput = 0,
            DigitalOutput = 1,
            DigitalInputOutput = 2
        ]
    ],
    /// GPIO STATUS and MPP INT_RT_STS: bit 0 is the pin's input level.
    pub PIN_STATUS [
        LEVEL OFFSET(0) NUMBITS(1) []
    ],
    /// GPIO DIG_PULL_CTL.
    pub DIG_PULL_CTL [
        PULL OFFSET(0) NUMBITS(3) [
            Up30uA = 0,
            Down10uA = 4,
            None = 5
        ]
    ],
    /// GPIO DIG_OUT_CTL.
    pub DIG_OUT_CTL [
        DRIVE OFFSET(0) NUMBITS(2) [
            Low = 1
        ],
        BUFFER OFFSET(4) NUMBITS(2) [
            Cmos = 0
        ]
    ],
    /// GPIO/MPP EN_CTL.
    pub EN_CTL [
        ENABLE OFFSET(7) NUMBITS(1) []
    ]
];
