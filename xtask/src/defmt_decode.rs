//! Host side of defmt logging: splits the console byte stream into plain text and defmt frames
//! and decodes the frames with the ELF's defmt table.
//!
//! # Design notes
//!
//! - Wire format (written by `apq8016_hal::defmt_logger`, described in `docs/defmt.md`): every
//!   frame is `0x00 0xFF <rzCOBS(defmt frame ‖ CRC-32 LE)> 0x00`. Console text never contains
//!   `0xFF` or `0x00`, so outside a frame `0xFF` starts one and `0x00` is dropped; inside a
//!   frame `0x00` ends it.
//! - A frame is decoded only when everything agrees: valid rzCOBS, CRC-32 of the payload
//!   matches, the table knows the index, the arguments consume exactly the payload. Anything
//!   else is reported as `[defmt: corrupted frame: <reason>, N bytes skipped]` and never shown
//!   as a message: without the CRC a changed argument byte would decode into a plausible but
//!   wrong value.
//! - Resynchronisation: a byte changed into `0x00` cuts a frame in two. The first part fails
//!   its CRC; the rest would look like text. So after a corrupted frame the bytes that follow
//!   are held back: if they end with a `0x00` that is not followed by `0xFF` (the start of the
//!   next frame), they were the rest of the broken frame and are counted as skipped; otherwise
//!   (a new frame starts, the hold-back limit is reached, the stream ends) they are text.
//! - A damaged end marker merges a frame with the bytes after it; when the merged frame fails,
//!   its shortest prefix that passes every check is taken as the frame (the CRC vouches for it)
//!   and the rest goes through the splitter again, so the text after it is not lost.
//! - A frame longer than [`MAX_FRAME_LEN`] without an end is reported and dropped, so a lost
//!   `0x00` cannot swallow the rest of the console.
//! - Without a defmt table in the ELF (a program that does not use defmt), bytes pass through
//!   unchanged: the decoder can sit on every console.
//! - Decoded lines: `<seconds> [LEVEL] <message> (<file>:<line>)`; the timestamp only if the
//!   firmware defines one, the location only if the ELF's debug info has it, file paths
//!   relative to the workspace root when they are inside it.

use anyhow::{Context, Result};
use defmt_decoder::{DecodeError, Locations, Table};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Marks the start of a frame.
pub const FRAME_START: u8 = 0xFF;
/// Ends a frame (and precedes every frame start).
pub const FRAME_END: u8 = 0x00;
/// Length of the CRC-32 after the defmt frame in each payload.
const CRC_LEN: usize = 4;
/// Most zero bytes rzCOBS's last group can add after the payload (a 7-byte group with one
/// byte used).
const MAX_RZCOBS_PADDING: usize = 6;
/// Longest encoded frame accepted, and longest hold-back after a corrupted frame, in bytes.
/// Log frames are tens of bytes; only huge slices or strings come near this.
pub const MAX_FRAME_LEN: usize = 4096;

/// Decodes a whole captured console output (see the module notes): plain text unchanged,
/// each defmt frame as one line. Text that is not UTF-8 is shown lossily.
pub fn decode_console(elf: &Path, bytes: &[u8]) -> Result<String> {
    let elf_bytes = std::fs::read(elf).with_context(|| format!("cannot read {}", elf.display()))?;
    let mut decoder = ConsoleDecoder::new(&elf_bytes)
        .with_context(|| format!("cannot read the defmt table of {}", elf.display()))?;
    let mut out = decoder.push(bytes);
    out.extend(decoder.finish());
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The ELF's defmt information.
struct Defmt {
    table: Table,
    locations: Locations,
}

/// Where the splitter is in the byte stream.
#[derive(Debug)]
enum State {
    /// Between frames.
    Text,
    /// Inside a frame; the encoded bytes so far (without the `0xFF`).
    Frame(Vec<u8>),
    /// Holding back bytes whose nature is not known yet.
    Holding(Hold),
}

/// Bytes held back after a corrupted frame (they may be its rest), or after a `0x00` that was
/// not followed by `0xFF` (they may be a frame whose start marker was damaged).
#[derive(Debug)]
struct Hold {
    /// What to report if the held bytes turn out to be (part of) a broken frame.
    corruption: Corruption,
    /// A frame already failed: report `corruption` whatever the held bytes turn out to be.
    confirmed: bool,
    held: Vec<u8>,
    /// A `0x00` followed the held bytes; the next byte decides what they were.
    saw_end: bool,
}

/// A broken frame: why, and how many console bytes it took.
#[derive(Debug)]
struct Corruption {
    reason: String,
    skipped: usize,
}

/// Streaming splitter and decoder: feed console bytes with [`push`](Self::push) as they
/// arrive, call [`finish`](Self::finish) at the end of the stream.
pub struct ConsoleDecoder {
    defmt: Option<Defmt>,
    state: State,
    /// The output so far ends with a newline (or nothing was written yet).
    at_line_start: bool,
    /// Prefix stripped from source paths.
    workspace_root: PathBuf,
}

impl ConsoleDecoder {
    /// A decoder for the program in `elf` (its bytes). No defmt table: text pass-through.
    pub fn new(elf: &[u8]) -> Result<Self> {
        let defmt = match Table::parse(elf)? {
            Some(table) => {
                let locations = table.get_locations(elf)?;
                Some(Defmt { table, locations })
            }
            None => None,
        };
        Ok(Self {
            defmt,
            state: State::Text,
            at_line_start: true,
            workspace_root: crate::process::workspace_root().unwrap_or_else(|_| PathBuf::from("/")),
        })
    }

    /// Feeds console bytes; returns what can be shown so far.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        if self.defmt.is_none() {
            out.extend_from_slice(bytes);
            return out;
        }
        for &byte in bytes {
            let state = std::mem::replace(&mut self.state, State::Text);
            self.state = self.step(state, byte, &mut out);
        }
        out
    }

    /// Ends the stream: reports an unfinished frame, releases held-back text.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        match std::mem::replace(&mut self.state, State::Text) {
            State::Text => {}
            State::Frame(encoded) => self.report(
                &mut out,
                &Corruption {
                    reason: "truncated (the output ended inside it)".into(),
                    skipped: encoded.len() + 1,
                },
            ),
            State::Holding(mut hold) => {
                if hold.saw_end {
                    // `<held> 00` at the very end: the rest of a broken frame.
                    hold.corruption.skipped += hold.held.len() + 1;
                    self.report(&mut out, &hold.corruption);
                } else {
                    self.release(&mut out, hold);
                }
            }
        }
        out
    }

    /// One byte through the state machine; returns the next state.
    fn step(&mut self, state: State, byte: u8, out: &mut Vec<u8>) -> State {
        match state {
            State::Text => match byte {
                FRAME_START => State::Frame(Vec::new()),
                FRAME_END => State::Holding(Hold {
                    corruption: Corruption {
                        reason: "start marker 0xFF missing".into(),
                        skipped: 1,
                    },
                    confirmed: false,
                    held: Vec::new(),
                    saw_end: false,
                }),
                _ => {
                    self.text(out, &[byte]);
                    State::Text
                }
            },
            State::Frame(mut encoded) => {
                if byte == FRAME_END {
                    self.end_of_frame(&encoded, out)
                } else if encoded.len() >= MAX_FRAME_LEN {
                    let corruption = Corruption {
                        reason: format!("no end within {MAX_FRAME_LEN} bytes"),
                        skipped: encoded.len() + 1,
                    };
                    self.report(out, &corruption);
                    self.step(State::Text, byte, out)
                } else {
                    encoded.push(byte);
                    State::Frame(encoded)
                }
            }
            State::Holding(hold) if hold.saw_end => {
                if byte == FRAME_START {
                    // `<held> 00 FF`: a frame starts; the held bytes were text.
                    self.release(out, hold);
                    State::Frame(Vec::new())
                } else {
                    // `<held> 00 x`: the held bytes and their 0x00 were (the rest of) a broken
                    // frame; `x` comes after it.
                    let mut corruption = hold.corruption;
                    corruption.skipped += hold.held.len() + 1;
                    self.report(out, &corruption);
                    self.step(State::Text, byte, out)
                }
            }
            State::Holding(mut hold) => match byte {
                // Runs of 0x00 count as one.
                FRAME_END if hold.held.is_empty() => State::Holding(hold),
                FRAME_END => {
                    hold.saw_end = true;
                    State::Holding(hold)
                }
                FRAME_START if hold.held.is_empty() => {
                    self.release(out, hold);
                    State::Frame(Vec::new())
                }
                _ if hold.held.len() >= MAX_FRAME_LEN => {
                    self.release(out, hold);
                    self.step(State::Text, byte, out)
                }
                _ => {
                    hold.held.push(byte);
                    State::Holding(hold)
                }
            },
        }
    }

    /// Ends a hold whose bytes were text: report the frame before them if one failed, then
    /// show them.
    fn release(&mut self, out: &mut Vec<u8>, hold: Hold) {
        if hold.confirmed {
            self.report(out, &hold.corruption);
        }
        self.text(out, &hold.held);
    }

    /// A complete frame (`encoded` without `0xFF` and `0x00`): decode it, or hold back what
    /// follows in case it is the rest of this broken frame.
    fn end_of_frame(&mut self, encoded: &[u8], out: &mut Vec<u8>) -> State {
        match self.decode_frame(encoded) {
            Ok(line) => {
                self.line(out, &line);
                State::Text
            }
            Err(reason) => {
                // A damaged end marker merges the frame with what followed it (up to the next
                // frame's leading 0x00): if a prefix passes all checks, that was the frame and
                // the rest is fed through again.
                let recovered = (1..encoded.len())
                    .find_map(|end| Some((end, self.decode_frame(&encoded[..end]).ok()?)));
                if let Some((end, line)) = recovered {
                    self.line(out, &line);
                    let mut state = State::Text;
                    for &byte in encoded[end + 1..].iter().chain([&FRAME_END]) {
                        state = self.step(state, byte, out);
                    }
                    return state;
                }
                State::Holding(Hold {
                    corruption: Corruption {
                        reason,
                        skipped: encoded.len() + 2,
                    },
                    confirmed: true,
                    held: Vec::new(),
                    saw_end: false,
                })
            }
        }
    }

    /// Decodes one frame into its display line, or says why it cannot be trusted.
    fn decode_frame(&self, encoded: &[u8]) -> Result<String, String> {
        let defmt = self.defmt.as_ref().expect("only called with a defmt table");
        let payload = rzcobs_decode(encoded)?;
        let frame_bytes = split_off_crc(&payload)?;
        if frame_bytes.len() < 2 {
            return Err(format!("too short ({} bytes)", frame_bytes.len()));
        }
        let (frame, consumed) = defmt
            .table
            .decode(frame_bytes)
            .map_err(|error| match error {
                DecodeError::UnexpectedEof => "arguments cut short".to_owned(),
                DecodeError::Malformed => {
                    let index = u16::from_le_bytes([frame_bytes[0], frame_bytes[1]]);
                    format!("unknown string index {index} or malformed arguments (wrong ELF?)")
                }
            })?;
        if consumed != frame_bytes.len() {
            return Err(format!(
                "{} bytes left over after the arguments (wrong ELF?)",
                frame_bytes.len() - consumed
            ));
        }

        let mut line = String::new();
        if let Some(timestamp) = frame.display_timestamp() {
            let _ = write!(line, "{timestamp} ");
        }
        if let Some(level) = frame.level() {
            let _ = write!(line, "[{:<5}] ", level.as_str().to_ascii_uppercase());
        }
        let _ = write!(line, "{}", frame.display_message());
        if let Some(location) = defmt.locations.get(&frame.index()) {
            let file = location
                .file
                .strip_prefix(&self.workspace_root)
                .unwrap_or(&location.file);
            let _ = write!(line, " ({}:{})", file.display(), location.line);
        }
        Ok(line)
    }

    /// Writes text bytes.
    fn text(&mut self, out: &mut Vec<u8>, bytes: &[u8]) {
        if let Some(&last) = bytes.last() {
            out.extend_from_slice(bytes);
            self.at_line_start = last == b'\n';
        }
    }

    /// Writes a line of our own, starting a new line first if text left one open.
    fn line(&mut self, out: &mut Vec<u8>, line: &str) {
        if !self.at_line_start {
            out.push(b'\n');
        }
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
        self.at_line_start = true;
    }

    fn report(&mut self, out: &mut Vec<u8>, corruption: &Corruption) {
        let line = format!(
            "[defmt: corrupted frame: {}, {} bytes skipped]",
            corruption.reason, corruption.skipped
        );
        self.line(out, &line);
    }
}

/// Finds the defmt frame in a decoded payload `frame ‖ CRC-32 LE ‖ padding`: rzCOBS fills its
/// last group with up to [`MAX_RZCOBS_PADDING`] zero bytes, so every split that leaves only
/// zeros after the CRC is tried; the one whose CRC matches is the frame (a false match has a
/// chance of about 7 in 2^32).
fn split_off_crc(payload: &[u8]) -> Result<&[u8], String> {
    if payload.len() < CRC_LEN {
        return Err(format!("too short ({} bytes after rzCOBS)", payload.len()));
    }
    let mut tried = None;
    for padding in 0..=MAX_RZCOBS_PADDING.min(payload.len() - CRC_LEN) {
        let crc_end = payload.len() - padding;
        if padding > 0 && payload[crc_end] != 0 {
            break;
        }
        let (frame, crc_bytes) = payload[..crc_end].split_at(crc_end - CRC_LEN);
        let sent = u32::from_le_bytes(crc_bytes.try_into().expect("4 bytes"));
        let computed = crc32fast::hash(frame);
        if sent == computed {
            return Ok(frame);
        }
        tried.get_or_insert((sent, computed));
    }
    let (sent, computed) = tried.expect("padding 0 is always tried");
    Err(format!(
        "CRC mismatch (sent {sent:#010x}, computed {computed:#010x})"
    ))
}

/// Decodes one rzCOBS-encoded frame (without its `0x00` terminator).
///
/// rzCOBS is read from the end: each group is introduced by its *last* byte. A byte `0b0xxx_xxxx`
/// stands for 7 payload bytes where each set bit (LSB first) is a zero and each clear bit takes
/// one literal byte; `0b1nnn_nnnn` (below `0xFF`) for `n + 7` literal bytes and then a zero;
/// `0xFF` for 134 literal bytes. The encoder ends a frame with a whole group, so the result may
/// end with up to [`MAX_RZCOBS_PADDING`] zero bytes that were never sent.
fn rzcobs_decode(encoded: &[u8]) -> Result<Vec<u8>, String> {
    let mut reversed = Vec::with_capacity(encoded.len() * 2);
    let mut rest = encoded.iter().rev().copied();
    let literal = |rest: &mut dyn Iterator<Item = u8>| {
        rest.next()
            .ok_or_else(|| "bad rzCOBS (a group runs past the start of the frame)".to_owned())
    };
    while let Some(code) = rest.next() {
        match code {
            0x00 => return Err("bad rzCOBS (zero byte inside a frame)".into()),
            0x01..=0x7F => {
                for bit in (0..7).rev() {
                    if code & (1 << bit) != 0 {
                        reversed.push(0);
                    } else {
                        reversed.push(literal(&mut rest)?);
                    }
                }
            }
            0x80..=0xFE => {
                reversed.push(0);
                for _ in 0..(code & 0x7F) + 7 {
                    reversed.push(literal(&mut rest)?);
                }
            }
            0xFF => {
                for _ in 0..134 {
                    reversed.push(literal(&mut rest)?);
                }
            }
        }
    }
    reversed.reverse();
    Ok(reversed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::write::{Object, Symbol, SymbolSection};
    use object::{
        Architecture, BinaryFormat, Endianness, SectionKind, SymbolFlags, SymbolKind, SymbolScope,
    };

    /// String-table indices of the synthetic ELF.
    const VALUE_INDEX: u16 = 1;
    const SECOND_INDEX: u16 = 2;
    const PRINTLN_INDEX: u16 = 3;

    /// A minimal ELF with a defmt table as the firmware's linker output has it: one symbol per
    /// string in `.defmt` (address = index, name = JSON description), the version and
    /// encoding symbols. `with_defmt = false` gives an ELF of a program without defmt.
    fn test_elf(with_defmt: bool) -> Vec<u8> {
        let mut object = Object::new(BinaryFormat::Elf, Architecture::Aarch64, Endianness::Little);
        let text = object.add_section(Vec::new(), b".text".to_vec(), SectionKind::Text);
        object.set_section_data(text, vec![0; 4], 4);
        if !with_defmt {
            return object.write().expect("ELF written");
        }
        let defmt = object.add_section(Vec::new(), b".defmt".to_vec(), SectionKind::ReadOnlyData);
        object.set_section_data(defmt, vec![0; 8], 1);
        let entries = [
            (VALUE_INDEX, "defmt_info", "value {=u32}, flag {=bool}"),
            (SECOND_INDEX, "defmt_warn", "second frame"),
            (PRINTLN_INDEX, "defmt_println", "no level"),
            (4, "defmt_timestamp", "{=u64:us}"),
        ];
        for (index, tag, data) in entries {
            let name = format!(
                r#"{{"package":"test","tag":"{tag}","data":"{data}","disambiguator":"{index}","crate_name":"test"}}"#
            );
            object.add_symbol(Symbol {
                name: name.into_bytes(),
                value: u64::from(index),
                size: 1,
                kind: SymbolKind::Data,
                scope: SymbolScope::Linkage,
                weak: false,
                section: SymbolSection::Section(defmt),
                flags: SymbolFlags::None,
            });
        }
        for name in ["_defmt_version_ = 4", "_defmt_encoding_ = rzcobs"] {
            object.add_symbol(Symbol {
                name: name.as_bytes().to_vec(),
                value: 0,
                size: 0,
                kind: SymbolKind::Data,
                scope: SymbolScope::Compilation,
                weak: false,
                section: SymbolSection::Absolute,
                flags: SymbolFlags::None,
            });
        }
        object.write().expect("ELF written")
    }

    /// rzCOBS encoder (test side; the firmware uses `defmt::Encoder`), written from the format
    /// description: groups of 7 bytes whose zeros are collected in a bit mask, long runs without
    /// zeros as a length byte.
    fn rzcobs_encode(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut run = 0u8;
        let mut zeros = 0u8;
        for &byte in data {
            if run < 7 {
                if byte == 0 {
                    zeros |= 1 << run;
                } else {
                    out.push(byte);
                }
                run += 1;
                if run == 7 && zeros != 0 {
                    out.push(zeros);
                    run = 0;
                    zeros = 0;
                }
            } else if byte == 0 {
                out.push(0x80 | (run - 7));
                run = 0;
                zeros = 0;
            } else {
                out.push(byte);
                run += 1;
                if run == 134 {
                    out.push(0xFF);
                    run = 0;
                    zeros = 0;
                }
            }
        }
        match run {
            0 => {}
            1..=6 => out.push((zeros | (0xFF << run)) & 0x7F),
            _ => out.push(0x80 | (run - 7)),
        }
        out
    }

    /// An unencoded defmt frame: index, timestamp (µs), then the argument bytes.
    fn raw_frame(index: u16, micros: u64, args: &[u8]) -> Vec<u8> {
        let mut raw = index.to_le_bytes().to_vec();
        raw.extend_from_slice(&micros.to_le_bytes());
        raw.extend_from_slice(args);
        raw
    }

    /// A frame as the firmware logger sends it: `00 FF rzCOBS(raw ‖ CRC-32) 00`.
    fn wire(raw: &[u8]) -> Vec<u8> {
        let mut payload = raw.to_vec();
        payload.extend_from_slice(&crc32fast::hash(raw).to_le_bytes());
        let mut bytes = vec![FRAME_END, FRAME_START];
        bytes.extend(rzcobs_encode(&payload));
        bytes.push(FRAME_END);
        bytes
    }

    fn value_frame(value: u32, flag: bool) -> Vec<u8> {
        let mut args = value.to_le_bytes().to_vec();
        args.push(u8::from(flag));
        raw_frame(VALUE_INDEX, 1_234_567, &args)
    }

    fn decode(bytes: &[u8]) -> String {
        let mut decoder = ConsoleDecoder::new(&test_elf(true)).expect("table parsed");
        let mut out = decoder.push(bytes);
        out.extend(decoder.finish());
        String::from_utf8_lossy(&out).into_owned()
    }

    const VALUE_LINE: &str = "1.234567 [INFO ] value 305419896, flag true\n";
    const SECOND_LINE: &str = "0.000099 [WARN ] second frame\n";

    /// Boot text, the value frame, plain text, the second frame, tail text.
    fn stream(value_wire: &[u8]) -> Vec<u8> {
        let mut bytes = b"boot\r\n".to_vec();
        bytes.extend_from_slice(value_wire);
        bytes.extend_from_slice(b"plain text\r\n");
        bytes.extend(wire(&raw_frame(SECOND_INDEX, 99, &[])));
        bytes.extend_from_slice(b"tail\r\n");
        bytes
    }

    #[test]
    fn rzcobs_decoding_inverts_encoding_up_to_padding() {
        let patterns: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![1],
            vec![0; 20],
            (1..=200).collect(),
            (0..=255).collect(),
            (0..300)
                .map(|i| if i % 9 == 0 { 0 } else { i as u8 | 1 })
                .collect(),
            (0..300).map(|i| (i as u8) & 0x0F).collect(),
        ];
        for data in patterns {
            let decoded = rzcobs_decode(&rzcobs_encode(&data)).expect("valid rzCOBS");
            assert!(decoded.starts_with(&data), "{data:?} -> {decoded:?}");
            let padding = &decoded[data.len()..];
            assert!(
                padding.len() <= MAX_RZCOBS_PADDING && padding.iter().all(|&b| b == 0),
                "padding {padding:?} after {data:?}"
            );
        }
    }

    #[test]
    fn test_encoder_agrees_with_defmt_decoders_stream_decoder() {
        // defmt-decoder's own rzCOBS stream decoder accepts our test frames (without CRC).
        let elf = test_elf(true);
        let table = Table::parse(&elf).unwrap().unwrap();
        let mut stream = table.new_stream_decoder();
        let mut bytes = rzcobs_encode(&value_frame(0x1234_5678, true));
        bytes.push(0);
        stream.received(&bytes);
        let frame = stream.decode().expect("decodes");
        assert_eq!(
            frame.display_message().to_string(),
            "value 305419896, flag true"
        );
    }

    #[test]
    fn frames_between_text_become_lines() {
        let output = decode(&stream(&wire(&value_frame(0x1234_5678, true))));
        assert_eq!(
            output,
            format!("boot\r\n{VALUE_LINE}plain text\r\n{SECOND_LINE}tail\r\n")
        );
    }

    #[test]
    fn frame_without_level_has_no_level_tag() {
        let output = decode(&wire(&raw_frame(PRINTLN_INDEX, 5, &[])));
        assert_eq!(output, "0.000005 no level\n");
    }

    #[test]
    fn frame_after_unterminated_text_starts_a_new_line() {
        let mut bytes = b"prompt> ".to_vec();
        bytes.extend(wire(&raw_frame(SECOND_INDEX, 99, &[])));
        assert_eq!(decode(&bytes), format!("prompt> \n{SECOND_LINE}"));
    }

    #[test]
    fn byte_by_byte_feeding_gives_the_same_output() {
        let bytes = stream(&wire(&value_frame(7, false)));
        let mut decoder = ConsoleDecoder::new(&test_elf(true)).unwrap();
        let mut out = Vec::new();
        for byte in &bytes {
            out.extend(decoder.push(std::slice::from_ref(byte)));
        }
        out.extend(decoder.finish());
        assert_eq!(String::from_utf8(out).unwrap(), decode(&bytes));
    }

    #[test]
    fn without_defmt_table_bytes_pass_through() {
        let bytes = stream(&wire(&value_frame(7, false)));
        let mut decoder = ConsoleDecoder::new(&test_elf(false)).unwrap();
        let mut out = decoder.push(&bytes);
        out.extend(decoder.finish());
        assert_eq!(out, bytes);
    }

    #[test]
    fn every_single_byte_corruption_is_reported_never_misdecoded() {
        let good = wire(&value_frame(0x1234_5678, true));
        for position in 0..good.len() {
            let original = good[position];
            for replacement in [original ^ 0x01, original ^ 0x80, 0x00, 0xFF] {
                if replacement == original {
                    continue;
                }
                let mut bad = good.clone();
                bad[position] = replacement;
                let output = decode(&stream(&bad));
                let what = format!("byte {position} {original:#04x} -> {replacement:#04x}");
                // Either decoded exactly right (possible only when a marker changed: the
                // leading 0x00 then is a text byte, a damaged end marker is found again) or
                // reported once; never a wrong value.
                let reports = output.matches("[defmt: corrupted frame: ").count();
                if output.contains(VALUE_LINE) {
                    assert!(
                        position == 0 || position == good.len() - 1,
                        "{what}: corruption not noticed: {output:?}"
                    );
                    assert_eq!(reports, 0, "{what}: {output:?}");
                } else {
                    assert!(!output.contains("value"), "{what}: mis-decoded: {output:?}");
                    assert_eq!(reports, 1, "{what}: not reported once: {output:?}");
                }
                // Resynchronised: the following text and frame are intact.
                assert!(output.starts_with("boot\r\n"), "{what}: {output:?}");
                assert!(output.contains("plain text\r\n"), "{what}: {output:?}");
                assert!(
                    output.ends_with(&format!("{SECOND_LINE}tail\r\n")),
                    "{what}: {output:?}"
                );
            }
        }
    }

    #[test]
    fn changed_argument_byte_is_a_crc_mismatch() {
        let mut bad = wire(&value_frame(0x1234_5678, true));
        // Byte 12 of the raw frame is the value's lowest byte (2 index + 8 timestamp + ...);
        // in the encoding it is a literal, so change the first literal equal to 0x78.
        let at = bad.iter().position(|&b| b == 0x78).unwrap();
        bad[at] = 0x79;
        let output = decode(&bad);
        assert!(
            output.starts_with("[defmt: corrupted frame: CRC mismatch (sent 0x"),
            "{output:?}"
        );
        assert!(
            output.ends_with(&format!(", {} bytes skipped]\n", bad.len() - 1)),
            "{output:?}"
        );
    }

    #[test]
    fn unknown_index_with_good_crc_is_reported() {
        let bytes = wire(&raw_frame(99, 1, &[]));
        assert_eq!(
            decode(&bytes),
            format!(
                "[defmt: corrupted frame: unknown string index 99 or malformed arguments (wrong ELF?), {} bytes skipped]\n",
                bytes.len() - 1
            )
        );
    }

    #[test]
    fn extra_argument_bytes_are_reported() {
        let mut raw = value_frame(1, true);
        raw.push(0x55);
        let output = decode(&wire(&raw));
        assert!(
            output.contains("1 bytes left over after the arguments"),
            "{output:?}"
        );
    }

    #[test]
    fn truncated_frame_at_end_of_output_is_reported() {
        let good = wire(&value_frame(1, true));
        let output = decode(&good[..good.len() - 3]);
        assert_eq!(
            output,
            format!(
                "[defmt: corrupted frame: truncated (the output ended inside it), {} bytes skipped]\n",
                good.len() - 4
            )
        );
    }

    #[test]
    fn text_after_a_corrupted_frame_is_kept() {
        let mut bytes = wire(&value_frame(1, true));
        let last = bytes.len() - 2;
        bytes[last] ^= 0x01;
        bytes.extend_from_slice(b"panicked at src/main.rs:1:1\r\n");
        let output = decode(&bytes);
        assert!(
            output.starts_with("[defmt: corrupted frame: "),
            "{output:?}"
        );
        assert!(
            output.ends_with("bytes skipped]\npanicked at src/main.rs:1:1\r\n"),
            "{output:?}"
        );
    }

    #[test]
    fn overlong_frame_is_dropped_and_text_resumes() {
        let mut bytes = vec![FRAME_START];
        bytes.extend(std::iter::repeat_n(0x41, MAX_FRAME_LEN + 10));
        let output = decode(&bytes);
        assert!(
            output.starts_with(&format!(
                "[defmt: corrupted frame: no end within {MAX_FRAME_LEN} bytes, {} bytes skipped]\n",
                MAX_FRAME_LEN + 1
            )),
            "{output:?}"
        );
        assert!(output.ends_with(&"A".repeat(10)), "{output:?}");
    }

    #[test]
    fn missing_elf_is_a_clear_error() {
        let error = decode_console(Path::new("/nonexistent/firmware.elf"), b"")
            .unwrap_err()
            .to_string();
        assert!(error.contains("/nonexistent/firmware.elf"), "{error}");
    }
}
