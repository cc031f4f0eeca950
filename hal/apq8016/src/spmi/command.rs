//! Pure parts of the arbiter protocol: the status word and the byte packing of the data
//! registers (host unit-tested).

use super::Error;

/// STATUS bits (docs/hardware/spmi-pm8916.md#channel-registers).
pub(super) const STATUS_DONE: u32 = 1 << 0;
pub(super) const STATUS_FAILURE: u32 = 1 << 1;
pub(super) const STATUS_DENIED: u32 = 1 << 2;
pub(super) const STATUS_DROPPED: u32 = 1 << 3;

/// What a nonzero STATUS word says about the command. An error bit wins over DONE.
pub(super) fn status_result(status: u32) -> Result<(), Error> {
    if status & STATUS_FAILURE != 0 {
        Err(Error::Failure)
    } else if status & STATUS_DENIED != 0 {
        Err(Error::Denied)
    } else if status & STATUS_DROPPED != 0 {
        Err(Error::Dropped)
    } else if status & STATUS_DONE != 0 {
        Ok(())
    } else {
        // Nonzero but none of the known bits: treat as a failed command.
        Err(Error::Failure)
    }
}

/// Checks a transfer length (1 to 8 bytes) and gives the CMD byte-count field (length − 1).
pub(super) fn byte_count(len: usize) -> Result<u8, Error> {
    match len {
        1..=8 => Ok((len - 1) as u8),
        _ => Err(Error::InvalidLength { len }),
    }
}

/// The two 32-bit data words holding `bytes` (byte 0 in bits 7:0 of the first word).
pub(super) fn pack(bytes: &[u8]) -> [u32; 2] {
    let mut all = [0u8; 8];
    all[..bytes.len()].copy_from_slice(bytes);
    [
        u32::from_le_bytes([all[0], all[1], all[2], all[3]]),
        u32::from_le_bytes([all[4], all[5], all[6], all[7]]),
    ]
}

/// Fills `out` from the two data words, byte 0 from bits 7:0 of the first.
pub(super) fn unpack(words: [u32; 2], out: &mut [u8]) {
    let mut all = [0u8; 8];
    all[..4].copy_from_slice(&words[0].to_le_bytes());
    all[4..].copy_from_slice(&words[1].to_le_bytes());
    let n = out.len();
    out.copy_from_slice(&all[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words() {
        assert_eq!(status_result(STATUS_DONE), Ok(()));
        assert_eq!(
            status_result(STATUS_DONE | STATUS_FAILURE),
            Err(Error::Failure)
        );
        assert_eq!(status_result(STATUS_DENIED), Err(Error::Denied));
        assert_eq!(
            status_result(STATUS_DROPPED | STATUS_DONE),
            Err(Error::Dropped)
        );
        assert_eq!(status_result(1 << 7), Err(Error::Failure));
    }

    #[test]
    fn lengths() {
        assert_eq!(byte_count(1), Ok(0));
        assert_eq!(byte_count(8), Ok(7));
        assert_eq!(byte_count(0), Err(Error::InvalidLength { len: 0 }));
        assert_eq!(byte_count(9), Err(Error::InvalidLength { len: 9 }));
    }

    #[test]
    fn packing_is_little_endian_across_both_words() {
        assert_eq!(pack(&[0x51, 0x0B]), [0x0B51, 0]);
        assert_eq!(pack(&[1, 2, 3, 4, 5]), [0x0403_0201, 5]);
        let mut out = [0u8; 6];
        unpack([0x0403_0201, 0x0605], &mut out);
        assert_eq!(out, [1, 2, 3, 4, 5, 6]);
    }
}
