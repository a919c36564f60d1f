//! `check_page`: what every console page owes its users, checked in the browser on the page
//! shown: no console errors, usable at a desktop's and a phone's width, no accessibility
//! violations axe-core can find, and screenshots when `SKILLSYNC_SCREENSHOTS` names a directory.

use std::path::PathBuf;

use base64::Engine;
use serde_json::{json, Value};

use super::{Browser, DESKTOP, PHONE};

/// The axe-core rules every page passes.
const AXE_RULES: &[&str] = &[
    "button-name",
    "color-contrast",
    "document-title",
    "heading-order",
    "html-has-lang",
    "image-alt",
    "label",
    "landmark-one-main",
    "link-name",
    "meta-viewport",
    "page-has-heading-one",
];

/// Asserts the page shown is fit to ship, at the desktop size and then at the phone size
/// (the browser is left at the desktop size). `name` names the screenshots and the failures.
pub async fn check_page(browser: &Browser, name: &str) {
    let mut failures = Vec::new();
    for (size, (width, height)) in [("desktop", DESKTOP), ("phone", PHONE)] {
        browser.at_size(width, height).await;
        failures.extend(
            layout(browser, width)
                .await
                .into_iter()
                .map(|f| format!("{size}: {f}")),
        );
        failures.extend(
            axe(browser)
                .await
                .into_iter()
                .map(|f| format!("{size}: {f}")),
        );
        screenshot(browser, &format!("{name}-{size}")).await;
    }
    browser.at_size(DESKTOP.0, DESKTOP.1).await;
    // The page's own status is the test's to assert (the sign-in form answers 401).
    let own_status = format!("{} - Failed to load resource:", browser.current_url().await);
    for (level, message) in browser.console_messages().await {
        if level == "SEVERE" && !message.starts_with(&own_status) {
            failures.push(format!("console error: {message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "page {name:?} ({}):\n  {}",
        browser.current_url().await,
        failures.join("\n  ")
    );
}

/// No horizontal scrolling at `width`, and the `<h1>` shown inside the viewport.
async fn layout(browser: &Browser, width: u32) -> Vec<String> {
    let seen = browser
        .script(
            "const h1 = document.querySelector('h1');
             const r = h1 && h1.getBoundingClientRect();
             const style = h1 && getComputedStyle(h1);
             return {
               innerWidth: window.innerWidth,
               scrollWidth: document.documentElement.scrollWidth,
               h1: !!h1,
               h1Shown: !!h1 && r.width > 0 && r.height > 0 && r.left >= 0
                 && r.right <= window.innerWidth && style.visibility === 'visible'
                 && style.display !== 'none',
             };",
        )
        .await;
    let number = |k: &str| seen[k].as_u64().unwrap_or_default();
    let mut failures = Vec::new();
    // A phone zooms out to fit a page wider than itself: the viewport must be what was asked.
    if number("innerWidth") != u64::from(width) {
        failures.push(format!(
            "the viewport is {} px wide, not {width}: the page does not fit",
            number("innerWidth")
        ));
    }
    if number("scrollWidth") > u64::from(width) {
        failures.push(format!(
            "scrolls sideways: content {} px wide in a {width} px viewport",
            number("scrollWidth")
        ));
    }
    if seen["h1"] != true {
        failures.push("no <h1>".into());
    } else if seen["h1Shown"] != true {
        failures.push("the <h1> is not shown within the viewport".into());
    }
    failures
}

/// axe-core's violations of `AXE_RULES`, as "rule: help (targets)".
async fn axe(browser: &Browser) -> Vec<String> {
    let source = std::fs::read_to_string(browser.axe_js())
        .unwrap_or_else(|e| panic!("{}: {e}", browser.axe_js().display()));
    // Injected through WebDriver, which the page's Content-Security-Policy does not govern.
    let run = format!(
        "{source}
        const done = arguments[arguments.length - 1];
        axe.run(document, {{ runOnly: {{ type: 'rule', values: {rules} }}, resultTypes: ['violations'] }})
          .then(r => done(r.violations.map(v => ({{ id: v.id, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')) }}))))
          .catch(e => done({{ error: String(e) }}));",
        rules = json!(AXE_RULES)
    );
    let result = browser
        .client
        .execute_async(&run, vec![])
        .await
        .expect("axe-core runs");
    assert!(result.get("error").is_none(), "axe-core failed: {result}");
    result
        .as_array()
        .expect("violations")
        .iter()
        .map(|v: &Value| {
            format!(
                "{}: {} ({})",
                v["id"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                v["targets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect()
}

/// The whole page as `$SKILLSYNC_SCREENSHOTS/<name>.png`, when that variable is set.
async fn screenshot(browser: &Browser, name: &str) {
    let Some(dir) = std::env::var_os("SKILLSYNC_SCREENSHOTS") else {
        return;
    };
    let shot = browser
        .cdp(
            "Page.captureScreenshot",
            json!({ "format": "png", "captureBeyondViewport": true }),
        )
        .await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("data"))
        .expect("base64");
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
