//! What a sanitize or format writes over the media.

/// What a fill writes: one of the outcomes listed in the module documentation.
#[derive(Debug, Clone, Copy)]
pub(super) enum Content {
    Zeros,
    Pattern(u32),
    Random { key: [u8; 32] },
}

impl Content {
    pub(super) fn fill(self, chunk: &mut [u8], offset: u64) {
        match self {
            Content::Zeros => chunk.fill(0),
            Content::Pattern(p) => {
                let bytes = p.to_le_bytes();
                for (i, b) in chunk.iter_mut().enumerate() {
                    *b = bytes[((offset + i as u64) % 4) as usize];
                }
            }
            Content::Random { key } => {
                let mut reader = blake3::Hasher::new_keyed(&key).finalize_xof();
                reader.set_position(offset);
                reader.fill(chunk);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_patterns() {
        let mut b = [0u8; 8];
        Content::Pattern(0x0403_0201).fill(&mut b, 2);
        assert_eq!(b, [3, 4, 1, 2, 3, 4, 1, 2]);
        let mut r1 = [0u8; 64];
        let mut r2 = [0u8; 32];
        let key = [7u8; 32];
        Content::Random { key }.fill(&mut r1, 0);
        Content::Random { key }.fill(&mut r2, 32);
        assert_eq!(&r1[32..], &r2[..], "random content is seekable");
        assert_ne!(r1, [0u8; 64]);
    }
}
