//! The keyboard alone: Tab from control to control, as a shopper who cannot use a mouse does,
//! checking at every stop that the focus can be seen, and Enter to follow or press what has it.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

use super::Browser;

/// More Tab presses than any page of the shop has controls: a control not reached by then
/// cannot be reached at all.
const LONGEST_ROUND: usize = 300;

impl Browser {
    async fn press(&self, key: Key) -> Result<(), fantoccini::error::CmdError> {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key.into() })
            .then(KeyAction::Up { value: key.into() });
        self.client.perform_actions(keys).await
    }

    /// Presses Tab until the link or button showing `text` (or starting with it) has focus.
    /// Every control passed on the way must show that it has focus.
    pub async fn tab_to(&self, text: &str) {
        for _ in 0..LONGEST_ROUND {
            self.press(Key::Tab).await.expect("Tab");
            let focused = self
                .client
                .active_element()
                .await
                .expect("a focused element");
            let ring = self
                .client
                .execute(
                    "const s = getComputedStyle(document.activeElement);
                     return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
                         || s.boxShadow !== 'none';",
                    vec![],
                )
                .await
                .expect("the focus style");
            let shown = focused.text().await.unwrap_or_default();
            assert_eq!(
                ring,
                serde_json::Value::Bool(true),
                "{:?} on {} has focus but does not show it",
                shown,
                self.path().await
            );
            if shown.trim().starts_with(text) {
                return;
            }
        }
        panic!("Tab never reached {text:?} on {}", self.path().await);
    }

    /// Presses the down arrow: the next choice of a list such as the search suggestions.
    pub async fn press_down(&self) {
        self.press(Key::Down).await.expect("ArrowDown");
    }

    /// Presses Enter on what has focus, and waits for the page it leads to.
    pub async fn press_enter(&self) {
        self.navigating(self.press(Key::Enter)).await;
    }
}
