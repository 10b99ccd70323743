//! Screen sizes: every page must work on a 390 px-wide phone as well as on a desktop, so tests
//! switch the window and check that nothing makes the page scroll sideways.

use super::Browser;

/// An iPhone 12–15 sized viewport, the narrowest screen the shop is designed for.
pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1280, 900);

impl Browser {
    /// Resizes the window so the page's own viewport is `width` × `height` CSS pixels.
    pub async fn use_screen(&self, (width, height): (u32, u32)) {
        // The window includes the browser's frame, so the viewport is measured and the window
        // grown by the difference.
        self.client
            .set_window_size(width, height)
            .await
            .expect("set the window size");
        let inner = self
            .client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .expect("read the viewport");
        let measured = |i: usize| inner[i].as_u64().unwrap_or(0) as u32;
        let (extra_w, extra_h) = (
            width.saturating_sub(measured(0)),
            height.saturating_sub(measured(1)),
        );
        if extra_w > 0 || extra_h > 0 {
            self.client
                .set_window_size(width + extra_w, height + extra_h)
                .await
                .expect("set the window size");
        }
    }

    /// Fails when the current page is wider than the window, i.e. a phone user would have to
    /// scroll sideways to reach part of it. Wide tables inside their own scrolling box are fine.
    pub async fn expect_no_sideways_scroll(&self) {
        if let Some((page, window)) = self.sideways_overflow().await {
            panic!(
                "the page is {page} px wide in a {window} px window: a phone user scrolls sideways"
            );
        }
    }

    /// The page's and the window's widths when the page is the wider.
    pub async fn sideways_overflow(&self) -> Option<(u64, u64)> {
        let widths = self
            .patiently(|| {
                self.client.execute(
                    "return [document.documentElement.scrollWidth, window.innerWidth];",
                    vec![],
                )
            })
            .await
            .expect("measure the page");
        let (page, window) = (widths[0].as_u64()?, widths[1].as_u64()?);
        (page > window).then_some((page, window))
    }

    /// What `script` (a function body that `return`s) finds on the page shown: layout
    /// measurements, say.
    pub async fn measure(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("the measuring script runs")
    }

    /// The controls on the page shown that a finger could miss: smaller than 44 × 44 CSS px,
    /// each as `tag "text": width × height`. Links inside running text are exempt, as WCAG
    /// exempts them (a sentence's line height sets their size); a checkbox or radio button is
    /// measured by the label wrapped around it, which is what a tap lands on.
    pub async fn small_targets(&self) -> Vec<String> {
        let found = self
            .measure(
                "const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
                 return Array.from(document.querySelectorAll(controls)).flatMap(e => {
                   if (!e.checkVisibility()) return [];
                   if (e.tagName === 'A' && e.closest('p, dd')) return [];
                   const target = (e.type === 'checkbox' || e.type === 'radio') && e.closest('label') || e;
                   const r = target.getBoundingClientRect();
                   if (r.width >= 43.5 && r.height >= 43.5) return [];
                   const name = (e.textContent || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 30);
                   return [`${e.tagName.toLowerCase()} \"${name}\": ${Math.round(r.width)} × ${Math.round(r.height)}`];
                 });",
            )
            .await;
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }
}
