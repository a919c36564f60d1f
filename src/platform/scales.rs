//! Each platform's proficiency scales and the kinds of assignment it stores, by `platform.kind`:
//! the one place these vendor facts live. Feeds read numbers on these scales, the planner
//! rounds to them, and connectors write them as they are.

use crate::domain::{BestEnd, Granularity, PlatformScale, Proficiency, Step};

/// Genesys Cloud: skills 0–5 in half steps (5 best), languages rounded to whole numbers,
/// certifications as strings on the user.
pub const GENESYS: Granularity = Granularity {
    platform: "Genesys Cloud",
    scale: PlatformScale {
        min: whole(0),
        max: whole(5),
        step: Step::Half,
        best: BestEnd::High,
    },
    languages: Some(Step::Whole),
    certifications: true,
};

/// NICE CXone: skills 1–20 in whole numbers, 1 the highest (NICE help); no routing languages
/// and no certification strings, so certifications reach it only as gate skills.
pub const CXONE: Granularity = Granularity {
    platform: "CXone",
    scale: PlatformScale {
        min: whole(1),
        max: whole(20),
        step: Step::Whole,
        best: BestEnd::Low,
    },
    languages: None,
    certifications: false,
};

const fn whole(value: u8) -> Proficiency {
    match Proficiency::from_half_steps(value * 2) {
        Some(p) => p,
        None => Proficiency::MIN,
    }
}

/// The granularity of `platform.kind`; `None` for a kind no connector has.
pub fn granularity_for(kind: &str) -> Option<Granularity> {
    match kind {
        "genesys" => Some(GENESYS),
        "cxone" => Some(CXONE),
        _ => None,
    }
}

/// The granularity of `platform.kind`, Genesys's for an unknown kind: for checks that run
/// before the connector is built (the connector itself refuses an unknown kind).
pub fn granularity_or_genesys(kind: &str) -> Granularity {
    granularity_for(kind).unwrap_or(GENESYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_scale_and_unknown_kinds_have_none() {
        assert_eq!(granularity_for("genesys"), Some(GENESYS));
        assert_eq!(granularity_for("cxone"), Some(CXONE));
        assert_eq!(granularity_for("nice"), None);
        assert_eq!(granularity_or_genesys("nice"), GENESYS);
        assert_eq!(
            GENESYS.scale.describe(),
            "0 to 5 in steps of 0.5 (5 = highest)"
        );
        assert_eq!(CXONE.scale.describe(), "1 to 20 (1 = highest)");
    }
}
