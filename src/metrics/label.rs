//! Label values as the text exposition must carry them: backslash, double quote and line feed
//! escaped, so that no value can make a scraper refuse the whole exposition.
//! (`prometheus-client` 0.23 writes `String` label values as they are.)

use std::fmt::Write;

use prometheus_client::encoding::{EncodeLabelValue, LabelValueEncoder};

/// One label value, escaped when encoded.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct LabelValue(String);

impl LabelValue {
    /// The value as given, unescaped.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for LabelValue {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for LabelValue {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl EncodeLabelValue for LabelValue {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        for c in self.0.chars() {
            match c {
                '\\' => encoder.write_str("\\\\")?,
                '"' => encoder.write_str("\\\"")?,
                '\n' => encoder.write_str("\\n")?,
                c => encoder.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::encoding::text::encode;
    use prometheus_client::encoding::EncodeLabelSet;
    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::metrics::family::Family;
    use prometheus_client::registry::Registry;

    use super::*;

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    struct Labels {
        source: LabelValue,
    }

    #[test]
    fn quotes_backslashes_and_line_feeds_are_escaped_in_the_exposition() {
        let family = Family::<Labels, Counter>::default();
        let mut registry = Registry::default();
        registry.register("feeds", "Feeds", family.clone());
        family
            .get_or_create(&Labels {
                source: "a\"b\\c\nd".into(),
            })
            .inc();
        let mut text = String::new();
        encode(&mut text, &registry).expect("encodes");
        assert!(
            text.contains(r#"feeds_total{source="a\"b\\c\nd"} 1"#),
            "{text}"
        );
    }
}
