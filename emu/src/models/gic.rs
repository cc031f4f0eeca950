//! GICv2 interrupt controller (QGIC2), as non-secure firmware sees it: the state machine.
//! The register maps of the distributor and the CPU interface are in `gic_registers`.
//!
//! Design notes:
//! - Written from the GICv2 architecture specification's programmer's model. The chip's GIC
//!   implements the Security Extensions and the secure firmware owns group 0 (TF-A makes SGIs
//!   8..15 and the secure physical timer, ID 18, group 0, everything else group 1:
//!   docs/hardware/gic-timers.md#gicv2-qgic2). The guest always runs Non-secure, so every
//!   access is a Non-secure access: group 0 interrupts read as zero and ignore writes, the
//!   group registers are RAZ/WI, and priorities, the priority mask and the running priority
//!   are the Non-secure views of the (secure-view) values kept here: a Non-secure write of
//!   `v` stores `0x80 | v >> 1`, a read gives `v << 1`.
//! - 32 priority levels (a GIC-400 class implementation: the three low bits of a stored
//!   priority are zero); the Non-secure binary point is 3..7 (reset 3).
//! - Lines: 288 interrupt IDs (ITLinesNumber 8), the smallest GICv2 size that holds every
//!   interrupt the device tree names (the highest is ID 270); see `LINES`.
//! - Per-core banking: SGIs and PPIs (IDs 0..31) and the CPU interface exist once per core
//!   (`CPUS` = 4; TYPER.CPUNumber = 3). The board sets `accessing_cpu` to the core that runs
//!   (`board::multicore`) and drives each core's IRQ from its own output.
//! - Pending state: an edge-triggered interrupt latches pending on a rising edge of its line
//!   (or a write to ISPENDR); a level-sensitive one is pending while its line is asserted or
//!   while a software latch (ISPENDR) is set. Acknowledging (IAR) clears the latch and makes
//!   the interrupt active; a level line that is still asserted leaves it active and pending,
//!   so it is signalled again after deactivation. An edge while active latches pending too.
//!   An interrupt that is active (or active and pending) is never signalled.
//! - Signalling (the IRQ output of a CPU interface): the highest-priority pending, enabled,
//!   group 1 interrupt targeted at the interface, with the distributor's and the interface's
//!   group 1 enables set, whose priority is below the priority mask and whose group priority
//!   (by the binary point) is higher than the running priority. Ties go to the lowest ID.
//! - Running priority: the group priority of the highest-priority active interrupt that has
//!   not had its priority dropped (EOIR); EOImodeNS = 1 splits the drop (EOIR) from the
//!   deactivation (DIR).
//! - SGIs are pending per source core (SPENDSGIR/CPENDSGIR show them); IAR reports the source
//!   in bits 12:10.
//! - FIQ: group 0 belongs to the secure world, which this board does not run, so no FIQ is
//!   ever signalled to the Non-secure guest.

/// Number of interrupt IDs (ITLinesNumber 8: 32 * (8 + 1)).
pub const LINES: usize = 288;
/// CPU interfaces (TYPER.CPUNumber = CPUS - 1).
pub const CPUS: usize = 4;
/// The spurious interrupt ID.
pub const SPURIOUS: u32 = 1023;
/// Priority bits the model keeps (32 levels).
const PRIORITY_MASK: u8 = 0xF8;
/// Lowest Non-secure binary point (secure minimum 2, plus one).
pub const MIN_BPR_NS: u8 = 3;
/// Idle running priority.
const IDLE: u8 = 0xFF;

/// GICC_CTLR (Non-secure view) bits.
pub mod cpu_ctlr {
    /// EnableGrp1.
    pub const ENABLE_GRP1: u32 = 1 << 0;
    /// FIQBypDisGrp1.
    pub const FIQ_BYP_DIS_GRP1: u32 = 1 << 5;
    /// IRQBypDisGrp1.
    pub const IRQ_BYP_DIS_GRP1: u32 = 1 << 6;
    /// EOImodeNS: EOIR drops priority only, DIR deactivates.
    pub const EOI_MODE_NS: u32 = 1 << 9;
    /// Bits a Non-secure write keeps.
    pub const WRITABLE: u32 = ENABLE_GRP1 | FIQ_BYP_DIS_GRP1 | IRQ_BYP_DIS_GRP1 | EOI_MODE_NS;
}

/// State of one interrupt (for IDs 0..31 one copy per core).
#[derive(Debug, Clone, Copy)]
struct Irq {
    enabled: bool,
    /// Software or edge latch.
    latched: bool,
    active: bool,
    /// Input line asserted.
    line: bool,
    group1: bool,
    /// Secure-view priority.
    priority: u8,
    /// Edge-triggered (ICFGR bit 1 of the pair).
    edge: bool,
    /// Target cores (SPIs).
    targets: u8,
}

impl Irq {
    const fn new(group1: bool, edge: bool) -> Self {
        Self {
            enabled: false,
            latched: false,
            active: false,
            line: false,
            group1,
            priority: 0,
            edge,
            targets: 0,
        }
    }
    fn pending(&self) -> bool {
        self.latched || (!self.edge && self.line)
    }
}

/// One active interrupt whose priority has not been dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Running {
    id: u32,
    group_priority: u8,
}

/// One core's CPU interface.
#[derive(Debug, Clone)]
struct CpuInterface {
    ctlr: u32,
    /// Secure-view priority mask.
    pmr: u8,
    /// Non-secure binary point.
    bpr: u8,
    /// Acknowledged interrupts in order, most recent last.
    running: Vec<Running>,
}

impl Default for CpuInterface {
    fn default() -> Self {
        Self {
            ctlr: 0,
            // The secure firmware leaves the mask open before the Non-secure world starts (a
            // mask in the secure half would make the Non-secure PMR read-only).
            pmr: PRIORITY_MASK,
            bpr: MIN_BPR_NS,
            running: Vec::new(),
        }
    }
}

/// Non-secure view of a stored (secure-view) group 1 priority.
pub fn ns_view(priority: u8) -> u8 {
    priority << 1
}

/// Stored value for a Non-secure write of a group 1 priority.
pub fn from_ns(value: u8) -> u8 {
    (0x80 | value >> 1) & PRIORITY_MASK
}

/// The GIC.
#[derive(Debug, Clone)]
pub struct Gic {
    /// GICD_CTLR.EnableGrp1 (EnableGrp0 belongs to the secure world).
    enable_grp1: bool,
    /// IDs 0..31, per core.
    private: [[Irq; 32]; CPUS],
    /// IDs 32..LINES.
    shared: Vec<Irq>,
    /// SGI pending bits per target core and SGI: a bit per source core.
    sgi_sources: [[u8; 16]; CPUS],
    cpus: [CpuInterface; CPUS],
    /// The core whose accesses reach the registers (the running core).
    pub accessing_cpu: usize,
}

impl Default for Gic {
    fn default() -> Self {
        Self::new()
    }
}

impl Gic {
    /// Reset state, with groups as the secure firmware leaves them (SGIs 8..15 and ID 18
    /// group 0, everything else group 1).
    pub fn new() -> Self {
        let private = std::array::from_fn(|_| {
            std::array::from_fn(|id| {
                let group0 = (8..16).contains(&id) || id == 18;
                Irq::new(!group0, id < 16)
            })
        });
        Self {
            enable_grp1: false,
            private,
            shared: vec![Irq::new(true, false); LINES - 32],
            sgi_sources: [[0; 16]; CPUS],
            cpus: std::array::from_fn(|_| CpuInterface::default()),
            accessing_cpu: 0,
        }
    }

    fn irq(&self, cpu: usize, id: u32) -> &Irq {
        if id < 32 {
            &self.private[cpu][id as usize]
        } else {
            &self.shared[id as usize - 32]
        }
    }

    fn irq_mut(&mut self, cpu: usize, id: u32) -> &mut Irq {
        if id < 32 {
            &mut self.private[cpu][id as usize]
        } else {
            &mut self.shared[id as usize - 32]
        }
    }

    /// Whether the Non-secure guest may see interrupt `id` (group 1 and implemented).
    fn visible(&self, id: u32) -> bool {
        (id as usize) < LINES && self.irq(self.accessing_cpu, id).group1
    }

    // ---- input lines ----

    /// Drive the input line of SPI `id` (32..LINES).
    pub fn set_spi_line(&mut self, id: u32, level: bool) {
        if (32..LINES as u32).contains(&id) {
            Self::drive(&mut self.shared[id as usize - 32], level);
        }
    }

    /// Level of the input line of SPI `id`.
    pub fn spi_line(&self, id: u32) -> bool {
        (32..LINES as u32).contains(&id) && self.shared[id as usize - 32].line
    }

    /// Drive the input line of PPI `id` (16..31) of core `cpu`.
    pub fn set_ppi_line(&mut self, cpu: usize, id: u32, level: bool) {
        if (16..32).contains(&id) {
            Self::drive(&mut self.private[cpu][id as usize], level);
        }
    }

    fn drive(irq: &mut Irq, level: bool) {
        if irq.edge && level && !irq.line {
            irq.latched = true;
        }
        irq.line = level;
    }

    // ---- distributor ----

    /// GICD_CTLR (Non-secure view: bit 0 = EnableGrp1).
    pub fn dist_ctlr(&self) -> u32 {
        u32::from(self.enable_grp1)
    }

    /// Write GICD_CTLR.
    pub fn set_dist_ctlr(&mut self, value: u32) {
        self.enable_grp1 = value & 1 != 0;
    }

    /// One bit of a set/clear register family for interrupt `id`, as the guest reads it.
    pub fn bit(&self, which: BitReg, id: u32) -> bool {
        if !self.visible(id) {
            return false;
        }
        let cpu = self.accessing_cpu;
        let irq = self.irq(cpu, id);
        match which {
            BitReg::Enable => irq.enabled,
            BitReg::Pending => {
                if id < 16 {
                    self.sgi_sources[cpu][id as usize] != 0
                } else {
                    irq.pending()
                }
            }
            BitReg::Active => irq.active,
        }
    }

    /// A write of 1 to the set (`set` = true) or clear register of a family, for `id`.
    pub fn write_bit(&mut self, which: BitReg, id: u32, set: bool) {
        if !self.visible(id) {
            return;
        }
        let cpu = self.accessing_cpu;
        if which == BitReg::Pending && id < 16 {
            // SGIs: ISPENDR/ICPENDR writes are ignored for SGIs (SPENDSGIR/CPENDSGIR instead).
            return;
        }
        let irq = self.irq_mut(cpu, id);
        match which {
            BitReg::Enable => irq.enabled = set,
            BitReg::Pending => irq.latched = set,
            BitReg::Active => irq.active = set,
        }
    }

    /// IPRIORITYR byte for `id` (Non-secure view).
    pub fn priority(&self, id: u32) -> u8 {
        if self.visible(id) {
            ns_view(self.irq(self.accessing_cpu, id).priority)
        } else {
            0
        }
    }

    /// Write an IPRIORITYR byte.
    pub fn set_priority(&mut self, id: u32, value: u8) {
        if self.visible(id) {
            let cpu = self.accessing_cpu;
            self.irq_mut(cpu, id).priority = from_ns(value);
        }
    }

    /// ITARGETSR byte for `id`: for SGIs and PPIs the reading core's own bit (read only).
    pub fn targets(&self, id: u32) -> u8 {
        if !self.visible(id) {
            0
        } else if id < 32 {
            1 << self.accessing_cpu
        } else {
            self.irq(0, id).targets
        }
    }

    /// Write an ITARGETSR byte (SPIs only; the SGI/PPI bytes are read only).
    pub fn set_targets(&mut self, id: u32, value: u8) {
        if id >= 32 && self.visible(id) {
            self.irq_mut(0, id).targets = value & ((1 << CPUS) - 1);
        }
    }

    /// ICFGR two-bit field for `id` (bit 1 = edge).
    pub fn config(&self, id: u32) -> u32 {
        if self.visible(id) && self.irq(self.accessing_cpu, id).edge {
            2
        } else {
            0
        }
    }

    /// Write an ICFGR field (SGI configuration is fixed: edge).
    pub fn set_config(&mut self, id: u32, field: u32) {
        if id >= 16 && self.visible(id) {
            let cpu = self.accessing_cpu;
            self.irq_mut(cpu, id).edge = field & 2 != 0;
        }
    }

    /// GICD_SGIR write: SGI `value[3:0]` to the cores the filter (bits 25:24) and target list
    /// (23:16) name, from the accessing core.
    pub fn send_sgi(&mut self, value: u32) {
        let id = (value & 0xF) as usize;
        let me = self.accessing_cpu;
        let list = (value >> 16 & 0xFF) as u8;
        let targets: u8 = match value >> 24 & 3 {
            0 => list,
            1 => !(1 << me),
            2 => 1 << me,
            _ => 0,
        };
        for cpu in 0..CPUS {
            // A Non-secure write only forwards an SGI that is group 1 on the target.
            if targets >> cpu & 1 != 0 && self.private[cpu][id].group1 {
                self.sgi_sources[cpu][id] |= 1 << me;
            }
        }
    }

    /// SPENDSGIR / CPENDSGIR byte for SGI `id`: its pending source cores.
    pub fn sgi_pending_sources(&self, id: u32) -> u8 {
        if self.visible(id) {
            self.sgi_sources[self.accessing_cpu][id as usize]
        } else {
            0
        }
    }

    /// Write SPENDSGIR (`set`) or CPENDSGIR bits for SGI `id`.
    pub fn write_sgi_pending(&mut self, id: u32, sources: u8, set: bool) {
        if self.visible(id) {
            let cell = &mut self.sgi_sources[self.accessing_cpu][id as usize];
            if set {
                *cell |= sources & ((1 << CPUS) - 1);
            } else {
                *cell &= !sources;
            }
        }
    }

    // ---- CPU interface ----

    fn iface(&self) -> &CpuInterface {
        &self.cpus[self.accessing_cpu]
    }

    /// GICC_CTLR (Non-secure view).
    pub fn cpu_ctlr(&self) -> u32 {
        self.iface().ctlr
    }

    /// Write GICC_CTLR.
    pub fn set_cpu_ctlr(&mut self, value: u32) {
        self.cpus[self.accessing_cpu].ctlr = value & cpu_ctlr::WRITABLE;
    }

    /// GICC_PMR (Non-secure view: 0 while the mask is in the secure half).
    pub fn pmr(&self) -> u32 {
        let pmr = self.iface().pmr;
        if pmr < 0x80 {
            0
        } else {
            u32::from(ns_view(pmr))
        }
    }

    /// Write GICC_PMR (ignored while the mask is in the secure half).
    pub fn set_pmr(&mut self, value: u32) {
        let cpu = &mut self.cpus[self.accessing_cpu];
        if cpu.pmr >= 0x80 {
            cpu.pmr = from_ns(value as u8);
        }
    }

    /// GICC_BPR (Non-secure copy).
    pub fn bpr(&self) -> u32 {
        u32::from(self.iface().bpr)
    }

    /// Write GICC_BPR (values below the minimum read back as the minimum).
    pub fn set_bpr(&mut self, value: u32) {
        self.cpus[self.accessing_cpu].bpr = (value as u8 & 7).max(MIN_BPR_NS);
    }

    /// Mask of the group priority bits (secure view) for group 1 with the current binary
    /// point.
    fn group_mask(&self, cpu: usize) -> u8 {
        0xFF << self.cpus[cpu].bpr
    }

    fn running_priority(&self, cpu: usize) -> u8 {
        self.cpus[cpu]
            .running
            .iter()
            .map(|r| r.group_priority)
            .min()
            .unwrap_or(IDLE)
    }

    /// GICC_RPR (Non-secure view; 0xFF when idle).
    pub fn rpr(&self) -> u32 {
        match self.running_priority(self.accessing_cpu) {
            IDLE => u32::from(IDLE),
            rp if rp < 0x80 => 0,
            rp => u32::from(ns_view(rp)),
        }
    }

    /// The highest-priority pending interrupt for `cpu` that is enabled, not active, and
    /// targeted at it (ties: lowest ID), with its source core for SGIs. Ignores masks.
    fn highest_pending(&self, cpu: usize) -> Option<(u32, u8, u32)> {
        let mut best: Option<(u32, u8, u32)> = None;
        let mut consider = |id: u32, irq: &Irq, source: u32| {
            if irq.enabled && !irq.active && best.is_none_or(|(_, p, _)| irq.priority < p) {
                best = Some((id, irq.priority, source));
            }
        };
        for (id, irq) in self.private[cpu].iter().enumerate() {
            let id = id as u32;
            if id < 16 {
                let sources = self.sgi_sources[cpu][id as usize];
                if sources != 0 {
                    consider(id, irq, sources.trailing_zeros());
                }
            } else if irq.pending() {
                consider(id, irq, 0);
            }
        }
        for (k, irq) in self.shared.iter().enumerate() {
            if irq.pending() && irq.targets >> cpu & 1 != 0 {
                consider(k as u32 + 32, irq, 0);
            }
        }
        best
    }

    /// The interrupt the interface of `cpu` would signal now, if any: group 1, both enables
    /// set, below the priority mask, preempting the running priority.
    fn signalled(&self, cpu: usize) -> Option<(u32, u8, u32)> {
        let iface = &self.cpus[cpu];
        if !self.enable_grp1 || iface.ctlr & cpu_ctlr::ENABLE_GRP1 == 0 {
            return None;
        }
        let (id, priority, source) = self.highest_pending(cpu)?;
        let irq = self.irq(cpu, id);
        let preempts = priority & self.group_mask(cpu) < self.running_priority(cpu);
        (irq.group1 && priority < iface.pmr && preempts).then_some((id, priority, source))
    }

    /// Whether the IRQ output of core `cpu`'s interface is asserted.
    pub fn irq_output(&self, cpu: usize) -> bool {
        self.signalled(cpu).is_some()
    }

    /// Whether anything could ever be signalled to `cpu` without a register write: the
    /// distributor and the interface forward group 1 and some group 1 interrupt is enabled.
    pub fn could_signal(&self, cpu: usize) -> bool {
        self.enable_grp1
            && self.cpus[cpu].ctlr & cpu_ctlr::ENABLE_GRP1 != 0
            && self.cpus[cpu].pmr > 0
            && (self.private[cpu].iter().any(|i| i.enabled && i.group1)
                || self
                    .shared
                    .iter()
                    .any(|i| i.enabled && i.group1 && i.targets >> cpu & 1 != 0))
    }

    /// GICC_HPPIR: the interrupt IAR would return (1023 if none), without acknowledging.
    pub fn hppir(&self) -> u32 {
        let cpu = self.accessing_cpu;
        match self.highest_pending(cpu) {
            Some((id, _, source)) if self.irq(cpu, id).group1 => id | source << 10,
            _ => SPURIOUS,
        }
    }

    /// GICC_IAR read: acknowledge the signalled interrupt (1023 if none).
    pub fn acknowledge(&mut self) -> u32 {
        let cpu = self.accessing_cpu;
        let Some((id, priority, source)) = self.signalled(cpu) else {
            return SPURIOUS;
        };
        let group_priority = priority & self.group_mask(cpu);
        if id < 16 {
            self.sgi_sources[cpu][id as usize] &= !(1 << source);
        }
        let irq = self.irq_mut(cpu, id);
        irq.latched = false;
        irq.active = true;
        self.cpus[cpu].running.push(Running { id, group_priority });
        id | source << 10
    }

    /// GICC_EOIR write: drop the running priority of `value`'s interrupt and, unless
    /// EOImodeNS is set, deactivate it. An ID that is not running is ignored.
    pub fn end_of_interrupt(&mut self, value: u32) {
        let cpu = self.accessing_cpu;
        let id = value & 0x3FF;
        let running = &mut self.cpus[cpu].running;
        let Some(k) = running.iter().rposition(|r| r.id == id) else {
            return;
        };
        running.remove(k);
        if self.cpus[cpu].ctlr & cpu_ctlr::EOI_MODE_NS == 0 {
            self.deactivate(value);
        }
    }

    /// GICC_DIR write: deactivate `value`'s interrupt (EOImodeNS = 1).
    pub fn deactivate(&mut self, value: u32) {
        let id = value & 0x3FF;
        if self.visible(id) {
            let cpu = self.accessing_cpu;
            self.irq_mut(cpu, id).active = false;
        }
    }
}

/// The set/clear register families of the distributor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitReg {
    /// ISENABLER / ICENABLER.
    Enable,
    /// ISPENDR / ICPENDR.
    Pending,
    /// ISACTIVER / ICACTIVER.
    Active,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GIC with both enables on, PMR at its lowest mask (all priorities pass), and `ids`
    /// enabled at Non-secure priority 0xA0, SPIs targeted at core 0.
    fn gic_with(ids: &[u32]) -> Gic {
        let mut g = Gic::new();
        g.set_dist_ctlr(1);
        g.set_cpu_ctlr(cpu_ctlr::ENABLE_GRP1);
        g.set_pmr(0xFF);
        for &id in ids {
            g.write_bit(BitReg::Enable, id, true);
            g.set_priority(id, 0xA0);
            g.set_targets(id, 1);
        }
        g
    }

    #[test]
    fn priority_views_and_pmr_masking() {
        let mut g = gic_with(&[40]);
        assert_eq!(g.priority(40), 0xA0);
        g.set_priority(40, 0xFF);
        assert_eq!(g.priority(40), 0xF0, "32 levels: 16 in the Non-secure view");
        g.set_priority(40, 0xA0);
        assert_eq!(g.pmr(), 0xF0);
        g.set_pmr(0xA0);
        g.set_spi_line(40, true);
        assert!(!g.irq_output(0), "priority equal to the mask is masked");
        assert_eq!(g.hppir(), 40, "HPPIR ignores the mask");
        assert_eq!(g.acknowledge(), SPURIOUS);
        g.set_pmr(0xB0);
        assert!(g.irq_output(0));
        assert_eq!(g.acknowledge(), 40);
    }

    #[test]
    fn pending_while_disabled_then_signalled_when_enabled() {
        let mut g = gic_with(&[]);
        g.set_targets(41, 1);
        g.set_config(41, 2);
        g.set_spi_line(41, true);
        assert!(g.bit(BitReg::Pending, 41));
        assert!(!g.irq_output(0));
        g.write_bit(BitReg::Enable, 41, true);
        assert!(g.irq_output(0));
        assert_eq!(g.acknowledge(), 41);
        assert!(!g.bit(BitReg::Pending, 41) && g.bit(BitReg::Active, 41));
    }

    #[test]
    fn level_reasserts_after_eoi_and_edge_latches_while_active() {
        let mut g = gic_with(&[50, 51]);
        g.set_config(51, 2);
        g.set_spi_line(50, true);
        assert_eq!(g.acknowledge(), 50);
        assert!(g.bit(BitReg::Pending, 50) && g.bit(BitReg::Active, 50));
        assert!(!g.irq_output(0), "active and pending is not signalled");
        g.end_of_interrupt(50);
        assert!(g.irq_output(0), "still asserted: signalled again");
        assert_eq!(g.acknowledge(), 50);
        g.set_spi_line(50, false);
        assert!(!g.bit(BitReg::Pending, 50));
        g.end_of_interrupt(50);
        assert!(!g.irq_output(0));
        // Edge: a second edge while active is kept.
        g.set_spi_line(51, true);
        assert_eq!(g.acknowledge(), 51);
        g.set_spi_line(51, false);
        g.set_spi_line(51, true);
        assert!(g.bit(BitReg::Pending, 51) && g.bit(BitReg::Active, 51));
        g.end_of_interrupt(51);
        assert_eq!(g.acknowledge(), 51);
        g.end_of_interrupt(51);
        assert_eq!(g.acknowledge(), SPURIOUS);
    }

    #[test]
    fn preemption_by_group_priority_and_running_priority() {
        let mut g = gic_with(&[60, 61, 62]);
        g.set_priority(60, 0xC0);
        g.set_priority(61, 0xA0);
        g.set_priority(62, 0xB0);
        assert_eq!(g.rpr(), 0xFF, "idle");
        g.set_spi_line(60, true);
        assert_eq!(g.acknowledge(), 60);
        assert_eq!(g.rpr(), 0xC0);
        g.set_spi_line(61, true);
        // BPR 3 (Non-secure minimum): every priority bit is group priority.
        assert_eq!(g.acknowledge(), 61);
        assert_eq!(g.rpr(), 0xA0);
        g.set_spi_line(62, true);
        assert!(!g.irq_output(0), "0xB0 does not preempt 0xA0");
        g.set_spi_line(61, false);
        g.end_of_interrupt(61);
        assert_eq!(g.rpr(), 0xC0);
        assert_eq!(g.acknowledge(), 62, "0xB0 preempts 0xC0");
        g.end_of_interrupt(62);
        g.end_of_interrupt(60);
        assert_eq!(g.rpr(), 0xFF);
        // BPR 7: group priority is bit 7 of the stored value only (the same for every
        // Non-secure priority): nothing preempts anything.
        g.set_bpr(7);
        g.set_spi_line(61, true);
        assert_eq!(g.acknowledge(), 61);
        assert!(!g.irq_output(0));
        g.set_bpr(0);
        assert_eq!(g.bpr(), u32::from(MIN_BPR_NS));
    }

    #[test]
    fn eoimode_splits_drop_and_deactivation() {
        let mut g = gic_with(&[70]);
        g.set_cpu_ctlr(cpu_ctlr::ENABLE_GRP1 | cpu_ctlr::EOI_MODE_NS);
        g.set_config(70, 2);
        g.set_spi_line(70, true);
        assert_eq!(g.acknowledge(), 70);
        g.end_of_interrupt(70);
        assert_eq!(g.rpr(), 0xFF, "priority dropped");
        assert!(g.bit(BitReg::Active, 70), "still active until DIR");
        g.deactivate(70);
        assert!(!g.bit(BitReg::Active, 70));
    }

    #[test]
    fn sgi_target_filters_and_sources() {
        let mut g = gic_with(&[1, 9]);
        // Target list naming cores 1 and 2 only: nothing for core 0.
        g.send_sgi(1 | 0b110 << 16);
        assert_eq!(g.acknowledge(), SPURIOUS);
        assert_eq!(g.sgi_sources[1][1], 1);
        // All but self.
        g.send_sgi(1 | 1 << 24);
        assert_eq!(g.acknowledge(), SPURIOUS);
        assert_eq!(g.sgi_sources[3][1], 1);
        // Self only.
        g.send_sgi(1 | 2 << 24);
        assert_eq!(g.sgi_pending_sources(1), 1);
        assert_eq!(g.acknowledge(), 1);
        g.end_of_interrupt(1);
        // SGI 9 is group 0: invisible and never forwarded by a Non-secure write.
        g.send_sgi(9 | 2 << 24);
        assert_eq!(g.acknowledge(), SPURIOUS);
        assert_eq!(g.priority(9), 0);
        // SPENDSGIR from another source core.
        g.write_sgi_pending(1, 0b1000, true);
        assert_eq!(g.acknowledge(), 1 | 3 << 10);
        g.end_of_interrupt(1 | 3 << 10);
        assert_eq!(g.acknowledge(), SPURIOUS);
    }

    #[test]
    fn banked_state_and_group0_invisible() {
        let mut g = gic_with(&[19]);
        assert_eq!(g.targets(19), 1);
        g.accessing_cpu = 2;
        assert_eq!(g.targets(19), 4);
        assert!(!g.bit(BitReg::Enable, 19), "core 2's PPI 19 is its own");
        g.accessing_cpu = 0;
        assert!(!g.visible(18));
        g.write_bit(BitReg::Enable, 18, true);
        assert!(!g.bit(BitReg::Enable, 18));
        g.set_ppi_line(0, 19, true);
        assert!(g.irq_output(0) && !g.irq_output(2));
    }
}
