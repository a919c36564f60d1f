//! Skill retirements and the listed catalog (issue 16), on both backends: one retirement per
//! skill and org, its checks and its end; the catalog replaced whole.

use chrono::{TimeDelta, Utc};

use skillsync::retire::{retire, RetireError};

use crate::Db;

on_both_backends!(
    a_retirement_is_recorded_once_checked_and_ended,
    the_catalog_is_replaced_whole_per_org
);

async fn a_retirement_is_recorded_once_checked_and_ended(db: Db) {
    let after = Utc::now() + TimeDelta::days(1);
    let r = retire(&db.store, "Legacy", after, "wfm")
        .await
        .expect("recorded");
    assert_eq!(
        (r.skill.as_str(), r.requested_by.as_str()),
        ("Legacy", "wfm")
    );
    assert_eq!(r.state(Utc::now()), "scheduled");
    assert!((r.retire_after - after).abs() < TimeDelta::milliseconds(1));
    assert!(
        r.refusal().contains("is being retired (requested by wfm"),
        "{}",
        r.refusal()
    );
    // Once per skill: the second request is refused and changes nothing.
    match retire(&db.store, "Legacy", Utc::now(), "ops").await {
        Err(RetireError::Already(existing)) => assert_eq!(existing.requested_by, "wfm"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        retire(&db.store, "  ", Utc::now(), "ops").await,
        Err(RetireError::Name { .. })
    ));
    // Another org may retire the same name.
    retire(&db.store.for_org("beta"), "Legacy", after, "x")
        .await
        .expect("other org");

    let clear = Utc::now();
    db.store
        .retirement_checked(r.id, Some("held by 3 agents"), None)
        .await
        .expect("checked");
    db.store.retirement_started(r.id).await.expect("started");
    db.store
        .retirement_checked(r.id, None, Some(clear))
        .await
        .expect("checked");
    let checked = db
        .store
        .retirement("Legacy")
        .await
        .expect("read")
        .expect("row");
    assert!(checked.started_at.is_some() && checked.checked_at.is_some());
    assert_eq!(checked.blocked_by, None);
    assert!(checked
        .clear_since
        .is_some_and(|c| (c - clear).abs() < TimeDelta::milliseconds(1)));
    db.store
        .retirement_done(r.id, "deleted")
        .await
        .expect("done");
    let done = db.store.retirements().await.expect("read");
    assert_eq!(done.len(), 1, "this org's only");
    assert_eq!(done[0].outcome.as_deref(), Some("deleted"));
    assert_eq!(done[0].state(Utc::now()), "retired");
    assert!(
        done[0].refusal().contains("was retired"),
        "{}",
        done[0].refusal()
    );
    let audit = db
        .store
        .audit(&skillsync::store::AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert!(audit
        .iter()
        .any(|e| e.call == "retire_skill" && e.actor.as_deref() == Some("wfm")));
}

async fn the_catalog_is_replaced_whole_per_org(db: Db) {
    db.store
        .replace_catalog(&[("A".into(), "active"), ("B".into(), "deleted")])
        .await
        .expect("stored");
    db.store
        .for_org("beta")
        .replace_catalog(&[("Z".into(), "active")])
        .await
        .expect("stored");
    db.store
        .replace_catalog(&[("B".into(), "active"), ("C".into(), "inactive")])
        .await
        .expect("stored");
    let names: Vec<(String, String)> = db
        .store
        .catalog()
        .await
        .expect("read")
        .into_iter()
        .map(|c| (c.name, c.state))
        .collect();
    assert_eq!(
        names,
        [
            ("B".into(), "active".into()),
            ("C".into(), "inactive".into())
        ]
    );
}
