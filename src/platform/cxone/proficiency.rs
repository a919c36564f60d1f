//! `CxoneProficiency`: a NICE CXone skill proficiency, 1 (highest) to 20 (lowest). The only way
//! to make one is the checked constructor, so no write body can carry a value CXone's scale
//! does not have. skillsync's [`Proficiency`] holds CXone values as they are (the CXone scale
//! is the feed's on a CXone org), so the conversions are the identity on 1..=20.

use std::fmt;

use crate::domain::Proficiency;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A CXone proficiency: 1 is the highest, 20 the lowest (NICE help).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CxoneProficiency(u8);

impl CxoneProficiency {
    /// The highest proficiency.
    pub const HIGHEST: Self = Self(1);
    /// The lowest proficiency.
    pub const LOWEST: Self = Self(20);

    /// `value` when it lies in 1..=20; otherwise a message saying why not.
    pub fn new(value: i64) -> Result<Self, String> {
        match u8::try_from(value) {
            Ok(v) if (1..=20).contains(&v) => Ok(Self(v)),
            _ => Err(format!(
                "CXone proficiency {value} is outside 1 (highest) to 20 (lowest)"
            )),
        }
    }

    /// The value, 1..=20.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// The identity on whole numbers 1..=20; anything else is not a CXone value.
impl TryFrom<Proficiency> for CxoneProficiency {
    type Error = String;

    fn try_from(p: Proficiency) -> Result<Self, String> {
        if p.half_steps() % 2 != 0 {
            return Err(format!(
                "CXone proficiency {p} is not a whole number from 1 (highest) to 20 (lowest)"
            ));
        }
        Self::new(i64::from(p.half_steps() / 2))
    }
}

/// The identity: every CXone value is a [`Proficiency`].
impl From<CxoneProficiency> for Proficiency {
    fn from(p: CxoneProficiency) -> Self {
        // 1..=20 doubled is at most 40, always in range.
        Proficiency::from_half_steps(p.0 * 2).unwrap_or(Proficiency::CEILING)
    }
}

impl fmt::Display for CxoneProficiency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for CxoneProficiency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}

/// Accepts an integer, an integral float (`3.0`) or a numeric string, all checked.
impl<'de> Deserialize<'de> for CxoneProficiency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        let number = match &value {
            serde_json::Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        let number = number.ok_or_else(|| {
            serde::de::Error::custom(format!("CXone proficiency {value} is not an integer"))
        })?;
        Self::new(number).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_to_twenty_are_proficiencies() {
        assert_eq!(CxoneProficiency::new(1), Ok(CxoneProficiency::HIGHEST));
        assert_eq!(CxoneProficiency::new(20), Ok(CxoneProficiency::LOWEST));
        for bad in [0, 21, -1, 256, i64::MAX] {
            assert!(CxoneProficiency::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn conversions_are_the_identity_on_one_to_twenty() {
        for v in 1..=20u8 {
            let p = Proficiency::from_half_steps(v * 2).expect("in range");
            let cxone = CxoneProficiency::try_from(p).expect("a CXone value");
            assert_eq!(cxone.get(), v);
            assert_eq!(Proficiency::from(cxone), p);
        }
        for bad in [0, 7] {
            let p = Proficiency::from_half_steps(bad).expect("in range");
            assert!(CxoneProficiency::try_from(p).is_err(), "{p}");
        }
    }

    #[test]
    fn it_serializes_as_a_number_and_parses_liberally_but_checked() {
        let p = CxoneProficiency::new(7).expect("in range");
        assert_eq!(serde_json::to_string(&p).expect("json"), "7");
        for ok in ["7", "7.0", "\"7\""] {
            assert_eq!(serde_json::from_str::<CxoneProficiency>(ok).ok(), Some(p));
        }
        for bad in ["0", "21", "7.5", "null", "\"high\""] {
            assert!(
                serde_json::from_str::<CxoneProficiency>(bad).is_err(),
                "{bad}"
            );
        }
    }
}
