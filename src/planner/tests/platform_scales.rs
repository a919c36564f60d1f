//! A platform's own scale and the kinds it stores: CXone (1–20, 1 best, skills only).

use std::time::Duration;

use super::*;
use crate::feed::CertificationSettings;
use crate::platform::scales::CXONE;

fn cxone(state: &DesiredState) -> Policy {
    Policy {
        granularity: CXONE,
        ..policy(state)
    }
}

fn pci_gate() -> BTreeMap<String, CertificationSettings> {
    [(
        "PCI-DSS".to_string(),
        CertificationSettings {
            gate_skill: Some("Gate_PCI".into()),
            ..CertificationSettings::default()
        },
    )]
    .into()
}

#[test]
fn cxone_values_are_planned_as_they_are_written() {
    let state = desired(
        FeedScope::Partial,
        vec![(
            key(1),
            want(&[("Billing", 1.0), ("Sales", 20.0), ("Tech", 7.0)]),
        )],
    );
    let have = live(1, &[("Billing", 1.0), ("Sales", 3.0)]);
    let plan = plan(&state, &[have], &cxone(&state));
    assert_eq!(
        summary(&plan),
        vec![(
            "agent00001@example.com".into(),
            vec!["~ skill Sales 3 -> 20".into(), "+ skill Tech (7)".into()]
        )]
    );
}

#[test]
fn a_platform_without_certifications_or_languages_plans_neither_and_shows_no_drift() {
    let mut agent = want(&[]);
    agent.languages = rated(&[("German", 4.0)]);
    agent.certifications = [(name("PCI-DSS"), CertificationWindow::default())].into();
    let state = desired(FeedScope::Snapshot, vec![(key(1), agent)]);
    let mut have = live(1, &[]);
    have.languages = rated(&[("French", 3.0)]);
    have.certifications = BTreeSet::from(["HIPAA".to_string()]);
    let plan = plan(&state, &[have], &cxone(&state));
    assert_eq!(summary(&plan), Vec::<(String, Vec<String>)>::new());
    assert!(plan.ignored.is_empty(), "{:?}", plan.ignored);
}

#[test]
fn gate_skills_work_on_cxone_and_default_to_its_best_value_one() {
    let rules = CertificationRules::new(&pci_gate(), Duration::ZERO, &CXONE).expect("valid");
    assert_eq!(rules.gates["PCI-DSS"].proficiency, p(1.0));
    let want = AgentDesired {
        certifications: [(name("PCI-DSS"), CertificationWindow::default())].into(),
        ..AgentDesired::default()
    };
    let state = desired(FeedScope::Partial, vec![(key(1), want)]);
    let policy = Policy {
        certifications: rules,
        ..cxone(&state)
    };
    let plan = plan(&state, &[live(1, &[])], &policy);
    assert_eq!(
        summary(&plan),
        vec![(
            "agent00001@example.com".into(),
            vec!["+ skill Gate_PCI (1)".into()]
        )]
    );
}

#[test]
fn a_gate_proficiency_off_the_cxone_scale_names_the_certification_and_the_range() {
    let mut settings = pci_gate();
    for (value, ok) in [(0.0, false), (2.5, false), (21.0, false), (20.0, true)] {
        if let Some(s) = settings.get_mut("PCI-DSS") {
            s.gate_proficiency = Some(value);
        }
        let result = CertificationRules::new(&settings, Duration::ZERO, &CXONE);
        match result {
            Ok(rules) => assert!(ok && rules.gates["PCI-DSS"].proficiency == p(value)),
            Err(err) => {
                assert!(!ok, "{value}: {err}");
                assert_eq!(
                    err.to_string(),
                    format!(
                        "feed.certifications.PCI-DSS: gate_proficiency {value} is not on \
                         CXone's skill scale: 1 to 20 (1 = highest)"
                    )
                );
            }
        }
    }
}
