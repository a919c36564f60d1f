//! Per-org leases: replicas divide the orgs, never hold one twice, renew what they hold, and take
//! over a lapsed lease.

use crate::Db;

on_both_backends!(
    replicas_divide_the_orgs_without_a_double_claim,
    a_lapsed_lease_is_not_renewed_and_is_taken_over,
    a_released_lease_is_free_at_once,
);

const ORGS: [&str; 4] = ["acme", "beta", "gamma", "delta"];

async fn replicas_divide_the_orgs_without_a_double_claim(db: Db) {
    let store = &db.store;
    let a = store.renew_org_leases("a", &ORGS, 30.0).await.expect("a");
    assert_eq!((a.held.len(), a.loads.clone()), (0, vec![0]));
    let b = store.renew_org_leases("b", &ORGS, 30.0).await.expect("b");
    assert_eq!(b.loads, vec![0, 0], "both heartbeats count");
    let mine = store
        .claim_org_leases("a", &ORGS, 2, 30.0)
        .await
        .expect("a claims");
    let theirs = store
        .claim_org_leases("b", &ORGS, 3, 30.0)
        .await
        .expect("b claims");
    assert_eq!(mine.len(), 2);
    assert_eq!(theirs.len(), 2, "only the two free orgs are left");
    assert!(
        mine.iter().all(|org| !theirs.contains(org)),
        "{mine:?} {theirs:?}"
    );
    assert!(
        store
            .claim_org_leases("a", &ORGS, 4, 30.0)
            .await
            .expect("none")
            .is_empty(),
        "held leases are never claimed again"
    );
    let renewed = store
        .renew_org_leases("a", &ORGS, 30.0)
        .await
        .expect("renew");
    let mut expected = mine.clone();
    expected.sort();
    assert_eq!(renewed.held, expected);
    let leases = store.org_leases().await.expect("leases");
    assert_eq!(leases.len(), 4);
    let now = chrono::Utc::now();
    for lease in &leases {
        let holder = lease.holder_at(now).expect("held");
        assert_eq!(holder == "a", mine.contains(&lease.org), "{lease:?}");
    }
}

async fn a_lapsed_lease_is_not_renewed_and_is_taken_over(db: Db) {
    let store = &db.store;
    store
        .renew_org_leases("a", &ORGS, 30.0)
        .await
        .expect("rows");
    let mine = store
        .claim_org_leases("a", &ORGS, 4, 30.0)
        .await
        .expect("a");
    assert_eq!(mine.len(), 4);
    db.exec("UPDATE org_leases SET expires_at = '2000-01-01T00:00:00.000Z' WHERE org = 'beta'")
        .await
        .expect("lapsed");
    let renewed = store
        .renew_org_leases("a", &ORGS, 30.0)
        .await
        .expect("renew");
    assert!(!renewed.held.contains(&"beta".to_owned()), "{renewed:?}");
    assert_eq!(renewed.held.len(), 3);
    let taken = store
        .claim_org_leases("b", &ORGS, 4, 30.0)
        .await
        .expect("b");
    assert_eq!(taken, vec!["beta".to_owned()]);
}

async fn a_released_lease_is_free_at_once(db: Db) {
    let store = &db.store;
    store
        .renew_org_leases("a", &ORGS, 30.0)
        .await
        .expect("rows");
    store
        .claim_org_leases("a", &ORGS, 4, 30.0)
        .await
        .expect("a");
    // Only the holder can release.
    store.release_org_lease("b", "acme").await.expect("no-op");
    assert!(store
        .claim_org_leases("b", &ORGS, 4, 30.0)
        .await
        .expect("b")
        .is_empty());
    store
        .release_org_lease("a", "acme")
        .await
        .expect("released");
    assert_eq!(
        store
            .claim_org_leases("b", &ORGS, 4, 30.0)
            .await
            .expect("b"),
        vec!["acme".to_owned()]
    );
    store.leave_replicas("a").await.expect("left");
    let b = store.renew_org_leases("b", &ORGS, 30.0).await.expect("b");
    assert_eq!(b.loads, vec![1], "a left; only b counts");
}
