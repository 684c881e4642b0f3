//! Answers read with a bound: a registry (or whoever answers at its address) that streams
//! without end costs the station at most the bound in memory, then the attempt fails.

use std::io::Read;

/// Largest answer to a submission: a receipt with its inclusion proof and checkpoint is a few
/// KiB; a 2^40-entry log's proof is 40 hashes.
pub(crate) const MAX_SUBMIT_ANSWER: u64 = 1024 * 1024;

/// Largest answer to a heartbeat or a log request.
pub(crate) const MAX_SMALL_ANSWER: u64 = 64 * 1024;

/// Why an answer's body was not read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    #[error("answer larger than {0} bytes")]
    TooLarge(u64),
    #[error("reading the answer: {0}")]
    Read(std::io::Error),
}

/// The answer's body, at most `max` bytes.
pub(crate) fn read_bounded(
    resp: reqwest::blocking::Response,
    max: u64,
) -> Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(BodyError::TooLarge(max));
    }
    let mut body = Vec::new();
    resp.take(max + 1)
        .read_to_end(&mut body)
        .map_err(BodyError::Read)?;
    if body.len() as u64 > max {
        return Err(BodyError::TooLarge(max));
    }
    Ok(body)
}
