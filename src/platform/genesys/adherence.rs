//! What workforce management scheduled each agent to do now, from real-time adherence: the one
//! read that names a scheduled activity for many users at once. Deferral asks for it only when
//! its policy cares, so it is its own call kind and never part of a scan.

use std::collections::{HashMap, HashSet};

use futures::{stream, StreamExt, TryStreamExt};
use reqwest::Method;

use super::api::Http;
use super::calls;
use super::wire::UserScheduleAdherence;
use crate::platform::transport::Call;
use crate::platform::PlatformError;

/// Users per adherence request: the platform refuses more ("Max of 100 userIds per request").
pub const USERS_PER_CALL: usize = 100;

/// The scheduled activity category of each of `user_ids`, one paced call per
/// [`USERS_PER_CALL`] distinct ids, `concurrency` calls in flight. Users the answer leaves out,
/// or gives no category, are left out: "unknown", not "unscheduled".
pub async fn scheduled_activities(
    transport: &Http,
    concurrency: usize,
    user_ids: &[String],
) -> Result<HashMap<String, String>, PlatformError> {
    // A repeated id would only spend room in a request.
    let mut seen = HashSet::new();
    let ids: Vec<&str> = user_ids
        .iter()
        .map(String::as_str)
        .filter(|id| seen.insert(*id))
        .collect();
    // Owned paths, as `Reader::by_ids` builds its queries: a closure over borrowed chunks makes
    // the future too general for the trait's `Send` bound.
    let paths: Vec<String> = ids.chunks(USERS_PER_CALL).map(path).collect();
    let answers: Vec<Vec<UserScheduleAdherence>> = stream::iter(paths)
        .map(|path| one_call(transport, path))
        .buffered(concurrency.max(1))
        .try_collect()
        .await?;
    Ok(categories(answers.into_iter().flatten(), &seen))
}

async fn one_call(
    transport: &Http,
    path: String,
) -> Result<Vec<UserScheduleAdherence>, PlatformError> {
    transport
        .json::<_, ()>(Call {
            kind: calls::GET_ADHERENCE,
            method: Method::GET,
            path: &path,
            body: None,
        })
        .await
}

/// The request for one chunk: `userId` repeated, as the SDK sends a multi-valued query.
fn path(chunk: &[&str]) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(chunk.iter().map(|id| ("userId", *id)))
        .finish();
    format!("/api/v2/workforcemanagement/adherence?{query}")
}

/// userId → category for the users asked about; anything else in an answer is not ours to
/// report.
fn categories(
    records: impl Iterator<Item = UserScheduleAdherence>,
    asked: &HashSet<&str>,
) -> HashMap<String, String> {
    records
        .filter_map(|record| {
            let id = record.user.map(|u| u.id).or(record.id)?;
            let category = record.scheduled_activity_category?;
            (asked.contains(id.as_str()) && !category.is_empty()).then_some((id, category))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_repeated_and_encoded() {
        assert_eq!(
            path(&["a", "b c"]),
            "/api/v2/workforcemanagement/adherence?userId=a&userId=b+c"
        );
    }

    #[test]
    fn only_asked_users_with_a_category_are_reported() {
        let records: Vec<UserScheduleAdherence> = serde_json::from_value(serde_json::json!([
            {"id": "u1", "user": {"id": "u1", "selfUri": "/api/v2/users/u1"},
             "scheduledActivityCategory": "Break", "routingStatus": "IDLE"},
            {"id": "u2", "scheduledActivityCategory": "OnQueueWork"},
            {"user": {"id": "u3"}},
            {"id": "u4", "scheduledActivityCategory": ""},
            {"id": "stranger", "scheduledActivityCategory": "Meal"},
        ]))
        .expect("records");
        let asked: HashSet<&str> = ["u1", "u2", "u3", "u4"].into();
        let got = categories(records.into_iter(), &asked);
        let expected: HashMap<String, String> = [
            ("u1".to_string(), "Break".to_string()),
            ("u2".to_string(), "OnQueueWork".to_string()),
        ]
        .into();
        assert_eq!(got, expected);
    }
}
