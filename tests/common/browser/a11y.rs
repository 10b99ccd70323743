//! Accessibility, checked on every page a browser journey visits: axe-core (the engine behind
//! Lighthouse's accessibility audit, installed by `.ci/run` into `tests/a11y/`) runs in the page
//! with the WCAG 2.0, 2.1 and 2.2 level A and AA rules and axe's best practices (one `main`, one
//! `h1`, all content inside landmarks, headings in order), and any violation fails the test with
//! the rule, its help text and the elements it found.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Browser, PATIENCE};

/// The rule sets a shop selling in the EU must meet (WCAG 2.2 AA includes the earlier levels),
/// and the best practices that let a screen reader user find their way around a page.
const RULES: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']";

/// axe-core's script, read once; `None` (the check is skipped) when it is not installed, except
/// in CI, where it must be.
fn axe_source() -> Option<&'static str> {
    static SOURCE: OnceLock<Option<String>> = OnceLock::new();
    SOURCE
        .get_or_init(|| {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/a11y/node_modules/axe-core/axe.min.js");
            match std::fs::read_to_string(&path) {
                Ok(source) => Some(source),
                Err(_) => {
                    assert!(
                        std::env::var("CI").is_err(),
                        "CI must install axe-core (npm ci --prefix tests/a11y) so every page is checked"
                    );
                    eprintln!("{} is missing: pages are not checked for accessibility", path.display());
                    None
                }
            }
        })
        .as_deref()
}

impl Browser {
    /// Runs axe-core on the page shown once it has loaded; panics with every violation.
    pub async fn expect_accessible(&self) {
        let Some(source) = axe_source() else {
            return;
        };
        let deadline = Instant::now() + PATIENCE;
        while self
            .client
            .execute("return document.readyState", vec![])
            .await
            .ok()
            != Some(Value::from("complete"))
        {
            assert!(
                Instant::now() < deadline,
                "{} did not finish loading",
                self.path().await
            );
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        let loaded = self
            .client
            .execute("return typeof axe !== 'undefined'", vec![])
            .await;
        if loaded.ok() != Some(Value::Bool(true)) {
            self.client
                .execute(source, vec![])
                .await
                .expect("axe-core loads in the page");
        }
        let script = format!(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {{ runOnly: {{ type: 'tag', values: {RULES} }} }})
               .then(r => done(r.violations.map(v => ({{
                 rule: v.id, help: v.help,
                 where: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)
               }}))))
               .catch(e => done([{{ rule: 'axe-error', help: String(e), where: [] }}]));"
        );
        let found = self
            .client
            .execute_async(&script, vec![])
            .await
            .expect("axe-core runs");
        let violations = found.as_array().cloned().unwrap_or_default();
        if violations.is_empty() {
            let path = self.path().await;
            self.checked.lock().expect("not poisoned").insert(path);
        }
        if !violations.is_empty() {
            let report: Vec<String> = violations
                .iter()
                .map(|v| format!("{}: {}\n    {}", v["rule"], v["help"], v["where"]))
                .collect();
            panic!(
                "{} is not accessible:\n{}",
                self.client_url().await,
                report.join("\n")
            );
        }
    }

    /// The paths (with their queries) of every page axe-core found accessible so far.
    pub fn checked_paths(&self) -> Vec<String> {
        let checked = self.checked.lock().expect("not poisoned");
        checked.iter().cloned().collect()
    }
}
