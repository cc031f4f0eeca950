//! The machine table: every block of the virtual board in one list, and the models behind it.
//!
//! Design notes:
//! - [`MACHINE`] has one row per register window: name, place (base and size, or the system
//!   registers / SMC for the blocks that are not memory-mapped), which model answers it (and
//!   which of its windows), the GIC interrupt IDs of the block, the GCC clock that must run
//!   for an access (checked by the bus before the model sees it), the model's source file and
//!   a one-line summary. The bus maps the MMIO rows, `--help` lists every row, and a test
//!   compares the rows with the model table in docs/virtual-board.md.
//! - [`Devices`] holds the models as typed fields; [`Devices::model`] is the one place that
//!   maps a table row's [`Device`] to its model. The generic timer and the secure firmware
//!   are not bus models: the board keeps them next to the bus.
//! - Interrupt IDs are GIC IDs (SPI n = ID 32 + n). A model's interrupt outputs (bit k of
//!   `Model::interrupt_lines` = the row's k-th ID) drive the GIC's input lines after every
//!   access and event (`bus`); the generic timer's PPIs are driven by the board.

use crate::board::Config;
use crate::bus::Model;
use crate::models::gcc::{ClockView, Gcc};
use crate::models::gic_registers::GicModel;
use crate::models::msm_iommu::MsmIommu;
use crate::models::prng::Prng;
use crate::models::ps_hold::PsHold;
use crate::models::qtimer::QTimer;
use crate::models::qup::Qup;
use crate::models::qup::spi::{CHIP_SELECT_GPIO, QupSpi};
use crate::models::sdhc::Sdhc;
use crate::models::spmi::{self, Spmi};
use crate::models::tlmm::Tlmm;
use crate::models::uart_dm::UartDm;
use crate::models::usb_hs::UsbHs;
use crate::models::watchdog::{self, Watchdog};

/// Which model answers a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// Global clock controller.
    Gcc,
    /// Pin controller.
    Tlmm,
    /// BLSP1 UART1.
    Uart1,
    /// BLSP1 UART2 (console).
    Uart2,
    /// Random number generator.
    Prng,
    /// MPM PS_HOLD.
    PsHold,
    /// SD host controller 1 (eMMC slot).
    Sdhc1,
    /// SD host controller 2 (µSD slot).
    Sdhc2,
    /// SPMI PMIC arbiter with the PM8916.
    Spmi,
    /// USB HS controller.
    UsbHs,
    /// BLSP1 QUP2 (the header's I2C0).
    Qup2,
    /// BLSP1 QUP6 (the header's I2C1).
    Qup6,
    /// BLSP1 QUP5 (the header's SPI0).
    Qup5,
    /// GICv2 interrupt controller (distributor and CPU interface).
    Gic,
    /// APSS watchdog (KPSS layout; base inferred).
    ApssWdt,
    /// QTimer (memory-mapped generic timer frames).
    QTimer,
    /// GPU IOMMU context banks.
    GpuIommu,
    /// Generic timer (system registers; not on the bus).
    GenericTimer,
    /// Secure firmware (SMC; not on the bus).
    SecureMonitor,
}

/// Where a block is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A memory-mapped window.
    Mmio {
        /// Physical base address.
        base: u64,
        /// Window size in bytes.
        size: u64,
    },
    /// MRS/MSR of system registers.
    SystemRegisters,
    /// SMC calls.
    Smc,
}

/// A GCC branch that must run for an access to a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockGate {
    /// BLSP1_AHB (the BLSP1 bus interface: UARTs, QUPs).
    Blsp1Ahb,
    /// PRNG_AHB.
    PrngAhb,
}

impl ClockGate {
    /// The branch's name in the clock controller's documentation.
    pub fn name(self) -> &'static str {
        match self {
            Self::Blsp1Ahb => "BLSP1_AHB",
            Self::PrngAhb => "PRNG_AHB",
        }
    }

    /// Whether the branch runs.
    pub fn running(self, clocks: &ClockView) -> bool {
        match self {
            Self::Blsp1Ahb => clocks.blsp1_ahb,
            Self::PrngAhb => clocks.prng_ahb,
        }
    }
}

/// One row of the machine table.
#[derive(Debug, Clone, Copy)]
pub struct Block {
    /// Block name.
    pub name: &'static str,
    /// Where it is reached.
    pub place: Place,
    /// The model answering it.
    pub device: Device,
    /// Which of the model's windows this row is (0 for single-window models).
    pub window: usize,
    /// GIC interrupt IDs of the block.
    pub interrupts: &'static [u32],
    /// Clock that must run for an access (none: the block is always clocked here).
    pub clock: Option<ClockGate>,
    /// The model's source file under emu/src/models/.
    pub file: &'static str,
    /// What the model does, in a few words.
    pub summary: &'static str,
    /// 64-bit registers that are a low and a high 32-bit word: an aligned 64-bit access
    /// reaches the model as its two 32-bit halves instead of being refused.
    pub halves: bool,
}

const fn mmio(
    name: &'static str,
    base: u64,
    size: u64,
    device: Device,
    file: &'static str,
) -> Block {
    Block {
        name,
        place: Place::Mmio { base, size },
        device,
        window: 0,
        interrupts: &[],
        clock: None,
        file,
        summary: "",
        halves: false,
    }
}

/// The memory-mapped row that holds physical address `addr`.
pub fn block_at(addr: u64) -> Option<&'static Block> {
    MACHINE.iter().find(|b| {
        b.mmio()
            .is_some_and(|(base, size)| (base..base + size).contains(&addr))
    })
}

impl Block {
    const fn irq(mut self, interrupts: &'static [u32]) -> Self {
        self.interrupts = interrupts;
        self
    }
    const fn clock(mut self, gate: ClockGate) -> Self {
        self.clock = Some(gate);
        self
    }
    const fn window(mut self, window: usize) -> Self {
        self.window = window;
        self
    }
    const fn says(mut self, summary: &'static str) -> Self {
        self.summary = summary;
        self
    }
    const fn in_halves(mut self) -> Self {
        self.halves = true;
        self
    }
    /// Base and size if the block is memory-mapped.
    pub fn mmio(&self) -> Option<(u64, u64)> {
        match self.place {
            Place::Mmio { base, size } => Some((base, size)),
            _ => None,
        }
    }
}

/// MPM PS_HOLD register (also written by the secure firmware for PSCI SYSTEM_OFF/RESET).
pub const PS_HOLD_BASE: u64 = 0x004A_B000;

/// GIC distributor base.
pub const GIC_DISTRIBUTOR_BASE: u64 = 0x0B00_0000;

/// GIC IDs of the generic timer's PPIs (docs/hardware/gic-timers.md#architected-timer): EL1
/// non-secure physical timer and virtual timer.
pub const TIMER_PHYSICAL_PPI: u32 = 19;
/// Virtual timer PPI.
pub const TIMER_VIRTUAL_PPI: u32 = 20;

/// GIC ID of SPI `n`.
const fn spi(n: u32) -> u32 {
    32 + n
}

/// Every block of the virtual board.
pub static MACHINE: &[Block] = &[
    mmio("GCC", 0x0180_0000, 0x8_0000, Device::Gcc, "gcc/")
        .says("every branch, RCG, PLL, vote, block reset and power domain of the Linux map"),
    mmio("TLMM", 0x0100_0000, 0x30_0000, Device::Tlmm, "tlmm.rs")
        .irq(&[spi(208)])
        .says("122 pads: function, pull, drive, output enable, pad level, interrupt status"),
    mmio(
        "BLSP1_UART1",
        0x078A_F000,
        0x1000,
        Device::Uart1,
        "uart_dm.rs",
    )
    .irq(&[spi(107)])
    .clock(ClockGate::Blsp1Ahb)
    .says("UART_DM v1.4: both register maps, FIFOs at the line rate"),
    mmio(
        "BLSP1_UART2",
        0x078B_0000,
        0x1000,
        Device::Uart2,
        "uart_dm.rs",
    )
    .irq(&[spi(108)])
    .clock(ClockGate::Blsp1Ahb)
    .says("console UART (stdout, --input, --stdin)"),
    mmio("PRNG", 0x0002_2000, 0x1000, Device::Prng, "prng.rs")
        .clock(ClockGate::PrngAhb)
        .says("random words only when enabled; deterministic per --seed"),
    mmio(
        "MPM_PS_HOLD",
        PS_HOLD_BASE,
        0x1000,
        Device::PsHold,
        "ps_hold.rs",
    )
    .says("releasing PS_HOLD ends the run (exit 0): system reset, or power off per the PM8916"),
    mmio("SDHC1", 0x0782_4000, 0x1000, Device::Sdhc1, "sdhc.rs")
        .irq(&[spi(123), spi(138)])
        .says("eMMC slot host controller, no card: commands time out"),
    mmio("SDHC2", 0x0786_4000, 0x1000, Device::Sdhc2, "sdhc.rs")
        .irq(&[spi(125), spi(221)])
        .says("µSD slot host controller; --sd IMAGE puts an SD card in it"),
    mmio(
        "SPMI_CORE",
        spmi::CORE.0,
        spmi::CORE.1,
        Device::Spmi,
        "spmi.rs",
    )
    .irq(&[spi(190)])
    .says("PMIC arbiter v2: version, APID table; PMIC interrupts on GIC 222"),
    mmio(
        "SPMI_CNFG",
        spmi::CNFG.0,
        spmi::CNFG.1,
        Device::Spmi,
        "spmi.rs",
    )
    .window(1)
    .says("PMIC arbiter ownership table"),
    mmio(
        "SPMI_CHNLS",
        spmi::CHNLS.0,
        spmi::CHNLS.1,
        Device::Spmi,
        "spmi.rs",
    )
    .window(2)
    .says("PMIC arbiter write channels (PM8916 REVID, PON, GPIO1..4, MPP1..4, RTC)"),
    mmio(
        "SPMI_OBSRVR",
        spmi::OBSRVR.0,
        spmi::OBSRVR.1,
        Device::Spmi,
        "spmi.rs",
    )
    .window(3)
    .says("PMIC arbiter read channels"),
    mmio(
        "SPMI_INTR",
        spmi::INTR.0,
        spmi::INTR.1,
        Device::Spmi,
        "spmi.rs",
    )
    .window(4)
    .says("PMIC arbiter interrupt registers: per-channel status, EE 0 summary (GIC 222)"),
    mmio("USB_HS", 0x078D_9000, 0x1000, Device::UsbHs, "usb_hs.rs")
        .irq(&[spi(134), spi(140)])
        .says("ChipIdea/EHCI controller and ULPI PHY, nothing plugged in"),
    mmio("BLSP1_QUP2", 0x078B_6000, 0x1000, Device::Qup2, "qup.rs")
        .irq(&[spi(96)])
        .clock(ClockGate::Blsp1Ahb)
        .says("header I2C0: I2C master, v2 tags, FIFO mode; --i2c 0:... devices"),
    mmio("BLSP1_QUP6", 0x078B_A000, 0x1000, Device::Qup6, "qup.rs")
        .irq(&[spi(100)])
        .clock(ClockGate::Blsp1Ahb)
        .says("header I2C1: as QUP2; --i2c 1:... devices"),
    mmio(
        "BLSP1_QUP5",
        0x078B_9000,
        0x1000,
        Device::Qup5,
        "qup/spi.rs",
    )
    .irq(&[spi(99)])
    .clock(ClockGate::Blsp1Ahb)
    .says("header SPI0: SPI master, FIFO mode, CS = GPIO 18; --spi 0:nor"),
    mmio(
        "GIC_DIST",
        GIC_DISTRIBUTOR_BASE,
        0x1000,
        Device::Gic,
        "gic.rs",
    )
    .says("GICv2 distributor, Non-secure view: 288 IDs, 4 cores, SGI/PPI/SPI"),
    mmio("GIC_CPU", 0x0B00_2000, 0x2000, Device::Gic, "gic.rs")
        .window(1)
        .says("GICv2 CPU interface of the running core: IAR/EOIR/DIR, PMR, BPR, RPR"),
    mmio("GPU_IOMMU_CB", 0x01F0_9000, 0x2000, Device::GpuIommu, "msm_iommu.rs")
        .says("GPU IOMMU context banks 1 and 2: configuration stored, FSR write-one-to-clear, TLB sync completes at once"),
    mmio("QTIMER_CTL", 0x0B02_0000, 0x1000, Device::QTimer, "qtimer.rs")
        .irq(&[spi(8), spi(7), spi(9), spi(10), spi(11), spi(12), spi(13), spi(14)])
        .says("QTimer control frame: CNTFRQ, CNTNSAR, CNTTIDR, CNTACR, CNTVOFF"),
    mmio("QTIMER_FRAMES", 0x0B02_1000, 0x8000, Device::QTimer, "qtimer.rs")
        .window(1)
        .in_halves()
        .says("QTimer frames 0..6 (frame 0 with its EL0 view): the system counter, physical and virtual timers"),
    mmio(
        "APSS_WDT",
        watchdog::BASE,
        watchdog::SIZE,
        Device::ApssWdt,
        "watchdog.rs",
    )
    .irq(&[spi(3)])
    .says(
        "APSS watchdog (inferred base): sleep-clock count, bark IRQ, bite ends the run as a reset",
    ),
    Block {
        name: "generic timer",
        place: Place::SystemRegisters,
        device: Device::GenericTimer,
        window: 0,
        interrupts: &[TIMER_PHYSICAL_PPI, TIMER_VIRTUAL_PPI],
        clock: None,
        file: "timer.rs",
        summary: "CNTFRQ 19.2 MHz, counters from virtual time, compare as PPI levels, WFI wake-up",
        halves: false,
    },
    Block {
        name: "secure monitor",
        place: Place::Smc,
        device: Device::SecureMonitor,
        window: 0,
        interrupts: &[],
        clock: None,
        file: "secure_monitor.rs",
        summary: "TZ milestone call to AArch64 EL1, PSCI 1.0 (SYSTEM_OFF/RESET drop PS_HOLD)",
        halves: false,
    },
];

/// The `--help` list of blocks.
pub fn help_text() -> String {
    let mut s = String::from("Models (machine table):\n");
    for b in MACHINE {
        let place = match b.place {
            Place::Mmio { base, size } => format!("{base:#010x} +{size:#x}"),
            Place::SystemRegisters => "system registers".into(),
            Place::Smc => "SMC".into(),
        };
        let irqs: Vec<String> = b.interrupts.iter().map(u32::to_string).collect();
        let mut extra = String::new();
        if !irqs.is_empty() {
            extra += &format!(" [GIC {}]", irqs.join(","));
        }
        if let Some(c) = b.clock {
            extra += &format!(" [clock {}]", c.name());
        }
        s += &format!(
            "  {:<14} {:<22} {}: {}{extra}\n",
            b.name, place, b.file, b.summary
        );
    }
    s
}

/// The bus models, as typed fields.
pub struct Devices {
    /// Clock controller.
    pub gcc: Gcc,
    /// Pin controller.
    pub tlmm: Tlmm,
    /// BLSP1 UART1.
    pub uart1: UartDm,
    /// BLSP1 UART2 (console).
    pub uart2: UartDm,
    /// PRNG.
    pub prng: Prng,
    /// PS_HOLD.
    pub ps_hold: PsHold,
    /// SDHC1 (eMMC slot, 8-bit).
    pub sdhc1: Sdhc,
    /// SDHC2 (µSD slot).
    pub sdhc2: Sdhc,
    /// SPMI arbiter and PM8916.
    pub spmi: Spmi,
    /// USB HS.
    pub usb_hs: UsbHs,
    /// BLSP1 QUP2 (I2C0).
    pub qup2: Qup,
    /// BLSP1 QUP6 (I2C1).
    pub qup6: Qup,
    /// BLSP1 QUP5 (SPI0).
    pub qup5: QupSpi,
    /// GIC.
    pub gic: GicModel,
    /// APSS watchdog.
    pub apss_wdt: Watchdog,
    /// QTimer.
    pub qtimer: QTimer,
    /// GPU IOMMU context banks.
    pub gpu_iommu: MsmIommu,
}

impl Devices {
    /// Every model in the state the stock boot chain leaves it.
    pub fn new(config: &Config) -> Self {
        Self {
            gcc: Gcc::new(),
            tlmm: Tlmm::new(config.trace_gpio),
            uart1: UartDm::new(0, Vec::new()),
            uart2: UartDm::new_console(config.input.clone()),
            prng: Prng::new(config.seed),
            ps_hold: PsHold::default(),
            sdhc1: Sdhc::new(true),
            sdhc2: Sdhc::new(false),
            spmi: Spmi::new(config.trace_gpio, config.pon_reason).with_rtc(config.rtc_seconds),
            usb_hs: UsbHs::new(),
            qup2: Qup::new(Device::Qup2, 0, &config.i2c),
            qup6: Qup::new(Device::Qup6, 1, &config.i2c),
            qup5: QupSpi::new(Device::Qup5, &config.spi),
            gic: GicModel::default(),
            apss_wdt: Watchdog::new(config.watchdog_reset),
            qtimer: QTimer::default(),
            gpu_iommu: MsmIommu::default(),
        }
    }

    /// After a TLMM write: passes the SPI0 chip-select pad's level on to QUP5.
    pub fn pads_written(&mut self, ctx: &mut crate::bus::Ctx<'_>) {
        self.qup5
            .observe_chip_select(self.tlmm.level(CHIP_SELECT_GPIO));
        Model::advance(&mut self.qup5, ctx);
    }

    /// The model behind a table row (`None` for the blocks that are not on the bus).
    pub fn model(&mut self, device: Device) -> Option<&mut dyn Model> {
        Some(match device {
            Device::Gcc => &mut self.gcc,
            Device::Tlmm => &mut self.tlmm,
            Device::Uart1 => &mut self.uart1,
            Device::Uart2 => &mut self.uart2,
            Device::Prng => &mut self.prng,
            Device::PsHold => &mut self.ps_hold,
            Device::Sdhc1 => &mut self.sdhc1,
            Device::Sdhc2 => &mut self.sdhc2,
            Device::Spmi => &mut self.spmi,
            Device::UsbHs => &mut self.usb_hs,
            Device::Qup2 => &mut self.qup2,
            Device::Qup6 => &mut self.qup6,
            Device::Qup5 => &mut self.qup5,
            Device::Gic => &mut self.gic,
            Device::ApssWdt => &mut self.apss_wdt,
            Device::QTimer => &mut self.qtimer,
            Device::GpuIommu => &mut self.gpu_iommu,
            Device::GenericTimer | Device::SecureMonitor => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_do_not_overlap_and_every_bus_device_is_mapped() {
        let mut windows: Vec<(u64, u64, &str)> = MACHINE
            .iter()
            .filter_map(|b| b.mmio().map(|(base, size)| (base, size, b.name)))
            .collect();
        windows.sort();
        for w in windows.windows(2) {
            assert!(w[0].0 + w[0].1 <= w[1].0, "{} overlaps {}", w[0].2, w[1].2);
        }
        let mut devices = Devices::new(&Config::default());
        for b in MACHINE {
            assert_eq!(
                devices.model(b.device).is_some(),
                b.mmio().is_some(),
                "{}",
                b.name
            );
        }
    }

    /// The rows of the model table in docs/virtual-board.md: (block, base, size, interrupts,
    /// clock), as written.
    fn documented_rows() -> Vec<[String; 5]> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/virtual-board.md");
        let text = std::fs::read_to_string(path).expect("docs/virtual-board.md");
        text.lines()
            .skip_while(|l| !l.starts_with("| block | base | size |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let cells: Vec<String> = l.split('|').map(|c| c.trim().to_string()).collect();
                [1, 2, 3, 5, 6].map(|k| cells[k].clone())
            })
            .collect()
    }

    fn hex(text: &str) -> Option<u64> {
        u64::from_str_radix(&text.strip_prefix("0x")?.replace('_', ""), 16).ok()
    }

    #[test]
    fn docs_model_table_matches_the_machine_table() {
        let documented = documented_rows();
        assert_eq!(documented.len(), MACHINE.len(), "{documented:?}");
        for (row, block) in documented.iter().zip(MACHINE) {
            let [name, base, size, interrupts, clock] = row;
            assert_eq!(name, block.name);
            match block.place {
                Place::Mmio { base: b, size: s } => {
                    assert_eq!(hex(base), Some(b), "{name} base");
                    assert_eq!(hex(size), Some(s), "{name} size");
                }
                Place::SystemRegisters => assert_eq!(base, "system registers"),
                Place::Smc => assert_eq!(base, "SMC"),
            }
            let irqs: Vec<String> = block.interrupts.iter().map(u32::to_string).collect();
            let irqs = if irqs.is_empty() {
                "–".into()
            } else {
                irqs.join(", ")
            };
            assert_eq!(interrupts, &irqs, "{name} interrupts");
            assert_eq!(
                clock,
                block.clock.map_or("–", ClockGate::name),
                "{name} clock"
            );
        }
    }

    #[test]
    fn help_lists_every_block() {
        let help = help_text();
        for b in MACHINE {
            assert!(help.contains(b.name), "{}", b.name);
        }
    }
}
