//! The label sets metrics are recorded with, and the `org` label every series carries in
//! front of them, so that one exposition serves every org of the process.

use prometheus_client::encoding::{
    EncodeLabelKey, EncodeLabelSet, EncodeLabelValue, LabelSetEncoder,
};

use super::LabelValue;

/// A label set `L` of one org: `org` first, then `L`'s labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct Org<L> {
    /// The org (tenant) the series belongs to.
    pub org: LabelValue,
    /// The metric's own labels.
    pub labels: L,
}

// The derive does not take generics, and its `flatten` would have to be written per label set.
impl<L: EncodeLabelSet> EncodeLabelSet for Org<L> {
    fn encode(&self, mut encoder: LabelSetEncoder) -> Result<(), std::fmt::Error> {
        {
            let mut label = encoder.encode_label();
            let mut key = label.encode_label_key()?;
            EncodeLabelKey::encode(&"org", &mut key)?;
            let mut value = key.encode_label_value()?;
            EncodeLabelValue::encode(&self.org, &mut value)?;
            value.finish()?;
        }
        self.labels.encode(encoder)
    }
}

/// No labels besides `org`.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct NoLabels;

impl EncodeLabelSet for NoLabels {
    fn encode(&self, _encoder: LabelSetEncoder) -> Result<(), std::fmt::Error> {
        Ok(())
    }
}

/// Labels of platform request metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The call kind (`list_users`, `patch_skills`, …).
    pub endpoint: LabelValue,
    /// HTTP status, or `error` when no response came.
    pub status: LabelValue,
}

/// Labels by call kind only.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabels {
    /// The call kind.
    pub endpoint: LabelValue,
}

/// Labels of applied changes.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChangeLabels {
    /// The write call (`patch_skills`, `delete_skill`, `patch_user`, …).
    pub kind: LabelValue,
    /// `ok` or `failed`.
    pub result: LabelValue,
}

/// Labels of jobs.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    /// `feed`, `schedule`, `manual`, `startup` or `certification`.
    pub trigger: LabelValue,
    /// `succeeded`, `failed`, `held`.
    pub result: LabelValue,
}

/// Labels by trigger only.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TriggerLabels {
    /// The trigger.
    pub trigger: LabelValue,
}

/// Labels by feed source.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    /// The source name.
    pub source: LabelValue,
}

/// Labels of the certification expiry gauges.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WithinLabels {
    /// The report window, e.g. `7d`.
    pub within: LabelValue,
}

/// Labels of ingested feeds.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FeedLabels {
    /// The source name.
    pub source: LabelValue,
    /// `accepted`, `unchanged` or `rejected`.
    pub status: LabelValue,
}

/// Labels of the org lease gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OwnerLabels {
    /// The replica holding the lease.
    pub owner: LabelValue,
}
