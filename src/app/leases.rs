//! Per-org leases between replicas on one database (issue 14): each replica renews the leases it
//! holds every third of `reconcile.lease_secs`, claims free or lapsed ones up to an even share
//! (`balance.rs`), and works an org — its worker, scheduler and certification timer — only while
//! it holds that org's lease. A replica that cannot renew stops working its orgs at its own
//! deadline, a fifth of a lease before the lease can lapse in the database, so that a replica
//! taking the org over never overlaps it. A replica giving an org up (to even the shares out, or
//! at shutdown) stops working it first and releases it after. On SQLite the one process claims
//! every org at once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::balance::{Balance, Move};
use super::context::Context;
use super::org::OrgRuntime;

/// An org this replica works.
struct Working {
    org: Arc<OrgRuntime>,
    stop: CancellationToken,
    tasks: TaskTracker,
    /// When to stop working it unless renewed by then.
    deadline: Instant,
}

impl Working {
    /// Stops the org's tasks and waits for them.
    async fn stop(self) {
        self.stop.cancel();
        self.tasks.wait().await;
        self.org.metrics.leader.set(0);
    }
}

/// The lease loop's state.
struct Leases {
    ctx: Arc<Context>,
    lease: Duration,
    working: BTreeMap<String, Working>,
    /// Orgs being stopped (and released after, when `true`), not to be claimed meanwhile.
    stopping: BTreeMap<String, tokio::task::JoinHandle<()>>,
    /// The holder each org's `skillsync_org_leases` series shows.
    shown: BTreeMap<String, String>,
}

/// Takes part in the sharing of orgs until `shutdown`; then stops every org and releases its
/// lease.
pub async fn run(ctx: Arc<Context>, shutdown: CancellationToken) {
    let lease = Duration::from_secs_f64(ctx.settings.reconcile.lease_secs.max(0.3));
    let mut leases = Leases {
        ctx,
        lease,
        working: BTreeMap::new(),
        stopping: BTreeMap::new(),
        shown: BTreeMap::new(),
    };
    let every = lease / 3;
    while !shutdown.is_cancelled() {
        leases.round(&shutdown).await;
        let next_deadline = leases.working.values().map(|w| w.deadline).min();
        let wake = next_deadline.map_or(Instant::now() + every, |d| d.min(Instant::now() + every));
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = tokio::time::sleep_until(wake) => {}
        }
        leases.fence();
    }
    leases.leave().await;
}

impl Leases {
    /// One renewal: renew, drop what was lost, then even the shares out.
    async fn round(&mut self, shutdown: &CancellationToken) {
        self.stopping.retain(|_, handle| !handle.is_finished());
        // A handle of its own, so that the names can be borrowed while `self` changes.
        let ctx = self.ctx.clone();
        let owner = ctx.owner.as_str();
        let names: Vec<&str> = ctx.orgs.iter().map(|o| o.name.as_str()).collect();
        let secs = self.lease.as_secs_f64();
        let sent = Instant::now();
        let renewal = match ctx.store.renew_org_leases(owner, &names, secs).await {
            Ok(renewal) => renewal,
            Err(e) => {
                tracing::warn!(error = %e, "cannot renew org leases; working on until the deadline");
                return;
            }
        };
        let lost: Vec<String> = self
            .working
            .keys()
            .filter(|org| !renewal.held.contains(org))
            .cloned()
            .collect();
        for org in lost {
            tracing::warn!(org = %org, owner = %owner, "org lease lost; stopping its work");
            self.stop(&org, false);
        }
        let deadline = sent + self.lease.mul_f64(0.8);
        for org in &renewal.held {
            if let Some(working) = self.working.get_mut(org) {
                working.deadline = deadline;
            } else if !self.stopping.contains_key(org) {
                // Held, but its work was stopped at a deadline the renewal then beat (a slow
                // database): the lease is still ours, so the work resumes rather than the org
                // staying leased and unworked.
                tracing::info!(org = %org, owner = %owner, "org lease still held; working it again");
                self.start(org, deadline);
            }
        }
        let balance = Balance {
            orgs: names.len(),
            mine: self.working.len(),
            loads: renewal.loads,
        };
        match balance.next_move() {
            Move::Stay => {}
            Move::Release(n) => {
                let give: Vec<String> = self.working.keys().rev().take(n).cloned().collect();
                for org in give {
                    tracing::info!(org = %org, owner = %owner, "handing an org over to even the shares out");
                    self.stop(&org, true);
                }
            }
            Move::Claim(n) if !shutdown.is_cancelled() => self.claim(&names, n).await,
            Move::Claim(_) => {}
        }
        self.show().await;
    }

    async fn claim(&mut self, names: &[&str], n: usize) {
        let candidates: Vec<&str> = names
            .iter()
            .copied()
            .filter(|org| !self.working.contains_key(*org) && !self.stopping.contains_key(*org))
            .collect();
        let sent = Instant::now();
        let secs = self.lease.as_secs_f64();
        let claimed = match self
            .ctx
            .store
            .claim_org_leases(&self.ctx.owner, &candidates, n, secs)
            .await
        {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim org leases");
                return;
            }
        };
        let deadline = sent + self.lease.mul_f64(0.8);
        for name in claimed {
            tracing::info!(org = %name, owner = %self.ctx.owner, "org lease taken; working it");
            self.start(&name, deadline);
        }
    }

    /// Starts working `name`, whose lease this replica holds until `deadline`.
    fn start(&mut self, name: &str, deadline: Instant) {
        let Some(org) = self.ctx.orgs.iter().find(|o| o.name == name).cloned() else {
            return;
        };
        let stop = CancellationToken::new();
        let tasks = org.work(&stop);
        org.metrics.leader.set(1);
        self.working.insert(
            name.to_owned(),
            Working {
                org,
                stop,
                tasks,
                deadline,
            },
        );
    }

    /// Stops working `org` in the background; releases its lease once stopped when `release`.
    fn stop(&mut self, org: &str, release: bool) {
        let Some(working) = self.working.remove(org) else {
            return;
        };
        let store = self.ctx.store.clone();
        let owner = self.ctx.owner.clone();
        let name = org.to_owned();
        let handle = tokio::spawn(async move {
            working.stop().await;
            if release {
                if let Err(e) = store.release_org_lease(&owner, &name).await {
                    tracing::warn!(org = %name, error = %e, "cannot release the org lease; it lapses");
                }
            }
        });
        self.stopping.insert(org.to_owned(), handle);
    }

    /// Stops working the orgs whose renewal is overdue: their leases may lapse soon.
    fn fence(&mut self) {
        let now = Instant::now();
        let overdue: Vec<String> = self
            .working
            .iter()
            .filter(|(_, w)| w.deadline <= now)
            .map(|(org, _)| org.clone())
            .collect();
        for org in overdue {
            tracing::warn!(org = %org, "org lease not renewed in time; stopping its work");
            self.stop(&org, false);
        }
    }

    /// Publishes who holds what, as the database says, in `skillsync_org_leases`.
    async fn show(&mut self) {
        let Ok(leases) = self.ctx.store.org_leases().await else {
            return;
        };
        let now = Utc::now();
        for org in &self.ctx.orgs {
            let holder = leases
                .iter()
                .find(|l| l.org == org.name)
                .and_then(|l| l.holder_at(now));
            let shown = self.shown.get(&org.name).map(String::as_str);
            if shown == holder {
                continue;
            }
            if let Some(old) = shown {
                org.metrics.set_lease(old, false);
            }
            match holder {
                Some(new) => {
                    org.metrics.set_lease(new, true);
                    self.shown.insert(org.name.clone(), new.to_owned());
                }
                None => {
                    self.shown.remove(&org.name);
                }
            }
        }
    }

    /// Shutdown: stops every org, releases the leases, and leaves the replica list.
    async fn leave(mut self) {
        let orgs: Vec<String> = self.working.keys().cloned().collect();
        for org in orgs {
            self.stop(&org, true);
        }
        for (_, handle) in std::mem::take(&mut self.stopping) {
            let _ = handle.await;
        }
        if let Err(e) = self.ctx.store.leave_replicas(&self.ctx.owner).await {
            tracing::debug!(error = %e, "cannot leave the replica list; the heartbeat lapses");
        }
    }
}
