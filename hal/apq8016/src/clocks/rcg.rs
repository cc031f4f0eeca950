//! Pure arithmetic for the GCC root clock generators (RCG2) that feed the BLSP UARTs.
//!
//! Design notes:
//! - An RCG produces `source × M/N ÷ (h/2)` where `h = SRC_DIV + 1` (the pre-divider is
//!   half-integer, 1 ..= 16 in steps of 0.5; `SRC_DIV` 0 means "bypass", which we never
//!   write: an undivided source is written as `SRC_DIV = 1`, like the boot chain does).
//! - The UART roots have a 16-bit M/N/D counter. When it is used the RCG must be in
//!   dual-edge mode; when `M == N` it is not used (`MODE = BYPASS`, M/N/D left alone).
//! - Choice among settings (all within [`RATE_TOLERANCE_PPM`]): smallest rate error first;
//!   ties go to the setting with the least jitter: no M/N counter (edges come straight from
//!   the divided source), then M/N on GPLL0 (an M/N edge can be off by one source period:
//!   1.25 ns at 800 MHz), then M/N on XO (52 ns). Remaining ties go to the smaller
//!   pre-divider. So 19.2 MHz comes from XO without M/N, and 7.3728 MHz from GPLL0 with
//!   M/N = 144/15625 (XO with 48/125 is exact too but jitters 40× more).
//! - D register (docs/hardware/conflicts.md#c10-rcg-d-register-value): we store `NOT(2d)` with `2d = clamp(N, M, 2(N - M))`
//!   (the current-Linux rule). For every `M ≤ N/2` (all entries of the usual UART table,
//!   7.3728 MHz included) this is exactly `NOT(N)`, i.e. 50 % duty, which is the older
//!   Linux/downstream value; the clamp only bites for `M/N > 1/2`, where a 50 % duty is not
//!   representable and the counter needs `M ≤ 2d ≤ 2(N - M)`.

use super::ClockError;

/// Frequency of the board crystal (CXO), the RCG source `XO`, in Hz.
pub const XO_HZ: u32 = 19_200_000;
/// Frequency of GPLL0 (the RCG source `GPLL0`), in Hz.
pub const GPLL0_HZ: u32 = 800_000_000;
/// Highest UART core clock the boot chain and Linux ever program on this SoC (docs/hardware/gcc-clocks.md#uart-core-clock-at-73728-mhz-115200-baud-with-csr-divisor-64).
pub const UART_CLOCK_MAX_HZ: u32 = 60_000_000;
/// How far (parts per million) an achieved rate may be from the requested one.
pub const RATE_TOLERANCE_PPM: u64 = 1_000;

/// Largest value of the 16-bit M and N counters of the UART roots.
const MND_MAX: u64 = 0xFFFF;
/// Largest `SRC_DIV + 1` (5-bit field): pre-divider 16.
const HALF_DIV_MAX: u32 = 32;

/// Clock source of an RCG (value of `CFG_RCGR.SRC_SEL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RcgSource {
    /// The 19.2 MHz crystal oscillator.
    Xo,
    /// GPLL0, 800 MHz; must be voted on before it is selected.
    Gpll0,
}

impl RcgSource {
    /// Frequency of the source in Hz.
    pub const fn hz(self) -> u32 {
        match self {
            RcgSource::Xo => XO_HZ,
            RcgSource::Gpll0 => GPLL0_HZ,
        }
    }
}

/// M/N counter setting (dual-edge mode), already encoded for the M, N and D registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MndSettings {
    /// M (numerator).
    pub m: u16,
    /// N (denominator), `N > M`.
    pub n: u16,
    /// Value for the N register: `NOT(N - M)`, 16 bits.
    pub n_reg: u16,
    /// Value for the D register: `NOT(2d)`, 16 bits (see the module notes).
    pub d_reg: u16,
}

impl MndSettings {
    /// Encodes `M/N`; requires `0 < M < N` and `M ≤ 2(N − M)` (i.e. `M/N ≤ 2/3`).
    const fn new(m: u16, n: u16) -> Self {
        let (m32, n32) = (m as u32, n as u32);
        // clamp(N, M, 2(N − M)), spelled out for `const`.
        let upper = 2 * (n32 - m32);
        let two_d = if n32 > upper {
            upper
        } else if n32 < m32 {
            m32
        } else {
            n32
        };
        MndSettings {
            m,
            n,
            n_reg: !(n - m),
            // No truncation: 2d ≤ N ≤ 0xFFFF.
            d_reg: !(two_d as u16),
        }
    }
}

/// A complete RCG configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RcgSettings {
    /// Source clock.
    pub source: RcgSource,
    /// Value of the `CFG_RCGR.SRC_DIV` field: `2 × pre-divider − 1` (1 = divide by 1).
    pub src_div: u8,
    /// M/N counter, or `None` for `MODE = BYPASS`.
    pub mnd: Option<MndSettings>,
    /// Output frequency in Hz, rounded to the nearest Hz.
    pub achieved_hz: u32,
}

impl RcgSettings {
    /// Pre-divider in half steps (`SRC_DIV + 1`, i.e. 2 × the divider).
    pub const fn half_divider(&self) -> u32 {
        self.src_div as u32 + 1
    }
}

/// Ranking of a candidate: (error numerator over the common denominator, jitter class,
/// half-divider). Smaller is better.
type Rank = (u128, u8, u32);

/// Whether rank `a` is strictly better (smaller, compared field by field) than `b`.
const fn better(a: Rank, b: Rank) -> bool {
    if a.0 != b.0 {
        a.0 < b.0
    } else if a.1 != b.1 {
        a.1 < b.1
    } else {
        a.2 < b.2
    }
}

/// Finds the RCG setting for a UART core clock of `hz` (see the module notes for the rules).
/// Pure arithmetic: nothing is written to the hardware. A `const fn`: a setting needed for a
/// rate known at build time (the console's) is best worked out in a `const`, so the search
/// and its 128-bit arithmetic stay out of the firmware.
pub const fn uart_rcg_settings(hz: u32) -> Result<RcgSettings, ClockError> {
    let unachievable = ClockError::UnachievableRate { requested_hz: hz };
    if hz == 0 || hz > UART_CLOCK_MAX_HZ {
        return Err(unachievable);
    }
    let mut best: Option<(Rank, RcgSettings)> = None;
    let sources = [RcgSource::Xo, RcgSource::Gpll0];
    let mut s = 0;
    while s < sources.len() {
        let source = sources[s];
        s += 1;
        let parent = source.hz() as u64;
        let mut h = 2;
        while h <= HALF_DIV_MAX {
            let candidate = candidate(hz, source, parent, h);
            h += 1;
            let Some((rank, settings)) = candidate else {
                continue;
            };
            let take = match &best {
                None => true,
                Some((r, _)) => better(rank, *r),
            };
            if take {
                best = Some((rank, settings));
            }
        }
    }
    match best {
        Some((_, settings)) => Ok(settings),
        None => Err(unachievable),
    }
}

/// The setting for `hz` from `source` (at `parent` Hz) with half-divider `h`, and its rank;
/// `None` if that pre-divider cannot make `hz` within the tolerance.
const fn candidate(hz: u32, source: RcgSource, parent: u64, h: u32) -> Option<(Rank, RcgSettings)> {
    // Wanted M/N = hz · h / (2 · parent).
    let num = hz as u64 * h as u64;
    let den = 2 * parent;
    if num > den {
        // Would need M > N: the divided source is already too slow.
        return None;
    }
    let (m, n) = best_fraction(num, den, MND_MAX);
    // M = 0 makes no clock; M/N > 2/3 leaves no valid D (M ≤ 2d ≤ 2(N − M) is empty).
    if m == 0 || (m != n && 3 * m > 2 * n) {
        return None;
    }
    // Output (exact rational) = parent · 2 · m / (h · n).
    let out_num = parent as u128 * 2 * m as u128;
    let out_den = h as u128 * n as u128;
    // |out − hz| / hz over the fixed common denominator out_den · hz: compare the
    // errors of different candidates exactly by scaling to a shared denominator.
    let err_num = out_num.abs_diff(hz as u128 * out_den);
    // err/hz ≤ tol  <=>  err_num · 1e6 ≤ tol · hz · out_den
    if err_num * 1_000_000 > RATE_TOLERANCE_PPM as u128 * hz as u128 * out_den {
        return None;
    }
    let mnd = if m != n {
        Some(MndSettings::new(m as u16, n as u16))
    } else {
        None
    };
    let jitter = match (mnd.is_some(), source) {
        (false, _) => 0,
        (true, RcgSource::Gpll0) => 1,
        (true, RcgSource::Xo) => 2,
    };
    // Relative error as a fraction err_num / (hz · out_den); normalise to a common
    // scale (2^64) so candidates with different out_den compare correctly.
    let rel_err = (err_num << 64) / (hz as u128 * out_den);
    let settings = RcgSettings {
        source,
        src_div: (h - 1) as u8,
        mnd,
        achieved_hz: ((out_num + out_den / 2) / out_den) as u32,
    };
    Some(((rel_err, jitter, h), settings))
}

/// Best rational approximation `p/q` of `num/den` (≤ 1) with `q ≤ max_den`
/// (continued fractions with semiconvergents). Returns `(0, 1)` if nothing positive fits.
const fn best_fraction(num: u64, den: u64, max_den: u64) -> (u64, u64) {
    let g = gcd(num, den);
    let (num, den) = (num / g, den / g);
    if den <= max_den {
        return (num, den);
    }
    // Convergents h(k)/k(k) of num/den.
    let (mut p0, mut q0, mut p1, mut q1) = (0u64, 1u64, 1u64, 0u64);
    let (mut a, mut b) = (num, den);
    loop {
        let t = a / b;
        let q2 = q0 + t * q1;
        if q2 > max_den {
            // Largest semiconvergent still within the bound, then pick the closer of it and
            // the last convergent: |p/q − num/den| · q · den, compared across candidates by
            // cross-multiplying with the other candidate's q.
            let s = (max_den - q0) / q1;
            let (ps, qs) = (p0 + s * p1, q0 + s * q1);
            let e1 = fraction_error(p1, q1, num, den) * qs as u128;
            let es = fraction_error(ps, qs, num, den) * q1 as u128;
            return if es < e1 { (ps, qs) } else { (p1, q1) };
        }
        let p2 = p0 + t * p1;
        (p0, q0, p1, q1) = (p1, q1, p2, q2);
        let r = a - t * b;
        if r == 0 {
            return (p1, q1);
        }
        (a, b) = (b, r);
    }
}

/// `|p · den − num · q|`: the error of `p/q` against `num/den`, times `q · den`.
const fn fraction_error(p: u64, q: u64, num: u64, den: u64) -> u128 {
    (p as u128 * den as u128).abs_diff(num as u128 * q as u128)
}

const fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    if a == 0 { 1 } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_rate_uses_gpll0_144_over_15625() {
        let s = uart_rcg_settings(7_372_800).unwrap();
        assert_eq!(s.source, RcgSource::Gpll0);
        assert_eq!(s.src_div, 1, "pre-divider 1");
        let mnd = s.mnd.unwrap();
        assert_eq!((mnd.m, mnd.n), (144, 15625));
        assert_eq!(mnd.n_reg, !(15625u16 - 144));
        assert_eq!(mnd.d_reg, !15625u16, "50 % duty: D = NOT(N)");
        assert_eq!(s.achieved_hz, 7_372_800);
    }

    #[test]
    fn xo_rate_bypasses_everything() {
        let s = uart_rcg_settings(19_200_000).unwrap();
        assert_eq!(s.source, RcgSource::Xo);
        assert_eq!(s.src_div, 1);
        assert_eq!(s.mnd, None);
        assert_eq!(s.achieved_hz, 19_200_000);
    }

    #[test]
    fn integer_division_of_gpll0_needs_no_mnd() {
        // 800 MHz / 16 = 50 MHz: SRC_DIV = 31, no M/N.
        let s = uart_rcg_settings(50_000_000).unwrap();
        assert_eq!((s.source, s.src_div, s.mnd), (RcgSource::Gpll0, 31, None));
        // 800 / 12.5 = 64 MHz is above the UART maximum.
        assert!(uart_rcg_settings(64_000_000).is_err());
        // XO / 2 = 9.6 MHz, XO / 1.5 = 12.8 MHz.
        let s = uart_rcg_settings(9_600_000).unwrap();
        assert_eq!((s.source, s.src_div, s.mnd), (RcgSource::Xo, 3, None));
        let s = uart_rcg_settings(12_800_000).unwrap();
        assert_eq!((s.source, s.src_div, s.mnd), (RcgSource::Xo, 2, None));
    }

    #[test]
    fn linux_table_rates_are_exact() {
        for hz in [
            3_686_400, 14_745_600, 16_000_000, 24_000_000, 25_000_000, 32_000_000, 40_000_000,
            46_400_000, 48_000_000, 51_200_000, 56_000_000, 58_982_400, 60_000_000,
        ] {
            let s = uart_rcg_settings(hz).unwrap();
            assert_eq!(s.achieved_hz, hz);
            // The output formula from the register values reproduces the rate exactly.
            let (m, n) = s.mnd.map_or((1, 1), |x| (u64::from(x.m), u64::from(x.n)));
            let out = u64::from(s.source.hz()) * 2 * m;
            let den = u64::from(s.half_divider()) * n;
            assert_eq!(out % den, 0, "{hz}");
            assert_eq!(out / den, u64::from(hz));
        }
    }

    #[test]
    fn odd_rates_are_approximated_within_tolerance() {
        for hz in [1_000, 12_345, 1_234_567, 7_000_001, 33_333_333, 59_999_999] {
            let s = uart_rcg_settings(hz).unwrap();
            let err = (i64::from(s.achieved_hz) - i64::from(hz)).unsigned_abs();
            assert!(
                err * 1_000_000 <= RATE_TOLERANCE_PPM * u64::from(hz) + 1_000_000,
                "{hz}: {s:?}"
            );
            if let Some(mnd) = s.mnd {
                assert!(mnd.m < mnd.n);
                assert_eq!(mnd.n_reg, !(mnd.n - mnd.m));
            }
        }
    }

    #[test]
    fn d_register_is_clamped_above_one_half() {
        // M/N = 3/5: 50 % would need 2d = 5, but 2d must lie in [M, 2(N − M)] = [3, 4].
        let mnd = MndSettings::new(3, 5);
        assert_eq!(mnd.d_reg, !4u16);
        let mnd = MndSettings::new(2, 5);
        assert_eq!(mnd.d_reg, !5u16);
    }

    #[test]
    fn rejects_impossible_rates() {
        for hz in [0, UART_CLOCK_MAX_HZ + 1, u32::MAX] {
            assert_eq!(
                uart_rcg_settings(hz),
                Err(ClockError::UnachievableRate { requested_hz: hz })
            );
        }
        // Slowest possible output: XO / 16 / 65535 ≈ 18.3 Hz; 10 Hz cannot be made.
        assert_eq!(
            uart_rcg_settings(10),
            Err(ClockError::UnachievableRate { requested_hz: 10 })
        );
    }

    #[test]
    fn best_fraction_finds_bounded_approximations() {
        assert_eq!(best_fraction(144, 15625, 0xFFFF), (144, 15625));
        assert_eq!(best_fraction(2, 4, 10), (1, 2));
        // pi-ish: 355/113 style check on a fraction < 1: 113/355 with bound 100 -> 7/22.
        assert_eq!(best_fraction(113, 355, 100), (7, 22));
    }
}
