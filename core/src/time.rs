//! Time as the core sees it: a monotonic [`Instant`] handed in by the runtime.

use core::time::Duration;

/// A point on the runtime's monotonic clock, in nanoseconds from an origin the runtime picks.
///
/// The core never reads a clock; every input that depends on time takes an `Instant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(pub u64);

impl Instant {
    /// The instant `d` after `self` (saturating).
    pub fn plus(self, d: Duration) -> Instant {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(nanos))
    }

    /// Time elapsed from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_and_since_are_inverse_and_saturate() {
        let a = Instant(10);
        let b = a.plus(Duration::from_nanos(5));
        assert_eq!(b, Instant(15));
        assert_eq!(b.since(a), Duration::from_nanos(5));
        assert_eq!(a.since(b), Duration::ZERO);
        assert_eq!(
            Instant(u64::MAX).plus(Duration::from_secs(1)),
            Instant(u64::MAX)
        );
    }
}
