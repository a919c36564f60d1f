//! `PlatformScale`: the proficiency scale one platform stores (its range, step and which end is
//! best) and the one rule that maps a rating onto it. Knows no platform by name: the facts are
//! `platform::scales`'.

use std::fmt;

use super::{Proficiency, Step};

/// Which end of a scale is the highest proficiency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BestEnd {
    /// The largest number is best (Genesys: 5).
    High,
    /// The smallest number is best (CXone: 1).
    Low,
}

/// A platform's proficiency scale: the numbers `min..=max` on `step`, `best` saying which end
/// is the highest proficiency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformScale {
    /// The smallest number.
    pub min: Proficiency,
    /// The largest number.
    pub max: Proficiency,
    /// The spacing of stored numbers, counted from `min`.
    pub step: Step,
    /// Which end is the highest proficiency.
    pub best: BestEnd,
}

// Far above binary noise in a computed fraction, far below half a step.
const TIE_BIAS: f64 = 1e-9;

impl PlatformScale {
    /// The highest proficiency (5 on Genesys, 1 on CXone).
    pub fn best(&self) -> Proficiency {
        match self.best {
            BestEnd::High => self.max,
            BestEnd::Low => self.min,
        }
    }

    /// The lowest proficiency (0 on Genesys, 20 on CXone).
    pub fn worst(&self) -> Proficiency {
        match self.best {
            BestEnd::High => self.min,
            BestEnd::Low => self.max,
        }
    }

    /// Whether the platform stores `p` as it is: in range and on a step.
    pub fn contains(&self, p: Proficiency) -> bool {
        self.min <= p
            && p <= self.max
            && (p.half_steps() - self.min.half_steps()) % self.step.half_steps() == 0
    }

    /// The same range and best end with another step (Genesys languages: whole steps).
    pub fn with_step(self, step: Step) -> Self {
        Self { step, ..self }
    }

    /// The value a rating `fraction` (0 = worst, 1 = best) stands for: linear from the worst end
    /// to the best, rounded to the nearest step, **halves toward the best end** (on Genesys
    /// that is "halves up", as feeds always rounded). `None` outside 0..=1 or for NaN.
    pub fn from_rating(&self, fraction: f64) -> Option<Proficiency> {
        if !(-TIE_BIAS..=1.0 + TIE_BIAS).contains(&fraction) {
            return None;
        }
        let (worst, best) = (self.worst().value(), self.best().value());
        // Same operations as the 0–5 mapping had (value, then half steps), so Genesys values
        // round exactly as before.
        let half_steps = (worst + fraction * (best - worst)) * 2.0;
        let step = f64::from(self.step.half_steps());
        let steps = (half_steps - f64::from(self.min.half_steps())) / step;
        let rounded = match self.best {
            BestEnd::High => (steps + TIE_BIAS).round(),
            BestEnd::Low => (steps - TIE_BIAS).round(),
        };
        let top = f64::from(self.max.half_steps() - self.min.half_steps()) / step;
        // Clamped: binary noise at either end must not step off the scale.
        let rounded = rounded.clamp(0.0, top.floor());
        Proficiency::from_half_steps(self.min.half_steps() + (rounded * step) as u8)
    }

    /// `p` as the platform stores it: onto a step, halves toward the best end (Genesys rounds
    /// a language's 3.5 up to 4). Values outside the range are left there: that is drift to
    /// see, not to hide.
    pub fn quantize(&self, p: Proficiency) -> Proficiency {
        let step = self.step.half_steps();
        let offset = p.half_steps().saturating_sub(self.min.half_steps()) % step;
        if offset == 0 || p < self.min {
            return p;
        }
        let down = p.half_steps() - offset;
        let half_steps = match self.best {
            BestEnd::High => down + step,
            BestEnd::Low => down,
        };
        Proficiency::from_half_steps(half_steps).unwrap_or(p)
    }

    /// Every value on the scale, lowest number first.
    pub fn values(&self) -> impl Iterator<Item = Proficiency> + '_ {
        (self.min.half_steps()..=self.max.half_steps())
            .step_by(usize::from(self.step.half_steps()))
            .filter_map(Proficiency::from_half_steps)
    }

    /// For messages: `0 to 5 in steps of 0.5 (5 = highest)`, `1 to 20 (1 = highest)`.
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for PlatformScale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.min, self.max)?;
        if self.step == Step::Half {
            f.write_str(" in steps of 0.5")?;
        }
        write!(f, " ({} = highest)", self.best())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: f64) -> Proficiency {
        Proficiency::nearest(v).expect("in range")
    }

    fn genesys() -> PlatformScale {
        PlatformScale {
            min: p(0.0),
            max: p(5.0),
            step: Step::Half,
            best: BestEnd::High,
        }
    }

    fn cxone() -> PlatformScale {
        PlatformScale {
            min: p(1.0),
            max: p(20.0),
            step: Step::Whole,
            best: BestEnd::Low,
        }
    }

    fn rated(scale: PlatformScale, fraction: f64) -> Option<f64> {
        scale.from_rating(fraction).map(Proficiency::value)
    }

    #[test]
    fn the_best_and_worst_ends_follow_the_scale() {
        assert_eq!((genesys().best(), genesys().worst()), (p(5.0), p(0.0)));
        assert_eq!((cxone().best(), cxone().worst()), (p(1.0), p(20.0)));
    }

    #[test]
    fn ratings_map_linearly_onto_zero_to_five_rounding_halves_up() {
        for (fraction, want) in [
            (0.0, 0.0),
            (1.0, 5.0),
            (0.2, 1.0),
            (0.6, 3.0),
            (3.0 / 9.0, 1.5),
            (0.75, 4.0),
            (0.74, 3.5),
            (0.05, 0.5),
        ] {
            assert_eq!(rated(genesys(), fraction), Some(want), "{fraction}");
        }
    }

    #[test]
    fn ratings_map_onto_one_to_twenty_with_one_best_rounding_halves_toward_one() {
        for (fraction, want) in [
            (0.0, 20.0),
            (1.0, 1.0),
            (0.2, 16.0),
            (0.4, 12.0),
            (0.6, 9.0),
            (0.8, 5.0),
            (0.5, 10.0),
        ] {
            assert_eq!(rated(cxone(), fraction), Some(want), "{fraction}");
        }
    }

    #[test]
    fn every_cxone_value_survives_the_round_trip_through_its_rating() {
        for v in 1..=20 {
            let fraction = (20.0 - f64::from(v)) / 19.0;
            assert_eq!(rated(cxone(), fraction), Some(f64::from(v)));
        }
    }

    #[test]
    fn genesys_labels_land_on_their_own_value_as_they_always_did() {
        for half_steps in 0..=10u8 {
            let value = f64::from(half_steps) / 2.0;
            assert_eq!(rated(genesys(), value / 5.0), Some(value), "{value}");
        }
    }

    #[test]
    fn ratings_outside_zero_to_one_have_no_value() {
        for bad in [-0.1, 1.1, f64::NAN, f64::INFINITY] {
            assert_eq!(genesys().from_rating(bad), None, "{bad}");
            assert_eq!(cxone().from_rating(bad), None, "{bad}");
        }
    }

    #[test]
    fn contains_checks_range_and_step() {
        assert!(genesys().contains(p(3.5)) && genesys().contains(p(0.0)));
        assert!(!genesys().contains(p(5.5)));
        assert!(cxone().contains(p(1.0)) && cxone().contains(p(20.0)));
        assert!(!cxone().contains(p(0.0)) && !cxone().contains(p(3.5)));
    }

    #[test]
    fn quantize_rounds_halves_toward_the_best_end() {
        let languages = genesys().with_step(Step::Whole);
        assert_eq!(languages.quantize(p(3.5)), p(4.0));
        assert_eq!(languages.quantize(p(4.5)), p(5.0));
        assert_eq!(languages.quantize(p(3.0)), p(3.0));
        assert_eq!(genesys().quantize(p(3.5)), p(3.5));
        assert_eq!(cxone().quantize(p(3.5)), p(3.0));
        assert_eq!(cxone().quantize(p(7.0)), p(7.0));
    }

    #[test]
    fn scales_describe_themselves_with_their_best_end() {
        assert_eq!(genesys().describe(), "0 to 5 in steps of 0.5 (5 = highest)");
        assert_eq!(cxone().describe(), "1 to 20 (1 = highest)");
        assert_eq!(cxone().values().count(), 20);
    }
}
