use super::*;
use crate::bus::testing::access;

fn rd(g: &mut Gcc, off: u64) -> u32 {
    access(g, off, 4, None).unwrap() as u32
}

#[test]
fn boot_state_uart2_clock_is_7_3728_mhz() {
    let g = Gcc::new();
    let v = g.view();
    assert_eq!(v.uart_core_hz[1], 7_372_800);
    assert!(v.blsp1_ahb && v.uart_apps[1] && !v.uart_apps[0] && !v.prng_ahb);
    assert_eq!(v.uart_core_hz[0], XO_HZ);
}

#[test]
fn rcg_rate_half_integer_divider() {
    // GPLL0 / 2.5 = 320 MHz: SRC_DIV = 2*2.5-1 = 4, bypass mode.
    let r = RcgRegs {
        cfg: (1 << 8) | 4,
        ..Default::default()
    };
    assert_eq!(rcg_rate(&r, true), 320_000_000);
    assert_eq!(rcg_rate(&r, false), 0);
}

#[test]
fn branch_halt_clears_after_polling() {
    let mut g = Gcc::new();
    assert_eq!(rd(&mut g, 0x203C) >> 31, 1);
    access(&mut g, 0x203C, 4, Some(1)).unwrap();
    assert_eq!(rd(&mut g, 0x203C) >> 31, 1, "halt must not clear at once");
    assert_eq!(rd(&mut g, 0x203C) >> 31, 0);
    access(&mut g, 0x45004, 4, Some(1 << 8 | 1 << 10)).unwrap();
    assert!(g.view().prng_ahb);
    let mut polls = 0;
    while rd(&mut g, 0x13004) >> 31 == 1 {
        polls += 1;
        assert!(polls < 10);
    }
}

#[test]
fn voted_branch_ignores_clk_enable() {
    let mut g = Gcc::new();
    access(&mut g, 0x13004, 4, Some(1)).unwrap();
    assert!(!g.view().prng_ahb);
    for _ in 0..4 {
        assert_eq!(rd(&mut g, 0x13004) >> 31, 1);
    }
}

#[test]
fn rcg_dirty_then_update() {
    let mut g = Gcc::new();
    access(&mut g, 0x2044 + 4, 4, Some((1 << 8) | 1 | (2 << 12))).unwrap();
    access(&mut g, 0x2044 + 8, 4, Some(144)).unwrap();
    access(
        &mut g,
        0x2044 + 0xC,
        4,
        Some(u64::from(!(15625u32 - 144) & 0xFFFF)),
    )
    .unwrap();
    assert_eq!(rd(&mut g, 0x2044) & 0x70, 0x70);
    assert_eq!(g.view().uart_core_hz[0], XO_HZ, "not latched before UPDATE");
    access(&mut g, 0x2044, 4, Some(1)).unwrap();
    assert_eq!(rd(&mut g, 0x2044) & 1, 1);
    assert_eq!(rd(&mut g, 0x2044) & 0xF1, 0);
    assert_eq!(g.view().uart_core_hz[0], 7_372_800);
}

#[test]
fn gpll0_status_follows_vote_and_unknown_offsets_fault() {
    let mut g = Gcc::new();
    assert_eq!(rd(&mut g, 0x2101C) >> 17 & 1, 1);
    access(&mut g, 0x45000, 4, Some(0)).unwrap();
    assert_eq!(rd(&mut g, 0x2101C) >> 17 & 1, 0);
    // The gap between a PLL's CONFIG and STATUS and space past the last row are not modelled.
    assert_eq!(access(&mut g, 0x21018, 4, None), Err(Fault::Unclaimed));
    assert_eq!(access(&mut g, 0x7FFFC, 4, None), Err(Fault::Unclaimed));
    assert_eq!(access(&mut g, 0x1008, 2, None), Err(Fault::Unclaimed));
}

#[test]
fn qup_i2c_roots_have_two_registers_and_run_from_xo() {
    let mut g = Gcc::new();
    assert_eq!(g.view().qup_i2c_core_hz, [XO_HZ, XO_HZ]);
    assert!(!g.view().qup_i2c_apps[0]);
    // CMD and CFG only: 0x3008 is QUP2's block reset, not an M register.
    access(&mut g, 0x3004, 4, Some(1)).unwrap();
    access(&mut g, 0x3000, 4, Some(1)).unwrap();
    assert_eq!(g.view().qup_i2c_core_hz[0], XO_HZ);
    access(&mut g, 0x3008, 4, Some(1)).unwrap();
    assert_eq!(rd(&mut g, 0x3008), 1);
    access(&mut g, 0x7020, 4, Some(1)).unwrap();
    assert!(g.view().qup_i2c_apps[1]);
    assert_eq!(access(&mut g, 0x700C, 4, None), Err(Fault::Unclaimed));
}

#[test]
fn qup5_spi_root_has_mnd_and_feeds_its_branch() {
    let mut g = Gcc::new();
    assert!(!g.view().qup5_spi_apps);
    // 10 MHz: GPLL0, SRC_DIV 1 (divide by 1), dual edge, M/N = 1/80.
    access(&mut g, 0x6028, 4, Some((2 << 12) | (1 << 8) | 1)).unwrap();
    access(&mut g, 0x602C, 4, Some(1)).unwrap();
    access(&mut g, 0x6030, 4, Some(u64::from(!79u32 & 0xFFFF))).unwrap();
    access(&mut g, 0x6034, 4, Some(u64::from(!80u32 & 0xFFFF))).unwrap();
    access(&mut g, 0x6024, 4, Some(1)).unwrap();
    assert_eq!(g.view().qup5_spi_core_hz, 10_000_000);
    access(&mut g, 0x601C, 4, Some(1)).unwrap();
    assert!(g.view().qup5_spi_apps);
}

#[test]
fn map_rows_do_not_overlap() {
    let regs = registers();
    let mut claimed = std::collections::BTreeMap::new();
    for r in regs {
        for i in 0..u64::from(r.count) {
            let off = r.offset + i * r.stride;
            if let Some(other) = claimed.insert(off, r.name) {
                panic!("{off:#x} claimed by {other} and {}", r.name);
            }
        }
    }
    // Every row of the table answers at its own offset.
    let mut g = Gcc::new();
    for e in table::MAP {
        assert!(access(&mut g, e.offset, 4, None).is_ok(), "{}", e.name);
    }
}

#[test]
fn power_domain_pwr_on_follows_sw_collapse() {
    let mut g = Gcc::new();
    // VENUS_GDSCR: collapsed at reset.
    assert_eq!(rd(&mut g, 0x4C018) & (1 << 31 | 1), 1);
    access(&mut g, 0x4C018, 4, Some(0)).unwrap();
    assert_eq!(rd(&mut g, 0x4C018) >> 31, 0, "power-up takes time");
    assert_eq!(rd(&mut g, 0x4C018) >> 31, 1);
    access(&mut g, 0x4C018, 4, Some(1)).unwrap();
    let mut polls = 0;
    while rd(&mut g, 0x4C018) >> 31 == 1 {
        polls += 1;
        assert!(polls < 10);
    }
}

#[test]
fn smmu_vote_switches_its_branches_and_roots_follow_their_branches() {
    let mut g = Gcc::new();
    // SMMU_CFG (vote bit 12 of APCS_SMMU_CLOCK_BRANCH_ENA_VOTE).
    assert_eq!(rd(&mut g, 0x12038) >> 31, 1);
    access(&mut g, 0x4500C, 4, Some(1 << 12)).unwrap();
    rd(&mut g, 0x12038);
    assert_eq!(rd(&mut g, 0x12038) >> 31, 0);
    // Bits no clock uses do not stick.
    access(&mut g, 0x4500C, 4, Some(0xFFFF_FFFF)).unwrap();
    assert_eq!(rd(&mut g, 0x4500C), 0x363E);
    // The SDCC2 root is off until its APPS branch runs.
    assert_eq!(rd(&mut g, 0x43004) >> 31, 1);
    access(&mut g, 0x43018, 4, Some(1)).unwrap();
    assert_eq!(rd(&mut g, 0x43004) >> 31, 0);
}

#[test]
fn plls_run_by_vote_or_mode_and_gpll0_reads_800_mhz() {
    let mut g = Gcc::new();
    let l = u64::from(rd(&mut g, 0x21004));
    let m = u64::from(rd(&mut g, 0x21008));
    let n = u64::from(rd(&mut g, 0x2100C));
    assert_eq!(XO_HZ * l + XO_HZ * m / n, GPLL0_HZ);
    // GPLL2: off, then on by its vote bit, then on by MODE alone.
    assert_eq!(rd(&mut g, 0x4A01C) >> 17 & 1, 0);
    access(&mut g, 0x45000, 4, Some(0b101)).unwrap();
    assert_eq!(rd(&mut g, 0x4A01C) >> 17 & 1, 1);
    access(&mut g, 0x45000, 4, Some(0b001)).unwrap();
    assert_eq!(rd(&mut g, 0x4A01C) >> 17 & 1, 0);
    access(&mut g, 0x4A000, 4, Some(0b111)).unwrap();
    assert_eq!(rd(&mut g, 0x4A01C) >> 17 & 1, 1);
    // Block resets keep bit 0 only.
    access(&mut g, 0x2E000, 4, Some(0xFF)).unwrap();
    assert_eq!(rd(&mut g, 0x2E000), 1);
}

#[test]
fn blsp1_ahb_stays_on_while_another_master_votes_for_it() {
    let mut g = Gcc::new();
    // Withdraw every APCS branch vote: PRNG stops, BLSP1_AHB is still held elsewhere.
    access(&mut g, 0x45004, 4, Some(1 << 8)).unwrap();
    assert!(g.view().prng_ahb);
    access(&mut g, 0x45004, 4, Some(0)).unwrap();
    assert!(!g.view().prng_ahb);
    assert!(g.view().blsp1_ahb);
    assert_eq!(
        rd(&mut g, 0x45004),
        0,
        "the APCS register shows only its own votes"
    );
    assert_eq!(rd(&mut g, 0x1008) >> 31, 0);
}

#[test]
fn the_kept_view_follows_every_write() {
    // Every register of the map written with a few patterns (votes, enables, RCG settings
    // and their UPDATE, PLL modes), then read: after each access the view the bus gets is
    // the one computed from the registers.
    let mut g = Gcc::new();
    let mut changes = 0;
    for value in [u32::MAX, 0x0000_2103, 1, 0x3, 0] {
        for register in registers() {
            for index in 0..register.count.max(1) as u64 {
                let offset = register.offset + index * register.stride;
                let before = g.view();
                let _ = access(&mut g, offset, 4, Some(u64::from(value)));
                let _ = access(&mut g, offset, 4, None);
                assert_eq!(
                    g.view(),
                    g.computed_view(),
                    "after {offset:#x} <- {value:#x}"
                );
                changes += usize::from(g.view() != before);
            }
        }
    }
    assert!(changes > 10, "the writes changed the view {changes} times");
}
