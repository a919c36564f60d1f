//! The plan travels with the work: each work item keeps the changes its job planned for the
//! agent, and those are what the worker writes.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{daemon_settings, database_url, small_org, spawn_daemon, spawn_sim};

const FEED: &str = "agent,type,name,proficiency
agent00001@example.com,skill,Billing_L1,3
agent00002@example.com,skill,Billing_L1,2
agent00003@example.com,language,German,4
";

#[sqlx::test(migrations = false)]
async fn each_work_item_keeps_the_changes_its_job_planned_for_the_agent(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    daemon.wait_job(1, &["succeeded"]).await;

    let answer = daemon.post_feed(FEED, "partial").await;
    let job = daemon.wait_started(&answer, &["succeeded", "failed"]).await;
    assert_eq!(job["job"]["status"], "succeeded", "{job}");
    let job_id = answer["job_id"].as_i64().expect("job id");

    let store = &daemon.ctx.store;
    let plan = store
        .job(job_id)
        .await
        .expect("job")
        .and_then(|j| j.plan)
        .expect("the job's plan");
    let items = store.work_items(job_id, 100, 0).await.expect("items");
    assert_eq!(items.len(), 3, "one item per agent the feed changes");
    for item in items {
        let planned_for_agent = plan["agents"]
            .as_array()
            .expect("agents")
            .iter()
            .find(|a| a["user_id"] == item.user_id.as_str())
            .map(|a| a["changes"].clone())
            .expect("the agent is in the job's plan");
        let kept = item.planned.expect("the item keeps its planned changes");
        assert!(!kept.is_empty(), "{}: something to write", item.label);
        assert_eq!(
            serde_json::to_value(&*kept).expect("json"),
            planned_for_agent,
            "{}: the item's changes are the job's plan for it",
            item.label
        );
    }
    daemon.stop().await;
}
