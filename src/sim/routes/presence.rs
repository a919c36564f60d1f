//! What agents are doing, as the platform reports it: one user's routing status and WFM's
//! real-time adherence for up to 100 users. Reads only: neither bumps a version nor counts as a
//! write.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::sim::error::ApiError;
use crate::sim::extract::QueryParams;
use crate::sim::names;
use crate::sim::routing::{timestamp, Adherence, Presence, RoutingStatusView};
use crate::sim::state::SimState;
use crate::sim::user::UserSlot;

/// The most users one adherence request may name (SDK: "Max of 100 userIds per request").
pub const MAX_ADHERENCE_USERS: usize = 100;

/// `GET /api/v2/users/{id}/routingstatus`: an unknown user is `OFF_QUEUE`, not 404 (SDK).
pub async fn routing_status(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
) -> Response {
    let view = match state.org.user(&id) {
        Some(user) => RoutingStatusView::new(&user.id_str, &user.data.lock().presence),
        None => RoutingStatusView::unknown(&id),
    };
    Json(view).into_response()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserReference {
    id: String,
    self_uri: String,
}

/// SDK `UserScheduleAdherence`, without the business unit, management unit, team and queue
/// references the simulator has no model of.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AdherenceView {
    id: String,
    name: String,
    user: UserReference,
    scheduled_activity_category: &'static str,
    system_presence: &'static str,
    routing_status: &'static str,
    actual_activity_category: &'static str,
    is_out_of_office: bool,
    adherence_state: &'static str,
    impact: &'static str,
    time_of_adherence_change: String,
    presence_update_time: String,
}

impl AdherenceView {
    fn new(user: &UserSlot, presence: &Presence) -> Self {
        let adherence = Adherence::of(presence);
        let since = timestamp(presence.since);
        Self {
            id: user.id_str.clone(),
            name: names::person_name(user.index),
            user: UserReference {
                id: user.id_str.clone(),
                self_uri: format!("/api/v2/users/{}", user.id_str),
            },
            scheduled_activity_category: presence.activity.as_str(),
            system_presence: adherence.system_presence,
            routing_status: presence.status.as_str(),
            actual_activity_category: adherence.actual.as_str(),
            is_out_of_office: false,
            adherence_state: adherence.state,
            impact: adherence.impact,
            time_of_adherence_change: since.clone(),
            presence_update_time: since,
        }
    }
}

/// `GET /api/v2/workforcemanagement/adherence?userId=…`: a JSON array, one record per known
/// user in the order asked, duplicates once. Users the org does not know have no WFM record and
/// are left out rather than failing the whole request.
pub async fn adherence(
    State(state): State<Arc<SimState>>,
    params: QueryParams,
) -> Result<Response, ApiError> {
    let mut ids = params.list("userId");
    if ids.is_empty() {
        return Err(ApiError::invalid_value(
            "userId",
            "At least one userId is required.",
        ));
    }
    if ids.len() > MAX_ADHERENCE_USERS {
        return Err(ApiError::invalid_value(
            "userId",
            format!(
                "A maximum of {MAX_ADHERENCE_USERS} userIds may be requested at once; got {}.",
                ids.len()
            ),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    let views: Vec<AdherenceView> = ids
        .iter()
        .filter_map(|id| state.org.user(id))
        .map(|user| {
            let presence = user.data.lock().presence;
            AdherenceView::new(user, &presence)
        })
        .collect();
    Ok(Json(views).into_response())
}
