//! A posted console form: its fields, and the CSRF check every state-changing form passes
//! before anything else is read from it.

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::page::{error_page, Chrome};
use crate::http::session::{csrf_holds, CSRF_FIELD};

/// The fields of a form posted as `application/x-www-form-urlencoded`; the first of a repeated
/// field counts.
pub struct Form(HashMap<String, String>);

impl Form {
    /// `body`'s fields.
    pub fn parse(body: &[u8]) -> Self {
        let mut fields = HashMap::new();
        for (name, value) in form_urlencoded::parse(body) {
            fields
                .entry(name.into_owned())
                .or_insert_with(|| value.into_owned());
        }
        Self(fields)
    }

    /// The field `name`, trimmed; none when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// `body` as a form, when its CSRF token matches the request's cookie and it came from this
/// site; otherwise the 403 page, and nothing is changed. `back` is where the page links to.
pub fn checked(
    headers: &HeaderMap,
    body: &[u8],
    chrome: &Chrome,
    back: &str,
) -> Result<Form, Response> {
    let form = Form::parse(body);
    if csrf_holds(headers, form.get(CSRF_FIELD)) {
        return Ok(form);
    }
    Err(error_page(
        headers,
        StatusCode::FORBIDDEN,
        chrome,
        (
            "Form refused",
            "The form did not carry this page's CSRF token, or came from another site, so \
             nothing was changed. Reload the page and try again.",
            back,
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::Form;

    #[test]
    fn fields_are_decoded_trimmed_and_the_first_of_a_repeat_counts() {
        let form = Form::parse(b"token=+a%2Bb+&next=%2Forgs%2Fx&token=second&empty=+");
        assert_eq!(form.get("token"), Some("a+b"));
        assert_eq!(form.get("next"), Some("/orgs/x"));
        assert_eq!(form.get("empty"), None);
        assert_eq!(form.get("missing"), None);
    }
}
