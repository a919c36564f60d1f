//! Reads a proficiency as a feed writes it (a number on the input scale, or a label) and maps it
//! onto the platform's own scale. The input scale is the platform's unless `min`/`max` are
//! configured; labels are ratings from 0 to 5. Knows nothing about rows or files, and of the
//! platform only the [`PlatformScale`] it is given.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::domain::{BestEnd, PlatformScale, Proficiency};

use super::config::{BestNumber, ScaleSettings};

/// Why a proficiency value is not accepted; every variant lists the allowed values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProficiencyError {
    /// Neither a number nor a configured label.
    #[error("neither a number nor a known label; allowed: {0}")]
    Unknown(Arc<str>),
    /// A number outside `min..=max`.
    #[error("outside the scale; allowed: {0}")]
    OutOfRange(Arc<str>),
    /// A number between two steps.
    #[error("not on a step of the scale; allowed: {0}")]
    OffStep(Arc<str>),
}

/// Why a scale from the configuration cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScaleError {
    /// `min`, `max` or `step` do not describe a scale.
    #[error("min ({min}) must be below max ({max}), step ({step}) above 0 and fit (max - min) a whole number of times")]
    Bounds {
        /// Configured minimum.
        min: f64,
        /// Configured maximum.
        max: f64,
        /// Configured step.
        step: f64,
    },
    /// A label whose value is not on the 0–5 rating scale in half steps.
    #[error("label {label:?} = {value} is not a value from 0 to 5 in steps of 0.5")]
    Label {
        /// The label.
        label: String,
        /// Its configured value.
        value: f64,
    },
    /// `best` without `min` or `max`: the platform's scale already says which end is best.
    #[error("best applies to a configured min and max; without them the input scale is the platform's, {0}")]
    BestWithoutBounds(String),
}

/// A compiled input scale for one assignment kind.
#[derive(Debug, Clone)]
pub(crate) struct ProficiencyScale {
    min: f64,
    max: f64,
    step: f64,
    best_is_min: bool,
    onto: PlatformScale,
    labels: HashMap<String, Proficiency>,
    allowed: Arc<str>,
}

/// The top of the label rating scale: labels rate from 0 (worst) to 5 (best) on any platform.
const RATING_TOP: f64 = 5.0;

// Input numbers are decimal text, so binary rounding noise stays far below this.
const EPSILON: f64 = 1e-9;
// Up to this many numbers are listed one by one in error messages; more are described.
const MAX_LISTED_NUMBERS: f64 = 21.0;

impl ProficiencyScale {
    /// Checks `settings` and compiles them. `native` is the platform's scale for this kind: the
    /// input scale when `min` and `max` are not configured, and its step the default step.
    /// Numbers and labels are mapped onto `onto` (the platform's skill scale: Genesys languages
    /// are rounded to whole numbers by the planner, as they always were).
    pub(crate) fn compile(
        settings: &ScaleSettings,
        native: &PlatformScale,
        onto: &PlatformScale,
    ) -> Result<Self, ScaleError> {
        let configured = settings.min.is_some() || settings.max.is_some();
        let best_is_min = match (configured, settings.best) {
            (false, Some(_)) => return Err(ScaleError::BestWithoutBounds(native.describe())),
            (false, None) => native.best == BestEnd::Low,
            (true, best) => best == Some(BestNumber::Min),
        };
        let min = settings.min.unwrap_or(native.min.value());
        let max = settings.max.unwrap_or(native.max.value());
        let step = settings.step.unwrap_or(native.step.value());
        let steps = (max - min) / step;
        let valid = min.is_finite()
            && max.is_finite()
            && min < max
            && step > 0.0
            && (steps - steps.round()).abs() < EPSILON;
        if !valid {
            return Err(ScaleError::Bounds { min, max, step });
        }
        let mut labels = HashMap::new();
        let mut ordered = Vec::new();
        for (label, &value) in &settings.labels {
            let error = || ScaleError::Label {
                label: label.clone(),
                value,
            };
            let rating = Proficiency::nearest(value)
                .filter(|p| p.value() == value && value <= RATING_TOP)
                .ok_or_else(error)?;
            let proficiency = onto.from_rating(value / RATING_TOP).ok_or_else(error)?;
            labels.insert(label.trim().to_lowercase(), proficiency);
            // Listed by rating, worst first, whichever way the platform counts.
            ordered.push((rating, label.trim()));
        }
        ordered.sort();
        let allowed = describe(min, max, step, best_is_min, &ordered);
        Ok(Self {
            min,
            max,
            step,
            best_is_min,
            onto: *onto,
            labels,
            allowed: allowed.into(),
        })
    }

    /// Reads `raw` (already known to be non-empty) as a number or a label.
    pub(crate) fn parse(&self, raw: &str) -> Result<Proficiency, ProficiencyError> {
        let text = raw.trim();
        let Some(number) = parse_number(text) else {
            return self
                .labels
                .get(&text.to_lowercase())
                .copied()
                .ok_or_else(|| ProficiencyError::Unknown(self.allowed.clone()));
        };
        if number < self.min - EPSILON || number > self.max + EPSILON {
            return Err(ProficiencyError::OutOfRange(self.allowed.clone()));
        }
        let steps = (number - self.min) / self.step;
        if (steps - steps.round()).abs() > EPSILON {
            return Err(ProficiencyError::OffStep(self.allowed.clone()));
        }
        let fraction = if self.best_is_min {
            (self.max - number) / (self.max - self.min)
        } else {
            (number - self.min) / (self.max - self.min)
        };
        self.onto
            .from_rating(fraction)
            .ok_or_else(|| ProficiencyError::OutOfRange(self.allowed.clone()))
    }
}

/// A finite decimal number, with `.` or (German exports) `,` as the decimal separator.
fn parse_number(text: &str) -> Option<f64> {
    let starts_like_a_number = text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b','));
    if !starts_like_a_number {
        return None;
    }
    let parsed = match text.parse::<f64>() {
        Ok(n) => Some(n),
        Err(_) if text.matches(',').count() == 1 && !text.contains('.') => {
            text.replacen(',', ".", 1).parse().ok()
        }
        Err(_) => None,
    };
    parsed.filter(|n| n.is_finite())
}

fn describe(
    min: f64,
    max: f64,
    step: f64,
    best_is_min: bool,
    labels: &[(Proficiency, &str)],
) -> String {
    let steps = (max - min) / step;
    let mut numbers = if steps.round() < MAX_LISTED_NUMBERS {
        let count = steps.round() as u32;
        (0..=count)
            .map(|i| Number(min + f64::from(i) * step).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        format!(
            "a number from {} to {} in steps of {}",
            Number(min),
            Number(max),
            Number(step)
        )
    };
    if best_is_min {
        numbers.push_str(&format!(" ({} = highest)", Number(min)));
    }
    if labels.is_empty() {
        return numbers;
    }
    let names: Vec<&str> = labels.iter().map(|(_, name)| *name).collect();
    format!("{numbers}, or {} (any case)", names.join(", "))
}

/// Shows a configured number without binary noise (`0.30000000000000004` as `0.3`).
struct Number(f64);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", (self.0 * 1e6).round() / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Step;
    use crate::platform::scales::GENESYS;

    /// Genesys skills (`Half`) or languages (`Whole`).
    fn genesys(step: Step) -> PlatformScale {
        GENESYS.scale.with_step(step)
    }

    fn compile(settings: &ScaleSettings, step: Step) -> Result<ProficiencyScale, ScaleError> {
        ProficiencyScale::compile(settings, &genesys(step), &GENESYS.scale)
    }

    fn scale(min: f64, max: f64, step: f64) -> ProficiencyScale {
        let settings = ScaleSettings {
            min: Some(min),
            max: Some(max),
            step: Some(step),
            ..ScaleSettings::default()
        };
        compile(&settings, Step::Half).expect("valid scale")
    }

    fn half_steps(scale: &ProficiencyScale, raw: &str) -> Result<u8, ProficiencyError> {
        scale.parse(raw).map(Proficiency::half_steps)
    }

    #[test]
    fn numbers_on_the_default_skill_scale_are_taken_as_they_are() {
        let s = scale(0.0, 5.0, 0.5);
        assert_eq!(half_steps(&s, "0"), Ok(0));
        assert_eq!(half_steps(&s, "3.5"), Ok(7));
        assert_eq!(half_steps(&s, " 4 "), Ok(8));
        assert_eq!(half_steps(&s, "5.0"), Ok(10));
    }

    #[test]
    fn a_decimal_comma_is_read_like_a_decimal_point() {
        assert_eq!(half_steps(&scale(0.0, 5.0, 0.5), "2,5"), Ok(5));
    }

    #[test]
    fn numbers_outside_the_scale_are_rejected_listing_the_allowed_values() {
        let err = scale(0.0, 5.0, 0.5).parse("6").expect_err("out of range");
        assert!(matches!(err, ProficiencyError::OutOfRange(_)));
        assert_eq!(
            err.to_string(),
            "outside the scale; allowed: 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, \
             or Novice, Basic, Proficient, Advanced, Expert (any case)"
        );
        assert!(scale(0.0, 5.0, 0.5).parse("-1").is_err());
    }

    #[test]
    fn numbers_between_steps_are_rejected() {
        let err = scale(0.0, 5.0, 1.0).parse("3.5").expect_err("off step");
        assert!(matches!(err, ProficiencyError::OffStep(_)));
        assert!(err
            .to_string()
            .contains("allowed: 0, 1, 2, 3, 4, 5, or Novice"));
    }

    #[test]
    fn labels_match_ignoring_case_and_surrounding_space() {
        let s = scale(0.0, 5.0, 0.5);
        assert_eq!(half_steps(&s, "Novice"), Ok(2));
        assert_eq!(half_steps(&s, "proficient "), Ok(6));
        assert_eq!(half_steps(&s, "EXPERT"), Ok(10));
    }

    #[test]
    fn anything_else_is_unknown_and_lists_the_allowed_values() {
        for bad in ["Expret", "NaN", "inf", "3 stars", "1.2.3", "", "+"] {
            let err = scale(0.0, 5.0, 0.5).parse(bad).expect_err(bad);
            assert!(matches!(err, ProficiencyError::Unknown(_)), "{bad}: {err}");
            assert!(err.to_string().contains("Novice, Basic"), "{err}");
        }
    }

    #[test]
    fn another_scale_maps_linearly_onto_zero_to_five_rounding_halves_up() {
        let s = scale(1.0, 10.0, 1.0);
        assert_eq!(half_steps(&s, "1"), Ok(0));
        assert_eq!(half_steps(&s, "10"), Ok(10));
        // 4 → (4-1)/9*5 = 1.67 → 1.5; 5 → 2.22 → 2; 6 → 2.78 → 3.
        assert_eq!(half_steps(&s, "4"), Ok(3));
        assert_eq!(half_steps(&s, "5"), Ok(4));
        assert_eq!(half_steps(&s, "6"), Ok(6));
        let percent = scale(0.0, 100.0, 1.0);
        // 75 → 3.75 → halfway between 3.5 and 4: rounds up.
        assert_eq!(half_steps(&percent, "75"), Ok(8));
        assert_eq!(half_steps(&percent, "74"), Ok(7));
    }

    #[test]
    fn a_wide_scale_is_described_instead_of_listed() {
        let err = scale(0.0, 100.0, 1.0).parse("x").expect_err("unknown");
        assert!(
            err.to_string()
                .contains("a number from 0 to 100 in steps of 1, or Novice"),
            "{err}"
        );
    }

    #[test]
    fn scales_that_do_not_add_up_are_configuration_errors() {
        for (min, max, step) in [
            (5.0, 0.0, 1.0),
            (0.0, 5.0, 0.0),
            (0.0, 5.0, 2.0),
            (0.0, f64::NAN, 1.0),
        ] {
            let settings = ScaleSettings {
                min: Some(min),
                max: Some(max),
                step: Some(step),
                ..ScaleSettings::default()
            };
            assert!(
                compile(&settings, Step::Whole).is_err(),
                "{min} {max} {step}"
            );
        }
    }

    #[test]
    fn labels_must_be_on_the_canonical_scale() {
        let mut settings = ScaleSettings::default();
        settings.labels.insert("Guru".into(), 7.0);
        let err = compile(&settings, Step::Whole).expect_err("bad label");
        assert!(err.to_string().contains("Guru"));
    }

    #[test]
    fn the_default_step_applies_when_none_is_configured() {
        let languages = compile(&ScaleSettings::default(), Step::Whole).expect("valid");
        assert!(matches!(
            languages.parse("2.5"),
            Err(ProficiencyError::OffStep(_))
        ));
        assert_eq!(half_steps(&languages, "2"), Ok(4));
    }
}
