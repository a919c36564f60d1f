//! What a platform stores: its proficiency scale per rated attribute, and which kinds of
//! assignment it has at all. The planner rounds desired values to it so that a value the
//! platform would round never reads as drift, and never plans a kind the platform lacks.

use super::{AssignmentKind, PlatformScale, Proficiency};

/// The smallest proficiency difference a platform stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// 0.5: 0, 0.5, 1, … 5 (Genesys skills).
    Half,
    /// 1: 0, 1, … 5 (Genesys rounds language proficiency to whole numbers); 1, 2, … 20 (CXone).
    Whole,
}

impl Step {
    /// The step as a count of half steps (1 or 2).
    pub const fn half_steps(self) -> u8 {
        match self {
            Self::Half => 1,
            Self::Whole => 2,
        }
    }

    /// The step as a number (0.5 or 1).
    pub fn value(self) -> f64 {
        f64::from(self.half_steps()) / 2.0
    }

    /// `p` on a step counted from 0, halves rounded up (as Genesys rounds). The planner uses
    /// [`PlatformScale::quantize`], which knows the scale's range and best end.
    pub fn quantize(self, p: Proficiency) -> Proficiency {
        match self {
            Self::Half => p,
            Self::Whole => {
                let rounded = p.half_steps().div_ceil(2) * 2;
                Proficiency::from_half_steps(rounded).unwrap_or(p)
            }
        }
    }
}

/// A platform's scales and the kinds of assignment it stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Granularity {
    /// The platform's name for messages (`CXone has no routing languages`).
    pub platform: &'static str,
    /// The scale of routing skills (gate skills included).
    pub scale: PlatformScale,
    /// The step of routing languages, on the skills' range and best end; `None`: the platform
    /// has no routing languages.
    pub languages: Option<Step>,
    /// Whether the platform stores certification strings (CXone has none: only gate skills).
    pub certifications: bool,
}

impl Granularity {
    /// Whether the platform stores assignments of `kind` at all.
    pub fn stores(&self, kind: AssignmentKind) -> bool {
        match kind {
            AssignmentKind::Skill => true,
            AssignmentKind::Language => self.languages.is_some(),
            AssignmentKind::Certification => self.certifications,
        }
    }

    /// The scale of a rated kind; `None` for certifications and for kinds not stored.
    pub fn scale_of(&self, kind: AssignmentKind) -> Option<PlatformScale> {
        match kind {
            AssignmentKind::Skill => Some(self.scale),
            AssignmentKind::Language => self.languages.map(|step| self.scale.with_step(step)),
            AssignmentKind::Certification => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::BestEnd;

    fn p(v: f64) -> Proficiency {
        Proficiency::nearest(v).expect("in range")
    }

    fn skills_only() -> Granularity {
        Granularity {
            platform: "Test",
            scale: PlatformScale {
                min: p(1.0),
                max: p(20.0),
                step: Step::Whole,
                best: BestEnd::Low,
            },
            languages: None,
            certifications: false,
        }
    }

    #[test]
    fn whole_steps_round_halves_up_and_half_steps_keep_everything() {
        assert_eq!(Step::Whole.quantize(p(3.5)), p(4.0));
        assert_eq!(Step::Whole.quantize(p(3.0)), p(3.0));
        assert_eq!(Step::Whole.quantize(p(4.5)), p(5.0));
        assert_eq!(Step::Half.quantize(p(3.5)), p(3.5));
    }

    #[test]
    fn a_platform_without_languages_or_certifications_has_no_scale_for_them() {
        let g = skills_only();
        assert!(g.stores(AssignmentKind::Skill));
        assert!(!g.stores(AssignmentKind::Language) && !g.stores(AssignmentKind::Certification));
        assert_eq!(g.scale_of(AssignmentKind::Language), None);
        assert_eq!(g.scale_of(AssignmentKind::Skill), Some(g.scale));
    }

    #[test]
    fn languages_share_the_skills_range_with_their_own_step() {
        let g = Granularity {
            languages: Some(Step::Half),
            ..skills_only()
        };
        let languages = g.scale_of(AssignmentKind::Language).expect("stored");
        assert_eq!(languages.step, Step::Half);
        assert_eq!((languages.min, languages.max), (p(1.0), p(20.0)));
    }
}
