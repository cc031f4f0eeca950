//! SDMA and ADMA2 driven through the registers, with guest memory from `dma::tests`.

use std::rc::Rc;

use super::dma::tests::TestMemory;
use super::tests::{HC, clear_status, command, rd, with_selected_card, wr};
use super::*;
use crate::bus::{Bus, GuestMemory};

const BASE: u64 = 0x8000_0000;
/// The SDMA system address register.
const SDMA_ADDRESS: u64 = HC;
/// TRANSFER_MODE: DMA, block count, Auto CMD12, read, multiple blocks.
const DMA_MULTIPLE_READ: u64 = 0x1 | 0x2 | 0x4 | 0x10 | 0x20;
/// TRANSFER_MODE: DMA, block count, Auto CMD12, multiple blocks (write).
const DMA_MULTIPLE_WRITE: u64 = 0x1 | 0x2 | 0x4 | 0x20;
/// COMMAND flags: 48-bit response, CRC and index checked, data present.
const DATA_R1: u64 = 0x3A;

/// The first 8 bytes of each of `blocks` 512-byte blocks at `addr`, as numbers.
fn block_numbers(memory: &TestMemory, addr: u64, blocks: u64) -> Vec<u64> {
    (0..blocks)
        .map(|k| {
            let bytes = memory.at(addr + 512 * k, 8);
            u64::from_le_bytes(bytes.try_into().unwrap())
        })
        .collect()
}

/// NORMAL_INT_STATUS and ERROR_INT_STATUS as one word.
fn status(m: &mut Sdhc) -> u64 {
    rd(m, HC + 0x30, 4).unwrap()
}

#[test]
fn sdma_read_waits_at_each_buffer_boundary_for_the_next_address() {
    let mut m = with_selected_card();
    let memory = TestMemory::new(BASE, 0x2_0000);
    // 8 KiB boundary (BLOCK_SIZE bits 14:12 = 1), 512-byte blocks, 10 blocks from block 5.
    wr(&mut m, HC + 0x04, 2, 1 << 12 | 512).unwrap();
    wr(&mut m, HC + 0x06, 2, 10).unwrap();
    wr(&mut m, SDMA_ADDRESS, 4, BASE + 0x1800).unwrap();
    command(&mut m, 18, 5, DATA_R1, DMA_MULTIPLE_READ);
    assert!(m.dma_pending, "the command starts the engine");
    m.run_dma(&memory).unwrap();
    // 0x1800..0x2000 holds 4 blocks; then the engine waits at the 8 KiB boundary.
    assert_eq!(block_numbers(&memory, BASE + 0x1800, 4), [5, 6, 7, 8]);
    assert_eq!(
        status(&mut m) & 0xFF,
        0x1 | 0x8,
        "command complete, DMA interrupt"
    );
    assert_eq!(
        rd(&mut m, SDMA_ADDRESS, 4),
        Ok(BASE + 0x2000),
        "the next address"
    );
    assert_eq!(rd(&mut m, HC + 0x06, 2), Ok(6));
    assert_ne!(
        rd(&mut m, HC + 0x24, 4).unwrap() & 1 << 1,
        0,
        "DAT still busy"
    );
    clear_status(&mut m);
    // Nothing moves until the host writes the address's top byte.
    wr(&mut m, SDMA_ADDRESS, 2, (BASE + 0x1_0000) & 0xFFFF).unwrap();
    assert!(!m.dma_pending);
    wr(&mut m, HC + 0x02, 2, (BASE + 0x1_0000) >> 16).unwrap();
    assert!(m.dma_pending);
    m.run_dma(&memory).unwrap();
    assert_eq!(
        block_numbers(&memory, BASE + 0x1_0000, 6),
        [9, 10, 11, 12, 13, 14]
    );
    assert_eq!(block_numbers(&memory, BASE + 0x2000, 1), [0], "not here");
    assert_eq!(status(&mut m) & 0xFF, 0x2, "transfer complete only");
    assert_eq!(rd(&mut m, SDMA_ADDRESS, 4), Ok(BASE + 0x1_0C00));
    assert_eq!(rd(&mut m, HC + 0x06, 2), Ok(0));
    assert_eq!(
        rd(&mut m, HC + 0x24, 4).unwrap() & 0xF06,
        0,
        "DAT lines free"
    );
    // The Auto CMD12 response (state data) is in RESPONSE3.
    assert_eq!(rd(&mut m, HC + 0x1C, 4).unwrap() >> 9 & 0xF, 5);
}

#[test]
fn sdma_ending_on_a_boundary_gives_transfer_complete_only_and_writes_reach_the_card() {
    let mut m = with_selected_card();
    let memory = TestMemory::new(BASE, 0x1_0000);
    let data: Vec<u8> = (0..1024u32).map(|k| (k * 7) as u8).collect();
    memory.put(BASE + 0xC00, &data);
    // 4 KiB boundary: 0xC00 + 2 blocks ends exactly at 0x1000.
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    wr(&mut m, HC + 0x06, 2, 2).unwrap();
    wr(&mut m, SDMA_ADDRESS, 4, BASE + 0xC00).unwrap();
    command(&mut m, 25, 100, DATA_R1, DMA_MULTIPLE_WRITE);
    m.run_dma(&memory).unwrap();
    assert_eq!(
        status(&mut m) & 0xFF,
        0x1 | 0x2,
        "no DMA interrupt at the end"
    );
    let card = m.card.as_mut().unwrap();
    assert_eq!(card.blocks_written, 2);
    assert_eq!(card.read_block(100).unwrap()[..], data[..512]);
    assert_eq!(card.read_block(101).unwrap()[..], data[512..]);
}

#[test]
fn sdma_outside_guest_memory_stops_the_run() {
    let mut m = with_selected_card();
    let memory = TestMemory::new(BASE, 0x1000);
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    wr(&mut m, SDMA_ADDRESS, 4, BASE + 0x1000).unwrap();
    command(&mut m, 17, 3, DATA_R1, 0x11);
    let problem = m.run_dma(&memory).unwrap_err();
    assert!(problem.contains("0x80001000"), "{problem}");
}

/// An ADMA2 descriptor line: attribute bits, length, address; 8 or 12 bytes.
fn line(attributes: u32, length: u16, address: u64, wide: bool) -> Vec<u8> {
    let mut bytes = (u32::from(length) << 16 | attributes)
        .to_le_bytes()
        .to_vec();
    if wide {
        bytes.extend_from_slice(&address.to_le_bytes());
    } else {
        bytes.extend_from_slice(&(address as u32).to_le_bytes());
    }
    bytes
}

const VALID: u32 = 1;
const END: u32 = 2;
const INT: u32 = 4;
const TRAN: u32 = 0b10 << 4;
const LINK: u32 = 0b11 << 4;
const NOP: u32 = 0;

/// A 3-block CMD18 from block 20 by ADMA2 through a table with two tran lines and a link,
/// in memory at `base`.
fn adma_read_with_a_link(base: u64, wide: bool) {
    let mut m = with_selected_card();
    let memory = TestMemory::new(base, 0x1_0000);
    let table = base + 0x100;
    let second = base + 0x800;
    let line_len = if wide { 12 } else { 8 };
    memory.put(table, &line(VALID | TRAN, 1024, base + 0x2000, wide));
    memory.put(table + line_len, &line(VALID | LINK, 0, second, wide));
    memory.put(second, &line(VALID | TRAN | INT, 512, base + 0x5000, wide));
    memory.put(second + line_len, &line(VALID | NOP | END, 0, 0, wide));
    wr(
        &mut m,
        HC + 0x28,
        1,
        if wide { 0b11 << 3 } else { 0b10 << 3 },
    )
    .unwrap();
    wr(&mut m, HC + 0x58, 4, table & 0xFFFF_FFFF).unwrap();
    wr(&mut m, HC + 0x5C, 4, table >> 32).unwrap();
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    wr(&mut m, HC + 0x06, 2, 3).unwrap();
    command(&mut m, 18, 20, DATA_R1, DMA_MULTIPLE_READ);
    m.run_dma(&memory).unwrap();
    assert_eq!(block_numbers(&memory, base + 0x2000, 2), [20, 21]);
    assert_eq!(block_numbers(&memory, base + 0x5000, 1), [22]);
    assert_eq!(
        status(&mut m),
        0x1 | 0x2 | 0x8,
        "command and transfer complete, the int line's DMA interrupt, no error"
    );
    assert_eq!(rd(&mut m, HC + 0x54, 4), Ok(0), "no ADMA error state");
    let after_end = second + 2 * line_len;
    assert_eq!(rd(&mut m, HC + 0x58, 4), Ok(after_end & 0xFFFF_FFFF));
    assert_eq!(rd(&mut m, HC + 0x5C, 4), Ok(after_end >> 32));
    assert_eq!(
        rd(&mut m, HC + 0x24, 4).unwrap() & 0xF06,
        0,
        "DAT lines free"
    );
}

#[test]
fn adma2_32_bit_read_follows_tran_and_link_lines() {
    adma_read_with_a_link(BASE, false);
}

#[test]
fn adma2_64_bit_read_follows_tran_and_link_lines_above_4_gib() {
    adma_read_with_a_link(0x1_4000_0000, true);
}

#[test]
fn adma2_write_reaches_the_card_only_in_memory_without_sd_writable() {
    let (mut card, path) = crate::models::sd_card::tests::card(1, false);
    crate::models::sd_card::tests::identify(&mut card);
    let mut m = Sdhc::new(false);
    m.insert(card);
    wr(&mut m, HC + 0x34, 4, 0xFFFF_FFFF).unwrap();
    let image_before = std::fs::read(&path).unwrap();
    let memory = TestMemory::new(BASE, 0x1_0000);
    let data: Vec<u8> = (0..1024u32).map(|k| (k * 13 + 1) as u8).collect();
    memory.put(BASE + 0x3000, &data[..700]);
    memory.put(BASE + 0x4000, &data[700..]);
    memory.put(BASE, &line(VALID | TRAN, 700, BASE + 0x3000, false));
    memory.put(
        BASE + 8,
        &line(VALID | TRAN | END, 324, BASE + 0x4000, false),
    );
    wr(&mut m, HC + 0x28, 1, 0b10 << 3).unwrap();
    wr(&mut m, HC + 0x58, 4, BASE).unwrap();
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    wr(&mut m, HC + 0x06, 2, 2).unwrap();
    command(&mut m, 25, 40, DATA_R1, DMA_MULTIPLE_WRITE);
    m.run_dma(&memory).unwrap();
    assert_eq!(status(&mut m), 0x1 | 0x2);
    let card = m.card.as_mut().unwrap();
    assert_eq!(card.blocks_written, 2);
    assert_eq!(card.read_block(40).unwrap()[..], data[..512]);
    assert_eq!(card.read_block(41).unwrap()[..], data[512..]);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        image_before,
        "image untouched"
    );
}

#[test]
fn adma2_line_without_valid_is_an_adma_error_in_fetch_state() {
    let mut m = with_selected_card();
    let memory = TestMemory::new(BASE, 0x1_0000);
    memory.put(BASE, &line(VALID | TRAN, 512, BASE + 0x2000, false));
    memory.put(BASE + 8, &line(TRAN | END, 512, BASE + 0x2200, false));
    wr(&mut m, HC + 0x28, 1, 0b10 << 3).unwrap();
    wr(&mut m, HC + 0x58, 4, BASE).unwrap();
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    wr(&mut m, HC + 0x06, 2, 2).unwrap();
    wr(&mut m, HC + 0x38, 4, 1 << 25).unwrap(); // signal the ADMA error only
    command(&mut m, 18, 7, DATA_R1, DMA_MULTIPLE_READ);
    m.run_dma(&memory).unwrap();
    assert_eq!(block_numbers(&memory, BASE + 0x2000, 2), [7, 0]);
    assert_eq!(
        status(&mut m),
        1 << 25 | 1 << 15 | 0x1,
        "ADMA error (error bit 9), error interrupt, command complete only"
    );
    assert_eq!(rd(&mut m, HC + 0x54, 1), Ok(0b01), "state ST_FDS");
    assert_eq!(rd(&mut m, HC + 0x58, 4), Ok(BASE + 8), "on the bad line");
    assert_eq!(m.interrupt_lines(), 1);
    // The error status is read-only.
    wr(&mut m, HC + 0x54, 1, 0).unwrap();
    assert_eq!(rd(&mut m, HC + 0x54, 1), Ok(0b01));
    // The data phase stays open until the host resets the DAT line.
    assert_ne!(rd(&mut m, HC + 0x24, 4).unwrap() & 1 << 1, 0);
    wr(&mut m, HC + 0x2F, 1, 4).unwrap();
    assert_eq!(rd(&mut m, HC + 0x24, 4).unwrap() & 0xF06, 0);
}

#[test]
fn adma2_table_shorter_than_the_data_is_a_length_mismatch() {
    let mut m = with_selected_card();
    let memory = TestMemory::new(BASE, 0x1_0000);
    memory.put(BASE, &line(VALID | TRAN | END, 512, BASE + 0x2000, false));
    wr(&mut m, HC + 0x28, 1, 0b10 << 3).unwrap();
    wr(&mut m, HC + 0x58, 4, BASE).unwrap();
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    wr(&mut m, HC + 0x06, 2, 2).unwrap();
    command(&mut m, 18, 7, DATA_R1, DMA_MULTIPLE_READ);
    m.run_dma(&memory).unwrap();
    assert_eq!(status(&mut m), 1 << 25 | 1 << 15 | 0x1);
    assert_eq!(
        rd(&mut m, HC + 0x54, 1),
        Ok(0b111),
        "ST_TFR, length mismatch"
    );
}

#[test]
fn adma2_data_outside_guest_memory_is_an_adma_error_and_a_link_loop_stops_the_run() {
    let mut m = with_selected_card();
    let memory = TestMemory::new(BASE, 0x1_0000);
    memory.put(BASE, &line(VALID | TRAN | END, 512, 0x1000, false));
    wr(&mut m, HC + 0x28, 1, 0b10 << 3).unwrap();
    wr(&mut m, HC + 0x58, 4, BASE).unwrap();
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    command(&mut m, 17, 7, DATA_R1, 0x11);
    m.run_dma(&memory).unwrap();
    assert_eq!(status(&mut m), 1 << 25 | 1 << 15 | 0x1);
    assert_eq!(rd(&mut m, HC + 0x54, 1), Ok(0b11), "state ST_TFR");
    assert_eq!(rd(&mut m, HC + 0x58, 4), Ok(BASE + 8), "after the bad line");
    // A table linking to itself.
    wr(&mut m, HC + 0x2F, 1, 4).unwrap();
    clear_status(&mut m);
    memory.put(BASE, &line(VALID | LINK, 0, BASE, false));
    wr(&mut m, HC + 0x58, 4, BASE).unwrap();
    command(&mut m, 17, 7, DATA_R1, 0x11);
    let problem = m.run_dma(&memory).unwrap_err();
    assert!(problem.contains("link loop"), "{problem}");
}

/// The bus runs the DMA a register write asks for with the memory the board attached, and a
/// transfer it cannot carry out stops the run with a report.
#[test]
fn the_bus_runs_dma_with_the_attached_memory() {
    const SDHC2_HC: u64 = 0x0786_4000 + HC_OFFSET;
    let (mut card, _) = crate::models::sd_card::tests::card(1, false);
    crate::models::sd_card::tests::identify(&mut card);
    let mut bus = Bus::new(&crate::board::Config::default());
    bus.devices.sdhc2.insert(card);
    let memory = Rc::new(TestMemory::new(BASE, 0x1_0000));
    let w = |bus: &mut Bus, off: u64, size: usize, v: u64| bus.write(0, SDHC2_HC + off, size, v);
    w(&mut bus, 0x34, 4, 0xFFFF_FFFF).unwrap();
    w(&mut bus, 0x04, 2, 512).unwrap();
    w(&mut bus, 0x00, 4, BASE + 0x400).unwrap();
    w(&mut bus, 0x08, 4, 33).unwrap();
    // No memory attached yet: the command's DMA cannot run.
    assert!(matches!(
        w(&mut bus, 0x0C, 4, 0x11 | (17 << 8 | DATA_R1) << 16),
        Err(Fault::Dma(_))
    ));
    w(&mut bus, 0x2F, 1, 4).unwrap();
    bus.attach_memory(memory.clone());
    w(&mut bus, 0x0C, 4, 0x11 | (17 << 8 | DATA_R1) << 16).unwrap();
    assert_eq!(block_numbers(&memory, BASE + 0x400, 1), [33]);
    assert_eq!(bus.read(0, SDHC2_HC + 0x30, 4).unwrap() & 0x2, 0x2);
    assert!(!bus.effects.dma_requested);
    let mut byte = [0u8];
    assert!(memory.read(BASE + 0x400, &mut byte));
    assert_eq!(byte, [33]);
}

/// Linux's choice with ADMA2: Auto CMD23 instead of Auto CMD12. The card gets the count
/// from ARGUMENT2 first and is back in the transfer state after the last block, ready for
/// the next command.
#[test]
fn adma2_read_with_auto_cmd23_leaves_the_card_ready_for_the_next_command() {
    const AUTO_CMD23_READ: u64 = 0x1 | 0x2 | 0b10 << 2 | 0x10 | 0x20;
    let mut m = with_selected_card();
    let memory = TestMemory::new(BASE, 0x1_0000);
    memory.put(BASE, &line(VALID | TRAN | END, 1024, BASE + 0x2000, true));
    wr(&mut m, HC + 0x28, 1, 0b11 << 3).unwrap();
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    for first in [50u64, 60] {
        wr(&mut m, HC + 0x58, 4, BASE).unwrap();
        wr(&mut m, HC + 0x5C, 4, 0).unwrap();
        wr(&mut m, HC + 0x06, 2, 2).unwrap();
        wr(&mut m, SDMA_ADDRESS, 4, 2).unwrap(); // ARGUMENT2: the block count for CMD23
        let commands = m.card().unwrap().commands;
        command(&mut m, 18, first, DATA_R1, AUTO_CMD23_READ);
        assert_eq!(
            m.card().unwrap().commands,
            commands + 2,
            "CMD23, then CMD18"
        );
        m.run_dma(&memory).unwrap();
        assert_eq!(block_numbers(&memory, BASE + 0x2000, 2), [first, first + 1]);
        assert_eq!(status(&mut m), 0x1 | 0x2);
        clear_status(&mut m);
        // CMD13: the card is in the transfer state (4), no CMD12 needed.
        command(&mut m, 13, u64::from(sd_card::RCA) << 16, 0x1A, 0);
        assert_eq!(status(&mut m), 0x1);
        assert_eq!(rd(&mut m, HC + 0x10, 4).unwrap() >> 9 & 0xF, 4);
        clear_status(&mut m);
    }
}

/// A read that runs past the card's end stops with the card's data timeout, not an ADMA
/// error of the engine's own.
#[test]
fn adma2_read_past_the_card_end_is_a_data_timeout_only() {
    let mut m = with_selected_card();
    let memory = TestMemory::new(BASE, 0x1_0000);
    memory.put(BASE, &line(VALID | TRAN | END, 1024, BASE + 0x2000, false));
    wr(&mut m, HC + 0x28, 1, 0b10 << 3).unwrap();
    wr(&mut m, HC + 0x58, 4, BASE).unwrap();
    wr(&mut m, HC + 0x04, 2, 512).unwrap();
    wr(&mut m, HC + 0x06, 2, 2).unwrap();
    command(&mut m, 18, 1023, DATA_R1, DMA_MULTIPLE_READ);
    m.run_dma(&memory).unwrap();
    assert_eq!(block_numbers(&memory, BASE + 0x2000, 1), [1023]);
    assert_eq!(status(&mut m), 1 << 20 | 1 << 15 | 0x1, "data timeout");
    assert_eq!(rd(&mut m, HC + 0x54, 1), Ok(0));
}
