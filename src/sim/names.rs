//! Realistic names for seeded skills, languages and people.

/// Business areas that contact centers build skills around.
const SKILL_AREAS: &[&str] = &[
    "PaymentProcessing",
    "Billing",
    "TechSupport",
    "Sales",
    "Retention",
    "Claims",
    "Onboarding",
    "FraudPrevention",
    "Collections",
    "Shipping",
    "Returns",
    "Mortgages",
    "CreditCards",
    "Insurance",
    "Travel",
    "Loyalty",
    "Roaming",
    "Broadband",
    "Mobile",
    "Accessibility",
];

/// How skills within an area are split.
const SKILL_VARIANTS: &[&str] = &[
    "_L1",
    "_L2",
    "_L3",
    "_Disputes",
    "_Refunds",
    "_Escalations",
    "_VIP",
    "_Chat",
    "_Email",
    "_Voice",
];

/// Languages contact centers route on, most common first.
const LANGUAGES: &[&str] = &[
    "English",
    "German",
    "French",
    "Spanish",
    "Italian",
    "Portuguese",
    "Dutch",
    "Polish",
    "Swedish",
    "Danish",
    "Norwegian",
    "Finnish",
    "Czech",
    "Turkish",
    "Arabic",
    "Japanese",
    "Korean",
    "Mandarin",
    "Cantonese",
    "Hindi",
];

const FIRST_NAMES: &[&str] = &[
    "Alex", "Maria", "Jonas", "Aisha", "Liam", "Sofia", "Noah", "Emma", "Mateo", "Léa", "Yuki",
    "Omar", "Chloé", "Lukas", "Priya", "Sven", "Zoë", "Ivan", "Hana", "Diego",
];

const LAST_NAMES: &[&str] = &[
    "Müller", "Smith", "García", "Rossi", "Kowalski", "Nguyen", "Dubois", "Jansen", "Svensson",
    "O'Brien", "Schmidt", "Tanaka", "Silva", "Novák", "Yilmaz", "Haddad", "Kim", "Larsen",
    "Fischer", "Moreau",
];

/// The `n`-th skill name; unique for every `n`. Names repeat their area with a number once the
/// area × variant combinations run out (`Billing_L1_2`).
pub fn skill_name(n: usize) -> String {
    let combos = SKILL_AREAS.len() * SKILL_VARIANTS.len();
    let round = n / combos;
    let i = n % combos;
    let base = format!(
        "{}{}",
        SKILL_AREAS[i % SKILL_AREAS.len()],
        SKILL_VARIANTS[i / SKILL_AREAS.len()]
    );
    if round == 0 {
        base
    } else {
        format!("{base}_{}", round + 1)
    }
}

/// The `n`-th language name; unique for every `n`.
pub fn language_name(n: usize) -> String {
    match LANGUAGES.get(n) {
        Some(name) => (*name).to_string(),
        None => format!("Language_{}", n + 1),
    }
}

/// A person's display name for user number `index` (deterministic, not unique).
pub fn person_name(index: u32) -> String {
    let i = index as usize;
    let first = FIRST_NAMES[i % FIRST_NAMES.len()];
    let last = LAST_NAMES[(i / FIRST_NAMES.len() + i * 7) % LAST_NAMES.len()];
    format!("{first} {last}")
}

/// The login e-mail of user number `index` (1-based): `agent00001@example.com`.
pub fn email(index: u32) -> String {
    format!("agent{index:05}@example.com")
}

/// The HRIS employee id of user number `index` (1-based): `E00001`.
pub fn employee_id(index: u32) -> String {
    format!("E{index:05}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn skill_names_are_unique_far_beyond_the_combinations() {
        let names: HashSet<String> = (0..1000).map(skill_name).collect();
        assert_eq!(names.len(), 1000);
        assert_eq!(skill_name(0), "PaymentProcessing_L1");
        assert_eq!(skill_name(21), "Billing_L2");
    }

    #[test]
    fn language_names_start_with_real_languages_and_stay_unique() {
        assert_eq!(language_name(1), "German");
        let names: HashSet<String> = (0..100).map(language_name).collect();
        assert_eq!(names.len(), 100);
    }

    #[test]
    fn emails_are_zero_padded_and_one_based() {
        assert_eq!(email(1), "agent00001@example.com");
        assert_eq!(employee_id(42), "E00042");
    }
}
