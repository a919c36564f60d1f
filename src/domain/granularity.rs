//! How finely a platform stores proficiencies: the planner rounds desired values to it so that
//! a value the platform would round never reads as drift.

use super::{AssignmentKind, Proficiency};

/// The smallest proficiency difference a platform stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// 0, 0.5, 1, … 5.
    Half,
    /// 0, 1, … 5 (Genesys rounds language proficiency to whole numbers).
    Whole,
}

impl Step {
    /// `p` as the platform will store it (halves round up, as the platform rounds).
    pub fn quantize(self, p: Proficiency) -> Proficiency {
        match self {
            Self::Half => p,
            Self::Whole => {
                let rounded = p.half_steps().div_ceil(2) * 2;
                Proficiency::from_half_steps(rounded).unwrap_or(Proficiency::MAX)
            }
        }
    }
}

/// A platform's granularity per rated attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Granularity {
    /// Routing skills.
    pub skills: Step,
    /// Routing languages.
    pub languages: Step,
}

impl Granularity {
    /// The step for one kind (certifications have no proficiency; `Half` is a no-op).
    pub fn of(&self, kind: AssignmentKind) -> Step {
        match kind {
            AssignmentKind::Language => self.languages,
            AssignmentKind::Skill | AssignmentKind::Certification => self.skills,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: f64) -> Proficiency {
        Proficiency::nearest(v).expect("in range")
    }

    #[test]
    fn whole_steps_round_halves_up_and_half_steps_keep_everything() {
        assert_eq!(Step::Whole.quantize(p(3.5)), p(4.0));
        assert_eq!(Step::Whole.quantize(p(3.0)), p(3.0));
        assert_eq!(Step::Whole.quantize(p(4.5)), p(5.0));
        assert_eq!(Step::Half.quantize(p(3.5)), p(3.5));
    }
}
