//! The async runtime openraft runs on: tokio, with a random number generator that a
//! simulation can seed.
//!
//! openraft draws its election timeouts from `AsyncRuntime::thread_rng()`. With tokio's own
//! runtime that is `rand::thread_rng()`, seeded by the OS, so two runs of one simulation seed
//! would elect differently. [`RillRuntime`] is tokio in every other respect, but its generator
//! is a per-thread xorshift state that [`seed_thread_rng`] resets; outside simulations it is
//! seeded from the OS once per thread, which is as good as `thread_rng` for timeouts.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use openraft::async_runtime::TokioOneShotSender;
use openraft::{AsyncRuntime, OptionalSend, TokioInstant};

thread_local! {
    static RNG_STATE: Cell<u64> = Cell::new(os_seed());
}

fn os_seed() -> u64 {
    let mut bytes = [0u8; 8];
    // A failed OS draw falls back to the clock: the generator only spreads election timeouts.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        bytes = nanos.to_le_bytes();
    }
    u64::from_le_bytes(bytes) | 1
}

/// Resets this thread's generator (used by openraft for election timeouts) to `seed`, so a
/// single-threaded simulation replays the same elections.
pub fn seed_thread_rng(seed: u64) {
    // splitmix64 of the seed: nearby seeds give unrelated streams, and the state is never 0.
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    RNG_STATE.with(|s| s.set((z ^ (z >> 31)) | 1));
}

/// A handle on the calling thread's generator (xorshift64*).
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadRng;

impl rand::RngCore for ThreadRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        RNG_STATE.with(|s| {
            let mut x = s.get();
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            s.set(x);
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        })
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// tokio, with [`ThreadRng`] as openraft's random number generator.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RillRuntime;

impl AsyncRuntime for RillRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle<T: OptionalSend + 'static> = tokio::task::JoinHandle<T>;
    type Sleep = tokio::time::Sleep;
    type Instant = TokioInstant;
    type TimeoutError = tokio::time::error::Elapsed;
    type Timeout<R, T: Future<Output = R> + OptionalSend> = tokio::time::Timeout<T>;
    type ThreadLocalRng = ThreadRng;
    type OneshotSender<T: OptionalSend> = TokioOneShotSender<T>;
    type OneshotReceiver<T: OptionalSend> = tokio::sync::oneshot::Receiver<T>;
    type OneshotReceiverError = tokio::sync::oneshot::error::RecvError;

    fn spawn<T>(future: T) -> Self::JoinHandle<T::Output>
    where
        T: Future + OptionalSend + 'static,
        T::Output: OptionalSend + 'static,
    {
        tokio::task::spawn(future)
    }

    fn sleep(duration: Duration) -> Self::Sleep {
        tokio::time::sleep(duration)
    }

    fn sleep_until(deadline: Self::Instant) -> Self::Sleep {
        tokio::time::sleep_until(deadline)
    }

    fn timeout<R, F: Future<Output = R> + OptionalSend>(
        duration: Duration,
        future: F,
    ) -> Self::Timeout<R, F> {
        tokio::time::timeout(duration, future)
    }

    fn timeout_at<R, F: Future<Output = R> + OptionalSend>(
        deadline: Self::Instant,
        future: F,
    ) -> Self::Timeout<R, F> {
        tokio::time::timeout_at(deadline, future)
    }

    fn is_panic(join_error: &Self::JoinError) -> bool {
        join_error.is_panic()
    }

    fn thread_rng() -> Self::ThreadLocalRng {
        ThreadRng
    }

    fn oneshot<T>() -> (Self::OneshotSender<T>, Self::OneshotReceiver<T>)
    where
        T: OptionalSend,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (TokioOneShotSender(tx), rx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn raft_rng_replays_after_reseeding() {
        seed_thread_rng(42);
        let a: Vec<u64> = (0..4).map(|_| ThreadRng.gen_range(150..300)).collect();
        seed_thread_rng(42);
        let b: Vec<u64> = (0..4).map(|_| ThreadRng.gen_range(150..300)).collect();
        seed_thread_rng(43);
        let c: Vec<u64> = (0..4).map(|_| ThreadRng.gen_range(150..300)).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
