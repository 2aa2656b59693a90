//! The file operations a group's log needs, behind a trait so the deterministic simulation
//! can run the real log code on a simulated disk ([`super::MemDisk`]).
//!
//! A [`Disk`] is one directory of flat files. Writes are appends; nothing is durable until
//! [`Disk::sync`] of that file returns (which also makes a newly created file's directory
//! entry durable). [`Disk::write_atomic`] replaces a small file durably in one step.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;

/// One directory of files (a group's log directory, or a machine's).
pub trait Disk: Send + Sync + 'static {
    /// Names of the files present.
    fn list(&self) -> io::Result<Vec<String>>;
    /// The whole content of a file.
    fn read(&self, name: &str) -> io::Result<Vec<u8>>;
    /// Appends to a file, creating it if needed. Not durable until [`Disk::sync`].
    fn append(&self, name: &str, data: &[u8]) -> io::Result<()>;
    /// Cuts a file to `len` bytes (dropping a torn tail).
    fn truncate(&self, name: &str, len: u64) -> io::Result<()>;
    /// Removes a file.
    fn remove(&self, name: &str) -> io::Result<()>;
    /// Makes everything appended to `name` durable (fdatasync, plus the directory when the
    /// file is new).
    fn sync(&self, name: &str) -> BoxFuture<'static, io::Result<()>>;
    /// Replaces `name` with `data` durably (write a temporary file, sync, rename, sync the
    /// directory).
    fn write_atomic(&self, name: &str, data: Vec<u8>) -> BoxFuture<'static, io::Result<()>>;
    /// Removes every file and the directory itself.
    fn destroy(&self) -> io::Result<()>;
}

/// A [`Disk`] on the real file system.
#[derive(Debug)]
pub struct FsDisk {
    dir: PathBuf,
    open: Mutex<BTreeMap<String, Arc<File>>>,
    dir_dirty: Arc<AtomicBool>,
}

impl FsDisk {
    /// The disk for directory `dir`, created if missing.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Arc<Self>> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(Arc::new(Self {
            dir,
            open: Mutex::new(BTreeMap::new()),
            dir_dirty: Arc::new(AtomicBool::new(true)),
        }))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn handle(&self, name: &str) -> io::Result<Arc<File>> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(f) = open.get(name) {
            return Ok(f.clone());
        }
        let path = self.dir.join(name);
        let existed = path.exists();
        let file = Arc::new(
            OpenOptions::new()
                .create(true)
                .append(true)
                .read(true)
                .open(path)?,
        );
        if !existed {
            self.dir_dirty.store(true, Ordering::Release);
        }
        open.insert(name.to_string(), file.clone());
        Ok(file)
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Disk for FsDisk {
    fn list(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            if let Ok(name) = entry?.file_name().into_string() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        fs::read(self.dir.join(name))
    }

    fn append(&self, name: &str, data: &[u8]) -> io::Result<()> {
        let file = self.handle(name)?;
        (&*file).write_all(data)
    }

    fn truncate(&self, name: &str, len: u64) -> io::Result<()> {
        let file = self.handle(name)?;
        file.set_len(len)?;
        file.sync_data()
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name);
        fs::remove_file(self.dir.join(name))?;
        self.dir_dirty.store(true, Ordering::Release);
        Ok(())
    }

    fn sync(&self, name: &str) -> BoxFuture<'static, io::Result<()>> {
        let file = self.handle(name);
        let dir = self.dir.clone();
        let dirty = self.dir_dirty.clone();
        Box::pin(async move {
            let file = file?;
            let run = move || {
                file.sync_data()?;
                if dirty.swap(false, Ordering::AcqRel) {
                    if let Err(e) = sync_dir(&dir) {
                        dirty.store(true, Ordering::Release);
                        return Err(e);
                    }
                }
                Ok(())
            };
            tokio::task::spawn_blocking(run)
                .await
                .map_err(|e| io::Error::other(e.to_string()))?
        })
    }

    fn write_atomic(&self, name: &str, data: Vec<u8>) -> BoxFuture<'static, io::Result<()>> {
        let dir = self.dir.clone();
        let name = name.to_string();
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&name);
        Box::pin(async move {
            let run = move || {
                let tmp = dir.join(format!("{name}.tmp"));
                let mut f = File::create(&tmp)?;
                f.write_all(&data)?;
                f.sync_data()?;
                fs::rename(&tmp, dir.join(&name))?;
                sync_dir(&dir)
            };
            tokio::task::spawn_blocking(run)
                .await
                .map_err(|e| io::Error::other(e.to_string()))?
        })
    }

    fn destroy(&self) -> io::Result<()> {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        match fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}
