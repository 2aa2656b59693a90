//! Identifiers: the server id (nats-server style, 56 characters starting with `N`) and nonces.

/// The base32 alphabet nkeys use.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Random bytes from the OS; falls back to a time-seeded mix if the OS refuses.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if getrandom::fill(&mut buf).is_err() {
        let mut x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        for b in &mut buf {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    buf
}

/// `N` random characters from `alphabet` (ids of advisories, ephemeral consumer names).
pub fn random_token<const N: usize>(alphabet: &[u8]) -> String {
    random_bytes::<N>()
        .iter()
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
        .collect()
}

/// A fresh server id: `N` followed by 55 base32 characters, like an nkey server public key.
pub fn server_id() -> String {
    let bytes: [u8; 55] = random_bytes();
    let mut id = String::with_capacity(56);
    id.push('N');
    id.extend(bytes.iter().map(|b| BASE32[usize::from(*b) % 32] as char));
    id
}

/// A small fast pseudo-random generator for queue member choice (not for secrets).
#[derive(Debug, Clone)]
pub struct FastRng(u64);

impl FastRng {
    /// Seeded from the OS.
    pub fn new() -> Self {
        FastRng(u64::from_le_bytes(random_bytes()) | 1)
    }

    /// Seeded with `seed` (replicas of a Raft-replicated stream draw the same values).
    pub fn seeded(seed: u64) -> Self {
        // splitmix64 of the seed, so that nearby seeds give unrelated streams; never 0.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        FastRng((z ^ (z >> 31)) | 1)
    }

    /// A token of `N` characters from `alphabet`.
    pub fn token<const N: usize>(&mut self, alphabet: &[u8]) -> String {
        (0..N)
            .map(|_| char::from(alphabet[(self.next_u64() % alphabet.len() as u64) as usize]))
            .collect()
    }

    /// Next value (xorshift64*).
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

impl Default for FastRng {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_ids_look_like_nkeys() {
        let a = server_id();
        assert_eq!(a.len(), 56);
        assert!(a.starts_with('N'));
        assert!(a.bytes().all(|b| BASE32.contains(&b)));
        assert_ne!(a, server_id());
    }

    #[test]
    fn fast_rng_varies() {
        let mut r = FastRng::new();
        let a = r.next_u64();
        assert_ne!(a, r.next_u64());
    }
}
