//! Per-org leases: which replica works which org. A replica heartbeats in `replicas`, renews the
//! org rows it holds, and claims free or expired rows (skipping rows another replica is claiming
//! at the same moment) up to its fair share. Deciding how many to hold, and stopping work on an
//! org before its lease can lapse, is the daemon's (`app::leases`).

use chrono::{DateTime, Utc};

use super::backend::Dialect;
use super::{Store, StoreError};

/// One org's lease row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrgLease {
    /// The org.
    pub org: String,
    /// The replica holding it; `None` when it was released.
    pub owner: Option<String>,
    /// When the lease lapses unless renewed.
    pub expires_at: DateTime<Utc>,
}

impl OrgLease {
    /// The holder while the lease is in force at `now`.
    pub fn holder_at(&self, now: DateTime<Utc>) -> Option<&str> {
        self.owner.as_deref().filter(|_| self.expires_at > now)
    }
}

/// What one renewal round found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    /// The orgs whose leases `owner` still holds, now renewed.
    pub held: Vec<String>,
    /// How many leases each live replica holds, this one included.
    pub loads: Vec<usize>,
}

impl Store {
    /// Marks `owner` alive, makes sure every org in `orgs` has a lease row, and renews the
    /// leases `owner` holds that have not lapsed. A lapsed lease is not renewed even when nobody
    /// took it yet: the replica stopped working it at its own deadline and claims it afresh.
    pub async fn renew_org_leases(
        &self,
        owner: &str,
        orgs: &[&str],
        lease_secs: f64,
    ) -> Result<Renewal, StoreError> {
        db!(self, |pool, D| {
            let mut tx = D::begin_write(pool).await?;
            sqlx::query(&format!(
                "INSERT INTO replicas (owner, seen_until) VALUES ($1, {until})
                 ON CONFLICT (owner) DO UPDATE SET seen_until = excluded.seen_until",
                until = D::now_plus("$2"),
            ))
            .bind(owner)
            .bind(lease_secs)
            .execute(&mut *tx)
            .await?;
            for org in orgs {
                sqlx::query(
                    "INSERT INTO org_leases (org) VALUES ($1) ON CONFLICT (org) DO NOTHING",
                )
                .bind(*org)
                .execute(&mut *tx)
                .await?;
            }
            let held: Vec<String> = sqlx::query_scalar(&format!(
                "UPDATE org_leases SET expires_at = {until}
                 WHERE owner = $1 AND expires_at > {now} AND {listed}
                 RETURNING org",
                until = D::now_plus("$2"),
                now = D::NOW,
                listed = D::in_list("org", "$3"),
            ))
            .bind(owner)
            .bind(lease_secs)
            .bind(D::list(orgs))
            .fetch_all(&mut *tx)
            .await?;
            let loads: Vec<i64> = sqlx::query_scalar(&format!(
                "SELECT count(l.org) FROM replicas r
                 LEFT JOIN org_leases l ON l.owner = r.owner AND l.expires_at > {now}
                 WHERE r.seen_until > {now}
                 GROUP BY r.owner",
                now = D::NOW
            ))
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let mut held = held;
            held.sort();
            Ok(Renewal {
                held,
                loads: loads
                    .into_iter()
                    .map(|n| usize::try_from(n).unwrap_or(0))
                    .collect(),
            })
        })
    }

    /// Claims up to `max` of `orgs` whose leases are free or lapsed, for `owner`; rows another
    /// replica is claiming in the same instant are skipped rather than waited for.
    pub async fn claim_org_leases(
        &self,
        owner: &str,
        orgs: &[&str],
        max: usize,
        lease_secs: f64,
    ) -> Result<Vec<String>, StoreError> {
        if max == 0 || orgs.is_empty() {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        db!(self, |pool, D| {
            let mut tx = D::begin_write(pool).await?;
            let free: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT org FROM org_leases
                 WHERE {listed} AND (owner IS NULL OR expires_at <= {now})
                 ORDER BY org LIMIT $2 {skip}",
                listed = D::in_list("org", "$1"),
                now = D::NOW,
                skip = D::SKIP_LOCKED,
            ))
            .bind(D::list(orgs))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            for org in &free {
                sqlx::query(&format!(
                    "UPDATE org_leases SET owner = $2, expires_at = {until}, claimed_at = {now}
                     WHERE org = $1",
                    until = D::now_plus("$3"),
                    now = D::NOW,
                ))
                .bind(org)
                .bind(owner)
                .bind(lease_secs)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(free)
        })
    }

    /// Gives `org`'s lease up at once (the caller has stopped working it).
    pub async fn release_org_lease(&self, owner: &str, org: &str) -> Result<(), StoreError> {
        db!(self, |pool, D| {
            sqlx::query(&format!(
                "UPDATE org_leases SET owner = NULL, expires_at = {} WHERE org = $1 AND owner = $2",
                D::NOW
            ))
            .bind(org)
            .bind(owner)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Forgets `owner`'s heartbeat, so that the others' fair shares grow at once when it stops.
    pub async fn leave_replicas(&self, owner: &str) -> Result<(), StoreError> {
        db!(self, |pool, D| {
            sqlx::query("DELETE FROM replicas WHERE owner = $1")
                .bind(owner)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Every org's lease row, by org.
    pub async fn org_leases(&self) -> Result<Vec<OrgLease>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(
            "SELECT org, owner, expires_at FROM org_leases ORDER BY org"
        )
        .fetch_all(pool)
        .await?))
    }
}
