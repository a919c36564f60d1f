//! One configured API token: `name = "secret"` (every org) or
//! `name = { token = "secret", orgs = ["acme"] }` (only those orgs). Printed redacted either way.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::domain::Secret;

/// A token of `[server.ingest_tokens]` or `[server.read_tokens]`.
#[derive(Debug, Clone)]
pub struct ApiToken {
    token: Secret,
    orgs: Option<Vec<String>>,
}

impl ApiToken {
    /// A token valid for every org.
    pub fn new(token: Secret) -> Self {
        Self { token, orgs: None }
    }

    /// A token valid for `orgs` only.
    pub fn for_orgs(token: Secret, orgs: Vec<String>) -> Self {
        Self {
            token,
            orgs: Some(orgs),
        }
    }

    /// The token, for the one place that compares it.
    pub fn expose(&self) -> &str {
        self.token.expose()
    }

    /// The orgs it is limited to; `None` = every org.
    pub fn orgs(&self) -> Option<&[String]> {
        self.orgs.as_deref()
    }

    /// Whether it may be used on `org`.
    pub fn allows(&self, org: &str) -> bool {
        self.orgs
            .as_ref()
            .is_none_or(|orgs| orgs.iter().any(|o| o == org))
    }
}

impl From<Secret> for ApiToken {
    fn from(token: Secret) -> Self {
        Self::new(token)
    }
}

/// The table form as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scoped {
    token: Secret,
    orgs: Option<Vec<String>>,
}

impl<'de> Deserialize<'de> for ApiToken {
    // By hand rather than an untagged enum: a mistake in the table form gets serde's message
    // naming the key instead of "did not match any variant".
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TokenVisitor;

        impl<'de> Visitor<'de> for TokenVisitor {
            type Value = ApiToken;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a token string or a table { token = \"…\", orgs = [\"…\"] }")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<ApiToken, E> {
                Ok(ApiToken::new(Secret::from(v)))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ApiToken, A::Error> {
                let scoped = Scoped::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ApiToken {
                    token: scoped.token,
                    orgs: scoped.orgs,
                })
            }
        }

        deserializer.deserialize_any(TokenVisitor)
    }
}

impl Serialize for ApiToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.orgs {
            None => self.token.serialize(serializer),
            Some(orgs) => {
                let mut table = serializer.serialize_struct("ApiToken", 2)?;
                table.serialize_field("token", &self.token)?;
                table.serialize_field("orgs", orgs)?;
                table.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn parse(toml_text: &str) -> Result<BTreeMap<String, ApiToken>, toml::de::Error> {
        toml::from_str(toml_text)
    }

    #[test]
    fn the_string_form_is_every_org_and_the_table_form_names_its_orgs() {
        let tokens = parse(
            "wfm = \"0123456789abcdef\"\n\
             acme = { token = \"fedcba9876543210\", orgs = [\"acme\", \"beta\"] }\n",
        )
        .expect("parses");
        assert_eq!(tokens["wfm"].expose(), "0123456789abcdef");
        assert_eq!(tokens["wfm"].orgs(), None);
        assert!(tokens["wfm"].allows("anything"));
        assert_eq!(tokens["acme"].expose(), "fedcba9876543210");
        assert!(tokens["acme"].allows("beta"));
        assert!(!tokens["acme"].allows("gamma"));
    }

    #[test]
    fn a_misspelt_key_or_a_missing_token_is_an_error() {
        let misspelt = parse("a = { token = \"x\", org = [\"acme\"] }").expect_err("org");
        assert!(misspelt.to_string().contains("org"), "{misspelt}");
        let missing = parse("a = { orgs = [\"acme\"] }").expect_err("no token");
        assert!(missing.to_string().contains("token"), "{missing}");
        parse("a = 5").expect_err("a number");
    }

    #[test]
    fn both_forms_print_redacted() {
        let tokens = parse(
            "wfm = \"0123456789abcdef\"\n\
             acme = { token = \"fedcba9876543210\", orgs = [\"acme\"] }\n",
        )
        .expect("parses");
        let printed = toml::to_string(&tokens).expect("prints");
        assert!(!printed.contains("0123456789abcdef"), "{printed}");
        assert!(!printed.contains("fedcba9876543210"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
        assert!(printed.contains("acme"), "{printed}");
        assert!(!format!("{tokens:?}").contains("0123"));
    }
}
