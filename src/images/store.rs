//! Where image files live. The shop talks to a store only through `ImageStore`, by file name
//! (content hash, size, encoding), so one node keeps them in its data directory and several
//! nodes can share one store (an object store or a shared volume) behind the same three calls.

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;

use super::FileName;
use crate::util::random_hex;

/// A place image files are kept. Files are named by their content, so a name always holds the
/// same bytes: storing one twice changes nothing.
pub trait ImageStore: Send + Sync {
    /// Keeps `bytes` as `name`, if it is not there yet; a reader never sees a partial file.
    fn put(&self, name: &FileName, bytes: &[u8]) -> io::Result<()>;
    /// The file's bytes, or `None` when the store does not hold it.
    fn open(&self, name: &FileName) -> io::Result<Option<Vec<u8>>>;
    /// Removes the file; removing a missing one is not an error.
    fn delete(&self, name: &FileName) -> io::Result<()>;
}

/// Files in one directory, `<data dir>/images/` by default.
pub struct FsStore {
    dir: PathBuf,
}

impl FsStore {
    pub fn new(dir: impl Into<PathBuf>) -> FsStore {
        FsStore { dir: dir.into() }
    }

    /// The store of a node's data directory.
    pub fn in_data_dir(data_dir: &std::path::Path) -> FsStore {
        FsStore::new(data_dir.join("images"))
    }

    fn path(&self, name: &FileName) -> PathBuf {
        self.dir.join(name.to_string())
    }
}

impl ImageStore for FsStore {
    fn put(&self, name: &FileName, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(name);
        if path.exists() {
            return Ok(());
        }
        fs::create_dir_all(&self.dir)?;
        // Written whole and synced under a temporary name, then renamed: the rename is atomic,
        // so a crash or a concurrent reader never finds half a file under the real name.
        let temp = self.dir.join(format!(".{name}.{}.tmp", random_hex(8)));
        let written = (|| {
            let mut file = fs::File::create(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&temp, &path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written
    }

    fn open(&self, name: &FileName) -> io::Result<Option<Vec<u8>>> {
        match fs::read(self.path(name)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn delete(&self, name: &FileName) -> io::Result<()> {
        match fs::remove_file(self.path(name)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::{ContentHash, ImageEncoding, Size};

    #[test]
    fn files_are_put_once_read_back_and_deleted() {
        let dir = std::env::temp_dir().join(format!("shopwave-store-{}", random_hex(8)));
        let store = FsStore::in_data_dir(&dir);
        let name = FileName {
            hash: ContentHash::of(b"pixels"),
            size: Size::Small,
            encoding: ImageEncoding::Png,
        };
        assert_eq!(store.open(&name).expect("read"), None);
        store.put(&name, b"pixels").expect("stored");
        store.put(&name, b"pixels").expect("stored again");
        assert_eq!(store.open(&name).expect("read"), Some(b"pixels".to_vec()));
        let files = fs::read_dir(dir.join("images")).expect("listed").count();
        assert_eq!(files, 1, "no temporary file is left behind");
        store.delete(&name).expect("deleted");
        store.delete(&name).expect("deleting again is fine");
        assert_eq!(store.open(&name).expect("read"), None);
        fs::remove_dir_all(&dir).expect("cleaned up");
    }
}
