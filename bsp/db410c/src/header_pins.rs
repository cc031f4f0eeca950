//! The DragonBoard 410c's two 96Boards CE expansion headers, every pin, as plain data: the
//! 40-pin low-speed header and the 60-pin high-speed header.
//!
//! Design notes:
//! - This file depends on nothing (no `use`, no other item of the crate): `xtask` includes it
//!   with `#[path]` to draw the pinout picture (`cargo xtask figures`,
//!   `docs/figures/pinout.svg`) without building the firmware crates, so the picture and
//!   the board crate cannot disagree.
//! - The board crate's [`LowSpeedHeader`](crate::LowSpeedHeader) names its pads after this
//!   table; a unit test checks that every field's TLMM pad is the pad of the header pin its
//!   name says.
//! - Facts and their sources: docs/hardware/board-pinout.md#low-speed-header and
//!   docs/hardware/board-pinout.md#high-speed-header (the board's hardware user manual, the
//!   96Boards CE signal names, the upstream device tree's pin functions).

/// What drives a header pin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinSource {
    /// A TLMM pad of the SoC: `GPIO n`.
    SocGpio(u8),
    /// A pin of the PM8916 PMIC, by its PMIC name (`MPP4`, `KPDPWR_N`).
    Pmic(&'static str),
    /// A SoC pin that is not a TLMM pad (MIPI lanes), by the board schematic's net name.
    SocLine(&'static str),
    /// A board net from neither the SoC nor the PMIC's pins (a supply rail, the USB hub).
    Board(&'static str),
    /// Ground.
    Ground,
    /// Not connected on this board.
    NotConnected,
}

/// Signal level of a header pin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Voltage {
    /// 1.8 V logic (every low-speed signal of this board).
    Logic1V8,
    /// Only ever pulled to ground by a mezzanine (the PMIC's key inputs).
    PullToGroundOnly,
    /// +1.8 V supply.
    Supply1V8,
    /// +5 V supply.
    Supply5V,
    /// The board's input supply, 6.5 to 18 V.
    SystemInput,
    /// Ground.
    Ground,
    /// A MIPI D-PHY differential lane.
    MipiDphy,
    /// A USB 2.0 data line.
    Usb2,
    /// No signal.
    None,
}

impl Voltage {
    /// Short label, as the pinout picture prints it.
    pub const fn label(self) -> &'static str {
        match self {
            Voltage::Logic1V8 => "1.8 V",
            Voltage::PullToGroundOnly => "to GND only",
            Voltage::Supply1V8 => "+1.8 V",
            Voltage::Supply5V => "+5 V",
            Voltage::SystemInput => "6.5-18 V",
            Voltage::Ground => "0 V",
            Voltage::MipiDphy => "D-PHY",
            Voltage::Usb2 => "USB 2.0",
            Voltage::None => "-",
        }
    }
}

/// One pin of an expansion header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderPin {
    /// Pin number on the connector (odd pins in one row, even pins in the other).
    pub number: u8,
    /// The 96Boards CE signal name, the name the board's silkscreen and every mezzanine use
    /// (`UART1_TxD`, `GPIO-A`, `I2C2_SDA`).
    pub silkscreen_name: &'static str,
    /// What drives the pin.
    pub source: PinSource,
    /// What the pin can do, most specific first: the SoC block and its TLMM mux function
    /// where known ("function n" = `GPIO_CFG.FUNC_SEL` n), then plain `GPIO`.
    pub functions: &'static [&'static str],
    /// Signal level.
    pub voltage: Voltage,
}

/// One expansion header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Name, e.g. "Low-speed expansion header".
    pub name: &'static str,
    /// Prefix of pin references in the docs: "LS" or "HS" ("LS 11").
    pub short_name: &'static str,
    /// Every pin, by number from 1.
    pub pins: &'static [HeaderPin],
}

impl Header {
    /// Pin `number`, if the header has it.
    pub const fn pin(&self, number: u8) -> Option<&'static HeaderPin> {
        let mut i = 0;
        while i < self.pins.len() {
            if self.pins[i].number == number {
                return Some(&self.pins[i]);
            }
            i += 1;
        }
        None
    }

    /// The pin driven by TLMM pad `gpio`, if one is.
    pub const fn pin_of_soc_gpio(&self, gpio: u8) -> Option<&'static HeaderPin> {
        let mut i = 0;
        while i < self.pins.len() {
            if let PinSource::SocGpio(n) = self.pins[i].source
                && n == gpio
            {
                return Some(&self.pins[i]);
            }
            i += 1;
        }
        None
    }
}

const fn pin(
    number: u8,
    silkscreen_name: &'static str,
    source: PinSource,
    functions: &'static [&'static str],
    voltage: Voltage,
) -> HeaderPin {
    HeaderPin {
        number,
        silkscreen_name,
        source,
        functions,
        voltage,
    }
}

const fn ground(number: u8) -> HeaderPin {
    pin(number, "GND", PinSource::Ground, &[], Voltage::Ground)
}

const fn gpio(
    number: u8,
    name: &'static str,
    pad: u8,
    functions: &'static [&'static str],
) -> HeaderPin {
    pin(
        number,
        name,
        PinSource::SocGpio(pad),
        functions,
        Voltage::Logic1V8,
    )
}

const fn mipi(
    number: u8,
    name: &'static str,
    net: &'static str,
    function: &'static [&'static str],
) -> HeaderPin {
    pin(
        number,
        name,
        PinSource::SocLine(net),
        function,
        Voltage::MipiDphy,
    )
}

const fn unconnected(number: u8, name: &'static str) -> HeaderPin {
    pin(number, name, PinSource::NotConnected, &[], Voltage::None)
}

const CSI0: &[&str] = &["camera 0, MIPI CSI0 (4 lanes)"];
const CSI1: &[&str] = &["camera 1, MIPI CSI1 (2 lanes)"];
const DSI: &[&str] = &["display, MIPI DSI0 (DSI switch: GPIO 32 high)"];

/// The 40-pin low-speed expansion header. All signals 1.8 V.
pub const LOW_SPEED_HEADER: Header = Header {
    name: "Low-speed expansion header",
    short_name: "LS",
    pins: &[
        ground(1),
        ground(2),
        gpio(
            3,
            "UART0_CTS",
            2,
            &["BLSP1 UART1 CTS_N (function 2)", "GPIO"],
        ),
        pin(
            4,
            "PWR_BTN_N",
            PinSource::Pmic("KPDPWR_N"),
            &["power key (also button S2)"],
            Voltage::PullToGroundOnly,
        ),
        gpio(5, "UART0_TxD", 0, &["BLSP1 UART1 TX (function 2)", "GPIO"]),
        pin(
            6,
            "RST_BTN_N",
            PinSource::Pmic("RESIN_N"),
            &["volume-down / reset key (also button S4)"],
            Voltage::PullToGroundOnly,
        ),
        gpio(7, "UART0_RxD", 1, &["BLSP1 UART1 RX (function 2)", "GPIO"]),
        gpio(
            8,
            "SPI0_SCLK",
            19,
            &["BLSP1 QUP5 SPI CLK (function 1)", "GPIO"],
        ),
        gpio(
            9,
            "UART0_RTS",
            3,
            &["BLSP1 UART1 RTS_N (function 2)", "GPIO"],
        ),
        gpio(
            10,
            "SPI0_DIN",
            17,
            &["BLSP1 QUP5 SPI MISO (function 1)", "GPIO"],
        ),
        gpio(
            11,
            "UART1_TxD",
            4,
            &["BLSP1 UART2 TX (function 2): debug console", "GPIO"],
        ),
        gpio(
            12,
            "SPI0_CS",
            18,
            &[
                "BLSP1 QUP5 SPI CS_N (function 1)",
                "GPIO: the board crate's chip select",
            ],
        ),
        gpio(
            13,
            "UART1_RxD",
            5,
            &["BLSP1 UART2 RX (function 2): debug console", "GPIO"],
        ),
        gpio(
            14,
            "SPI0_DOUT",
            16,
            &["BLSP1 QUP5 SPI MOSI (function 1)", "GPIO"],
        ),
        gpio(
            15,
            "I2C0_SCL",
            7,
            &["BLSP1 QUP2 I2C SCL (function 3)", "GPIO"],
        ),
        gpio(16, "PCM_FS", 110, &["LPASS MI2S word select", "GPIO"]),
        gpio(
            17,
            "I2C0_SDA",
            6,
            &["BLSP1 QUP2 I2C SDA (function 3)", "GPIO"],
        ),
        gpio(18, "PCM_CLK", 113, &["LPASS MI2S bit clock", "GPIO"]),
        gpio(
            19,
            "I2C1_SCL",
            23,
            &["BLSP1 QUP6 I2C SCL (function 2)", "GPIO"],
        ),
        gpio(20, "PCM_DO", 114, &["LPASS MI2S data out", "GPIO"]),
        gpio(
            21,
            "I2C1_SDA",
            22,
            &["BLSP1 QUP6 I2C SDA (function 2)", "GPIO"],
        ),
        unconnected(22, "PCM_DI"),
        gpio(23, "GPIO-A", 36, &["GPIO, wake-capable (APQ INT)"]),
        gpio(24, "GPIO-B", 12, &["GPIO"]),
        gpio(25, "GPIO-C", 13, &["GPIO, interrupt"]),
        gpio(26, "GPIO-D", 69, &["GPIO, interrupt"]),
        gpio(27, "GPIO-E", 115, &["GPIO, interrupt"]),
        pin(
            28,
            "GPIO-F",
            PinSource::Pmic("MPP4"),
            &["PMIC MPP, digital I/O (DSI backlight control)"],
            Voltage::Logic1V8,
        ),
        gpio(29, "GPIO-G", 24, &["GPIO (DSI VSYNC)"]),
        gpio(30, "GPIO-H", 25, &["GPIO (DSI reset)"]),
        gpio(31, "GPIO-I", 35, &["GPIO (camera 0 reset)"]),
        gpio(32, "GPIO-J", 34, &["GPIO (camera 0 power-down)"]),
        gpio(33, "GPIO-K", 28, &["GPIO (camera 1 reset)"]),
        gpio(34, "GPIO-L", 33, &["GPIO (camera 1 power-down)"]),
        pin(
            35,
            "+1V8",
            PinSource::Pmic("L15 + L16"),
            &["1.8 V supply, 110 mA"],
            Voltage::Supply1V8,
        ),
        pin(
            36,
            "SYS_DCIN",
            PinSource::Board("SYS_DCIN"),
            &["board supply in or out"],
            Voltage::SystemInput,
        ),
        pin(
            37,
            "+5V",
            PinSource::Board("SYS_5P0"),
            &["5 V supply, up to 1.64 A"],
            Voltage::Supply5V,
        ),
        pin(
            38,
            "SYS_DCIN",
            PinSource::Board("SYS_DCIN"),
            &["board supply in or out"],
            Voltage::SystemInput,
        ),
        ground(39),
        ground(40),
    ],
};

/// The 60-pin high-speed expansion header.
pub const HIGH_SPEED_HEADER: Header = Header {
    name: "High-speed expansion header",
    short_name: "HS",
    pins: &[
        gpio(
            1,
            "SD_DAT0/SPI1_DOUT",
            8,
            &["BLSP1 QUP3 SPI MOSI (function 1)", "GPIO"],
        ),
        mipi(2, "CSI0_C+", "MIPI_CSI0_CLK_P", CSI0),
        unconnected(3, "SD_DAT1"),
        mipi(4, "CSI0_C-", "MIPI_CSI0_CLK_M", CSI0),
        unconnected(5, "SD_DAT2"),
        ground(6),
        gpio(
            7,
            "SD_DAT3/SPI1_CS",
            10,
            &["BLSP1 QUP3 SPI CS_N (function 1)", "GPIO"],
        ),
        mipi(8, "CSI0_D0+", "MIPI_CSI0_DATA0_P", CSI0),
        gpio(
            9,
            "SD_SCLK/SPI1_SCLK",
            11,
            &["BLSP1 QUP3 SPI CLK (function 1)", "GPIO"],
        ),
        mipi(10, "CSI0_D0-", "MIPI_CSI0_DATA0_M", CSI0),
        gpio(
            11,
            "SD_CMD/SPI1_DIN",
            9,
            &["BLSP1 QUP3 SPI MISO (function 1)", "GPIO"],
        ),
        ground(12),
        ground(13),
        mipi(14, "CSI0_D1+", "MIPI_CSI0_DATA1_P", CSI0),
        gpio(15, "CLK0/CSI0_MCLK", 26, &["camera 0 master clock", "GPIO"]),
        mipi(16, "CSI0_D1-", "MIPI_CSI0_DATA1_M", CSI0),
        gpio(17, "CLK1/CSI1_MCLK", 27, &["camera 1 master clock", "GPIO"]),
        ground(18),
        ground(19),
        mipi(20, "CSI0_D2+", "MIPI_CSI0_DATA2_P", CSI0),
        mipi(21, "DSI_CLK+", "MIPI_DSI0_CLK_P", DSI),
        mipi(22, "CSI0_D2-", "MIPI_CSI0_DATA2_M", CSI0),
        mipi(23, "DSI_CLK-", "MIPI_DSI0_CLK_M", DSI),
        ground(24),
        ground(25),
        mipi(26, "CSI0_D3+", "MIPI_CSI0_DATA3_P", CSI0),
        mipi(27, "DSI_D0+", "MIPI_DSI0_DATA0_P", DSI),
        mipi(28, "CSI0_D3-", "MIPI_CSI0_DATA3_M", CSI0),
        mipi(29, "DSI_D0-", "MIPI_DSI0_DATA0_M", DSI),
        ground(30),
        ground(31),
        gpio(
            32,
            "I2C2_SCL",
            30,
            &["camera CCI I2C SCL (function 1)", "GPIO"],
        ),
        mipi(33, "DSI_D1+", "MIPI_DSI0_DATA1_P", DSI),
        gpio(
            34,
            "I2C2_SDA",
            29,
            &["camera CCI I2C SDA (function 1)", "GPIO"],
        ),
        mipi(35, "DSI_D1-", "MIPI_DSI0_DATA1_M", DSI),
        gpio(
            36,
            "I2C3_SCL",
            15,
            &["BLSP1 QUP4 I2C SCL (function 2; fit R61/R62)", "GPIO"],
        ),
        ground(37),
        gpio(
            38,
            "I2C3_SDA",
            14,
            &["BLSP1 QUP4 I2C SDA (function 2; fit R61/R62)", "GPIO"],
        ),
        mipi(39, "DSI_D2+", "MIPI_DSI0_DATA2_P", DSI),
        ground(40),
        mipi(41, "DSI_D2-", "MIPI_DSI0_DATA2_M", DSI),
        mipi(42, "CSI1_D0+", "MIPI_CSI1_DATA0_P", CSI1),
        ground(43),
        mipi(44, "CSI1_D0-", "MIPI_CSI1_DATA0_M", CSI1),
        mipi(45, "DSI_D3+", "MIPI_DSI0_DATA3_P", DSI),
        ground(46),
        mipi(47, "DSI_D3-", "MIPI_DSI0_DATA3_M", DSI),
        mipi(48, "CSI1_D1+", "MIPI_CSI1_DATA1_P", CSI1),
        ground(49),
        mipi(50, "CSI1_D1-", "MIPI_CSI1_DATA1_M", CSI1),
        pin(
            51,
            "USB_D+",
            PinSource::Board("USB hub port 3"),
            &["USB host, hub port 3 (host mode only)"],
            Voltage::Usb2,
        ),
        ground(52),
        pin(
            53,
            "USB_D-",
            PinSource::Board("USB hub port 3"),
            &["USB host, hub port 3 (host mode only)"],
            Voltage::Usb2,
        ),
        mipi(54, "CSI1_C+", "MIPI_CSI1_CLK_P", CSI1),
        ground(55),
        mipi(56, "CSI1_C-", "MIPI_CSI1_CLK_M", CSI1),
        unconnected(57, "HSIC_STR"),
        ground(58),
        unconnected(59, "HSIC_DATA"),
        unconnected(60, "RESERVED"),
    ],
};

/// Both headers, low-speed first.
pub const HEADERS: [Header; 2] = [LOW_SPEED_HEADER, HIGH_SPEED_HEADER];

// Every pin once, in order: pin i (from 0) has number i + 1.
const _: () = {
    let mut h = 0;
    while h < HEADERS.len() {
        let pins = HEADERS[h].pins;
        let mut i = 0;
        while i < pins.len() {
            assert!(pins[i].number as usize == i + 1, "header pins out of order");
            i += 1;
        }
        h += 1;
    }
    assert!(LOW_SPEED_HEADER.pins.len() == 40);
    assert!(HIGH_SPEED_HEADER.pins.len() == 60);
};
