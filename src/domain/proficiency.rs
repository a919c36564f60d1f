//! `Proficiency`: a value on the platform's own scale (Genesys 0–5 in half steps, CXone 1–20),
//! exact in half steps from 0 to 20. Which values a platform takes and which end is best is
//! [`super::PlatformScale`]'s business, not this type's.

use std::fmt;
use std::str::FromStr;

/// A proficiency from 0 to 20 in steps of 0.5, stored as a count of half steps so that equality,
/// ordering and hashing are exact. Ordering is by number, not by merit: on CXone 1 is best.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Proficiency(u8);

/// Why a string is not a canonical proficiency.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a proficiency from 0 to 20 in steps of 0.5")]
pub struct ProficiencyParseError;

impl Proficiency {
    /// The lowest value, 0.
    pub const MIN: Self = Self(0);
    /// The largest number any platform's scale reaches, 20. Not "the best value": that is
    /// [`super::PlatformScale::best`].
    pub const CEILING: Self = Self(40);

    /// The proficiency `half_steps / 2`, if that is at most 20.
    pub const fn from_half_steps(half_steps: u8) -> Option<Self> {
        if half_steps <= Self::CEILING.0 {
            Some(Self(half_steps))
        } else {
            None
        }
    }

    /// The proficiency nearest to `value`, halves rounded up; `None` outside 0..=20 or for NaN.
    pub fn nearest(value: f64) -> Option<Self> {
        // The small bias keeps values such as 2.4999999999 (binary noise for 2.5) rounding up.
        let half_steps = (value * 2.0 + 1e-9).round();
        if (0.0..=f64::from(Self::CEILING.0)).contains(&half_steps) {
            // In range and integral, so the cast is exact.
            Some(Self(half_steps as u8))
        } else {
            None
        }
    }

    /// The value as a count of half steps (0..=40).
    pub const fn half_steps(self) -> u8 {
        self.0
    }

    /// The value as a number (0 to 20).
    pub fn value(self) -> f64 {
        f64::from(self.0) / 2.0
    }
}

impl fmt::Display for Proficiency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 2;
        if self.0 % 2 == 0 {
            write!(f, "{whole}")
        } else {
            write!(f, "{whole}.5")
        }
    }
}

impl fmt::Debug for Proficiency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Proficiency({self})")
    }
}

impl FromStr for Proficiency {
    type Err = ProficiencyParseError;

    /// Parses the canonical spelling (`0`, `0.5`, … `20`, also `3.0`), nothing else.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value: f64 = s.parse().map_err(|_| ProficiencyParseError)?;
        match Self::nearest(value) {
            Some(p) if p.value() == value => Ok(p),
            _ => Err(ProficiencyParseError),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_whole_numbers_without_a_fraction() {
        let shown: Vec<String> = (0..=10)
            .filter_map(Proficiency::from_half_steps)
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            shown,
            ["0", "0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"]
        );
    }

    #[test]
    fn display_and_from_str_round_trip() {
        for p in (0..=10).filter_map(Proficiency::from_half_steps) {
            assert_eq!(p.to_string().parse::<Proficiency>(), Ok(p));
        }
    }

    #[test]
    fn from_str_accepts_only_exact_half_steps_in_range() {
        assert_eq!("3.0".parse::<Proficiency>().map(|p| p.half_steps()), Ok(6));
        assert_eq!("20".parse::<Proficiency>(), Ok(Proficiency::CEILING));
        for bad in ["3.25", "20.5", "-0.5", "NaN", "inf", "three", ""] {
            assert_eq!(
                bad.parse::<Proficiency>(),
                Err(ProficiencyParseError),
                "{bad}"
            );
        }
    }

    #[test]
    fn nearest_rounds_halves_up_and_rejects_out_of_range() {
        assert_eq!(
            Proficiency::nearest(1.25).map(Proficiency::half_steps),
            Some(3)
        );
        assert_eq!(
            Proficiency::nearest(1.2).map(Proficiency::half_steps),
            Some(2)
        );
        assert_eq!(
            Proficiency::nearest(4.9999999999).map(Proficiency::half_steps),
            Some(10)
        );
        assert_eq!(
            Proficiency::nearest(19.9999999999),
            Some(Proficiency::CEILING)
        );
        assert_eq!(Proficiency::nearest(20.3), None);
        assert_eq!(Proficiency::nearest(-0.3), None);
        assert_eq!(Proficiency::nearest(f64::NAN), None);
    }

    #[test]
    fn from_half_steps_stops_at_twenty() {
        assert_eq!(Proficiency::from_half_steps(40), Some(Proficiency::CEILING));
        assert_eq!(Proficiency::from_half_steps(41), None);
    }

    #[test]
    fn ordering_follows_the_value() {
        assert!(Proficiency::MIN < Proficiency::CEILING);
        assert_eq!(Proficiency::CEILING.value(), 20.0);
    }
}
