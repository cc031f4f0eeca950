//! A high-capacity SD memory card (SDHC/SDXC) backed by an image file, as the µSD slot sees it.
//!
//! Design notes:
//! - Written from the SD Association's *Physical Layer Simplified Specification* (version 3.01
//!   and later): the card state machine (idle, ready, ident, stby, tran, data, rcv, prg, dis;
//!   §4.2 and §4.3), the commands a host uses to identify, select and read or write a card
//!   (CMD0, 2, 3, 6, 7, 8, 9, 10, 12, 13, 16, 17, 18, 23, 24, 25, 55 and the application
//!   commands ACMD6, 13, 23, 41, 42, 51; §4.7.4), the card status bits of R1 (§4.10.1), and the
//!   register layouts of OCR, CID, CSD version 2.0 and SCR (§5). docs/hardware/sdhc.md#sd-card
//!   records the choices below.
//! - The card is a high-capacity card: block addressing, 512-byte blocks, CSD version 2.0
//!   (capacity = (C_SIZE + 1) x 512 KiB, so the image must be a whole number of 512 KiB).
//!   It becomes ready on the second ACMD41 that asks for a voltage in its 2.7-3.6 V window
//!   with HCS set (a host that does not set HCS never gets it ready, as the specification
//!   says for a high-capacity card). It offers no 1.8 V signalling (S18A stays 0), so UHS-I
//!   modes are not reachable; CMD6 offers high speed (function 1 of group 1).
//! - A command the card does not know, or one not allowed in its state, gets no response
//!   (the host sees a command timeout) and sets ILLEGAL_COMMAND in the next status, as §4.6.1
//!   describes. Commands addressed to another RCA get no response either.
//! - Data moves through [`SdCard::read_block`] / [`SdCard::write_block`]; the host controller
//!   model decides when. Reads past the end set OUT_OF_RANGE and deliver no data.
//! - Writes reach the image file only when the card was opened writable (`--sd-writable`);
//!   otherwise they are kept in memory for the rest of the run (the guest reads back what it
//!   wrote) and dropped at exit, so nothing on the host changes by accident.
//! - The RCA the card publishes is fixed (0x59B4), not random, so runs are deterministic.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Bytes in a block.
pub const BLOCK_LEN: usize = 512;
/// The capacity unit of CSD version 2.0.
const CAPACITY_UNIT: u64 = 512 * 1024;
/// The relative card address this card publishes with CMD3.
pub const RCA: u16 = 0x59B4;

/// OCR: card power-up status (not busy).
const OCR_POWER_UP_DONE: u32 = 1 << 31;
/// OCR: card capacity status (high capacity).
const OCR_CCS: u32 = 1 << 30;
/// OCR: the 2.7-3.6 V window (bits 15..23).
const OCR_VOLTAGE_WINDOW: u32 = 0x00FF_8000;

// Card status bits (R1, §4.10.1).
const OUT_OF_RANGE: u32 = 1 << 31;
const ADDRESS_ERROR: u32 = 1 << 30;
const ILLEGAL_COMMAND: u32 = 1 << 22;
const READY_FOR_DATA: u32 = 1 << 8;
const APP_CMD: u32 = 1 << 5;
/// Status bits that are cleared once they have been sent in a response.
const CLEAR_ON_READ: u32 = OUT_OF_RANGE | ADDRESS_ERROR | ILLEGAL_COMMAND;

/// The card's state (CURRENT_STATE, status bits 12:9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Idle = 0,
    Ready = 1,
    Ident = 2,
    Standby = 3,
    Transfer = 4,
    SendingData = 5,
    ReceivingData = 6,
    // Programming (7) and disconnect (8) are never entered: writes complete at once.
}

/// What the card answers on the CMD line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// No response: the host times out.
    None,
    /// A 48-bit response; the 32 bits between the command index and the CRC (R1, R1b, R3, R6,
    /// R7).
    Short(u32),
    /// A 136-bit response: the 128-bit register (CID or CSD), most significant byte first,
    /// with its CRC7 and end bit in the last byte.
    Long([u8; 16]),
}

/// The data phase a command starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// No data.
    None,
    /// The card sends these bytes (a register block: SCR, SD status, switch status).
    Bytes(Vec<u8>),
    /// The card sends blocks starting at this block address: one block, or until stopped
    /// (`multiple`, or `count` blocks when CMD23 set a count).
    ReadBlocks { first: u64, multiple: bool },
    /// The card receives blocks to store from this block address.
    WriteBlocks { first: u64, multiple: bool },
}

/// Where the card's blocks live.
#[derive(Debug)]
struct Image {
    file: File,
    blocks: u64,
    writable: bool,
    /// Written blocks kept in memory (the image is not writable).
    overlay: HashMap<u64, Box<[u8; BLOCK_LEN]>>,
}

/// The card.
#[derive(Debug)]
pub struct SdCard {
    image: Image,
    state: State,
    status: u32,
    /// The previous command was CMD55: this one is an application command.
    app_command: bool,
    /// ACMD41 calls that asked for a voltage (the card is ready from the second).
    power_up_polls: u32,
    /// CMD8 was accepted since the last CMD0 (a version 2.00 host).
    interface_condition: bool,
    /// Bus width chosen by ACMD6 (1 or 4).
    pub bus_width: u8,
    /// High speed selected by CMD6.
    pub high_speed: bool,
    /// Block count set by CMD23 for the next multiple-block command (the host controller
    /// counts the blocks; the card only records it).
    set_block_count: Option<u32>,
    /// Commands received (for tests and the exit summary).
    pub commands: u32,
    /// Blocks written during the run.
    pub blocks_written: u64,
}

impl SdCard {
    /// A card holding `path`; `writable` lets writes reach the file.
    pub fn open(path: &Path, writable: bool) -> Result<Self, String> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(writable)
            .open(path)
            .map_err(|e| format!("cannot open SD card image {}: {e}", path.display()))?;
        let len = file
            .metadata()
            .map_err(|e| format!("cannot read SD card image {}: {e}", path.display()))?
            .len();
        if len == 0 || !len.is_multiple_of(CAPACITY_UNIT) {
            return Err(format!(
                "SD card image {} is {len} bytes: a high-capacity card holds a whole number of \
                 512 KiB units (pad it, e.g. `truncate -s %512K {}`)",
                path.display(),
                path.display()
            ));
        }
        if len / CAPACITY_UNIT > 1 << 22 {
            return Err(format!(
                "SD card image {} is {len} bytes: more than the 2 TiB an SDXC card can address",
                path.display()
            ));
        }
        Ok(Self::with_image(Image {
            file,
            blocks: len / BLOCK_LEN as u64,
            writable,
            overlay: HashMap::new(),
        }))
    }

    fn with_image(image: Image) -> Self {
        Self {
            image,
            state: State::Idle,
            status: 0,
            app_command: false,
            power_up_polls: 0,
            interface_condition: false,
            bus_width: 1,
            high_speed: false,
            set_block_count: None,
            commands: 0,
            blocks_written: 0,
        }
    }

    /// The card's capacity in blocks.
    #[cfg(test)]
    pub fn blocks(&self) -> u64 {
        self.image.blocks
    }

    /// Whether writes reach the image file.
    pub fn writable(&self) -> bool {
        self.image.writable
    }

    /// The card's state.
    #[cfg(test)]
    pub fn state(&self) -> State {
        self.state
    }

    /// The card status as R1 reports it, clearing the clear-on-read bits.
    fn r1(&mut self) -> Response {
        let status = self.status | (self.state as u32) << 9 | self.ready_for_data();
        self.status &= !CLEAR_ON_READ;
        Response::Short(status)
    }

    fn ready_for_data(&self) -> u32 {
        if matches!(self.state, State::Transfer | State::Standby) {
            READY_FOR_DATA
        } else {
            0
        }
    }

    fn illegal(&mut self) -> (Response, Data) {
        self.status |= ILLEGAL_COMMAND;
        (Response::None, Data::None)
    }

    /// CID: manufacturer 0x00 ("unassigned" is not used by real cards; this is a virtual
    /// one), OEM "EM", product "DB410", revision 1.0, serial 0x00000001, made 2026-01.
    fn cid() -> [u8; 16] {
        let mut cid = [0u8; 16];
        cid[0] = 0x00; // MID
        cid[1..3].copy_from_slice(b"EM"); // OID
        cid[3..8].copy_from_slice(b"DB410"); // PNM
        cid[8] = 0x10; // PRV 1.0
        cid[9..13].copy_from_slice(&1u32.to_be_bytes()); // PSN
        // MDT: bits 19:8 = year - 2000 (26) << 4 | month (1).
        let mdt: u16 = 26 << 4 | 1;
        cid[13] = (mdt >> 8) as u8;
        cid[14] = mdt as u8;
        cid[15] = crc7(&cid[..15]) << 1 | 1;
        cid
    }

    /// CSD version 2.0 (§5.3.3).
    fn csd(&self) -> [u8; 16] {
        let c_size = self.image.blocks * BLOCK_LEN as u64 / CAPACITY_UNIT - 1;
        let mut csd = [0u8; 16];
        csd[0] = 0b01 << 6; // CSD_STRUCTURE 1 = version 2.0
        csd[1] = 0x0E; // TAAC 1 ms
        csd[2] = 0x00; // NSAC
        csd[3] = if self.high_speed { 0x5A } else { 0x32 }; // TRAN_SPEED 50 / 25 MHz
        // CCC 0x5B5 (bits 95:84) and READ_BL_LEN 9 (bits 83:80).
        csd[4] = 0x5B;
        csd[5] = 0x59;
        // Bits 79:76: READ_BL_PARTIAL, WRITE_BLK_MISALIGN, READ_BLK_MISALIGN, DSR_IMP = 0.
        csd[6] = 0x00;
        // C_SIZE, bits 69:48.
        csd[7] = (c_size >> 16) as u8 & 0x3F;
        csd[8] = (c_size >> 8) as u8;
        csd[9] = c_size as u8;
        // ERASE_BLK_EN 1 (bit 46), SECTOR_SIZE 0x7F (bits 45:39), WP_GRP_SIZE 0 (38:32).
        csd[10] = 0x40 | 0x3F;
        csd[11] = 0x80;
        // WP_GRP_ENABLE 0, R2W_FACTOR 2 (bits 28:26), WRITE_BL_LEN 9 (bits 25:22).
        csd[12] = 0b010 << 2 | 9 >> 2;
        csd[13] = (9 & 3) << 6;
        csd[14] = 0x00; // FILE_FORMAT_GRP, COPY, WP bits, FILE_FORMAT
        csd[15] = crc7(&csd[..15]) << 1 | 1;
        csd
    }

    /// SCR (§5.6): version 1.0 structure, physical layer 3.0x, 4-bit bus, CMD23 supported.
    fn scr() -> Vec<u8> {
        // SD_SPEC 2, SD_SECURITY 3 (SDHC), bus widths 1 and 4, SD_SPEC3 1, CMD_SUPPORT CMD23.
        vec![0x02, 0x35, 0x80, 0x02, 0, 0, 0, 0]
    }

    /// SD status (§4.10.2): bus width, speed class 10, AU 4 MiB.
    fn sd_status(&self) -> Vec<u8> {
        let mut status = vec![0u8; 64];
        status[0] = if self.bus_width == 4 { 0b10 << 6 } else { 0 };
        status[8] = 0x04; // SPEED_CLASS 10
        status[9] = 0x00; // PERFORMANCE_MOVE
        status[10] = 0x90; // AU_SIZE 9 = 4 MiB
        status[11] = 0x00; // ERASE_SIZE (2 bytes)
        status[12] = 0x01;
        status[13] = 0x04; // ERASE_TIMEOUT 1 s, ERASE_OFFSET 0
        status
    }

    /// The switch-function status block (§4.3.10): group 1 offers default and high speed,
    /// the others their default only. `switch` applies the request.
    fn switch_function(&mut self, argument: u32, switch: bool) -> Vec<u8> {
        let mut block = vec![0u8; 64];
        block[0..2].copy_from_slice(&100u16.to_be_bytes()); // maximum current, mA
        // Support bits of groups 6..1 (bytes 2..13); bit 15 is set by every card.
        for group in 1..=6usize {
            let support: u16 = if group == 1 { 0x8003 } else { 0x8001 };
            let at = 2 + 2 * (6 - group);
            block[at..at + 2].copy_from_slice(&support.to_be_bytes());
        }
        // Selected function per group (bytes 14..16, group 6 first, 4 bits each).
        let mut selection = [0u8; 6];
        for (group, chosen) in selection.iter_mut().enumerate() {
            let wanted = (argument >> (4 * group)) & 0xF;
            let supported = if group == 0 { wanted <= 1 } else { wanted == 0 };
            *chosen = match wanted {
                0xF => {
                    if group == 0 {
                        u8::from(self.high_speed)
                    } else {
                        0
                    }
                }
                w if supported => w as u8,
                _ => 0xF,
            };
        }
        if switch && selection[0] != 0xF {
            self.high_speed = selection[0] == 1;
        }
        block[14] = selection[5] << 4 | selection[4];
        block[15] = selection[3] << 4 | selection[2];
        block[16] = selection[1] << 4 | selection[0];
        block[17] = 0; // data structure version 0 (no busy status)
        block
    }

    /// A command from the host: its index and argument. Returns the response and the data
    /// phase it starts.
    pub fn command(&mut self, index: u8, argument: u32) -> (Response, Data) {
        self.commands += 1;
        let app = std::mem::take(&mut self.app_command);
        if app && let Some(answer) = self.application_command(index, argument) {
            return answer;
        }
        let addressed = (argument >> 16) as u16 == RCA;
        match (index, self.state) {
            (0, _) => {
                self.state = State::Idle;
                self.status = 0;
                self.power_up_polls = 0;
                self.interface_condition = false;
                self.bus_width = 1;
                self.high_speed = false;
                self.set_block_count = None;
                (Response::None, Data::None)
            }
            (8, State::Idle) => {
                // VHS 1 = 2.7-3.6 V; anything else is not supported: no response.
                if (argument >> 8) & 0xF == 1 {
                    self.interface_condition = true;
                    (Response::Short(argument & 0xFFF), Data::None)
                } else {
                    (Response::None, Data::None)
                }
            }
            (2, State::Ready) => {
                self.state = State::Ident;
                (Response::Long(Self::cid()), Data::None)
            }
            (3, State::Ident | State::Standby) => {
                self.state = State::Standby;
                // R6: RCA, then status bits 23, 22, 19 and 12:0.
                let status = self.status | (self.state as u32) << 9 | self.ready_for_data();
                let packed = (status >> 8 & 0xC000) | (status >> 6 & 0x2000) | (status & 0x1FFF);
                self.status &= !CLEAR_ON_READ;
                (Response::Short(u32::from(RCA) << 16 | packed), Data::None)
            }
            (9, State::Standby) if addressed => (Response::Long(self.csd()), Data::None),
            (10, State::Standby) if addressed => (Response::Long(Self::cid()), Data::None),
            (7, State::Standby) if addressed => {
                let response = self.r1();
                self.state = State::Transfer;
                (response, Data::None)
            }
            (7, State::Transfer) if !addressed => {
                self.state = State::Standby;
                (Response::None, Data::None)
            }
            (7, _) if !addressed => (Response::None, Data::None),
            (13, _)
                if addressed
                    && !matches!(self.state, State::Idle | State::Ready | State::Ident) =>
            {
                self.r1_only()
            }
            (55, _) if addressed || self.state == State::Idle => {
                self.app_command = true;
                self.status |= APP_CMD;
                let response = self.r1();
                self.status &= !APP_CMD;
                (response, Data::None)
            }
            (16, State::Transfer) => self.r1_only(),
            (6, State::Transfer) => {
                let response = self.r1();
                self.state = State::SendingData;
                let block = self.switch_function(argument & 0x00FF_FFFF, argument >> 31 == 1);
                (response, Data::Bytes(block))
            }
            (23, State::Transfer) => {
                self.set_block_count = Some(argument);
                self.r1_only()
            }
            (17 | 18, State::Transfer) => {
                let first = u64::from(argument);
                if first >= self.image.blocks {
                    self.status |= OUT_OF_RANGE;
                    return self.r1_only();
                }
                let response = self.r1();
                self.state = State::SendingData;
                (
                    response,
                    Data::ReadBlocks {
                        first,
                        multiple: index == 18,
                    },
                )
            }
            (24 | 25, State::Transfer) => {
                let first = u64::from(argument);
                if first >= self.image.blocks {
                    self.status |= OUT_OF_RANGE;
                    return self.r1_only();
                }
                let response = self.r1();
                self.state = State::ReceivingData;
                (
                    response,
                    Data::WriteBlocks {
                        first,
                        multiple: index == 25,
                    },
                )
            }
            (12, State::SendingData | State::ReceivingData) => {
                let response = self.r1();
                self.state = State::Transfer;
                self.set_block_count = None;
                (response, Data::None)
            }
            _ => self.illegal(),
        }
    }

    fn r1_only(&mut self) -> (Response, Data) {
        (self.r1(), Data::None)
    }

    /// An application command (after CMD55); `None` if `index` is not one, so it is handled
    /// as a general command.
    fn application_command(&mut self, index: u8, argument: u32) -> Option<(Response, Data)> {
        Some(match (index, self.state) {
            (41, State::Idle) => {
                let asked = argument & OCR_VOLTAGE_WINDOW;
                let high_capacity_host = argument & OCR_CCS != 0 && self.interface_condition;
                if asked != 0 {
                    self.power_up_polls += 1;
                }
                let ready = asked != 0 && high_capacity_host && self.power_up_polls >= 2;
                let mut ocr = OCR_VOLTAGE_WINDOW;
                if ready {
                    ocr |= OCR_POWER_UP_DONE | OCR_CCS;
                    self.state = State::Ready;
                }
                (Response::Short(ocr), Data::None)
            }
            (6, State::Transfer) => match argument & 3 {
                0 | 2 => {
                    self.bus_width = if argument & 3 == 2 { 4 } else { 1 };
                    self.app_r1()
                }
                _ => self.illegal(),
            },
            (13, State::Transfer) => {
                let (response, _) = self.app_r1();
                self.state = State::SendingData;
                (response, Data::Bytes(self.sd_status()))
            }
            (51, State::Transfer) => {
                let (response, _) = self.app_r1();
                self.state = State::SendingData;
                (response, Data::Bytes(Self::scr()))
            }
            (22 | 23 | 42, State::Transfer) => self.app_r1(),
            _ => return None,
        })
    }

    fn app_r1(&mut self) -> (Response, Data) {
        self.status |= APP_CMD;
        let response = self.r1();
        self.status &= !APP_CMD;
        (response, Data::None)
    }

    /// The data phase ended (all bytes or blocks moved, or the host stopped it without
    /// CMD12 for a single-block or register transfer): back to the transfer state.
    pub fn data_done(&mut self) {
        if matches!(self.state, State::SendingData | State::ReceivingData) {
            self.state = State::Transfer;
        }
        self.set_block_count = None;
    }

    /// Whether CMD23 set a block count for the next multiple-block command: the card then
    /// goes back to the transfer state by itself after that many blocks (SET_BLOCK_COUNT), and the
    /// host controller tells it so with [`Self::data_done`].
    pub fn block_count_set(&self) -> bool {
        self.set_block_count.is_some()
    }

    /// Block `block`'s bytes, or `None` (and OUT_OF_RANGE) past the end of the card.
    pub fn read_block(&mut self, block: u64) -> Option<[u8; BLOCK_LEN]> {
        if block >= self.image.blocks {
            self.status |= OUT_OF_RANGE;
            return None;
        }
        if let Some(data) = self.image.overlay.get(&block) {
            return Some(**data);
        }
        let mut data = [0u8; BLOCK_LEN];
        match self
            .image
            .file
            .read_exact_at(&mut data, block * BLOCK_LEN as u64)
        {
            Ok(()) => Some(data),
            Err(_) => {
                self.status |= ADDRESS_ERROR;
                None
            }
        }
    }

    /// Store block `block`; false (and OUT_OF_RANGE) past the end of the card.
    pub fn write_block(&mut self, block: u64, data: &[u8; BLOCK_LEN]) -> bool {
        if block >= self.image.blocks {
            self.status |= OUT_OF_RANGE;
            return false;
        }
        self.blocks_written += 1;
        if self.image.writable {
            if self
                .image
                .file
                .write_all_at(data, block * BLOCK_LEN as u64)
                .is_err()
            {
                self.status |= ADDRESS_ERROR;
                return false;
            }
        } else {
            self.image.overlay.insert(block, Box::new(*data));
        }
        true
    }
}

/// The CRC7 of the SD protocol (polynomial x^7 + x^3 + 1), as carried in CID and CSD.
fn crc7(bytes: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &byte in bytes {
        for bit in (0..8).rev() {
            let input = (byte >> bit) & 1;
            let top = (crc >> 6) & 1;
            crc = (crc << 1) & 0x7F;
            if input ^ top != 0 {
                crc ^= 0x09;
            }
        }
    }
    crc
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A card over a temporary image of `units` x 512 KiB whose block n starts with n.
    pub fn card(units: u64, writable: bool) -> (SdCard, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "db410c-emu-sd-{}-{}",
            std::process::id(),
            std::thread::current()
                .name()
                .unwrap_or("t")
                .replace("::", "-")
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("card.img");
        let mut bytes = vec![0u8; (units * CAPACITY_UNIT) as usize];
        for (n, block) in bytes.chunks_mut(BLOCK_LEN).enumerate() {
            block[..8].copy_from_slice(&(n as u64).to_le_bytes());
        }
        std::fs::write(&path, bytes).unwrap();
        (SdCard::open(&path, writable).unwrap(), path)
    }

    /// Identify and select the card as a version 2.00 host does.
    pub fn identify(card: &mut SdCard) {
        card.command(0, 0);
        assert_eq!(card.command(8, 0x1AA).0, Response::Short(0x1AA));
        for poll in 0..2 {
            assert!(matches!(card.command(55, 0).0, Response::Short(_)));
            let Response::Short(ocr) = card.command(41, 0x40FF_8000).0 else {
                panic!("ACMD41 answers")
            };
            assert_eq!(
                ocr & OCR_POWER_UP_DONE != 0,
                poll == 1,
                "ready on the second poll"
            );
        }
        assert!(matches!(card.command(2, 0).0, Response::Long(_)));
        let Response::Short(r6) = card.command(3, 0).0 else {
            panic!("CMD3 answers")
        };
        assert_eq!(r6 >> 16, u32::from(RCA));
        assert!(matches!(
            card.command(7, u32::from(RCA) << 16).0,
            Response::Short(_)
        ));
        assert_eq!(card.state(), State::Transfer);
    }

    #[test]
    fn identification_follows_the_state_machine() {
        let (mut card, _) = card(2, false);
        // Before CMD8, an HCS host does not get a high-capacity card ready.
        card.command(55, 0);
        card.command(41, 0x40FF_8000);
        card.command(55, 0);
        let Response::Short(ocr) = card.command(41, 0x40FF_8000).0 else {
            panic!()
        };
        assert_eq!(ocr & OCR_POWER_UP_DONE, 0);
        // CMD2 in idle: illegal, no response, reported in the next status.
        assert_eq!(card.command(2, 0).0, Response::None);
        identify(&mut card);
        let Response::Short(status) = card.command(13, u32::from(RCA) << 16).0 else {
            panic!()
        };
        assert_eq!(status >> 9 & 0xF, State::Transfer as u32);
        assert_ne!(status & READY_FOR_DATA, 0);
        // A status for another RCA: no answer.
        assert_eq!(card.command(13, 0x1234 << 16).0, Response::None);
    }

    #[test]
    fn csd_reports_the_capacity_and_crcs_are_valid() {
        let (mut card, _) = card(4, false);
        card.command(0, 0);
        card.command(8, 0x1AA);
        card.command(55, 0);
        card.command(41, 0x40FF_8000);
        card.command(55, 0);
        card.command(41, 0x40FF_8000);
        let Response::Long(cid) = card.command(2, 0).0 else {
            panic!()
        };
        assert_eq!(&cid[3..8], b"DB410");
        card.command(3, 0);
        let Response::Long(csd) = card.command(9, u32::from(RCA) << 16).0 else {
            panic!()
        };
        assert_eq!(csd[0] >> 6, 1, "CSD version 2.0");
        let c_size = u32::from(csd[7] & 0x3F) << 16 | u32::from(csd[8]) << 8 | u32::from(csd[9]);
        assert_eq!(c_size, 3, "4 units of 512 KiB");
        assert_eq!(csd[5] & 0xF, 9, "READ_BL_LEN 512");
        // Known CRC7 value from the specification's example: CMD0 with argument 0 -> 0x4A.
        assert_eq!(crc7(&[0x40, 0, 0, 0, 0]), 0x4A);
        assert_eq!(cid[15] & 1, 1);
    }

    #[test]
    fn blocks_read_back_writes_stay_in_memory_unless_writable() {
        let (mut card, path) = card(1, false);
        identify(&mut card);
        let (_, data) = card.command(17, 3);
        assert_eq!(
            data,
            Data::ReadBlocks {
                first: 3,
                multiple: false
            }
        );
        assert_eq!(card.read_block(3).unwrap()[0], 3);
        card.data_done();
        let (_, data) = card.command(24, 5);
        assert!(matches!(data, Data::WriteBlocks { first: 5, .. }));
        assert!(card.write_block(5, &[0xAB; BLOCK_LEN]));
        card.data_done();
        assert_eq!(card.read_block(5).unwrap()[0], 0xAB);
        // The file is unchanged.
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes[5 * BLOCK_LEN], 5);
        // Past the end: OUT_OF_RANGE and no data.
        let blocks = card.blocks();
        let (response, data) = card.command(17, blocks as u32);
        assert_eq!(data, Data::None);
        let Response::Short(status) = response else {
            panic!()
        };
        assert_ne!(status & OUT_OF_RANGE, 0);
        // Writable: the file changes.
        let (mut card, path) = super::tests::card(1, true);
        identify(&mut card);
        card.command(24, 2);
        assert!(card.write_block(2, &[0xCD; BLOCK_LEN]));
        assert_eq!(std::fs::read(&path).unwrap()[2 * BLOCK_LEN], 0xCD);
    }

    #[test]
    fn switch_function_offers_high_speed_and_scr_says_4_bit() {
        let (mut card, _) = card(1, false);
        identify(&mut card);
        card.command(55, u32::from(RCA) << 16);
        let (_, Data::Bytes(scr)) = card.command(51, 0) else {
            panic!("ACMD51 sends the SCR")
        };
        assert_eq!(scr[1] & 0xF, 0b0101, "1-bit and 4-bit buses");
        card.data_done();
        let (_, Data::Bytes(check)) = card.command(6, 0x00FF_FFF1) else {
            panic!("CMD6 sends a status block")
        };
        assert_eq!(u16::from_be_bytes([check[12], check[13]]) & 2, 2);
        assert_eq!(check[16] & 0xF, 1, "high speed can be selected");
        assert!(!card.high_speed, "check mode changes nothing");
        card.data_done();
        card.command(6, 0x80FF_FFF1);
        assert!(card.high_speed);
        card.data_done();
        // Unsupported function in group 2: 0xF.
        let (_, Data::Bytes(check)) = card.command(6, 0x00FF_FF3F) else {
            panic!()
        };
        assert_eq!(check[16] >> 4, 0xF);
    }

    #[test]
    fn image_size_must_be_whole_capacity_units() {
        let path = std::env::temp_dir().join(format!("db410c-emu-sd-odd-{}", std::process::id()));
        std::fs::write(&path, vec![0u8; 1000]).unwrap();
        let e = SdCard::open(&path, false).unwrap_err();
        assert!(e.contains("512 KiB") && e.contains("truncate"), "{e}");
        assert!(
            SdCard::open(Path::new("/nonexistent/card.img"), false)
                .unwrap_err()
                .contains("cannot open")
        );
    }
}
