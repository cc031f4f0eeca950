//! Decoding of the exception syndrome register (`ESR_ELx`) for readable reports.
//!
//! The field layout and the exception-class values come from `aarch64-cpu`'s `ESR_EL1`
//! definition ([`ESR_EL1::EC`](mod@ESR_EL1::EC)); this module only adds the short names
//! printed in reports.

use aarch64_cpu::registers::ESR_EL1;
use tock_registers::LocalRegisterCopy;

use ESR_EL1::EC::Value as Class;

/// A syndrome value with `ESR_EL1`'s field layout.
type Syndrome = LocalRegisterCopy<u64, ESR_EL1::Register>;

/// The exception class field (EC, ESR bits 31:26).
pub fn exception_class(esr: u64) -> u8 {
    Syndrome::new(esr).read(ESR_EL1::EC) as u8
}

/// The short names of the exception classes the reports know, by class. A table rather than
/// a `match`: the compiler turns a 23-arm `match` returning strings into about 300 bytes of
/// code in every program (the exception report is always linked), a table is data.
static CLASS_NAMES: [(Class, &str); 23] = [
    (Class::Unknown, "undefined instruction (unknown reason)"),
    (Class::TrappedWFIorWFE, "trapped WFI/WFE"),
    (Class::TrappedFP, "trapped FP/SIMD access"),
    (Class::IllegalExecutionState, "illegal execution state"),
    (Class::SVC64, "svc instruction"),
    (Class::HVC64, "hvc instruction"),
    (Class::SMC64, "smc instruction"),
    (Class::TrappedMsrMrs, "trapped system register access"),
    (Class::InstrAbortLowerEL, "instruction abort (lower EL)"),
    (Class::InstrAbortCurrentEL, "instruction abort (same EL)"),
    (Class::PCAlignmentFault, "PC alignment fault"),
    (Class::DataAbortLowerEL, "data abort (lower EL)"),
    (Class::DataAbortCurrentEL, "data abort (same EL)"),
    (Class::SPAlignmentFault, "SP alignment fault"),
    (Class::TrappedFP64, "floating-point exception"),
    (Class::SError, "SError"),
    (Class::BreakpointLowerEL, "breakpoint (lower EL)"),
    (Class::BreakpointCurrentEL, "breakpoint (same EL)"),
    (Class::SoftwareStepLowerEL, "software step (lower EL)"),
    (Class::SoftwareStepCurrentEL, "software step (same EL)"),
    (Class::WatchpointLowerEL, "watchpoint (lower EL)"),
    (Class::WatchpointCurrentEL, "watchpoint (same EL)"),
    (Class::Brk64, "brk instruction"),
];

/// A short human-readable name of an exception class.
///
/// Class 0 ("unknown reason") is what an undefined or unallocated instruction (e.g. `UDF`)
/// produces, so it is reported as such.
pub fn exception_class_name(ec: u8) -> &'static str {
    for &(class, name) in CLASS_NAMES.iter() {
        if class as u64 == u64::from(ec) {
            return name;
        }
    }
    "unrecognised exception class"
}

/// For data aborts (classes 0x24/0x25): whether the faulting access was a write (ISS bit 6,
/// WnR).
pub fn is_write_abort(esr: u64) -> bool {
    let syndrome = Syndrome::new(esr);
    let data_abort = matches!(
        syndrome.read_as_enum(ESR_EL1::EC),
        Some(Class::DataAbortLowerEL | Class::DataAbortCurrentEL)
    );
    data_abort && syndrome.read(ESR_EL1::ISS) & (1 << 6) != 0
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
        // Lower-EL data abort with WnR.
        assert!(is_write_abort((0x24 << 26) | (1 << 6)));
        // A class aarch64-cpu knows but the report has no name for, and an unallocated one.
        assert_eq!(exception_class_name(0x3D), "unrecognised exception class");
        assert_eq!(exception_class_name(0x3F), "unrecognised exception class");
    }

    #[test]
    fn every_named_class_keeps_its_report_text() {
        // The report lines the exception check and users rely on, by class number.
        let expected = [
            (0x00, "undefined instruction (unknown reason)"),
            (0x01, "trapped WFI/WFE"),
            (0x07, "trapped FP/SIMD access"),
            (0x0E, "illegal execution state"),
            (0x15, "svc instruction"),
            (0x16, "hvc instruction"),
            (0x17, "smc instruction"),
            (0x18, "trapped system register access"),
            (0x20, "instruction abort (lower EL)"),
            (0x21, "instruction abort (same EL)"),
            (0x22, "PC alignment fault"),
            (0x24, "data abort (lower EL)"),
            (0x25, "data abort (same EL)"),
            (0x26, "SP alignment fault"),
            (0x2C, "floating-point exception"),
            (0x2F, "SError"),
            (0x30, "breakpoint (lower EL)"),
            (0x31, "breakpoint (same EL)"),
            (0x32, "software step (lower EL)"),
            (0x33, "software step (same EL)"),
            (0x34, "watchpoint (lower EL)"),
            (0x35, "watchpoint (same EL)"),
            (0x3C, "brk instruction"),
        ];
        for (ec, name) in expected {
            assert_eq!(exception_class_name(ec), name, "class {ec:#x}");
            assert_eq!(exception_class(u64::from(ec) << 26), ec);
        }
    }
}
