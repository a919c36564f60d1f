//! ChromeDriver for one `Browser`: finding the tools, starting the driver in a process group of
//! its own and killing that group (Chromium with it) when dropped, and the two ChromeDriver
//! commands WebDriver lacks (the browser's console log, DevTools protocol commands).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{json, Value};

use super::{ENSURE, PATIENCE};

/// The tools the tests need: from `scripts/ensure-browser.sh`'s variables, else where it puts them.
pub(crate) struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    pub axe_js: PathBuf,
}

impl Tools {
    pub fn find() -> Result<Self, String> {
        let axe = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/browser-tools/node_modules/axe-core/axe.min.js");
        Ok(Self {
            chromium: tool("SKILLSYNC_CHROMIUM", &["chromium", "chromium-browser"])?,
            chromedriver: tool("SKILLSYNC_CHROMEDRIVER", &["chromedriver"])?,
            axe_js: match std::env::var_os("SKILLSYNC_AXE_JS") {
                Some(path) => PathBuf::from(path),
                None => axe,
            },
        })
        .and_then(|tools| match tools.axe_js.is_file() {
            true => Ok(tools),
            false => Err(format!("axe-core not found at {}", tools.axe_js.display())),
        })
    }
}

/// `$var`, else the first of `names` on PATH.
fn tool(var: &str, names: &[&str]) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(var) {
        return Ok(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("{var} is not set and none of {names:?} is on PATH"))
}

/// A running ChromeDriver, killed with everything it started when dropped.
pub(crate) struct Driver(Child);

impl Driver {
    /// `chromedriver` on a free port, once it answers; and its address.
    pub async fn spawn(chromedriver: &Path) -> (Self, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so that Drop can end Chromium with it.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}; {ENSURE}", chromedriver.display()));
        let driver = Self(child);
        let base = format!("http://127.0.0.1:{port}");
        wait_until_ready(&base).await;
        (driver, base)
    }
}

impl Drop for Driver {
    /// Kills ChromeDriver's process group (Chromium and its helpers are in it), then reaps it.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_until_ready(base: &str) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(resp) = http.get(format!("{base}/status")).send().await {
            let status: Value = resp.json().await.unwrap_or_default();
            if status["value"]["ready"] == true {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "ChromeDriver at {base} not ready; {ENSURE}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// ChromeDriver's `POST /session/{id}/se/log`: the browser's console, drained.
#[derive(Debug)]
pub(crate) struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

/// ChromeDriver's `POST /session/{id}/goog/cdp/execute`.
#[derive(Debug)]
pub(crate) struct Cdp {
    pub cmd: &'static str,
    pub params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}
