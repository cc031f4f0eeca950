//! The controller driven through its registers by programmed I/O.

use super::*;
use crate::bus::testing::access;

pub(super) fn rd(m: &mut Sdhc, off: u64, size: usize) -> Result<u64, Fault> {
    access(m, off, size, None)
}

pub(super) fn wr(m: &mut Sdhc, off: u64, size: usize, v: u64) -> Result<(), Fault> {
    access(m, off, size, Some(v)).map(|_| ())
}

pub(super) const HC: u64 = HC_OFFSET;

#[test]
fn no_card_commands_time_out_and_status_is_write_one_to_clear() {
    let mut m = Sdhc::new(true);
    assert_eq!(rd(&mut m, HC + 0xFE, 2), Ok(2));
    assert_eq!(
        rd(&mut m, HC + 0x24, 4).unwrap() & (1 << 16 | 1 << 17),
        1 << 17
    );
    // Clock: stable follows enable.
    wr(&mut m, HC + 0x2C, 2, 1).unwrap();
    assert_eq!(rd(&mut m, HC + 0x2C, 2), Ok(3));
    // Status enables on.
    wr(&mut m, HC + 0x34, 4, 0xFFFF_FFFF).unwrap();
    // CMD0 (no response): command complete.
    wr(&mut m, HC + 0x08, 4, 0).unwrap();
    wr(&mut m, HC + 0x0C, 4, 0).unwrap();
    assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(1));
    wr(&mut m, HC + 0x30, 2, 1).unwrap();
    assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(0));
    // CMD8 with a 48-bit response: command timeout (error bit 0, error interrupt 15).
    wr(&mut m, HC + 0x0E, 2, 8 << 8 | 0x1A).unwrap();
    assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(1 << 16 | 1 << 15));
    wr(&mut m, HC + 0x32, 2, 1).unwrap();
    assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(0));
    assert_eq!(m.commands, 2);
    // Capabilities: 8-bit, 200 MHz base clock.
    let caps = rd(&mut m, HC + 0x40, 4).unwrap();
    assert_eq!(caps >> 8 & 0xFF, 200);
    assert_ne!(caps & 1 << 18, 0);
    assert_eq!(
        rd(&mut Sdhc::new(false), HC + 0x40, 4).unwrap() & 1 << 18,
        0
    );
}

#[test]
fn status_needs_enable_and_reset_clears() {
    let mut m = Sdhc::new(false);
    wr(&mut m, HC + 0x0E, 2, 0x1A).unwrap();
    assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(0));
    wr(&mut m, HC + 0x34, 4, 0xFFFF_FFFF).unwrap();
    wr(&mut m, HC + 0x0E, 2, 0x1A).unwrap();
    assert_ne!(rd(&mut m, HC + 0x30, 4), Ok(0));
    wr(&mut m, HC + 0x2F, 1, 1).unwrap();
    assert_eq!(rd(&mut m, HC + 0x2F, 1), Ok(0));
    assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(0));
    assert_eq!(rd(&mut m, HC + 0x34, 4), Ok(0));
    // Core registers.
    assert_eq!(rd(&mut m, 0x50, 4), Ok(u64::from(MCI_VERSION)));
    wr(&mut m, 0x00, 4, 0x80).unwrap();
    assert_eq!(rd(&mut m, 0x00, 4), Ok(0));
    assert_eq!(rd(&mut m, 0x6C, 4), Ok(0));
    // The vendor capabilities register rewrites what CAPABILITIES reads.
    let caps = rd(&mut m, HC + 0x40, 4).unwrap();
    wr(&mut m, HC + 0x11C, 4, caps | 1 << 25).unwrap();
    assert_eq!(rd(&mut m, HC + 0x40, 4), Ok(caps | 1 << 25));
    assert_eq!(rd(&mut m, HC + 0x11C, 4), Ok(caps | 1 << 25));
    wr(&mut m, 0x78, 4, 1).unwrap();
    assert_eq!(rd(&mut m, 0x78, 4), Ok(1));
}

/// A controller with a selected card of one 512 KiB unit (block n starts with n), status
/// enables on.
pub(super) fn with_selected_card() -> Sdhc {
    let (mut card, _) = crate::models::sd_card::tests::card(1, false);
    crate::models::sd_card::tests::identify(&mut card);
    let mut m = Sdhc::new(false);
    m.insert(card);
    wr(&mut m, HC + 0x34, 4, 0xFFFF_FFFF).unwrap();
    m
}

pub(super) fn command(m: &mut Sdhc, index: u64, argument: u64, flags: u64, mode: u64) {
    wr(m, HC + 0x08, 4, argument).unwrap();
    wr(m, HC + 0x0C, 4, mode | (index << 8 | flags) << 16).unwrap();
}

pub(super) fn clear_status(m: &mut Sdhc) {
    wr(m, HC + 0x30, 4, 0xFFFF_FFFF).unwrap();
}

#[test]
fn card_present_and_responses_laid_out_as_the_spec_says() {
    let mut m = with_selected_card();
    let present = rd(&mut m, HC + 0x24, 4).unwrap();
    assert_eq!(present & (1 << 16 | 1 << 18), 1 << 16 | 1 << 18);
    // CMD13 (R1, 48-bit, index and CRC checked): state tran (4) in bits 12:9.
    command(&mut m, 13, u64::from(sd_card::RCA) << 16, 0x1A, 0);
    assert_eq!(rd(&mut m, HC + 0x30, 4), Ok(1));
    assert_eq!(rd(&mut m, HC + 0x10, 4).unwrap() >> 9 & 0xF, 4);
    clear_status(&mut m);
    // CMD7 deselect (no response) then CMD9 (R2): the CSD without its CRC byte, so
    // RESPONSE3 bits 23:22 hold CSD_STRUCTURE.
    command(&mut m, 7, 0, 0, 0);
    command(&mut m, 9, u64::from(sd_card::RCA) << 16, 0x09, 0);
    assert_eq!(rd(&mut m, HC + 0x1C, 4).unwrap() >> 22 & 3, 1);
}

#[test]
fn multiple_block_read_by_pio_with_auto_cmd12() {
    let mut m = with_selected_card();
    wr(&mut m, HC + 0x38, 4, 0x2).unwrap(); // signal transfer complete only
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    wr(&mut m, HC + 0x06, 2, 3).unwrap();
    // CMD18 from block 5: read, multiple, block count enabled, Auto CMD12.
    command(&mut m, 18, 5, 0x3A, 0x10 | 0x20 | 0x2 | 0x4);
    for block in 5..8u64 {
        let status = rd(&mut m, HC + 0x30, 4).unwrap();
        assert_eq!(status & 0x20, 0x20, "buffer read ready for block {block}");
        assert_ne!(rd(&mut m, HC + 0x24, 4).unwrap() & 1 << 11, 0);
        clear_status(&mut m);
        let first = rd(&mut m, HC + 0x20, 4).unwrap() | rd(&mut m, HC + 0x20, 4).unwrap() << 32;
        assert_eq!(first, block);
        for _ in 2..128 {
            rd(&mut m, HC + 0x20, 4).unwrap();
        }
    }
    assert_eq!(
        rd(&mut m, HC + 0x30, 4).unwrap() & 0x2,
        0x2,
        "transfer complete"
    );
    assert_eq!(rd(&mut m, HC + 0x06, 2), Ok(0), "block count counted down");
    assert_eq!(
        rd(&mut m, HC + 0x24, 4).unwrap() & 0xF06,
        0,
        "DAT lines free"
    );
    assert_eq!(m.interrupt_lines(), 1, "transfer complete is signalled");
    // The Auto CMD12 response (card status, state data) is in RESPONSE3.
    assert_eq!(rd(&mut m, HC + 0x1C, 4).unwrap() >> 9 & 0xF, 5);
    clear_status(&mut m);
    assert_eq!(m.interrupt_lines(), 0);
}

#[test]
fn single_block_write_by_pio_reads_back() {
    let mut m = with_selected_card();
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    command(&mut m, 24, 9, 0x3A, 0);
    assert_eq!(
        rd(&mut m, HC + 0x30, 4).unwrap() & 0x10,
        0x10,
        "buffer write ready"
    );
    clear_status(&mut m);
    for _ in 0..128 {
        wr(&mut m, HC + 0x20, 4, 0x1122_3344).unwrap();
    }
    assert_eq!(rd(&mut m, HC + 0x30, 4).unwrap() & 0x2, 0x2);
    clear_status(&mut m);
    command(&mut m, 17, 9, 0x3A, 0x10);
    assert_eq!(rd(&mut m, HC + 0x20, 4), Ok(0x1122_3344));
    assert_eq!(m.card().unwrap().blocks_written, 1);
}

#[test]
fn read_past_the_end_times_out_and_a_reserved_dma_select_is_unclaimed() {
    let mut m = with_selected_card();
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    command(&mut m, 17, 1024, 0x3A, 0x10);
    let status = rd(&mut m, HC + 0x30, 4).unwrap();
    assert_eq!(
        status & (1 << 20 | 1 << 15),
        1 << 20 | 1 << 15,
        "data timeout"
    );
    assert_ne!(
        rd(&mut m, HC + 0x10, 4).unwrap() & 1 << 31,
        0,
        "OUT_OF_RANGE"
    );
    clear_status(&mut m);
    // DMA select 01b is reserved in version 3.00: nothing to model, the run stops.
    wr(&mut m, HC + 0x28, 1, 0b01 << 3).unwrap();
    wr(&mut m, HC + 0x08, 4, 0).unwrap();
    assert_eq!(
        wr(&mut m, HC + 0x0C, 4, 0x11 | (17 << 8 | 0x3A) << 16),
        Err(Fault::Unclaimed)
    );
}

#[test]
fn unlisted_offsets_are_unclaimed() {
    let mut m = Sdhc::new(false);
    assert_eq!(rd(&mut m, 0x04, 4), Err(Fault::Unclaimed));
    assert_eq!(rd(&mut m, 0x850, 4), Err(Fault::Unclaimed));
    assert_eq!(rd(&mut m, HC + 0x80, 4), Err(Fault::Unclaimed));
    assert_eq!(rd(&mut m, HC + 0x118, 4), Err(Fault::Unclaimed));
    assert_eq!(wr(&mut m, HC + 0x24, 4, 0), Err(Fault::Unclaimed));
    assert_eq!(rd(&mut m, 0xA20, 4), Err(Fault::Unclaimed));
}
