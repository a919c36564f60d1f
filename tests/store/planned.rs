//! The changes planned for an agent, kept with its work item: stored when the items are
//! created, read back whole (rule and timing included), replaced after a re-plan.

use chrono::{TimeZone, Utc};

use skillsync::domain::{Action, AssignmentKind, Change, Name, Proficiency, Timing};
use skillsync::store::{PlannedChanges, PlannedItem, Trigger};

use crate::Db;

on_both_backends!(planned_changes_are_kept_with_items_and_replaced_after_a_replan);

fn change(kind: AssignmentKind, name: &str, action: Action) -> Change {
    Change::new(kind, Name::parse(name).expect("name"), action, true)
}

async fn planned_changes_are_kept_with_items_and_replaced_after_a_replan(db: Db) {
    let store = &db.store;
    let p = |v: f64| Proficiency::nearest(v).expect("proficiency");
    let job = store
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("queued");
    let expired = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).single();
    let first = vec![
        change(
            AssignmentKind::Skill,
            "Billing_L1",
            Action::Add(Some(p(3.0))),
        ),
        Change {
            rule: Some("certification expired".into()),
            timing: Timing {
                at: expired,
                expires_on: expired,
            },
            ..change(
                AssignmentKind::Certification,
                "PCI-DSS",
                Action::Remove(None),
            )
        },
    ];
    store
        .create_planned_work_items(
            job.id,
            &[PlannedItem {
                item: ("u1", Some("a@x"), "a@x"),
                planned: &first,
            }],
        )
        .await
        .expect("created");
    store
        .create_work_items(job.id, &[("u2", None, "b")])
        .await
        .expect("created without a plan");
    let items = store.work_items(job.id, 10, 0).await.expect("items");
    let planned: Vec<_> = items.iter().map(|i| i.planned.clone()).collect();
    assert_eq!(planned, [Some(PlannedChanges(first)), None]);

    let replanned = vec![change(
        AssignmentKind::Skill,
        "Billing_L1",
        Action::Update {
            from: p(3.0),
            to: p(4.5),
        },
    )];
    assert!(store
        .set_planned_changes(job.id, "u1", &replanned)
        .await
        .expect("replaced"));
    assert!(!store
        .set_planned_changes(job.id, "nobody", &replanned)
        .await
        .expect("no such item"));
    let claimed = store
        .claim_work_items(job.id, "w", 30.0, 10)
        .await
        .expect("claimed");
    let u1 = claimed.iter().find(|i| i.user_id == "u1").expect("u1");
    assert_eq!(u1.planned.as_deref(), Some(replanned.as_slice()));
}
