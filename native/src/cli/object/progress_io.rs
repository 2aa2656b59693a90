//! A file read as a tokio `AsyncRead` that moves a progress bar.
//!
//! The tool has its own runtime and nothing else to do while it uploads, so reading the file
//! with blocking calls inside `poll_read` stalls nothing (local file reads are short); it
//! spares a `tokio/fs` dependency.

use std::io::Read;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};

use crate::cli::format::progress::Bar;

/// Reads `inner`, reporting the bytes read so far to a [`Bar`].
#[derive(Debug)]
pub struct ProgressReader<R> {
    inner: R,
    bar: Option<Bar>,
    done: u64,
}

impl<R: Read + Unpin> ProgressReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R, bar: Bar) -> Self {
        ProgressReader {
            inner,
            bar: Some(bar),
            done: 0,
        }
    }

    /// Ends the bar's line (if it was drawn).
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish(self.done);
        }
    }
}

impl<R: Read + Unpin> AsyncRead for ProgressReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let n = this.inner.read(buf.initialize_unfilled())?;
        buf.advance(n);
        this.done += n as u64;
        if let Some(bar) = this.bar.as_mut() {
            bar.set(this.done);
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt;

    use super::*;

    #[tokio::test]
    async fn reads_everything() {
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let mut r = ProgressReader::new(
            std::io::Cursor::new(data.clone()),
            Bar::start(100_000, false),
        );
        let mut out = Vec::new();
        r.read_to_end(&mut out).await.unwrap();
        r.finish();
        assert_eq!(out, data);
    }
}
