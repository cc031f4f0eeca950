//! The GCC register map as data: every branch, root, PLL, vote register, block reset and power
//! domain of the MSM8916 clock controller that Linux's driver knows, with its offset and kind
//! (docs/hardware/gcc-clocks.md#full-register-map). The model in `mod.rs` is driven by this
//! table only; adding a clock is adding a row.

/// How a branch is switched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enable {
    /// By its own CBCR bit 0 (CLK_ENABLE).
    Own,
    /// By a bit of a vote register (offset, bit); CBCR bit 0 does nothing.
    Vote(u64, u32),
}

/// What kind of register block sits at an entry's offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A branch control register (CBCR), fed by the root at `root` (0: no root modelled).
    Branch { enable: Enable, root: u64 },
    /// A root clock generator (RCG2): CMD and CFG, plus M, N, D when it has an M/N counter.
    Root { mnd: bool },
    /// A PLL block: MODE, L, M, N, USER_CTL, CONFIG at +0x0..+0x14, STATUS at +0x1C; it runs
    /// when its APCS_GPLL_ENA_VOTE bit is set or its MODE has OUTCTRL, BYPASSNL and RESET_N.
    Pll { vote_bit: u32 },
    /// A vote register: one bit per shared clock; `mask` are the bits that exist.
    Vote { mask: u32, reset: u32 },
    /// A block reset register (BCR): bit 0 holds the block in reset.
    BlockReset,
    /// A power domain control register (GDSCR): SW_COLLAPSE bit 0, PWR_ON status bit 31.
    PowerDomain,
}

/// One row of the map.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// Offset from the GCC base.
    pub offset: u64,
    /// Register kind.
    pub kind: Kind,
    /// Register name as the documentation spells it.
    pub name: &'static str,
}

/// APCS_GPLL_ENA_VOTE.
pub const VOTE_GPLL: u64 = 0x45000;
/// APCS_CLOCK_BRANCH_ENA_VOTE.
pub const VOTE_BRANCH: u64 = 0x45004;
/// APCS_CLOCK_SLEEP_ENA_VOTE.
pub const VOTE_SLEEP: u64 = 0x45008;
/// APCS_SMMU_CLOCK_BRANCH_ENA_VOTE.
pub const VOTE_SMMU: u64 = 0x4500C;

/// Votes that masters other than the application processor hold in the state the boot chain
/// leaves, as (vote register, bits): the model cannot see their own vote registers, only
/// their effect. BLSP1_AHB stays on after Linux withdraws the APCS vote on a real board, with
/// the console still printing (docs/hardware/gcc-clocks.md#votes-held-by-other-masters).
pub static OTHER_MASTER_VOTES: &[(u64, u32)] = &[(VOTE_BRANCH, 1 << 10)];

const fn own(offset: u64, name: &'static str, root: u64) -> Entry {
    Entry {
        offset,
        kind: Kind::Branch {
            enable: Enable::Own,
            root,
        },
        name,
    }
}

const fn voted(offset: u64, name: &'static str, register: u64, bit: u32) -> Entry {
    Entry {
        offset,
        kind: Kind::Branch {
            enable: Enable::Vote(register, bit),
            root: 0,
        },
        name,
    }
}

const fn root(offset: u64, name: &'static str, mnd: bool) -> Entry {
    Entry {
        offset,
        kind: Kind::Root { mnd },
        name,
    }
}

const fn pll(offset: u64, name: &'static str, vote_bit: u32) -> Entry {
    Entry {
        offset,
        kind: Kind::Pll { vote_bit },
        name,
    }
}

const fn vote(offset: u64, name: &'static str, mask: u32, reset: u32) -> Entry {
    Entry {
        offset,
        kind: Kind::Vote { mask, reset },
        name,
    }
}

const fn bcr(offset: u64, name: &'static str) -> Entry {
    Entry {
        offset,
        kind: Kind::BlockReset,
        name,
    }
}

const fn gdsc(offset: u64, name: &'static str) -> Entry {
    Entry {
        offset,
        kind: Kind::PowerDomain,
        name,
    }
}

/// Every modelled GCC register block.
pub static MAP: &[Entry] = &[
    // PLLs and the vote registers.
    pll(0x21000, "GPLL0", 0),
    pll(0x20000, "GPLL1", 1),
    pll(0x4A000, "GPLL2", 2),
    pll(0x23000, "BIMC_PLL", 3),
    vote(VOTE_GPLL, "APCS_GPLL_ENA_VOTE", 0xF, 1),
    vote(VOTE_BRANCH, "APCS_CLOCK_BRANCH_ENA_VOTE", 0x587, 1 << 10),
    vote(VOTE_SLEEP, "APCS_CLOCK_SLEEP_ENA_VOTE", 0xFFFF_FFFF, 0),
    vote(VOTE_SMMU, "APCS_SMMU_CLOCK_BRANCH_ENA_VOTE", 0x363E, 0),
    // Roots.
    root(0x27000, "PCNOC_BFDCD_CMD_RCGR", false),
    root(0x26004, "SYSTEM_NOC_BFDCD_CMD_RCGR", false),
    root(0x32004, "BIMC_DDR_CMD_RCGR", false),
    root(0x31028, "BIMC_GPU_CMD_RCGR", false),
    root(0x46000, "APSS_AHB_CMD_RCGR", false),
    root(0x1207C, "APSS_TCU_CMD_RCGR", false),
    root(0x0200C, "BLSP1_QUP1_I2C_APPS_CMD_RCGR", false),
    root(0x02024, "BLSP1_QUP1_SPI_APPS_CMD_RCGR", true),
    root(0x03000, "BLSP1_QUP2_I2C_APPS_CMD_RCGR", false),
    root(0x03014, "BLSP1_QUP2_SPI_APPS_CMD_RCGR", true),
    root(0x04000, "BLSP1_QUP3_I2C_APPS_CMD_RCGR", false),
    root(0x04024, "BLSP1_QUP3_SPI_APPS_CMD_RCGR", true),
    root(0x05000, "BLSP1_QUP4_I2C_APPS_CMD_RCGR", false),
    root(0x05024, "BLSP1_QUP4_SPI_APPS_CMD_RCGR", true),
    root(0x06000, "BLSP1_QUP5_I2C_APPS_CMD_RCGR", false),
    root(0x06024, "BLSP1_QUP5_SPI_APPS_CMD_RCGR", true),
    root(0x07000, "BLSP1_QUP6_I2C_APPS_CMD_RCGR", false),
    root(0x07024, "BLSP1_QUP6_SPI_APPS_CMD_RCGR", true),
    root(0x02044, "BLSP1_UART1_APPS_CMD_RCGR", true),
    root(0x03034, "BLSP1_UART2_APPS_CMD_RCGR", true),
    root(0x08004, "GP1_CMD_RCGR", true),
    root(0x09004, "GP2_CMD_RCGR", true),
    root(0x0A004, "GP3_CMD_RCGR", true),
    root(0x16004, "CRYPTO_CMD_RCGR", false),
    root(0x1C010, "ULTAUDIO_AHBFABRIC_CMD_RCGR", true),
    root(0x1C034, "ULTAUDIO_XO_CMD_RCGR", false),
    root(0x1C054, "ULTAUDIO_LPAIF_PRI_I2S_CMD_RCGR", true),
    root(0x1C06C, "ULTAUDIO_LPAIF_SEC_I2S_CMD_RCGR", true),
    root(0x1C084, "ULTAUDIO_LPAIF_AUX_I2S_CMD_RCGR", true),
    root(0x1C09C, "CODEC_DIGCODEC_CMD_RCGR", true),
    root(0x41010, "USB_HS_SYSTEM_CMD_RCGR", false),
    root(0x42004, "SDCC1_APPS_CMD_RCGR", true),
    root(0x43004, "SDCC2_APPS_CMD_RCGR", true),
    root(0x44010, "PDM2_CMD_RCGR", false),
    root(0x4C000, "VCODEC0_CMD_RCGR", true),
    root(0x4D000, "PCLK0_CMD_RCGR", true),
    root(0x4D014, "MDP_CMD_RCGR", false),
    root(0x4D02C, "VSYNC_CMD_RCGR", false),
    root(0x4D044, "BYTE0_CMD_RCGR", false),
    root(0x4D05C, "ESC0_CMD_RCGR", false),
    root(0x4E000, "CSI0PHYTIMER_CMD_RCGR", false),
    root(0x4E020, "CSI0_CMD_RCGR", false),
    root(0x4F000, "CSI1PHYTIMER_CMD_RCGR", false),
    root(0x4F020, "CSI1_CMD_RCGR", false),
    root(0x51000, "CCI_CMD_RCGR", true),
    root(0x52000, "MCLK0_CMD_RCGR", true),
    root(0x53000, "MCLK1_CMD_RCGR", true),
    root(0x54000, "CAMSS_GP0_CMD_RCGR", true),
    root(0x55000, "CAMSS_GP1_CMD_RCGR", true),
    root(0x57000, "JPEG0_CMD_RCGR", false),
    root(0x58000, "VFE0_CMD_RCGR", false),
    root(0x58018, "CPP_CMD_RCGR", false),
    root(0x59000, "GFX3D_CMD_RCGR", false),
    root(0x5A000, "CAMSS_AHB_CMD_RCGR", true),
    // Branches switched by the APCS votes.
    voted(0x01008, "BLSP1_AHB_CBCR", VOTE_BRANCH, 10),
    voted(0x13004, "PRNG_AHB_CBCR", VOTE_BRANCH, 8),
    voted(0x1300C, "BOOT_ROM_AHB_CBCR", VOTE_BRANCH, 7),
    voted(0x16024, "CRYPTO_AHB_CBCR", VOTE_BRANCH, 0),
    voted(0x16020, "CRYPTO_AXI_CBCR", VOTE_BRANCH, 1),
    voted(0x1601C, "CRYPTO_CBCR", VOTE_BRANCH, 2),
    voted(0x12018, "APSS_TCU_CBCR", VOTE_SMMU, 1),
    voted(0x12020, "GFX_TCU_CBCR", VOTE_SMMU, 2),
    voted(0x1201C, "MDP_TBU_CBCR", VOTE_SMMU, 4),
    voted(0x12014, "VENUS_TBU_CBCR", VOTE_SMMU, 5),
    voted(0x1203C, "VFE_TBU_CBCR", VOTE_SMMU, 9),
    voted(0x12034, "JPEG_TBU_CBCR", VOTE_SMMU, 10),
    voted(0x12038, "SMMU_CFG_CBCR", VOTE_SMMU, 12),
    voted(0x12044, "GTCU_AHB_CBCR", VOTE_SMMU, 13),
    // Branches with their own enable.
    own(0x01004, "BLSP1_SLEEP_CBCR", 0),
    own(0x02008, "BLSP1_QUP1_I2C_APPS_CBCR", 0x0200C),
    own(0x02004, "BLSP1_QUP1_SPI_APPS_CBCR", 0x02024),
    own(0x03010, "BLSP1_QUP2_I2C_APPS_CBCR", 0x03000),
    own(0x0300C, "BLSP1_QUP2_SPI_APPS_CBCR", 0x03014),
    own(0x04020, "BLSP1_QUP3_I2C_APPS_CBCR", 0x04000),
    own(0x0401C, "BLSP1_QUP3_SPI_APPS_CBCR", 0x04024),
    own(0x05020, "BLSP1_QUP4_I2C_APPS_CBCR", 0x05000),
    own(0x0501C, "BLSP1_QUP4_SPI_APPS_CBCR", 0x05024),
    own(0x06020, "BLSP1_QUP5_I2C_APPS_CBCR", 0x06000),
    own(0x0601C, "BLSP1_QUP5_SPI_APPS_CBCR", 0x06024),
    own(0x07020, "BLSP1_QUP6_I2C_APPS_CBCR", 0x07000),
    own(0x0701C, "BLSP1_QUP6_SPI_APPS_CBCR", 0x07024),
    own(0x0203C, "BLSP1_UART1_APPS_CBCR", 0x02044),
    own(0x0302C, "BLSP1_UART2_APPS_CBCR", 0x03034),
    own(0x08000, "GP1_CBCR", 0x08004),
    own(0x09000, "GP2_CBCR", 0x09004),
    own(0x0A000, "GP3_CBCR", 0x0A004),
    own(0x1C000, "ULTAUDIO_PCNOC_MPORT_CBCR", 0),
    own(0x1C004, "ULTAUDIO_PCNOC_SWAY_CBCR", 0),
    own(0x1C024, "ULTAUDIO_AHBFABRIC_IXFABRIC_LPM_CBCR", 0x1C010),
    own(0x1C028, "ULTAUDIO_AHBFABRIC_IXFABRIC_CBCR", 0x1C010),
    own(0x1C04C, "ULTAUDIO_AVSYNC_XO_CBCR", 0x1C034),
    own(0x1C050, "ULTAUDIO_STC_XO_CBCR", 0x1C034),
    own(0x1C068, "ULTAUDIO_LPAIF_PRI_I2S_CBCR", 0x1C054),
    own(0x1C080, "ULTAUDIO_LPAIF_SEC_I2S_CBCR", 0x1C06C),
    own(0x1C098, "ULTAUDIO_LPAIF_AUX_I2S_CBCR", 0x1C084),
    own(0x1C0B0, "CODEC_DIGCODEC_CBCR", 0x1C09C),
    own(0x31024, "BIMC_GFX_CBCR", 0x31028),
    own(0x31040, "BIMC_GPU_CBCR", 0x31028),
    own(0x41004, "USB_HS_SYSTEM_CBCR", 0x41010),
    own(0x41008, "USB_HS_AHB_CBCR", 0),
    own(0x4102C, "USB2A_PHY_SLEEP_CBCR", 0),
    own(0x42018, "SDCC1_APPS_CBCR", 0x42004),
    own(0x4201C, "SDCC1_AHB_CBCR", 0),
    own(0x43018, "SDCC2_APPS_CBCR", 0x43004),
    own(0x4301C, "SDCC2_AHB_CBCR", 0),
    own(0x44004, "PDM_AHB_CBCR", 0),
    own(0x4400C, "PDM2_CBCR", 0x44010),
    own(0x49000, "MSS_CFG_AHB_CBCR", 0),
    own(0x49004, "MSS_Q6_BIMC_AXI_CBCR", 0x32004),
    own(0x4C01C, "VENUS0_VCODEC0_CBCR", 0x4C000),
    own(0x4C020, "VENUS0_AHB_CBCR", 0),
    own(0x4C024, "VENUS0_AXI_CBCR", 0),
    own(0x4D07C, "MDSS_AHB_CBCR", 0),
    own(0x4D080, "MDSS_AXI_CBCR", 0),
    own(0x4D084, "MDSS_PCLK0_CBCR", 0x4D000),
    own(0x4D088, "MDSS_MDP_CBCR", 0x4D014),
    own(0x4D090, "MDSS_VSYNC_CBCR", 0x4D02C),
    own(0x4D094, "MDSS_BYTE0_CBCR", 0x4D044),
    own(0x4D098, "MDSS_ESC0_CBCR", 0x4D05C),
    own(0x4E01C, "CAMSS_CSI0PHYTIMER_CBCR", 0x4E000),
    own(0x4E03C, "CAMSS_CSI0_CBCR", 0x4E020),
    own(0x4E040, "CAMSS_CSI0_AHB_CBCR", 0x5A000),
    own(0x4E048, "CAMSS_CSI0PHY_CBCR", 0x4E020),
    own(0x4E050, "CAMSS_CSI0RDI_CBCR", 0x4E020),
    own(0x4E058, "CAMSS_CSI0PIX_CBCR", 0x4E020),
    own(0x4F01C, "CAMSS_CSI1PHYTIMER_CBCR", 0x4F000),
    own(0x4F03C, "CAMSS_CSI1_CBCR", 0x4F020),
    own(0x4F040, "CAMSS_CSI1_AHB_CBCR", 0x5A000),
    own(0x4F048, "CAMSS_CSI1PHY_CBCR", 0x4F020),
    own(0x4F050, "CAMSS_CSI1RDI_CBCR", 0x4F020),
    own(0x4F058, "CAMSS_CSI1PIX_CBCR", 0x4F020),
    own(0x50004, "CAMSS_ISPIF_AHB_CBCR", 0x5A000),
    own(0x51018, "CAMSS_CCI_CBCR", 0x51000),
    own(0x5101C, "CAMSS_CCI_AHB_CBCR", 0x5A000),
    own(0x52018, "CAMSS_MCLK0_CBCR", 0x52000),
    own(0x53018, "CAMSS_MCLK1_CBCR", 0x53000),
    own(0x54018, "CAMSS_GP0_CBCR", 0x54000),
    own(0x55018, "CAMSS_GP1_CBCR", 0x55000),
    own(0x56004, "CAMSS_TOP_AHB_CBCR", 0),
    own(0x5600C, "CAMSS_MICRO_AHB_CBCR", 0x5A000),
    own(0x57020, "CAMSS_JPEG0_CBCR", 0x57000),
    own(0x57024, "CAMSS_JPEG_AHB_CBCR", 0x5A000),
    own(0x57028, "CAMSS_JPEG_AXI_CBCR", 0),
    own(0x58038, "CAMSS_VFE0_CBCR", 0x58000),
    own(0x5803C, "CAMSS_CPP_CBCR", 0x58018),
    own(0x58040, "CAMSS_CPP_AHB_CBCR", 0x5A000),
    own(0x58044, "CAMSS_VFE_AHB_CBCR", 0x5A000),
    own(0x58048, "CAMSS_VFE_AXI_CBCR", 0),
    own(0x58050, "CAMSS_CSI_VFE0_CBCR", 0x58000),
    own(0x59020, "OXILI_GFX3D_CBCR", 0x59000),
    own(0x59024, "OXILI_GMEM_CBCR", 0x59000),
    own(0x59028, "OXILI_AHB_CBCR", 0),
    own(0x5A014, "CAMSS_AHB_CBCR", 0x5A000),
    // Power domains.
    gdsc(0x4C018, "VENUS_GDSCR"),
    gdsc(0x4D078, "MDSS_GDSCR"),
    gdsc(0x5701C, "JPEG_GDSCR"),
    gdsc(0x58034, "VFE_GDSCR"),
    gdsc(0x5901C, "OXILI_GDSCR"),
    // Block resets.
    bcr(0x01000, "BLSP1_BCR"),
    bcr(0x02000, "BLSP1_QUP1_BCR"),
    bcr(0x02038, "BLSP1_UART1_BCR"),
    bcr(0x03008, "BLSP1_QUP2_BCR"),
    bcr(0x03028, "BLSP1_UART2_BCR"),
    bcr(0x04018, "BLSP1_QUP3_BCR"),
    bcr(0x05018, "BLSP1_QUP4_BCR"),
    bcr(0x06018, "BLSP1_QUP5_BCR"),
    bcr(0x07018, "BLSP1_QUP6_BCR"),
    bcr(0x0E000, "IMEM_BCR"),
    bcr(0x12000, "SMMU_BCR"),
    bcr(0x12050, "APSS_TCU_BCR"),
    bcr(0x12054, "SMMU_XPU_BCR"),
    bcr(0x12058, "PCNOC_TBU_BCR"),
    bcr(0x13000, "PRNG_BCR"),
    bcr(0x13008, "BOOT_ROM_BCR"),
    bcr(0x16000, "CRYPTO_BCR"),
    bcr(0x1A000, "SEC_CTRL_BCR"),
    bcr(0x1C008, "AUDIO_CORE_BCR"),
    bcr(0x1C0B4, "ULT_AUDIO_BCR"),
    bcr(0x1F000, "DEHR_BCR"),
    bcr(0x26000, "SYSTEM_NOC_BCR"),
    bcr(0x27018, "PCNOC_BCR"),
    bcr(0x28000, "TCSR_BCR"),
    bcr(0x29000, "QDSS_BCR"),
    bcr(0x2A000, "DCD_BCR"),
    bcr(0x2B000, "MSG_RAM_BCR"),
    bcr(0x2C000, "MPM_BCR"),
    bcr(0x2E000, "SPMI_BCR"),
    bcr(0x2F000, "SPDM_BCR"),
    bcr(0x2F024, "MM_SPDM_BCR"),
    bcr(0x31000, "BIMC_BCR"),
    bcr(0x33000, "RBCPR_BCR"),
    bcr(0x34000, "TLMM_BCR"),
    bcr(0x41000, "USB_HS_BCR"),
    bcr(0x41028, "USB2A_PHY_BCR"),
    bcr(0x42000, "SDCC1_BCR"),
    bcr(0x43000, "SDCC2_BCR"),
    bcr(0x44000, "PDM_BCR"),
    bcr(0x47000, "SNOC_BUS_TIMEOUT0_BCR"),
    bcr(0x48000, "PCNOC_BUS_TIMEOUT0_BCR"),
    bcr(0x48008, "PCNOC_BUS_TIMEOUT1_BCR"),
    bcr(0x48010, "PCNOC_BUS_TIMEOUT2_BCR"),
    bcr(0x48018, "PCNOC_BUS_TIMEOUT3_BCR"),
    bcr(0x48020, "PCNOC_BUS_TIMEOUT4_BCR"),
    bcr(0x48028, "PCNOC_BUS_TIMEOUT5_BCR"),
    bcr(0x48030, "PCNOC_BUS_TIMEOUT6_BCR"),
    bcr(0x48038, "PCNOC_BUS_TIMEOUT7_BCR"),
    bcr(0x48040, "PCNOC_BUS_TIMEOUT8_BCR"),
    bcr(0x48048, "PCNOC_BUS_TIMEOUT9_BCR"),
    bcr(0x4B000, "MMSS_BCR"),
    bcr(0x4C014, "VENUS0_BCR"),
    bcr(0x4D074, "MDSS_BCR"),
    bcr(0x4E018, "CAMSS_PHY0_BCR"),
    bcr(0x4E038, "CAMSS_CSI0_BCR"),
    bcr(0x4E044, "CAMSS_CSI0PHY_BCR"),
    bcr(0x4E04C, "CAMSS_CSI0RDI_BCR"),
    bcr(0x4E054, "CAMSS_CSI0PIX_BCR"),
    bcr(0x4F018, "CAMSS_PHY1_BCR"),
    bcr(0x4F038, "CAMSS_CSI1_BCR"),
    bcr(0x4F044, "CAMSS_CSI1PHY_BCR"),
    bcr(0x4F04C, "CAMSS_CSI1RDI_BCR"),
    bcr(0x4F054, "CAMSS_CSI1PIX_BCR"),
    bcr(0x50000, "CAMSS_ISPIF_BCR"),
    bcr(0x51014, "CAMSS_CCI_BCR"),
    bcr(0x52014, "CAMSS_MCLK0_BCR"),
    bcr(0x53014, "CAMSS_MCLK1_BCR"),
    bcr(0x54014, "CAMSS_GP0_BCR"),
    bcr(0x55014, "CAMSS_GP1_BCR"),
    bcr(0x56000, "CAMSS_TOP_BCR"),
    bcr(0x56008, "CAMSS_MICRO_BCR"),
    bcr(0x57018, "CAMSS_JPEG_BCR"),
    bcr(0x58030, "CAMSS_VFE_BCR"),
    bcr(0x5804C, "CAMSS_CSI_VFE0_BCR"),
    bcr(0x59018, "OXILI_BCR"),
    bcr(0x5902C, "GMEM_BCR"),
    bcr(0x5A018, "CAMSS_AHB_BCR"),
    bcr(0x62000, "MDP_TBU_BCR"),
    bcr(0x63000, "GFX_TBU_BCR"),
    bcr(0x64000, "GFX_TCU_BCR"),
    bcr(0x65000, "MSS_TBU_AXI_BCR"),
    bcr(0x66000, "MSS_TBU_GSS_AXI_BCR"),
    bcr(0x67000, "MSS_TBU_Q6_AXI_BCR"),
    bcr(0x68000, "GTCU_AHB_BCR"),
    bcr(0x69000, "SMMU_CFG_BCR"),
    bcr(0x6A000, "VFE_TBU_BCR"),
    bcr(0x6B000, "VENUS_TBU_BCR"),
    bcr(0x6C000, "JPEG_TBU_BCR"),
    bcr(0x6D000, "PRONTO_TBU_BCR"),
    bcr(0x7C000, "SMMU_CATS_BCR"),
];
