//! Real-browser tests: headless Chromium driven through ChromeDriver (WebDriver, `fantoccini`).
//! `Browser` starts one ChromeDriver and one Chromium per test and kills both when dropped;
//! `check_page` asserts what every console page owes its users. Tools come from
//! `scripts/ensure-browser.sh`; without them the tests fail, unless `SKILLSYNC_SKIP_BROWSER=1`.
//! This module drives pages only: it must not reach into the daemon behind them.

mod check;
mod console_basics;
mod console_pages;
mod driver;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::cookies::Cookie;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

pub use check::check_page;
use driver::{BrowserLog, Cdp, Driver, Tools};

/// How long any wait for the browser lasts before the test fails.
pub(crate) const PATIENCE: Duration = Duration::from_secs(20);
/// The desktop viewport every browser starts at.
pub const DESKTOP: (u32, u32) = (1280, 800);
/// A phone's viewport (an iPhone 12–15 in CSS pixels).
pub const PHONE: (u32, u32) = (390, 844);

pub(crate) const ENSURE: &str =
    "run scripts/ensure-browser.sh (or set SKILLSYNC_SKIP_BROWSER=1 to skip the browser tests)";

/// A headless Chromium behind its own ChromeDriver. Dropping it kills both.
pub struct Browser {
    pub client: Client,
    /// Dropped after `client`: kills ChromeDriver and Chromium.
    _driver: Driver,
    axe_js: PathBuf,
}

impl Browser {
    /// A browser at the desktop size; `None` (the test should return) only when
    /// `SKILLSYNC_SKIP_BROWSER=1`. Panics, naming `scripts/ensure-browser.sh`, when the tools
    /// are missing.
    pub async fn start() -> Option<Self> {
        if std::env::var("SKILLSYNC_SKIP_BROWSER").is_ok_and(|v| v == "1") {
            eprintln!("SKILLSYNC_SKIP_BROWSER=1: browser test skipped");
            return None;
        }
        let tools = Tools::find().unwrap_or_else(|e| panic!("browser tools: {e}; {ENSURE}"));
        let (driver, base) = Driver::spawn(&tools.chromedriver).await;
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": tools.chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
                         "--lang=en-US",
                         format!("--window-size={},{}", DESKTOP.0, DESKTOP.1)],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
            "timeouts": { "pageLoad": PATIENCE.as_millis() as u64, "script": PATIENCE.as_millis() as u64 },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&base)
            .await
            .unwrap_or_else(|e| panic!("Chromium at {}: {e}; {ENSURE}", tools.chromium.display()));
        let browser = Self {
            client,
            _driver: driver,
            axe_js: tools.axe_js,
        };
        browser.at_size(DESKTOP.0, DESKTOP.1).await;
        Some(browser)
    }

    /// Loads `url` and waits for it to finish loading.
    pub async fn visit(&self, url: &str) {
        self.client.goto(url).await.expect("navigates");
        self.wait_loaded().await;
    }

    /// Sets the viewport to `width` × `height` CSS pixels (a phone's when narrower than 600).
    pub async fn at_size(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1,
                    "mobile": width < 600 }),
        )
        .await;
    }

    /// The address of the page shown.
    pub async fn current_url(&self) -> String {
        self.client.current_url().await.expect("url").to_string()
    }

    /// The HTTP status the page shown was served with.
    pub async fn status(&self) -> u16 {
        let status = self
            .script("return performance.getEntriesByType('navigation')[0].responseStatus")
            .await;
        status.as_u64().expect("a status") as u16
    }

    /// The text of the first element matching `css`; panics when there is none.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    /// Whether an element matches `css`.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("find")
            .is_empty()
    }

    /// The first element matching `css`; panics when there is none.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("{css} on {}: {e}", self.current_url_or_blank().await),
        }
    }

    /// Types `value` into the field labelled `label`, or else named `label`.
    pub async fn fill(&self, label: &str, value: &str) {
        let xpath = format!("//label[normalize-space()={}]", xpath_literal(label));
        let by_label = match self.client.find(Locator::XPath(&xpath)).await {
            Ok(l) => l.attr("for").await.expect("for"),
            Err(_) => None,
        };
        let field = match by_label {
            Some(id) => self.client.find(Locator::Id(&id)).await,
            None => {
                let css = format!("[name={}]", serde_json::to_string(label).expect("json"));
                self.client.find(Locator::Css(&css)).await
            }
        };
        let field = field.unwrap_or_else(|e| panic!("no field labelled or named {label:?}: {e}"));
        field.clear().await.expect("clears");
        field.send_keys(value).await.expect("types");
    }

    /// Clicks the button reading `text` and waits for the page it leads to.
    pub async fn submit(&self, text: &str) {
        let xpath = format!(
            "//button[normalize-space()={0}] | //input[@type='submit' and @value={0}]",
            xpath_literal(text)
        );
        let button = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button {text:?}: {e}"));
        // A mark on the old document: the new one does not have it.
        self.script("window.__skillsyncOld = true; return null")
            .await;
        button.click().await.expect("clicks");
        self.wait_for("the next page", "return window.__skillsyncOld !== true")
            .await;
        self.wait_loaded().await;
    }

    /// Clicks the link to `href` and waits for the page it leads to, which shows `ready` (a CSS
    /// selector).
    pub async fn follow(&self, href: &str, ready: &str) {
        let link = self
            .find(&format!("a[href={}]", serde_json::json!(href)))
            .await;
        link.click().await.expect("clicks");
        let js = format!(
            "return document.querySelector({}) !== null",
            serde_json::json!(ready)
        );
        self.wait_for(ready, &js).await;
    }

    /// Runs `js` (a function body; `return` gives the value) in the page. Scripts run this way
    /// are not subject to the page's Content-Security-Policy.
    pub async fn script(&self, js: &str) -> Value {
        self.client.execute(js, vec![]).await.expect("script runs")
    }

    /// Waits until `js` returns `true`, at most `PATIENCE`.
    pub async fn wait_for(&self, what: &str, js: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            // Between documents a script may fail: that is "not yet".
            if let Ok(Value::Bool(true)) = self.client.execute(js, vec![]).await {
                return;
            }
            assert!(Instant::now() < deadline, "waited {PATIENCE:?} for {what}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The cookie `name` as the browser holds it.
    pub async fn cookie(&self, name: &str) -> Cookie<'static> {
        self.client
            .get_named_cookie(name)
            .await
            .unwrap_or_else(|e| panic!("cookie {name}: {e}"))
    }

    /// Browser console messages since the last call, as (level, message).
    pub async fn console_messages(&self) -> Vec<(String, String)> {
        let entries = self.client.issue_cmd(BrowserLog).await.expect("log");
        entries
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let field = |k: &str| e[k].as_str().unwrap_or_default().to_string();
                (field("level"), field("message"))
            })
            .collect()
    }

    /// Ends the session (Chromium quits) and the driver.
    pub async fn quit(self) {
        let _ = self.client.clone().close().await;
    }

    pub(crate) fn axe_js(&self) -> &Path {
        &self.axe_js
    }

    /// A DevTools protocol command, through ChromeDriver.
    pub(crate) async fn cdp(&self, cmd: &'static str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    async fn wait_loaded(&self) {
        self.wait_for(
            "the page to load",
            "return document.readyState === 'complete'",
        )
        .await;
    }

    async fn current_url_or_blank(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }
}

/// `text` as an XPath string literal.
fn xpath_literal(text: &str) -> String {
    if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        format!("'{text}'")
    }
}
