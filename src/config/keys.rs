//! The keys a shop keeps in its data directory when none is given: the cookie-signing key and
//! the built-in card processor's API key, each made once with the file readable by its owner
//! only.

use std::path::Path;

use super::{ConfigError, Settings};

impl Settings {
    /// The cookie-signing key: given, or read from DATA_DIR/secret_key, or generated there once.
    pub fn secret_key(&self) -> Result<Vec<u8>, ConfigError> {
        if let Some(key) = &self.secret_key {
            return if key.len() >= 64 {
                Ok(key.as_bytes().to_vec())
            } else {
                Err(ConfigError::ShortSecret(key.len()))
            };
        }
        Ok(self.kept_key("secret_key", 64, "")?.into_bytes())
    }

    /// The key `payments-sim` accepts: given, or read from DATA_DIR/payments_key, or generated
    /// there once (a test-mode key, `sk_test_…`).
    pub fn payments_sim_key(&self) -> Result<String, ConfigError> {
        match &self.payments_key {
            Some(key) => Ok(key.clone()),
            None => self.kept_key("payments_key", 32, "sk_test_"),
        }
    }

    /// A key kept in DATA_DIR/`name` (at least `bytes` characters), made there once as `prefix`
    /// and `bytes` random bytes.
    fn kept_key(&self, name: &str, bytes: usize, prefix: &str) -> Result<String, ConfigError> {
        let path = self.data_dir.join(name);
        let io_error = |source| ConfigError::DataDir {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(hex_key) if hex_key.trim().len() >= bytes => Ok(hex_key.trim().to_owned()),
            Ok(_) | Err(_) if !path.exists() || is_empty(&path) => {
                self.ensure_data_dir()?;
                let key = format!("{prefix}{}", crate::util::random_hex(bytes));
                write_private(&path, &key).map_err(io_error)?;
                Ok(key)
            }
            Ok(content) => Err(ConfigError::ShortSecret(content.trim().len())),
            Err(source) => Err(io_error(source)),
        }
    }
}

fn is_empty(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|m| m.len() == 0)
        .unwrap_or(true)
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}
