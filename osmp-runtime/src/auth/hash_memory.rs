//! Verifying argon2 password hashes in memory that is kept from one check to the next.
//!
//! Each argon2 check needs its whole memory cost at once (19 MiB with the default
//! parameters). Allocated and freed for every login, those buffers are what glibc's malloc
//! handles worst: the first free of such a block raises its dynamic mmap threshold, later
//! blocks come from the heap, and the heap keeps them: 20 logins left a server some
//! 400 MiB larger for good (measured by `osmp-bench --only hostile`). The pool of password
//! checks therefore gives each running check a [`PasswordMemory`] and keeps it for the next.

use argon2::password_hash::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// The memory of one argon2 check, grown to the largest memory cost seen and reused.
#[derive(Default)]
pub(crate) struct PasswordMemory {
    blocks: Vec<Block>,
}

impl PasswordMemory {
    /// Bytes held.
    #[cfg(test)]
    pub(crate) fn size(&self) -> usize {
        self.blocks.len() * Block::SIZE
    }
}

/// Whether `password` matches the PHC string `hash`, computed in `memory`. The comparison
/// takes constant time (`Output`'s equality); an unreadable hash never matches.
pub(crate) fn verify_in(hash: &str, password: &str, memory: &mut PasswordMemory) -> bool {
    let Ok(hash) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm) else { return false };
    let Ok(version) = hash.version.map(Version::try_from).transpose() else { return false };
    let Ok(params) = Params::try_from(&hash) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let blocks = params.block_count();
    if memory.blocks.len() < blocks {
        memory.blocks.resize(blocks, Block::default());
    }
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let computed = Output::init_with(expected.len(), |out| {
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory.blocks[..blocks])
            .map_err(|_| argon2::password_hash::Error::Password)
    });
    computed.is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordVerifier;

    use super::*;
    use crate::auth::hash_password;

    #[test]
    fn agrees_with_argon2s_own_verification_and_reuses_its_memory() {
        let hash = hash_password("secret").unwrap();
        let mut memory = PasswordMemory::default();
        assert!(verify_in(&hash, "secret", &mut memory));
        let size = memory.size();
        assert_eq!(size, Params::DEFAULT_M_COST as usize * 1024, "the default memory cost");
        assert!(!verify_in(&hash, "guess", &mut memory));
        assert_eq!(memory.size(), size, "the same memory served the second check");
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(Argon2::default().verify_password(b"secret", &parsed).is_ok());
        assert!(!verify_in("not a hash", "secret", &mut memory));
        assert!(!verify_in("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ", "secret", &mut memory), "a hash without output");
    }

    #[test]
    fn reads_hashes_of_other_parameters() {
        let params = Params::new(64, 1, 1, Some(16)).unwrap();
        let salt = argon2::password_hash::SaltString::from_b64("c2FsdHNhbHRzYWx0").unwrap();
        let argon2 = Argon2::new(Algorithm::Argon2i, Version::V0x10, params);
        let hash = argon2::password_hash::PasswordHasher::hash_password(&argon2, b"pw", &salt).unwrap().to_string();
        let mut memory = PasswordMemory::default();
        assert!(verify_in(&hash, "pw", &mut memory));
        assert!(!verify_in(&hash, "pW", &mut memory));
    }
}
