//! Decoding of the exception syndrome register (`ESR_ELx`) for readable reports.

/// The exception class field, ESR bits 31:26.
pub const fn exception_class(esr: u64) -> u8 {
    ((esr >> 26) & 0x3F) as u8
}

/// A short human-readable name of an exception class (Arm ARM, "ESR_ELx.EC").
///
/// Class 0 ("unknown reason") is what an undefined or unallocated instruction (e.g. `UDF`)
/// produces, so it is reported as such.
pub const fn exception_class_name(ec: u8) -> &'static str {
    match ec {
        0x00 => "undefined instruction (unknown reason)",
        0x01 => "trapped WFI/WFE",
        0x07 => "trapped FP/SIMD access",
        0x0E => "illegal execution state",
        0x15 => "svc instruction",
        0x16 => "hvc instruction",
        0x17 => "smc instruction",
        0x18 => "trapped system register access",
        0x20 => "instruction abort (lower EL)",
        0x21 => "instruction abort (same EL)",
        0x22 => "PC alignment fault",
        0x24 => "data abort (lower EL)",
        0x25 => "data abort (same EL)",
        0x26 => "SP alignment fault",
        0x2C => "floating-point exception",
        0x2F => "SError",
        0x30 => "breakpoint (lower EL)",
        0x31 => "breakpoint (same EL)",
        0x32 => "software step (lower EL)",
        0x33 => "software step (same EL)",
        0x34 => "watchpoint (lower EL)",
        0x35 => "watchpoint (same EL)",
        0x3C => "brk instruction",
        _ => "unrecognised exception class",
    }
}

/// For data aborts (classes 0x24/0x25): whether the faulting access was a write (ISS bit 6,
/// WnR).
pub const fn is_write_abort(esr: u64) -> bool {
    let ec = exception_class(esr);
    (ec == 0x24 || ec == 0x25) && esr & (1 << 6) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_common_classes() {
        // UDF #0 at EL1: EC 0, IL 1.
        assert_eq!(exception_class(0x0200_0000), 0);
        assert_eq!(
            exception_class_name(exception_class(0x0200_0000)),
            "undefined instruction (unknown reason)"
        );
        // BRK #0x1234: EC 0x3C, IL 1, ISS = comment.
        let brk = (0x3C << 26) | (1 << 25) | 0x1234;
        assert_eq!(
            exception_class_name(exception_class(brk)),
            "brk instruction"
        );
        // Data abort, same EL, write, translation fault level 1.
        let dabt = (0x25 << 26) | (1 << 25) | (1 << 6) | 0b000101;
        assert_eq!(
            exception_class_name(exception_class(dabt)),
            "data abort (same EL)"
        );
        assert!(is_write_abort(dabt));
        assert!(!is_write_abort(dabt & !(1 << 6)));
        assert!(!is_write_abort(brk | (1 << 6)));
        assert_eq!(exception_class_name(0x3F), "unrecognised exception class");
    }
}
