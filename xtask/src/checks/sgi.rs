//! Checks of the `sgi` example: software-generated interrupts, a critical section and the
//! priority mask holding one off, a refused secure SGI and the report of an interrupt
//! without a handler.

use super::{Runner, documented_output};
use anyhow::Result;

/// Every documented line in order (SGI 8 refused; SGI 1 taken once, held off by a critical
/// section, then held pending by the priority mask, each time taken when they end; SGI 2's
/// missing handler reported), then the rest of the report and the reset.
pub fn handled_masked_unhandled(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.ended_by_reset()?;
    run.console_has_lines(&documented_output("sgi")?)?;
    run.console_has(
        r"(?m)^\*\*\* exception: unexpected IRQ \(current EL\): interrupt 2 has no handler\r\n\*\*\* ESR=0x[0-9a-f]{16} FAR=0x[0-9a-f]{16} ELR=0x[0-9a-f]{16} SPSR=0x[0-9a-f]{16}\r\n\*\*\* resetting \(PS_HOLD\)\r$",
    )?;
    Ok(())
}
