//! What the image upload journey needs of the browser: whether an image actually loaded (files
//! are chosen with `attach`, `upload.rs`).

use fantoccini::Locator;

use super::Browser;

impl Browser {
    /// The natural (decoded) widths of the images matching `css` that loaded; 0 for one that
    /// did not.
    pub async fn loaded_image_widths(&self, css: &str) -> Vec<u64> {
        self.find(Locator::Css(css)).await;
        let widths = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll(arguments[0]))
                    .map(img => img.complete ? img.naturalWidth : 0);",
                vec![serde_json::Value::String(css.to_owned())],
            )
            .await
            .expect("measure the images");
        widths
            .as_array()
            .map(|all| all.iter().map(|w| w.as_u64().unwrap_or(0)).collect())
            .unwrap_or_default()
    }
}
