//! File inputs: a browser attaches a file by its path on this machine.

use super::Browser;

impl Browser {
    /// Chooses the file at `path` in the file input labelled `label`.
    pub async fn attach(&self, label: &str, path: &std::path::Path) {
        self.labelled(label)
            .await
            .send_keys(&path.display().to_string())
            .await
            .expect("choose the file");
    }
}
