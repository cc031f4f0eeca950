//! `docs/figures/pinout.svg`: both expansion headers, drawn from the board crate's own pin
//! table (`bsp/db410c/src/header_pins.rs`, included by [`super::header_pins`]).
//!
//! Design notes: each header is drawn as on the board, odd pins in the left column and even
//! pins in the right one, pin 1 square. Each pin's labels run outwards from the connector:
//! the 96Boards name (coloured by kind), the SoC pad or PMIC pin behind it, its level, and
//! what it can do. Every pin also carries a tooltip with all of it.

use super::header_pins::{HEADERS, Header, HeaderPin, PinSource, Voltage};
use super::svg::{Anchor, Svg, text_width};

const ROW: i32 = 22;
const FONT: u32 = 12;
const SMALL: u32 = 11;
const MARGIN: i32 = 20;
const GAP: i32 = 12;
/// Half the width of the connector body (two pin columns).
const BODY_HALF: i32 = 30;

/// The kinds of pin, for colour.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ground,
    Power,
    Key,
    Uart,
    I2c,
    Spi,
    Audio,
    Gpio,
    Camera,
    Display,
    Usb,
    Unconnected,
}

impl Kind {
    fn of(pin: &HeaderPin) -> Kind {
        let name = pin.silkscreen_name;
        if pin.source == PinSource::NotConnected {
            Kind::Unconnected
        } else if pin.source == PinSource::Ground {
            Kind::Ground
        } else if matches!(
            pin.voltage,
            Voltage::Supply1V8 | Voltage::Supply5V | Voltage::SystemInput
        ) {
            Kind::Power
        } else if pin.voltage == Voltage::PullToGroundOnly {
            Kind::Key
        } else if name.starts_with("UART") {
            Kind::Uart
        } else if name.starts_with("I2C") {
            Kind::I2c
        } else if name.starts_with("SPI") || name.starts_with("SD_") {
            Kind::Spi
        } else if name.starts_with("PCM") {
            Kind::Audio
        } else if name.starts_with("GPIO") {
            Kind::Gpio
        } else if name.starts_with("CSI") || name.starts_with("CLK") {
            Kind::Camera
        } else if name.starts_with("DSI") {
            Kind::Display
        } else if name.starts_with("USB") {
            Kind::Usb
        } else {
            Kind::Gpio
        }
    }

    /// (fill, text colour, legend text).
    fn style(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::Ground => ("#3a3a3a", "#ffffff", "ground"),
            Kind::Power => ("#f4b6b6", "#000000", "power"),
            Kind::Key => ("#f7d7e8", "#000000", "PMIC key input"),
            Kind::Uart => ("#c7dcff", "#000000", "UART"),
            Kind::I2c => ("#dccbf2", "#000000", "I2C"),
            Kind::Spi => ("#ffd9a8", "#000000", "SPI"),
            Kind::Audio => ("#fff1a6", "#000000", "PCM / I2S"),
            Kind::Gpio => ("#c9ebc9", "#000000", "GPIO"),
            Kind::Camera => ("#d9d9d9", "#000000", "camera (MIPI CSI)"),
            Kind::Display => ("#c4e8ef", "#000000", "display (MIPI DSI)"),
            Kind::Usb => ("#e6e0c8", "#000000", "USB"),
            Kind::Unconnected => ("#ffffff", "#888888", "not connected"),
        }
    }
}

const LEGEND: [Kind; 12] = [
    Kind::Gpio,
    Kind::Uart,
    Kind::I2c,
    Kind::Spi,
    Kind::Audio,
    Kind::Camera,
    Kind::Display,
    Kind::Usb,
    Kind::Key,
    Kind::Power,
    Kind::Ground,
    Kind::Unconnected,
];

/// "GPIO 4", "PM8916 MPP4", the net name, or "" for ground / not connected.
pub fn pad_label(pin: &HeaderPin) -> String {
    match pin.source {
        PinSource::SocGpio(n) => format!("GPIO {n}"),
        PinSource::Pmic(name) => format!("PM8916 {name}"),
        PinSource::SocLine(net) | PinSource::Board(net) => net.to_owned(),
        PinSource::Ground => String::new(),
        PinSource::NotConnected => "not connected".to_owned(),
    }
}

/// Everything about a pin in one line (the tooltip).
fn tooltip(header: &Header, pin: &HeaderPin) -> String {
    let mut parts = vec![format!(
        "{} {}: {}",
        header.short_name, pin.number, pin.silkscreen_name
    )];
    let pad = pad_label(pin);
    if !pad.is_empty() {
        parts.push(pad);
    }
    parts.push(pin.voltage.label().to_owned());
    if !pin.functions.is_empty() {
        parts.push(pin.functions.join("; "));
    }
    parts.join(" | ")
}

/// Widths of the label columns (name, pad, level, functions) over both headers, so the two
/// drawings line up.
struct Columns {
    name: i32,
    pad: i32,
    voltage: i32,
    functions: i32,
}

impl Columns {
    fn measure() -> Columns {
        let pins = HEADERS.iter().flat_map(|h| h.pins.iter());
        let mut c = Columns {
            name: 0,
            pad: 0,
            voltage: 0,
            functions: 0,
        };
        for pin in pins {
            // Bold text runs wider than the estimate.
            c.name = c
                .name
                .max(text_width(pin.silkscreen_name, FONT) * 11 / 10 + 14);
            c.pad = c.pad.max(text_width(&pad_label(pin), SMALL));
            c.voltage = c.voltage.max(text_width(pin.voltage.label(), SMALL));
            c.functions = c
                .functions
                .max(text_width(&pin.functions.join("; "), SMALL));
        }
        c
    }

    /// Width of one side's labels.
    fn side(&self) -> i32 {
        self.name + self.pad + self.voltage + self.functions + 4 * GAP
    }
}

/// The picture.
pub fn render() -> String {
    let columns = Columns::measure();
    let width = 2 * (MARGIN + columns.side() + BODY_HALF);
    let header_heights: Vec<i32> = HEADERS
        .iter()
        .map(|h| 44 + (h.pins.len() as i32 / 2) * ROW + 16)
        .collect();
    let legend_height = 90;
    let height = 50 + header_heights.iter().sum::<i32>() + legend_height;
    let mut svg = Svg::new(width as u32, height as u32);
    let center = width / 2;
    svg.title("DragonBoard 410c expansion headers (96Boards CE)");
    let mut top = 50;
    for (header, h) in HEADERS.iter().zip(&header_heights) {
        draw_header(&mut svg, header, &columns, center, top);
        top += h;
    }
    draw_legend(&mut svg, width, top);
    svg.finish(
        "DragonBoard 410c expansion header pinout",
        "Every pin of the 40-pin low-speed and the 60-pin high-speed expansion header: \
         pin number, 96Boards name, the SoC pad or PMIC pin behind it, its voltage and its \
         functions. Generated from bsp/db410c/src/header_pins.rs by `cargo xtask figures`.",
    )
}

fn draw_header(svg: &mut Svg, header: &Header, columns: &Columns, center: i32, top: i32) {
    let rows = header.pins.len() as i32 / 2;
    svg.text(
        center,
        top + 18,
        15,
        Anchor::Middle,
        true,
        "#000000",
        &format!(
            "{}: {} pins, {} 1 to {} {}",
            header.name,
            header.pins.len(),
            header.short_name,
            header.short_name,
            header.pins.len()
        ),
    );
    let first_row = top + 40;
    svg.rect(
        center - BODY_HALF + 4,
        first_row - 4,
        2 * BODY_HALF - 8,
        rows * ROW + 8,
        4,
        "#2b2b2b",
        "#000000",
    );
    for pin in header.pins {
        let row = (pin.number as i32 - 1) / 2;
        let left = pin.number % 2 == 1;
        let y = first_row + row * ROW + ROW / 2;
        let (fill, ink, _) = Kind::of(pin).style();
        svg.group_with_title(&tooltip(header, pin));
        // The pin itself, its number inside the connector body.
        let pin_x = if left { center - 12 } else { center + 12 };
        if pin.number == 1 {
            svg.rect(pin_x - 5, y - 5, 10, 10, 0, "#d4af37", "#000000");
        } else {
            svg.circle(pin_x, y, 5, "#d4af37", "#000000");
        }
        let number_x = if left {
            center - BODY_HALF - 4
        } else {
            center + BODY_HALF + 4
        };
        let (anchor, direction) = if left {
            (Anchor::End, -1)
        } else {
            (Anchor::Start, 1)
        };
        svg.text(
            number_x,
            y + 4,
            FONT,
            anchor,
            true,
            "#000000",
            &pin.number.to_string(),
        );
        // Name pill.
        let mut x = number_x + direction * 26;
        let pill_x = if left { x - columns.name } else { x };
        svg.rect(pill_x, y - 9, columns.name, 18, 9, fill, "#7a7a7a");
        svg.text(
            pill_x + columns.name / 2,
            y + 4,
            FONT,
            Anchor::Middle,
            true,
            ink,
            pin.silkscreen_name,
        );
        x += direction * (columns.name + GAP);
        let grey = "#333333";
        svg.text(x, y + 4, SMALL, anchor, false, grey, &pad_label(pin));
        x += direction * (columns.pad + GAP);
        svg.text(x, y + 4, SMALL, anchor, false, grey, pin.voltage.label());
        x += direction * (columns.voltage + GAP);
        svg.text(
            x,
            y + 4,
            SMALL,
            anchor,
            false,
            grey,
            &pin.functions.join("; "),
        );
        svg.end_group();
    }
}

fn draw_legend(svg: &mut Svg, width: i32, top: i32) {
    let mut x = MARGIN;
    let mut y = top + 10;
    for kind in LEGEND {
        let (fill, ink, label) = kind.style();
        let w = text_width(label, SMALL) + 20;
        if x + w > width - MARGIN {
            x = MARGIN;
            y += 24;
        }
        svg.rect(x, y, w, 18, 9, fill, "#7a7a7a");
        svg.text(x + w / 2, y + 13, SMALL, Anchor::Middle, false, ink, label);
        x += w + 8;
    }
    svg.text(
        MARGIN,
        y + 40,
        SMALL,
        Anchor::Start,
        false,
        "#333333",
        "All low-speed signals are 1.8 V: use level shifters. Hover a pin for all its details. \
         Source: bsp/db410c/src/header_pins.rs (docs/hardware/board-pinout.md).",
    );
}
