//! The BLSP1 QUP register map, shared by the I2C (`super`) and SPI (`spi`) models: every QUP
//! block has the common QUP registers and both mini-cores' registers at fixed offsets
//! (docs/hardware/qup-i2c-spi.md). Each mode model gives behaviour to the registers of its
//! mini-core; the other mini-core's registers are plain storage there.

use crate::regfile::Register;

/// Register names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// QUP_CONFIG.
    Config,
    /// QUP_STATE.
    State,
    /// QUP_IO_MODES.
    IoModes,
    /// QUP_SW_RESET.
    SwReset,
    /// QUP_OPERATIONAL.
    Operational,
    /// QUP_ERROR_FLAGS.
    ErrorFlags,
    /// QUP_ERROR_FLAGS_EN.
    ErrorFlagsEn,
    /// QUP_OPERATIONAL_MASK.
    OperationalMask,
    /// QUP_HW_VERSION.
    HwVersion,
    /// QUP_MX_OUTPUT_CNT.
    MxOutputCnt,
    /// QUP_OUT_FIFO_CNT.
    OutFifoCnt,
    /// QUP_OUTPUT_FIFO.
    OutputFifo,
    /// QUP_MX_WRITE_CNT.
    MxWriteCnt,
    /// QUP_MX_INPUT_CNT.
    MxInputCnt,
    /// QUP_MX_READ_CNT.
    MxReadCnt,
    /// QUP_IN_FIFO_CNT.
    InFifoCnt,
    /// QUP_INPUT_FIFO.
    InputFifo,
    /// SPI_CONFIG.
    SpiConfig,
    /// SPI_IO_CONTROL.
    SpiIoControl,
    /// SPI_ERROR_FLAGS.
    SpiErrorFlags,
    /// SPI_ERROR_FLAGS_EN.
    SpiErrorFlagsEn,
    /// I2C_MASTER_CLK_CTL.
    ClkCtl,
    /// I2C_MASTER_STATUS.
    I2cStatus,
    /// I2C_MASTER_GEN.
    MasterGen,
    /// I2C_MASTER_BUS_CLEAR.
    BusClear,
}

/// Output and input FIFO block 16 bytes, FIFO size 1 (64 bytes), both directions.
pub const IO_MODES_RESET: u32 = 1 | 1 << 2 | 1 << 5 | 1 << 7;
/// Read-only FIFO size bits of QUP_IO_MODES.
pub const IO_MODES_SIZES: u32 = 0x3FF;
/// FIFO depth in words.
pub const FIFO_WORDS: usize = 16;

pub static REGISTERS: [Register<Reg>; 25] = [
    Register::rw(Reg::Config, "QUP_CONFIG", 0x000).mask(0xFFFF),
    Register::rw(Reg::State, "QUP_STATE", 0x004).special(),
    Register::rw(Reg::IoModes, "QUP_IO_MODES", 0x008)
        .reset(IO_MODES_RESET)
        .special(),
    Register::wo(Reg::SwReset, "QUP_SW_RESET", 0x00C).special(),
    Register::rw(Reg::Operational, "QUP_OPERATIONAL", 0x018).special(),
    Register::w1c(Reg::ErrorFlags, "QUP_ERROR_FLAGS", 0x01C).mask(0x3C),
    Register::rw(Reg::ErrorFlagsEn, "QUP_ERROR_FLAGS_EN", 0x020).mask(0x3C),
    Register::rw(Reg::OperationalMask, "QUP_OPERATIONAL_MASK", 0x028).mask(0x300),
    Register::ro(Reg::HwVersion, "QUP_HW_VERSION", 0x030).reset(0x2002_0001),
    Register::rw(Reg::MxOutputCnt, "QUP_MX_OUTPUT_CNT", 0x100).mask(0xFFFF),
    Register::ro(Reg::OutFifoCnt, "QUP_OUT_FIFO_CNT", 0x10C).special(),
    Register::wo(Reg::OutputFifo, "QUP_OUTPUT_FIFO", 0x110).special(),
    Register::rw(Reg::MxWriteCnt, "QUP_MX_WRITE_CNT", 0x150).mask(0x8000_FFFF),
    Register::rw(Reg::MxInputCnt, "QUP_MX_INPUT_CNT", 0x200).mask(0xFFFF),
    Register::rw(Reg::MxReadCnt, "QUP_MX_READ_CNT", 0x208).mask(0x8000_FFFF),
    Register::ro(Reg::InFifoCnt, "QUP_IN_FIFO_CNT", 0x214).special(),
    Register::ro(Reg::InputFifo, "QUP_INPUT_FIFO", 0x218).special(),
    Register::rw(Reg::SpiConfig, "SPI_CONFIG", 0x300).mask(0x720),
    Register::rw(Reg::SpiIoControl, "SPI_IO_CONTROL", 0x304).mask(0xF1F),
    Register::w1c(Reg::SpiErrorFlags, "SPI_ERROR_FLAGS", 0x308).mask(3),
    Register::rw(Reg::SpiErrorFlagsEn, "SPI_ERROR_FLAGS_EN", 0x30C).mask(3),
    Register::rw(Reg::ClkCtl, "I2C_MASTER_CLK_CTL", 0x400).mask(0x0FFF_07FF),
    Register::rw(Reg::I2cStatus, "I2C_MASTER_STATUS", 0x404).special(),
    Register::rw(Reg::MasterGen, "I2C_MASTER_GEN", 0x408).mask(1),
    Register::rw(Reg::BusClear, "I2C_MASTER_BUS_CLEAR", 0x40C).special(),
];

/// QUP_STATE values.
pub const STATE_RESET: u32 = 0;
pub const STATE_RUN: u32 = 1;
pub const STATE_CLEAR: u32 = 2;
pub const STATE_PAUSE: u32 = 3;

/// QUP_OPERATIONAL flags (write 1 to clear).
pub const OUT_SERVICE_FLAG: u32 = 1 << 8;
pub const IN_SERVICE_FLAG: u32 = 1 << 9;
pub const MAX_OUTPUT_DONE: u32 = 1 << 10;
pub const MAX_INPUT_DONE: u32 = 1 << 11;
pub const SERVICE_FLAGS: u32 = 0xF00;
/// QUP_OPERATIONAL block-mode requests (read-only levels).
pub const OUT_BLOCK_WRITE_REQ: u32 = 1 << 12;
pub const IN_BLOCK_READ_REQ: u32 = 1 << 13;
/// FIFO words per block (the 16-byte blocks of [`IO_MODES_RESET`]).
pub const BLOCK_WORDS: usize = 4;

/// QUP_OPERATIONAL flags that drive the interrupt line, each unless its QUP_OPERATIONAL_MASK
/// bit (the same bit number) is set (docs/hardware/qup-i2c-spi.md#interrupt).
pub const INTERRUPT_SERVICE_FLAGS: u32 = OUT_SERVICE_FLAG | IN_SERVICE_FLAG;

/// The level of a QUP's interrupt line from what every mode shares: the unmasked service
/// flags, and the QUP_ERROR_FLAGS bits enabled in QUP_ERROR_FLAGS_EN
/// (docs/hardware/qup-i2c-spi.md#interrupt). The mode models add their mini-core's sources.
pub fn common_interrupt_sources(regs: &crate::regfile::RegisterFile<Reg>, flags: u32) -> bool {
    let service = flags & INTERRUPT_SERVICE_FLAGS & !regs.value(Reg::OperationalMask);
    let core_errors = regs.value(Reg::ErrorFlags) & regs.value(Reg::ErrorFlagsEn);
    service != 0 || core_errors != 0
}

/// QUP_ERROR_FLAGS bits.
pub const INPUT_OVER_RUN: u32 = 1 << 2;
pub const INPUT_UNDER_RUN: u32 = 1 << 4;
pub const OUTPUT_OVER_RUN: u32 = 1 << 5;

/// Virtual counter rate.
pub const TICKS_PER_SECOND: u128 = 19_200_000;
